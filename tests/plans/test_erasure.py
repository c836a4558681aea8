"""A participant's plan under retention and erasure: erasing their personal data (on request, or by the retention
purge) blanks every word of their plan and ends its private link, keeping categories, dates and statuses for the
figures; the retention purge keeps a participant whose plan is still followed (PARTICIPANT_RETENTION_HOLDS)."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from plans import services as plan_services
from plans.models import Barrier, CheckIn, Plan, PlanLink, Step, StepProgress
from providers.models import TaxonomyTerm
from referrals import erasure, services
from referrals.models import ParticipantErasure


def purge(*args) -> str:
    out = io.StringIO()
    call_command("purge_participant_data", *args, stdout=out)
    return out.getvalue()


def a_written_plan(carol, organization, *, days_ago: int = 0, step_open: bool = True) -> Plan:
    """A plan started ``days_ago``, in the participant's words: a barrier with a goal, two steps (one asked help
    with, one done), a check-in with a note and a word on each step; its private link. Done that day."""
    with time_machine.travel(timezone.now() - datetime.timedelta(days=days_ago), tick=False):
        participant = services.participant_create(
            organization=organization, created_by=carol, display_name="M. R.", phone="303-555-0100"
        )
        plan = plan_services.plan_start(participant=participant, case_manager=carol)
        barrier = plan_services.barrier_add(
            plan=plan,
            category=TaxonomyTerm.objects.get(code="child-care"),
            in_their_words="Nobody can watch my daughter during the training.",
            goal="My daughter has a place to stay while I train.",
            actor=carol,
        )
        visit = plan_services.step_add(barrier=barrier, text="Visit two daycares near the training site", actor=carol)
        form = plan_services.step_add(barrier=barrier, text="Fill in the subsidy form", actor=carol)
        plan_services.step_help_request(step=form, note="I do not understand page two")
        plan_services.check_in_record(
            plan=plan,
            held_on=timezone.localdate(),
            method=CheckIn.Method.PHONE,
            note="She found a daycare with room in March.",
            progress={visit: (Step.Status.DONE, "Sunrise has room"), form: (Step.Status.UNDER_WAY, "Page two")},
            actor=carol,
        )
        if not step_open:
            plan_services.step_move(step=form, status=Step.Status.NOT_DONE, actor=carol)
    return plan


def assert_plan_blanked(plan: Plan) -> None:
    """No word of the plan is left, nor its link; what the figures count stays."""
    barrier = Barrier.objects.get(plan=plan)
    assert (barrier.in_their_words, barrier.goal, barrier.category.code) == ("", "", "child-care")
    steps = Step.objects.filter(barrier__plan=plan).order_by("position")
    assert [(step.text, step.help_note) for step in steps] == [("", ""), ("", "")]
    assert steps[0].status == Step.Status.DONE and steps[0].done_on is not None
    assert [check_in.note for check_in in CheckIn.objects.filter(plan=plan)] == [""]
    assert set(StepProgress.objects.filter(check_in__plan=plan).values_list("note", flat=True)) == {""}
    assert StepProgress.objects.filter(check_in__plan=plan).count() == 2
    assert not PlanLink.objects.filter(plan=plan).exists()


def test_erasing_on_request_blanks_the_plan(client, carol, workforce_program, categories):
    """carol erases her participant's data from the erase page: the plan keeps its shape, not its words."""
    plan = a_written_plan(carol, workforce_program)
    token = plan.link.token
    client.force_login(carol)

    response = client.post(
        reverse("referrals:erase", args=[plan.participant_id]), {"reason": "She asked.", "confirm": "on"}
    )

    assert response.status_code == 302
    assert ParticipantErasure.objects.filter(participant=plan.participant, kind="request").exists()
    assert_plan_blanked(plan)
    assert not PlanLink.objects.filter(token=token).exists()


def test_the_retention_purge_blanks_a_finished_plan(carol, workforce_program, categories, settings):
    """A plan last touched 400 days ago, no step open, with a retention of 365 days: the purge erases the
    participant and blanks the plan; --dry-run named them first."""
    settings.PARTICIPANT_RETENTION_DAYS = 365
    plan = a_written_plan(carol, workforce_program, days_ago=400, step_open=False)

    assert f"Would erase participant {plan.participant_id}" in purge("--dry-run")
    assert purge().startswith("Participants erased: 1 ")

    assert ParticipantErasure.objects.get(participant=plan.participant).kind == ParticipantErasure.Kind.RETENTION
    assert_plan_blanked(plan)
    assert purge().startswith("Participants erased: 0 ")


@pytest.mark.parametrize(
    "still_followed",
    ["a step still open", "a check-in within the retention", "a step done within it", "the plan started within it"],
)
def test_the_retention_purge_keeps_a_plan_still_followed(
    carol, workforce_program, categories, settings, still_followed
):
    """Recorded 400 days ago and never referred (the referrals' rule would erase them), but their plan is still
    followed: they are not due, the purge leaves every word, and the dry run does not name them."""
    settings.PARTICIPANT_RETENTION_DAYS = 365
    plan = a_written_plan(carol, workforce_program, days_ago=400, step_open=still_followed == "a step still open")
    step = (
        Step.objects.get(barrier__plan=plan, status=Step.Status.NOT_DONE)
        if still_followed != "a step still open"
        else None
    )
    if still_followed == "a check-in within the retention":
        plan_services.check_in_record(
            plan=plan, held_on=timezone.localdate() - datetime.timedelta(days=300), method="phone", actor=carol
        )
    elif still_followed == "a step done within it":
        plan_services.step_move(
            step=step, status=Step.Status.DONE, actor=carol, done_on=timezone.localdate() - datetime.timedelta(days=30)
        )
    elif still_followed == "the plan started within it":
        Plan.objects.filter(pk=plan.pk).update(started_on=timezone.localdate() - datetime.timedelta(days=200))

    assert plan.participant not in erasure.participants_due()
    assert str(plan.participant_id) not in purge("--dry-run")
    assert purge().startswith("Participants erased: 0 ")

    barrier = Barrier.objects.get(plan=plan)
    assert barrier.in_their_words == "Nobody can watch my daughter during the training."
    assert PlanLink.objects.filter(plan=plan).exists()


def test_a_participant_without_a_plan_is_purged_as_before(carol, workforce_program, settings):
    """The hold keeps plans only: a participant recorded 400 days ago, never referred, with no plan, is due."""
    settings.PARTICIPANT_RETENTION_DAYS = 365
    with time_machine.travel(timezone.now() - datetime.timedelta(days=400), tick=False):
        participant = services.participant_create(organization=workforce_program, created_by=carol, display_name="N.")

    assert list(erasure.participants_due()) == [participant]
