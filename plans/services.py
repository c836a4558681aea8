"""Writes to a participant's plan: each a transaction, each checked, each change of a step recorded.

The caller has checked who may write (plans/selectors.py: a case manager of the participant's organization,
or the participant through their plan's link for "I did this" and "I need help"). Rules that are not a
database constraint are checked here or in the models' ``clean`` and raise ValidationError naming the field.
A step's change and a participant's request for help are announced to the program's webhook endpoints
(``plan.step_changed``, ``plan.help_requested``) in the same transaction.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.models import OPEN_STEP_STATUSES, Barrier, CheckIn, Plan, PlanLink, Step, StepEvent, StepProgress
from providers.models import TaxonomyTerm
from referrals import webhooks
from referrals.models import Participant, Referral, WebhookEndpoint

STEP_NOT_IN_PLAN = _("This step is not part of this plan.")
STEP_NOT_OPEN = _("This step is finished already.")
REFERRAL_OF_ANOTHER_PARTICIPANT = _("This referral is for another participant.")
TEXT_REQUIRED = _("Say what the step is.")
STEP_NOT_FOR_REFERRAL = _("This step is not an open step of this participant's plan.")
RESOLVED_BEFORE_FOUND = _("A barrier is resolved on or after the day it was found.")
RESOLVED_IN_FUTURE = _("A barrier cannot be resolved on a day still to come.")

# Where a step goes when the referral made for it moves (a referral status missing here leaves it alone).
STEP_STATUS_FOR_REFERRAL = {
    Referral.Status.ACCEPTED: Step.Status.UNDER_WAY,
    Referral.Status.SCHEDULED: Step.Status.UNDER_WAY,
    Referral.Status.COMPLETED: Step.Status.DONE,
    Referral.Status.NOT_COMPLETED: Step.Status.NOT_DONE,
    # Declined or cancelled: the step is open again, to refer elsewhere.
    Referral.Status.DECLINED: Step.Status.PLANNED,
    Referral.Status.CANCELLED: Step.Status.PLANNED,
}


@transaction.atomic
def plan_start(*, participant: Participant, case_manager, started_on: datetime.date | None = None) -> Plan:
    """Start the participant's plan (one per participant), followed by ``case_manager``, with its private link."""
    plan = Plan(participant=participant, case_manager=case_manager, started_on=started_on or timezone.localdate())
    plan.full_clean()
    plan.save()
    link_issue(plan=plan)
    return plan


def link_issue(*, plan: Plan) -> PlanLink:
    """Give the plan a new private link (the old one, if any, stops working)."""
    PlanLink.objects.filter(plan=plan).delete()
    return PlanLink.objects.create(
        plan=plan, expires_at=timezone.now() + datetime.timedelta(days=settings.PLAN_LINK_DAYS)
    )


@transaction.atomic
def barrier_add(
    *,
    plan: Plan,
    category: TaxonomyTerm,
    in_their_words: str = "",
    goal: str = "",
    identified_on: datetime.date | None = None,
    actor=None,
) -> Barrier:
    barrier = Barrier(
        plan=plan,
        category=category,
        in_their_words=in_their_words.strip(),
        goal=goal.strip(),
        identified_on=identified_on or timezone.localdate(),
        created_by=actor,
    )
    barrier.full_clean()
    barrier.save()
    return barrier


@transaction.atomic
def step_add(
    *,
    barrier: Barrier,
    text: str,
    owner: str = Step.Owner.PARTICIPANT,
    due_on: datetime.date | None = None,
    actor=None,
) -> Step:
    if not text.strip():
        raise ValidationError({"text": TEXT_REQUIRED})
    position = barrier.steps.count()
    step = Step(barrier=barrier, text=text.strip(), owner=owner, due_on=due_on, position=position, created_by=actor)
    step.full_clean()
    step.save()
    return step


@transaction.atomic
def step_change(
    *, step: Step, text: str, owner: str = Step.Owner.PARTICIPANT, due_on: datetime.date | None = None
) -> Step:
    """Change what a step says, who does it and by when (its status moves with ``step_move``)."""
    step = Step.objects.select_for_update().select_related("barrier__plan").get(pk=step.pk)
    if not text.strip():
        raise ValidationError({"text": TEXT_REQUIRED})
    step.text, step.owner, step.due_on = text.strip(), owner, due_on
    step.full_clean()
    step.save(update_fields=["text", "owner", "due_on", "updated_at"])
    return step


