"""The participant's own view of their plan, through its private link: no account, on a phone, in their language.

The link's token is exchanged for a session on the first visit and the browser is sent to the token-free
``/plans/mine/``, so that only that one request carries it (as the referral feedback link does; the server log
hides it there, referrals/log_filters.py). The session holds the plan's id and when its link was made: a new
link (plans.services.link_issue) ends the sessions the old one opened, as an expired link does.

The page shows the participant's barriers in their words, goals and steps, their open referrals with where and
when to go, and their case manager's contact; nothing written about them by staff (check-in notes, progress
notes, referral notes), nothing of anyone else. "I did this" and "I need help with this" go through the plan's
services, which record the step's history and tell the program's webhook endpoints.

The case manager's side is here too: the private link as the plan page shows it (_participant_link.html, through
the ``plans_participant`` template tags), and a page to show it and make a new one.
"""

import dataclasses
import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from handouts import listing
from handouts.services import case_manager_of
from plans import services
from plans.models import OPEN_STEP_STATUSES, Barrier, Plan, PlanLink, Step
from plans.selectors import barriers_of, get_plan_for_user
from referrals import access_log
from referrals.models import AccessRecord, Referral

# The plan whose link this browser opened, and when that link was made: [plan id, link's created_at].
SESSION_KEY = "plans_mine"
HELP_NOTE_MAX_LENGTH = 500
PARTICIPANT_ERASED = gettext_lazy("This participant's personal data is erased: they have no private link.")


class HelpForm(forms.Form):
    """The optional note of "I need help with this" (the page writes the field itself: one per step)."""

    note = forms.CharField(max_length=HELP_NOTE_MAX_LENGTH, required=False)


# Finding the plan


def link_for_token(token: str) -> PlanLink | None:
    """The link of a token that works now (not expired, its participant not erased); None otherwise."""
    link = PlanLink.objects.select_related("plan__participant__erasure").filter(token=token).first()
    if link is None or link.is_expired or getattr(link.plan.participant, "erasure", None) is not None:
        return None
    return link


def link_of_session(request: HttpRequest) -> PlanLink | None:
    """The link this browser opened, while it still works and is the plan's link in force (a query)."""
    kept = request.session.get(SESSION_KEY)
    if not isinstance(kept, list) or len(kept) != 2:
        return None
    plan_id, issued = kept
    links = PlanLink.objects.select_related(
        "plan__participant__organization", "plan__participant__erasure", "plan__case_manager"
    )
    try:
        link = links.filter(pk=plan_id).first()
    except ValidationError:  # not a plan id
        return None
    if link is None or link.is_expired or link.created_at.isoformat() != issued:
        return None
    if getattr(link.plan.participant, "erasure", None) is not None:
        return None
    return link


def language_for(request: HttpRequest, plan: Plan) -> str:
    """The language the visitor chose with the site's switch, else the participant's own."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in dict(settings.LANGUAGES) else plan.participant.preferred_language


def link_unusable(request: HttpRequest, *, expired: bool) -> HttpResponse:
    """A kind page, in English and Spanish, for a wrong (404) or expired (410) link: it names nothing."""
    response = render(request, "plans/mine_unusable.html", {"expired": expired}, status=410 if expired else 404)
    response["Cache-Control"] = "no-store"
    return response


# The participant's pages


@never_cache
@require_GET
def mine_link(request: HttpRequest, token: str) -> HttpResponse:
    """The private link: exchange its token for this browser's session, then go to the token-free page."""
    link = link_for_token(token)
    if link is None:
        return link_unusable(request, expired=PlanLink.objects.filter(token=token).exists())
    request.session.cycle_key()  # a session key planted before the exchange does not get to read the plan
    request.session[SESSION_KEY] = [str(link.plan_id), link.created_at.isoformat()]
    return redirect("plans:mine")


@dataclasses.dataclass
class Visit:
    """A referral as the participant acts on it: the service's facts in their language, and when to go."""

    referral: Referral
    entry: listing.Entry
    status_text: str


@dataclasses.dataclass
class Goal:
    """A barrier with its steps split the way the participant reads them."""

    barrier: Barrier
    category: listing.Text
    open_steps: list[Step]
    finished_steps: list[Step]


