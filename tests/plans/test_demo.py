"""`manage.py load_demo` gives demo participants plans: barriers across categories, steps in every state (some
made into the demo's referrals), weeks of check-ins and requests for help; the same every time."""

import datetime
import io
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from plans import demo
from plans.models import OPEN_STEP_STATUSES, Barrier, CheckIn, Plan, Step, StepEvent
from plans.selectors import week_of
from referrals.models import Referral, ReferralEvent

pytestmark = pytest.mark.django_db
S = Step.Status


def snapshot() -> dict:
    return {
        "plans": sorted(Plan.objects.values_list("id", "participant_id", "started_on", "case_manager_id")),
        "barriers": sorted(
            (barrier.pk, barrier.category_id, barrier.in_their_words, barrier.identified_on, barrier.resolved_on)
            for barrier in Barrier.objects.all()
        ),
        "steps": sorted(
            (step.pk, step.text, step.status, step.due_on, step.done_on, step.referral_id, step.help_requested_at)
            for step in Step.objects.all()
        ),
        "events": sorted(StepEvent.objects.values_list("id", "new_status", "created_at")),
        "check-ins": sorted(CheckIn.objects.values_list("id", "held_on", "method")),
    }


def test_it_gives_both_programs_plans_with_barriers_across_categories(demo_network):
    """carol's and dave's programs each follow a dozen plans, each with barriers in several categories."""
    assert "Demo plans: 24 participant plans (created 24, kept 0)" in demo_network.output
    plans = Plan.objects.select_related("participant", "case_manager")
    assert Counter(plan.case_manager.username for plan in plans) == {"carol": 12, "dave": 12}
    for plan in plans:
        assert plan.participant.organization.memberships.filter(user=plan.case_manager).exists()
        assert plan.barriers.exists()
        assert plan.link.expires_at > timezone.now()
    categories = Counter(Barrier.objects.values_list("category__code", flat=True))
    assert len(categories) >= 6
    spanish = Barrier.objects.filter(plan__participant__preferred_language="es").first()
    assert spanish is not None and spanish.goal in {words["es"][1] for words in demo.WORDS.values()} | {
        demo.OTHER_WORDS["es"][1]
    }


def test_it_draws_steps_in_every_state_within_the_plans_rules(demo_network):
    """Every status, some open past their due date, each step and check-in valid by the models' own rules."""
    today = timezone.localdate()
    steps = Step.objects.select_related("barrier__plan")
    assert set(steps.values_list("status", flat=True)) == set(S.values)
    assert steps.filter(status__in=OPEN_STEP_STATUSES, due_on__lt=today).count() >= 3
    for step in steps:
        step.full_clean()
        assert step.barrier.identified_on >= step.barrier.plan.started_on
        assert step.barrier.identified_on <= today
    for check_in in CheckIn.objects.select_related("plan"):
        check_in.full_clean()
    for barrier in Barrier.objects.filter(resolved_on__isnull=False).prefetch_related("steps"):
        assert all(step.status == S.DONE for step in barrier.steps.all())


def test_it_ties_steps_to_the_demo_referrals_where_they_stand(demo_network):
    """A step made into a referral is of the same participant and stands where the referral's last move put it."""
    tied = Step.objects.filter(referral__isnull=False).select_related("referral", "barrier__plan")
    assert tied.count() >= 10
    assert {step.owner for step in tied} == {Step.Owner.PROVIDER}
    last_moves = {}
    for referral_id, status in (
        ReferralEvent.objects.exclude(new_status=Referral.Status.CLOSED)
        .order_by("created_at")
        .values_list("referral_id", "new_status")
    ):
        last_moves[referral_id] = status
    for step in tied:
        assert step.referral.participant_id == step.barrier.plan.participant_id
        assert step.status == demo.STEP_FOR_REFERRAL[last_moves[step.referral_id]]
        if step.status != S.PLANNED:
            event = step.events.order_by("created_at").last()
            assert (event.new_status, bool(event.referral_status)) == (step.status, True)
    assert {step.status for step in tied} >= {S.UNDER_WAY, S.DONE}


def test_it_fills_the_case_managers_week(demo_network):
    """carol's week has participants due a check-in, steps due, a request for help and referrals to follow."""
    today = timezone.localdate()
    week = week_of(User.objects.get(username="carol"))
    assert week.check_ins_due and week.steps_due and week.help_requested and week.referrals_waiting
    held = CheckIn.objects.values_list("held_on", flat=True)
    assert max(held) <= today
    assert min(held) <= today - datetime.timedelta(weeks=4)
    assert max(Counter(CheckIn.objects.values_list("plan_id", flat=True)).values()) >= 4


def test_it_keeps_the_plans_on_a_second_load_and_draws_the_same_on_reset(demo_network):
    """A second load keeps every plan as it is; --reset at the same moment draws exactly the same plans."""
    before = snapshot()
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    assert "Demo plans: 24 participant plans (created 0, kept 24)" in output.getvalue()
    assert snapshot() == before
    call_command("load_demo", "--reset", stdout=io.StringIO())
    after = snapshot()
    for key in before:
        assert after[key] == before[key], key


def test_it_gives_the_reports_plan_figures(demo_network, client):
    """The network admin's reports page draws the four plan figures from the demo."""
    client.force_login(User.objects.get(username="admin"))
    html = client.get("/reports/").content.decode()
    for key in ("plan-barriers", "plan-days-to-done", "plan-check-ins", "plan-steps-unresolved"):
        start = html.index(f'<section class="report" id="{key}"')
        assert '<figure class="chart">' in html[start : html.index("</section>", start)], key
