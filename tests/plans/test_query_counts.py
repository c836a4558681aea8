"""The plan's pages cost a fixed number of queries, at most 10 (issue 20's budget), whatever the number of barriers,
steps (with referrals) and check-ins (with progress per step)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans import services as plan_services
from plans.models import CheckIn, Step
from providers.models import TaxonomyTerm
from referrals import services

BUDGET = 10


def grow(plan, carol, service, barriers: int, steps: int, check_ins: int) -> None:
    """Add barriers with steps (every other one made into a referral), and check-ins reporting on every step."""
    category = TaxonomyTerm.objects.get(code="child-care")
    need = TaxonomyTerm.objects.get(code="daycare")
    made = []
    for number in range(barriers):
        barrier = plan_services.barrier_add(
            plan=plan, category=category, in_their_words=f"Words {number}", goal=f"Goal {number}", actor=carol
        )
        for step_number in range(steps):
            step = plan_services.step_add(barrier=barrier, text=f"Step {number}.{step_number}", actor=carol)
            if step_number % 2 == 0:
                referral = services.referral_send(
                    participant=plan.participant, service=service, need=need, referred_by=carol
                )
                plan_services.referral_attach(step=step, referral=referral, actor=carol)
            made.append(step)
    for number in range(check_ins):
        plan_services.check_in_record(
            plan=plan,
            held_on=timezone.localdate() - datetime.timedelta(days=number),
            method=CheckIn.Method.PHONE,
            note=f"Check-in {number}",
            progress={step: (Step.Status.UNDER_WAY, f"Note {number}") for step in made},
            actor=carol,
        )


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def pages(plan, persona: str) -> list[str]:
    """The plan's pages ``persona`` opens: all of them for its case manager, the plan itself for a network admin."""
    if persona == "admin":
        return [plan.get_absolute_url()]
    barrier = plan.barriers.first()
    step = Step.objects.filter(barrier=barrier).first()
    return [
        plan.get_absolute_url(),
        reverse("plans:check_in_add", args=[plan.pk]),
        reverse("plans:barrier_add", args=[plan.pk]),
        reverse("plans:step_add", args=[plan.pk, barrier.pk]),
        reverse("plans:step_edit", args=[plan.pk, step.pk]),
    ]


@pytest.mark.parametrize("persona", ["carol", "admin"])
def test_the_plan_pages_do_not_grow_with_the_plan(client, carol, admin, plan, consent, service_a, persona):
    client.force_login({"carol": carol, "admin": admin}[persona])
    grow(plan, carol, service_a, barriers=1, steps=1, check_ins=1)
    small = [queries_for(client, url) for url in pages(plan, persona)]
    grow(plan, carol, service_a, barriers=3, steps=3, check_ins=6)
    large = [queries_for(client, url) for url in pages(plan, persona)]

    assert large == small
    assert max(large) <= BUDGET


def test_the_plan_page_within_the_budget(client, carol, plan, consent, service_a, django_assert_max_num_queries):
    """As the issue measures it: the plan page of a plan with several barriers, steps and check-ins."""
    grow(plan, carol, service_a, barriers=4, steps=3, check_ins=5)
    client.force_login(carol)
    with django_assert_max_num_queries(BUDGET):
        response = client.get(plan.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="plan-step ') == 12
