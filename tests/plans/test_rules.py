"""The plan's rules: each refused with a message naming the field, nothing saved."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from plans import services as plan_services
from plans.models import CHECK_IN_IN_FUTURE, DUE_BEFORE_PLAN, CheckIn, Step, StepEvent
from referrals.models import Referral


def test_a_step_cannot_be_due_before_the_plan_started(plan, child_care, carol):
    with pytest.raises(ValidationError) as refused:
        plan_services.step_add(
            barrier=child_care,
            text="Call the daycare",
            due_on=plan.started_on - datetime.timedelta(days=1),
            actor=carol,
        )
    assert refused.value.message_dict == {"due_on": [str(DUE_BEFORE_PLAN)]}
    assert not Step.objects.exists()


def test_a_check_in_cannot_be_in_the_future(plan, carol):
    with pytest.raises(ValidationError) as refused:
        plan_services.check_in_record(
            plan=plan, held_on=timezone.localdate() + datetime.timedelta(days=1), method="phone", actor=carol
        )
    assert refused.value.message_dict == {"held_on": [str(CHECK_IN_IN_FUTURE)]}
    assert not CheckIn.objects.exists()


def test_a_step_needs_a_barrier(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Step.objects.create(text="Orphan step")


def test_a_done_step_has_a_done_date_and_only_then(find_care):
    with pytest.raises(IntegrityError), transaction.atomic():
        Step.objects.filter(pk=find_care.pk).update(status=Step.Status.DONE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Step.objects.filter(pk=find_care.pk).update(done_on=timezone.localdate())


def test_moving_a_step_records_who_and_when_done(find_care, carol):
    step = plan_services.step_move(step=find_care, status=Step.Status.DONE, actor=carol)
    assert step.done_on == timezone.localdate()
    event = StepEvent.objects.get(step=step)
    assert (event.old_status, event.new_status, event.actor) == (Step.Status.PLANNED, Step.Status.DONE, carol)


def test_a_check_in_moves_the_steps_it_reports_on(plan, find_care, carol):
    held_on = timezone.localdate() - datetime.timedelta(days=1)
    plan_services.check_in_record(
        plan=plan,
        held_on=held_on,
        method=CheckIn.Method.PHONE,
        note="Going well",
        progress={find_care: (Step.Status.DONE, "Found one")},
        actor=carol,
    )
    find_care.refresh_from_db()
    assert (find_care.status, find_care.done_on) == (Step.Status.DONE, held_on)


def test_the_referral_made_for_a_step_moves_it(find_care, consent, service_a, carol, alice):
    from providers.models import TaxonomyTerm
    from referrals import services

    referral = services.referral_send(
        participant=find_care.barrier.plan.participant,
        service=service_a,
        need=TaxonomyTerm.objects.get(code="child-care"),
        referred_by=carol,
    )
    plan_services.referral_attach(step=find_care, referral=referral, actor=carol)
    find_care.refresh_from_db()
    assert find_care.status == Step.Status.UNDER_WAY
    referral.status = Referral.Status.COMPLETED
    referral.finished_at = timezone.now()
    referral.save()
    plan_services.referral_followed(referral=referral, actor=alice)
    find_care.refresh_from_db()
    assert (find_care.status, find_care.done_on) == (Step.Status.DONE, timezone.localdate())