STATUS_TEXT = {
    Referral.Status.SENT: gettext_lazy("Sent. They will get in touch with you, or you can call them."),
    Referral.Status.RECEIVED: gettext_lazy("They have it. They will get in touch with you, or you can call them."),
    Referral.Status.ACCEPTED: gettext_lazy("They can help you. Call them or go in to set a time."),
    Referral.Status.SCHEDULED: gettext_lazy("You have an appointment."),
}


def visits_of(plan: Plan, language: str) -> list[Visit]:
    """The participant's open referrals, soonest appointment first, with where and when to go."""
    referrals = list(
        Referral.objects.filter(participant=plan.participant_id, status__in=Referral.OPEN)
        .select_related("service", "location")
        .order_by("appointment_at", "sent_at")
    )
    entries = listing.entries_for_services([referral.service for referral in referrals], language=language)
    visits = []
    for referral, entry in zip(referrals, entries, strict=True):
        if referral.location_id is not None:  # where they were sent, if the referral says
            entry.places = [place for place in entry.places if place.name == referral.location.name] or entry.places
        visits.append(Visit(referral=referral, entry=entry, status_text=str(STATUS_TEXT[referral.status])))
    return visits


def goals_of(plan: Plan, language: str) -> list[Goal]:
    """The plan's barriers, those still in the way first, each with its open steps (soonest due first)."""
    goals = []
    for barrier in barriers_of(plan):
        steps = list(barrier.steps.all())
        open_steps = sorted(
            (step for step in steps if step.status in OPEN_STEP_STATUSES),
            key=lambda step: (step.due_on or datetime.date.max, step.position),
        )
        finished = [step for step in steps if step.status not in OPEN_STEP_STATUSES]
        for step in open_steps:  # who helps with a step made into a referral, named as its agency wrote it
            step.service_name = listing.in_language(step.referral.service, "name", language) if step.referral else None
        category = listing.in_language(barrier.category, "name", language)
        goals.append(Goal(barrier=barrier, category=category, open_steps=open_steps, finished_steps=finished))
    return sorted(goals, key=lambda goal: goal.barrier.resolved_on is not None)


@never_cache
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The participant's plan as they read it on their phone: no sign-in, nothing but their own plan."""
    link = link_of_session(request)
    if link is None:
        return link_unusable(request, expired=SESSION_KEY in request.session)
    plan = link.plan
    language = language_for(request, plan)
    with translation.override(language):
        context = {
            "plan": plan,
            "goals": goals_of(plan, language),
            "visits": visits_of(plan, language),
            "case_manager": case_manager_of(plan.case_manager, plan.participant.organization),
            "organization": plan.participant.organization,
            "help_note_max_length": HELP_NOTE_MAX_LENGTH,
            "expires_at": link.expires_at,
            "today": timezone.localdate(),
        }
        response = render(request, "plans/mine.html", context)
    response["Content-Language"] = language
    return response


def step_of_session(request: HttpRequest, step_id) -> tuple[PlanLink | None, Step | None]:
    """The session's link and the step of its plan that ``step_id`` names (404 for a step of any other plan)."""
    link = link_of_session(request)
    if link is None:
        return None, None
    step = get_object_or_404(Step.objects.select_related("barrier"), pk=step_id, barrier__plan_id=link.plan_id)
    return link, step


@never_cache
@require_POST
def step_done(request: HttpRequest, step_id) -> HttpResponse:
    """Mark the participant's own open step done today ("I did this"). Again on a done step: nothing changes."""
    link, step = step_of_session(request, step_id)
    if link is None:
        return link_unusable(request, expired=SESSION_KEY in request.session)
    with translation.override(language_for(request, link.plan)):
        if step.owner != Step.Owner.PARTICIPANT:
            return HttpResponseBadRequest(_("Only your own steps can be marked as done here."))
        if step.status == Step.Status.DONE:
            messages.info(request, _("You marked this step as done already."))
        elif step.status not in OPEN_STEP_STATUSES:
            messages.info(request, _("This step is finished already."))
        else:
            services.step_move(step=step, status=Step.Status.DONE, by_participant=True)
            messages.success(request, _("Well done. Your case manager will see that you did this."))
    return redirect(reverse("plans:mine") + f"#step-{step.pk}")