@transaction.atomic
def barrier_resolve(*, barrier: Barrier, resolved_on: datetime.date | None = None) -> Barrier:
    """Mark ``barrier`` resolved on ``resolved_on`` (today unless given); its steps stay as they are."""
    barrier = Barrier.objects.select_for_update().get(pk=barrier.pk)
    resolved_on = resolved_on or timezone.localdate()
    if resolved_on > timezone.localdate():
        raise ValidationError({"resolved_on": RESOLVED_IN_FUTURE})
    if resolved_on < barrier.identified_on:
        raise ValidationError({"resolved_on": RESOLVED_BEFORE_FOUND})
    barrier.resolved_on = resolved_on
    barrier.full_clean()
    barrier.save(update_fields=["resolved_on", "updated_at"])
    return barrier


@transaction.atomic
def barrier_reopen(*, barrier: Barrier) -> Barrier:
    """The barrier stands in the way again."""
    Barrier.objects.filter(pk=barrier.pk).update(resolved_on=None, updated_at=timezone.now())
    barrier.refresh_from_db()
    return barrier


@transaction.atomic
def step_move(
    *,
    step: Step,
    status: str,
    actor=None,
    by_participant: bool = False,
    done_on: datetime.date | None = None,
    referral_status: str = "",
) -> Step:
    """Move ``step`` to ``status`` (nothing happens if it is there already); record who moved it and tell the
    program's webhook endpoints. A step done gets its done date (today unless given); any other loses it."""
    step = Step.objects.select_for_update().select_related("barrier__plan__participant").get(pk=step.pk)
    if step.status == status:
        return step
    old_status = step.status
    step.status = status
    step.done_on = (done_on or timezone.localdate()) if status == Step.Status.DONE else None
    if status not in OPEN_STEP_STATUSES and step.help_requested_at and not step.help_answered_at:
        step.help_answered_at = timezone.now()
    step.full_clean()
    step.save()
    StepEvent.objects.create(
        step=step,
        old_status=old_status,
        new_status=status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        by_participant=by_participant,
        referral_status=referral_status,
    )
    _announce(webhooks.EventType.PLAN_STEP_CHANGED, step, old_status=old_status)
    return step


@transaction.atomic
def step_help_request(*, step: Step, note: str = "") -> Step:
    """The participant asks for help with ``step``: it goes to the case manager's queue until answered."""
    step = Step.objects.select_for_update().select_related("barrier__plan__participant").get(pk=step.pk)
    if step.status not in OPEN_STEP_STATUSES:
        raise ValidationError(STEP_NOT_OPEN)
    if step.help_requested_at and not step.help_answered_at and step.help_note == note.strip():
        return step  # asked already, in the same words (a second tap, a reload): nothing more to tell
    step.help_requested_at = timezone.now()
    step.help_note = note.strip()
    step.help_answered_at = None
    step.save(update_fields=["help_requested_at", "help_note", "help_answered_at", "updated_at"])
    _announce(webhooks.EventType.PLAN_HELP_REQUESTED, step)
    return step


@transaction.atomic
def step_help_answer(*, step: Step) -> Step:
    """The case manager has answered the participant's request for help on ``step``."""
    Step.objects.filter(pk=step.pk, help_answered_at__isnull=True).update(
        help_answered_at=timezone.now(), updated_at=timezone.now()
    )
    step.refresh_from_db()
    return step


@transaction.atomic
def check_in_record(
    *,
    plan: Plan,
    held_on: datetime.date,
    method: str,
    note: str = "",
    progress: dict | None = None,
    actor=None,
) -> CheckIn:
    """Record a check-in and, for each step in ``progress`` ({step: (status, note)}), what it said of the step;
    a step whose status changed moves with it. Every step must be of this plan."""
    progress = progress or {}
    if any(step.barrier.plan_id != plan.pk for step in progress):
        raise ValidationError({"progress": STEP_NOT_IN_PLAN})
    check_in = CheckIn(plan=plan, held_on=held_on, method=method, note=note.strip(), recorded_by=actor)
    check_in.full_clean()
    check_in.save()
    for step, (status, step_note) in progress.items():
        if status not in Step.Status.values:
            raise ValidationError({"progress": _("Choose a status for each step.")})
        StepProgress.objects.create(check_in=check_in, step=step, status=status, note=(step_note or "").strip())
        if step.status != status:
            step_move(step=step, status=status, actor=actor, done_on=held_on if status == Step.Status.DONE else None)
    return check_in


