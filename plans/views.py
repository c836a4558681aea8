"""The case manager's pages of a participant's plan: start it from a participant, the plan itself (barriers,
their steps and the referrals made for them, recent check-ins), the intake of barriers, steps added, changed and
moved, a barrier resolved, a check-in with progress per open step, and "find providers" for a barrier.

Every page finds its plan through ``plan_for_reader`` (selectors.get_plan_for_user: 404 for anyone outside the
participant's organization but network admins); the pages that change it go through ``plan_for_change`` (403
for staff who may read it but are not its organization's case managers). Writes go through plans/services.py.
Every read of a plan by staff is written to the access log (PLAN_PAGE).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory.access import roles_of_reader
from plans import selectors, services
from plans.forms import BarrierForm, CheckInForm, MoveStepForm, ResolveForm, StartForm, StepForm
from plans.models import OPEN_STEP_STATUSES, Barrier, Plan, Step
from referrals import access_log
from referrals.models import AccessRecord, Referral

RECENT_CHECK_INS = 5
# The templates compare by name (Step.Status.DONE), never by bare string.
CHOICES = {"StepStatus": Step.Status, "ReferralStatus": Referral.Status}


def plan_for_reader(request: HttpRequest, plan_id) -> selectors.PlanAccess:
    """The plan and the reader's right to change it, or 404; one query (the reader's roles are the page's)."""
    return selectors.get_plan_for_user(request.user, plan_id, network_admin=roles_of_reader(request).network_admin)


def plan_for_change(request: HttpRequest, plan_id) -> Plan:
    """The plan, for one of its organization's case managers; 404 for who may not see it, 403 for the rest."""
    access = plan_for_reader(request, plan_id)
    if not access.may_change:
        raise PermissionDenied(_("Only the participant's case managers change their plan."))
    if is_erased(access.plan):
        raise PermissionDenied(_("This participant's personal data is erased: their plan cannot change."))
    return access.plan


def is_erased(plan: Plan) -> bool:
    return hasattr(plan.participant, "erasure")


def barrier_of(plan: Plan, barrier_id) -> Barrier:
    try:
        return Barrier.objects.select_related("plan", "category").get(pk=barrier_id, plan=plan)
    except (Barrier.DoesNotExist, ValidationError):
        raise Http404("No such barrier") from None


def step_of(plan: Plan, step_id) -> Step:
    try:
        return Step.objects.select_related("barrier__plan").get(pk=step_id, barrier__plan=plan)
    except (Step.DoesNotExist, ValidationError):
        raise Http404("No such step") from None


