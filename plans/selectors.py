"""Who sees which plan, and what is in a case manager's week. The one place that decides.

A plan is seen whole by staff of the participant's organization (the referring program) and by network
admins; it is changed by that organization's case managers. A receiving provider sees, of a plan, only the
text of the step a referral to it was made for (``step_for_provider``). To everyone else a plan does not
exist (404). The participant sees their own plan through its private link (views, PlanLink).
"""

import dataclasses
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from directory.access import is_network_admin
from directory.models import Membership
from plans.models import OPEN_STEP_STATUSES, Barrier, CheckIn, Plan, Step, StepProgress
from referrals.models import Participant, Referral


@dataclasses.dataclass(frozen=True)
class PlanAccess:
    """A plan as one person may use it: whether they may change it (a case manager of its organization)."""

    plan: Plan
    may_change: bool


def plans_visible_to(user) -> QuerySet[Plan]:
    if not user.is_authenticated:
        return Plan.objects.none()
    if is_network_admin(user):
        return Plan.objects.all()
    return Plan.objects.filter(participant__organization__memberships__user=user).distinct()


def plans_changeable_by(user) -> QuerySet[Plan]:
    """Plans ``user`` may change: those of the organizations where they are a case manager."""
    if not user.is_authenticated:
        return Plan.objects.none()
    return Plan.objects.filter(
        participant__organization__memberships__user=user,
        participant__organization__memberships__role=Membership.Role.CASE_MANAGER,
    ).distinct()


def get_plan_for_user(user, plan_id, *, network_admin: bool | None = None) -> PlanAccess:
    """Return the plan, with its participant and organization, and whether ``user`` may change it; 404 if they
    may not see it. One query; two when ``network_admin`` (the reader's role, as the page read it) is not given."""
    if not user.is_authenticated:
        raise Http404("No such plan")
    if network_admin is None:
        network_admin = is_network_admin(user)
    plans = Plan.objects.all()
    if not network_admin:
        plans = plans.filter(participant__organization__in=user.memberships.values("organization_id"))
    case_manager = Membership.objects.filter(
        user=user, organization=OuterRef("participant__organization"), role=Membership.Role.CASE_MANAGER
    )
    try:
        plan = (
            plans.select_related("participant__organization", "participant__erasure", "case_manager")
            .annotate(may_change=Exists(case_manager))
            .get(pk=plan_id)
        )
    except (Plan.DoesNotExist, ValidationError):
        raise Http404("No such plan") from None
    return PlanAccess(plan=plan, may_change=plan.may_change)


def get_participant_for_plan(user, participant_id, *, network_admin: bool) -> tuple[Participant, bool]:
    """Return a participant of ``user``'s organizations (any, for a network admin) and whether ``user`` may start
    their plan (a case manager of the participant's organization); 404 otherwise, as for their plan. A query."""
    participants = Participant.objects.all()
    if not network_admin:
        participants = participants.filter(organization__in=user.memberships.values("organization_id"))
    case_manager = Membership.objects.filter(
        user=user, organization=OuterRef("organization"), role=Membership.Role.CASE_MANAGER
    )
    try:
        participant = (
            participants.select_related("organization", "erasure")
            .annotate(may_change=Exists(case_manager))
            .get(pk=participant_id)
        )
    except (Participant.DoesNotExist, ValidationError):
        raise Http404("No such participant") from None
    return participant, participant.may_change


def barriers_of(plan: Plan) -> list[Barrier]:
    """The plan's barriers with their category and steps (and each step's referral): two queries."""
    steps = Step.objects.select_related("referral__service", "referral__receiving_organization").order_by(
        "position", "created_at"
    )
    return list(plan.barriers.select_related("category").prefetch_related(Prefetch("steps", queryset=steps)))


def check_ins_of(plan: Plan, limit: int | None = None) -> list[CheckIn]:
    """The plan's check-ins (the ``limit`` latest), newest first, with the progress they recorded: two queries."""
    check_ins = plan.check_ins.select_related("recorded_by").prefetch_related("progress")
    return list(check_ins[:limit] if limit else check_ins)