@transaction.atomic
def referral_attach(*, step: Step, referral: Referral, actor=None) -> Step:
    """Tie ``referral`` to the step it was made for (replacing an earlier referral of the step); the step is
    under way once the referral is sent."""
    step = Step.objects.select_for_update().select_related("barrier__plan").get(pk=step.pk)
    if referral.participant_id != step.barrier.plan.participant_id:
        raise ValidationError({"step": REFERRAL_OF_ANOTHER_PARTICIPANT})
    step.referral = referral
    step.save(update_fields=["referral", "updated_at"])
    if step.status == Step.Status.PLANNED:
        step = step_move(step=step, status=Step.Status.UNDER_WAY, actor=actor, referral_status=referral.status)
    return step


@transaction.atomic
def referral_for_step(*, step_id, referral: Referral, actor=None) -> Step:
    """Tie ``referral`` to the step ``step_id`` names, which must be an open step of the plan of the
    referral's participant (so of the referring organization): the refer page's and the API's check, an opaque
    id from the address or the request. Called in the referral's transaction (settings.REFERRAL_STEP_HOOK)."""
    try:
        step = Step.objects.get(
            pk=step_id, barrier__plan__participant_id=referral.participant_id, status__in=OPEN_STEP_STATUSES
        )
    except (Step.DoesNotExist, ValidationError, ValueError):
        raise ValidationError({"step": STEP_NOT_FOR_REFERRAL}) from None
    return referral_attach(step=step, referral=referral, actor=actor)


def referral_followed(*, referral: Referral, actor=None) -> Step | None:
    """Move the step ``referral`` was made for as the referral's status says (STEP_STATUS_FOR_REFERRAL);
    return the step, or None when the referral was not made for a step. Called in the referral's transaction."""
    target = STEP_STATUS_FOR_REFERRAL.get(referral.status)
    step = Step.objects.filter(referral=referral).first()
    if step is None or target is None:
        return step
    done_on = timezone.localdate(referral.finished_at) if referral.finished_at and target == Step.Status.DONE else None
    return step_move(step=step, status=target, actor=actor, done_on=done_on, referral_status=referral.status)


def participant_erase_plan(participant: Participant) -> None:
    """Erase the free text of the participant's plan (their words, goals, steps, notes) and its private link.
    Categories, dates and statuses stay for the network's figures. A PARTICIPANT_ERASURE_HOOKS function."""
    Barrier.objects.filter(plan__participant=participant).update(in_their_words="", goal="")
    Step.objects.filter(barrier__plan__participant=participant).update(text="", help_note="")
    CheckIn.objects.filter(plan__participant=participant).update(note="")
    StepProgress.objects.filter(step__barrier__plan__participant=participant).update(note="")
    PlanLink.objects.filter(plan__participant=participant).delete()


def _announce(event_type: str, step: Step, *, old_status: str = "") -> None:
    """Tell the program's endpoints about the step: ids and statuses, none of the plan's words."""
    plan = step.barrier.plan
    data = {
        "plan_id": str(plan.pk),
        "participant_id": str(plan.participant_id),
        "barrier_id": str(step.barrier_id),
        "step_id": str(step.pk),
        "status": step.status,
        "due_on": step.due_on.isoformat() if step.due_on else None,
        "referral_id": str(step.referral_id) if step.referral_id else None,
        "updated_at": step.updated_at.isoformat(),
    }
    if event_type == WebhookEndpoint.EventType.PLAN_STEP_CHANGED:
        data["old_status"] = old_status
    if event_type == WebhookEndpoint.EventType.PLAN_HELP_REQUESTED:
        data["help_requested_at"] = step.help_requested_at.isoformat()
    webhooks.record(event_type, data, [plan.participant.organization_id])
