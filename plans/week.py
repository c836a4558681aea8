"""The case manager's "this week" queue (/plans/week/): the participants whose plans need them this week.

What is in a week is plans.selectors.week_of's (four queries, flat in the number of plans, steps and check-ins);
this page lists it, phone first, each row linking to the participant's plan, and answers the participants'
requests for help. Every participant shown is recorded in the access log (one INSERT): the page shows their
steps and their own words. The menu's and the home page's count is week_count's, the same rules counted.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from directory.access import roles_of_reader
from plans import selectors, services
from plans.models import Step
from referrals import access_log
from referrals.models import AccessRecord

NOT_CASE_MANAGER = gettext_lazy("The week's queue is for the case managers who follow participants' plans.")


def week_count_of(request: HttpRequest) -> int:
    """How many participants need the signed-in case manager this week, once per request (a query, none on the
    week's page, which counts what it lists)."""
    if not hasattr(request, "plans_week_count"):
        request.plans_week_count = selectors.week_count(request.user)
    return request.plans_week_count


def require_case_manager(request: HttpRequest) -> None:
    """A 403 that says why for anyone who is not a case manager (the roles the menu reads, no query more)."""
    if not roles_of_reader(request).case_manager:
        raise PermissionDenied(NOT_CASE_MANAGER)


def get_step_to_answer(user, step_id) -> Step:
    """Return a step of a plan ``user`` may change (a case manager of the participant's organization) whose
    participant is not erased; 404 otherwise."""
    plans = selectors.plans_changeable_by(user).filter(participant__erasure__isnull=True)
    try:
        return Step.objects.get(pk=step_id, barrier__plan__in=plans.values("pk"))
    except (Step.DoesNotExist, ValidationError):
        raise Http404("No such step") from None


@login_required
@require_GET
def week(request: HttpRequest) -> HttpResponse:
    """The week's queue: requests for help first, then steps due or overdue, check-ins due, referrals waiting."""
    require_case_manager(request)
    today = timezone.localdate()
    this_week = selectors.week_of(request.user, today)
    request.plans_week_count = this_week.participant_count
    participants = [plan.participant for plan in this_week.check_ins_due]
    participants += [step.barrier.plan.participant for step in this_week.help_requested + this_week.steps_due]
    participants += [referral.participant for referral in this_week.referrals_waiting]
    access_log.reads_record(reader=request.user, door=AccessRecord.Door.PLAN_PAGE, things=participants)
    context = {
        "week": this_week,
        "today": today,
        "participant_count": this_week.participant_count,
        "check_in_days": settings.PLAN_CHECK_IN_DAYS,
    }
    return render(request, "plans/week.html", context)


@login_required
@require_POST
def help_answered(request: HttpRequest, step_id) -> HttpResponse:
    """Mark the participant's request for help on a step as answered: it leaves the queue."""
    require_case_manager(request)
    step = get_step_to_answer(request.user, step_id)
    if step.help_requested_at is None:
        messages.error(request, _("Nobody asked for help with this step."))
        return redirect("plans:week")
    services.step_help_answer(step=step)
    messages.success(request, _("Marked as answered."))
    return redirect("plans:week")