def recent_check_ins(plan: Plan, limit: int) -> list[CheckIn]:
    """The plan's ``limit`` latest check-ins, newest first, each with ``recorded`` (what it said of each step,
    StepProgress rows) and ``recorded_by_name``: one query, a row per check-in and step it reported on, so that
    the plan's page stays within its budget whatever the number of check-ins and steps."""
    latest = CheckIn.objects.filter(plan=plan).order_by("-held_on", "-created_at").values("pk")[:limit]
    rows = (
        CheckIn.objects.filter(pk__in=latest)
        .order_by("-held_on", "-created_at", "progress__id")
        .values(
            "pk",
            "held_on",
            "method",
            "note",
            "created_at",
            "recorded_by__username",
            "recorded_by__first_name",
            "recorded_by__last_name",
            "progress__id",
            "progress__step_id",
            "progress__status",
            "progress__note",
        )
    )
    check_ins: dict = {}
    for row in rows:
        check_in = check_ins.get(row["pk"])
        if check_in is None:
            check_in = CheckIn(
                pk=row["pk"],
                plan=plan,
                held_on=row["held_on"],
                method=row["method"],
                note=row["note"],
                created_at=row["created_at"],
            )
            names = (row["recorded_by__first_name"] or "", row["recorded_by__last_name"] or "")
            check_in.recorded_by_name = " ".join(filter(None, names)) or row["recorded_by__username"] or ""
            check_in.recorded = []
            check_ins[row["pk"]] = check_in
        if row["progress__id"] is not None:
            check_in.recorded.append(
                StepProgress(
                    pk=row["progress__id"],
                    check_in=check_in,
                    step_id=row["progress__step_id"],
                    status=row["progress__status"],
                    note=row["progress__note"],
                )
            )
    return list(check_ins.values())


def step_for_provider(user, referral: Referral) -> Step | None:
    """The step ``referral`` was made for, if ``user`` works for the receiving organization (its text only is
    theirs to see); None otherwise or when the referral was not made for a step."""
    if not user.is_authenticated:
        return None
    if not user.memberships.filter(organization_id=referral.receiving_organization_id).exists():
        return None
    return Step.objects.filter(referral=referral).only("id", "text", "due_on", "status", "referral_id").first()


def check_in_due_before(today: datetime.date | None = None) -> datetime.date:
    """A plan whose last check-in (or start) is before this day is due a check-in (PLAN_CHECK_IN_DAYS)."""
    return (today or timezone.localdate()) - datetime.timedelta(days=settings.PLAN_CHECK_IN_DAYS)


def plans_followed_by(user) -> QuerySet[Plan]:
    """The plans in ``user``'s week: those they follow as case manager, and those of their organizations that
    nobody there follows any more (no case manager, or one who left the organization or the site), so that no
    participant drops out of every queue. Erased participants' plans are not followed."""
    still_followed = Membership.objects.filter(
        user=OuterRef("case_manager"),
        user__is_active=True,
        organization=OuterRef("participant__organization"),
        role=Membership.Role.CASE_MANAGER,
    )
    return plans_changeable_by(user).filter(
        Q(case_manager=user) | Q(case_manager__isnull=True) | ~Exists(still_followed),
        participant__erasure__isnull=True,
    )


@dataclasses.dataclass
class Week:
    """A case manager's week: what needs them, each part a list (fixed number of queries)."""

    check_ins_due: list[Plan]
    steps_due: list[Step]
    help_requested: list[Step]
    referrals_waiting: list[Referral]

    @property
    def is_empty(self) -> bool:
        return not (self.check_ins_due or self.steps_due or self.help_requested or self.referrals_waiting)

    @property
    def participant_count(self) -> int:
        """How many participants need the case manager this week: what the menu and the home page count."""
        plans = {plan.pk for plan in self.check_ins_due}
        plans |= {step.barrier.plan_id for step in self.steps_due + self.help_requested}
        plans |= {referral.plan_step.barrier.plan_id for referral in self.referrals_waiting}
        return len(plans)


# Each part of the week, as a queryset over ``plan_ids``, written once: week_of lists them, week_count counts them.


def _check_ins_due(plan_ids, today: datetime.date) -> QuerySet[Plan]:
    """Plans with no check-in for PLAN_CHECK_IN_DAYS (none since they started, if none was held), except those
    whose barriers are all resolved and steps all finished: nothing is left to follow."""
    last_check_in = CheckIn.objects.filter(plan=OuterRef("pk")).order_by("-held_on").values("held_on")[:1]
    unresolved = Barrier.objects.filter(plan=OuterRef("pk"), resolved_on__isnull=True)
    open_step = Step.objects.filter(barrier__plan=OuterRef("pk"), status__in=OPEN_STEP_STATUSES)
    any_barrier = Barrier.objects.filter(plan=OuterRef("pk"))
    return (
        Plan.objects.filter(pk__in=plan_ids)
        .annotate(last_check_in=Subquery(last_check_in), last_seen=Coalesce("last_check_in", "started_on"))
        .filter(last_seen__lt=check_in_due_before(today))
        .filter(Exists(unresolved) | Exists(open_step) | ~Exists(any_barrier))
    )


