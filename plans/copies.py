"""The plan's part of a participant's own copy (referrals/copies.py): their barriers in their words, goals,
steps with their history, and the check-ins with progress per step. A PARTICIPANT_COPY_SECTIONS function."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from plans.models import Plan, Step, StepProgress
from referrals.models import Participant

TITLE = _("Plan")


def _when(moment) -> str | None:
    return moment.isoformat() if moment else None


def plan_copy(participant: Participant) -> dict | None:
    """Return the participant's plan for their copy (four queries), or None if they have no plan."""
    plan = (
        Plan.objects.filter(participant=participant)
        .select_related("case_manager")
        .prefetch_related(
            Prefetch("barriers__steps", queryset=Step.objects.prefetch_related("events")),
            "barriers__category",
            Prefetch("check_ins__progress", queryset=StepProgress.objects.select_related("step")),
        )
        .first()
    )
    if plan is None:
        return None
    return {
        "key": "plan",
        "title": TITLE,
        "template": "plans/_copy.html",
        "plan": plan,
        "data": {
            "id": str(plan.pk),
            "started_on": _when(plan.started_on),
            "case_manager": plan.case_manager.get_full_name() or plan.case_manager.username
            if plan.case_manager
            else None,
            "barriers": [
                {
                    "category": barrier.category.name,
                    "in_their_words": barrier.in_their_words,
                    "goal": barrier.goal,
                    "found_on": _when(barrier.identified_on),
                    "resolved_on": _when(barrier.resolved_on),
                    "steps": [
                        {
                            "text": step.text,
                            "who": step.owner,
                            "due_on": _when(step.due_on),
                            "status": step.status,
                            "status_label": str(step.get_status_display()),
                            "done_on": _when(step.done_on),
                            "referral_id": str(step.referral_id) if step.referral_id else None,
                            "help_requested_at": _when(step.help_requested_at),
                            "help_note": step.help_note,
                            "history": [
                                {"at": _when(event.created_at), "from": event.old_status, "to": event.new_status}
                                for event in step.events.all()
                            ],
                        }
                        for step in barrier.steps.all()
                    ],
                }
                for barrier in plan.barriers.all()
            ],
            "check_ins": [
                {
                    "held_on": _when(check_in.held_on),
                    "how": check_in.method,
                    "note": check_in.note,
                    "progress": [
                        {"step": progress.step.text, "status": progress.status, "note": progress.note}
                        for progress in check_in.progress.all()
                    ],
                }
                for check_in in plan.check_ins.all()
            ],
        },
    }