@never_cache
@require_POST
def step_help(request: HttpRequest, step_id) -> HttpResponse:
    """Ask for help with a step ("I need help with this"), with an optional short note: the request goes to
    the case manager's week. Asking again in the same words before they answer changes nothing."""
    link, step = step_of_session(request, step_id)
    if link is None:
        return link_unusable(request, expired=SESSION_KEY in request.session)
    with translation.override(language_for(request, link.plan)):
        form = HelpForm(request.POST)
        if not form.is_valid():
            too_long = _("Please keep the note under %(count)s characters.")
            messages.error(request, too_long % {"count": HELP_NOTE_MAX_LENGTH})
        elif step.status not in OPEN_STEP_STATUSES:
            messages.info(request, _("This step is finished already."))
        else:
            note = form.cleaned_data["note"].strip()
            asked_before = step.help_requested_at is not None and step.help_answered_at is None
            if asked_before and step.help_note == note:
                asked = _("You asked for help with this already. Your case manager will get back to you.")
                messages.info(request, asked)
            else:
                services.step_help_request(step=step, note=note)
                messages.success(request, _("Your case manager will get back to you about this step."))
    return redirect(reverse("plans:mine") + f"#step-{step.pk}")


# The case manager's side: the participant's private link


def link_url(link: PlanLink) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("plans:mine_link", args=[link.token])


@dataclasses.dataclass
class LinkBlock:
    """What the plan page shows of the participant's private link (``_participant_link.html``)."""

    plan: Plan
    may_change: bool
    erased: bool
    link: PlanLink | None
    url: str
    qr_code: str
    next: str = ""

    @property
    def is_expired(self) -> bool:
        return self.link is not None and self.link.is_expired


def link_block(plan: Plan, *, may_change: bool, next_url: str = "") -> LinkBlock:
    """The private link as a case manager of the plan sees it (its address and QR code only for those who may
    change the plan: the link opens it without a password). A query for the link, one for an erasure."""
    from referrals.views import qr_svg  # the slip's QR code, drawn without style attributes for the CSP

    erased = hasattr(plan.participant, "erasure")
    link = None if erased else PlanLink.objects.filter(plan=plan).first()
    url = link_url(link) if link is not None and may_change and not link.is_expired else ""
    return LinkBlock(
        plan=plan,
        may_change=may_change,
        erased=erased,
        link=link,
        url=url,
        qr_code=mark_safe(qr_svg(url)) if url else "",  # segno's own SVG, checked in qr_svg
        next=next_url,
    )


def changeable_plan(request: HttpRequest, plan_id) -> Plan:
    """The plan, if the user may change it: 404 if they may not see it, 403 if they only see it."""
    access = get_plan_for_user(request.user, plan_id)
    if not access.may_change:
        raise PermissionDenied(_("Only the participant's case managers give out their private link."))
    return access.plan


@login_required
@require_GET
def participant_link(request: HttpRequest, plan_id) -> HttpResponse:
    """The participant's private link, to copy, show as a QR code, or make anew."""
    plan = changeable_plan(request, plan_id)
    access_log.reads_record(reader=request.user, door=AccessRecord.Door.PLAN_PAGE, things=[plan.participant])
    context = {"plan": plan, "plan_link": link_block(plan, may_change=True)}
    response = render(request, "plans/mine_link.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def participant_link_issue(request: HttpRequest, plan_id) -> HttpResponse:
    """Make a new private link for the participant; the old one, and the sessions it opened, stop working."""
    plan = changeable_plan(request, plan_id)
    if hasattr(plan.participant, "erasure"):
        messages.error(request, PARTICIPANT_ERASED)
    else:
        services.link_issue(plan=plan)
        messages.success(request, _("A new private link is ready. The old link no longer works."))
    target = request.POST.get("next") or ""
    host = request.get_host()
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={host}, require_https=request.is_secure()):
        target = reverse("plans:participant_link", args=[plan.pk])
    return redirect(target)