def _steps_due(plan_ids, today: datetime.date) -> QuerySet[Step]:
    """Open steps due within the week (today and the six days after) or overdue."""
    return Step.objects.filter(
        barrier__plan__in=plan_ids, status__in=OPEN_STEP_STATUSES, due_on__lte=today + datetime.timedelta(days=6)
    )


def _help_requested(plan_ids) -> QuerySet[Step]:
    """Open steps the participant asked for help with ("I need help with this"), not yet answered."""
    return Step.objects.filter(
        barrier__plan__in=plan_ids,
        status__in=OPEN_STEP_STATUSES,
        help_requested_at__isnull=False,
        help_answered_at__isnull=True,
    )


def _referrals_waiting(plan_ids) -> QuerySet[Referral]:
    """Referrals made for the plans' steps that wait on the participant: accepted (to call or go) or scheduled."""
    return Referral.objects.filter(
        plan_step__barrier__plan__in=plan_ids, status__in=[Referral.Status.ACCEPTED, Referral.Status.SCHEDULED]
    )


def week_of(user, today: datetime.date | None = None) -> Week:
    """What needs ``user`` this week, in the plans they follow (plans_followed_by): participants due a check-in,
    open steps due within the week or overdue, participants' requests for help, and referrals of the plans'
    steps waiting on the participant (accepted or scheduled, not yet finished). Four queries, flat in the number
    of plans, steps and check-ins."""
    today = today or timezone.localdate()
    plan_ids = plans_followed_by(user).values("pk")
    step_related = ["barrier__plan__participant", "barrier__category"]
    check_ins_due = list(_check_ins_due(plan_ids, today).select_related("participant").order_by("last_seen", "pk"))
    steps_due = list(_steps_due(plan_ids, today).select_related(*step_related).order_by("due_on", "position", "pk"))
    help_requested = list(_help_requested(plan_ids).select_related(*step_related).order_by("help_requested_at"))
    referrals_waiting = list(
        _referrals_waiting(plan_ids)
        .select_related("participant", "service", "receiving_organization", "plan_step__barrier__plan")
        .order_by(F("appointment_at").asc(nulls_last=True), "sent_at")
    )
    return Week(
        check_ins_due=check_ins_due,
        steps_due=steps_due,
        help_requested=help_requested,
        referrals_waiting=referrals_waiting,
    )


def week_count(user, today: datetime.date | None = None) -> int:
    """How many participants need ``user`` this week (as Week.participant_count counts them): one query, for
    the menu and the home page."""
    today = today or timezone.localdate()
    plan_ids = plans_followed_by(user).values("pk")
    return (
        Plan.objects.filter(pk__in=plan_ids)
        .filter(
            Q(pk__in=_check_ins_due(plan_ids, today).values("pk"))
            | Q(pk__in=_steps_due(plan_ids, today).values("barrier__plan"))
            | Q(pk__in=_help_requested(plan_ids).values("barrier__plan"))
            | Q(pk__in=_referrals_waiting(plan_ids).values("plan_step__barrier__plan"))
        )
        .count()
    )


def participants_with_active_plans(now: datetime.datetime | None = None) -> QuerySet:
    """Ids of participants whose plan is still active: an open step, or a check-in held, a step done or the plan
    started within PARTICIPANT_RETENTION_DAYS. A PARTICIPANT_RETENTION_HOLDS function: the retention purge
    (referrals/erasure.py) keeps them."""
    since = timezone.localdate(now or timezone.now()) - datetime.timedelta(days=settings.PARTICIPANT_RETENTION_DAYS)
    open_step = Step.objects.filter(barrier__plan=OuterRef("pk"), status__in=OPEN_STEP_STATUSES)
    recent_check_in = CheckIn.objects.filter(plan=OuterRef("pk"), held_on__gte=since)
    recent_step = Step.objects.filter(barrier__plan=OuterRef("pk"), done_on__gte=since)
    return Plan.objects.filter(
        Exists(open_step) | Exists(recent_check_in) | Exists(recent_step) | Q(started_on__gte=since)
    ).values("participant_id")