def error_text(error: ValidationError, labels: dict | None = None) -> str:
    """A service's error as one line, each message after the name of the field it is about."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    labels = labels or {}
    return " ".join(
        f"{labels[field]}: {message}" if field in labels else message
        for field, errors in error.message_dict.items()
        for message in errors
    )


# Starting a plan


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, participant_id) -> HttpResponse:
    """A participant's plan: opens it when there is one, otherwise a case manager of their organization starts it."""
    participant, may_change = selectors.get_participant_for_plan(
        request.user, participant_id, network_admin=roles_of_reader(request).network_admin
    )
    plan = Plan.objects.filter(participant=participant).only("pk").first()
    if plan is not None:
        return redirect(plan)
    if not may_change:
        raise PermissionDenied(_("Only the participant's case managers start their plan."))
    if hasattr(participant, "erasure"):
        raise PermissionDenied(_("This participant's personal data is erased: no plan can be started."))
    form = StartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_start(
                participant=participant, case_manager=request.user, started_on=form.cleaned_data["started_on"]
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Plan started. Record the barriers the participant names."))
            return redirect("plans:barrier_add", plan.pk)
    return render(request, "plans/start.html", {"participant": participant, "form": form})


# The plan


@login_required
@require_GET
def detail(request: HttpRequest, plan_id) -> HttpResponse:
    """The plan: each barrier with its goal and steps (and each step's referral), the recent check-ins, and what
    the reader may do. A fixed number of queries, whatever the number of barriers, steps and check-ins."""
    access = plan_for_reader(request, plan_id)
    plan = access.plan
    barriers = selectors.barriers_of(plan)
    check_ins = selectors.recent_check_ins(plan, RECENT_CHECK_INS)
    steps = {step.pk: step for barrier in barriers for step in barrier.steps.all()}
    for check_in in check_ins:
        check_in.rows = [(steps.get(progress.step_id), progress) for progress in check_in.recorded]
    access_log.reads_record(reader=request.user, door=AccessRecord.Door.PLAN_PAGE, things=[plan.participant])
    erased = is_erased(plan)
    context = {
        "plan": plan,
        "participant": plan.participant,
        "barriers": barriers,
        "open_barriers": [barrier for barrier in barriers if barrier.resolved_on is None],
        "resolved_barriers": [barrier for barrier in barriers if barrier.resolved_on is not None],
        "check_ins": check_ins,
        "erased": erased,
        "may_change": access.may_change and not erased,
        "status_choices": Step.Status.choices,
        "has_open_steps": any(step.status in OPEN_STEP_STATUSES for step in steps.values()),
        **CHOICES,
    }
    return render(request, "plans/plan.html", context)


# Barriers


@login_required
@require_http_methods(["GET", "POST"])
def barrier_add(request: HttpRequest, plan_id) -> HttpResponse:
    """The intake: one barrier at a time, a category, the participant's words and a goal; "save and add
    another" for the next."""
    plan = plan_for_change(request, plan_id)
    form = BarrierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            barrier = services.barrier_add(
                plan=plan,
                category=data["category"],
                in_their_words=data["in_their_words"],
                goal=data["goal"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, _("Barrier recorded: %(category)s.") % {"category": barrier.category.localized_name}
            )
            if "another" in request.POST:
                return redirect("plans:barrier_add", plan.pk)
            return redirect(f"{plan.get_absolute_url()}#barrier-{barrier.pk}")
    context = {"plan": plan, "participant": plan.participant, "form": form, "count": plan.barriers.count()}
    return render(request, "plans/barrier_form.html", context)


@login_required
@require_POST
def barrier_resolve(request: HttpRequest, plan_id, barrier_id) -> HttpResponse:
    """Mark a barrier resolved on a day (or, with ``reopen``, standing in the way again)."""
    plan = plan_for_change(request, plan_id)
    barrier = barrier_of(plan, barrier_id)
    if "reopen" in request.POST:
        services.barrier_reopen(barrier=barrier)
        messages.success(request, _("The barrier stands in the way again."))
        return redirect(f"{plan.get_absolute_url()}#barrier-{barrier.pk}")
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, " ".join(f"{form[name].label}: {' '.join(errors)}" for name, errors in form.errors.items())
        )
        return redirect(f"{plan.get_absolute_url()}#barrier-{barrier.pk}")
    try:
        services.barrier_resolve(barrier=barrier, resolved_on=form.cleaned_data["resolved_on"])
    except ValidationError as error:
        messages.error(request, error_text(error, {"resolved_on": form["resolved_on"].label}))
    else:
        messages.success(request, _("Resolved: %(category)s.") % {"category": barrier.category.localized_name})
    return redirect(f"{plan.get_absolute_url()}#barrier-{barrier.pk}")


@login_required
@require_GET
def find_providers(request: HttpRequest, plan_id, barrier_id) -> HttpResponse:
    """Open the search with the participant's profile (ZIP code, language) and the barrier's category set, carrying
    the participant and the step (``?step=``, or the barrier's first open step) so that "Refer" refers for it."""
    plan = plan_for_change(request, plan_id)
    barrier = barrier_of(plan, barrier_id)
    steps = barrier.steps.filter(status__in=OPEN_STEP_STATUSES)
    step = steps.filter(pk=request.GET["step"]).first() if request.GET.get("step") else steps.first()
    if request.GET.get("step") and step is None:
        raise Http404("No such step")
    return redirect(search_url(plan, barrier, step))


def search_url(plan: Plan, barrier: Barrier, step: Step | None) -> str:
    """The search page's address for a barrier: its category and the participant's profile; opaque ids only."""
    participant = plan.participant
    query = QueryDict(mutable=True)
    query["category"] = barrier.category.code
    if participant.zip_code:
        query["zip"] = participant.zip_code  # nearest first; the case manager narrows to who serves it
    query["speaks"] = participant.preferred_language
    query["participant"] = str(participant.pk)
    if step is not None:
        query["step"] = str(step.pk)
    return f"{reverse('search:page')}?{query.urlencode()}"


# Steps


@login_required
@require_http_methods(["GET", "POST"])
def step_add(request: HttpRequest, plan_id, barrier_id) -> HttpResponse:
    plan = plan_for_change(request, plan_id)
    barrier = barrier_of(plan, barrier_id)
    form = StepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            step = services.step_add(
                barrier=barrier, text=data["text"], owner=data["owner"], due_on=data["due_on"], actor=request.user
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Step added."))
            if "another" in request.POST:
                return redirect("plans:step_add", plan.pk, barrier.pk)
            return redirect(f"{plan.get_absolute_url()}#step-{step.pk}")
    context = {"plan": plan, "participant": plan.participant, "barrier": barrier, "form": form, "step": None}
    return render(request, "plans/step_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def step_edit(request: HttpRequest, plan_id, step_id) -> HttpResponse:
    plan = plan_for_change(request, plan_id)
    step = step_of(plan, step_id)
    initial = {"text": step.text, "owner": step.owner, "due_on": step.due_on}
    form = StepForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.step_change(step=step, text=data["text"], owner=data["owner"], due_on=data["due_on"])
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Step saved."))
            return redirect(f"{plan.get_absolute_url()}#step-{step.pk}")
    context = {"plan": plan, "participant": plan.participant, "barrier": step.barrier, "form": form, "step": step}
    return render(request, "plans/step_form.html", context)


@login_required
@require_POST
def step_move(request: HttpRequest, plan_id, step_id) -> HttpResponse:
    plan = plan_for_change(request, plan_id)
    step = step_of(plan, step_id)
    form = MoveStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the step's status from the list."))
        return redirect(f"{plan.get_absolute_url()}#step-{step.pk}")
    try:
        moved = services.step_move(step=step, status=form.cleaned_data["status"], actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Step: %(status)s.") % {"status": moved.get_status_display().lower()})
    return redirect(f"{plan.get_absolute_url()}#step-{step.pk}")


# Check-ins


@login_required
@require_http_methods(["GET", "POST"])
def check_in_add(request: HttpRequest, plan_id) -> HttpResponse:
    """Record a check-in: when, how, a note, and where each open step stands (a step moves with it)."""
    plan = plan_for_change(request, plan_id)
    steps = list(
        Step.objects.filter(barrier__plan=plan, status__in=OPEN_STEP_STATUSES)
        .select_related("barrier__category", "barrier__plan")
        .order_by("barrier__identified_on", "barrier__created_at", "position", "created_at")
    )
    form = CheckInForm(request.POST or None, steps=steps)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.check_in_record(
                plan=plan,
                held_on=data["held_on"],
                method=data["method"],
                note=data["note"],
                progress=form.progress(),
                actor=request.user,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Check-in recorded."))
            return redirect(f"{plan.get_absolute_url()}#check-ins")
    context = {"plan": plan, "participant": plan.participant, "form": form}
    return render(request, "plans/check_in_form.html", context)
