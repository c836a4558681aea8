"""The plan API's lists and a plan cost the same number of queries for one plan, barrier and step as for many."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans import services as plan_services
from plans.models import CheckIn, Step
from providers.models import TaxonomyTerm
from referrals import services

pytestmark = pytest.mark.django_db

# What a read costs: the token, whether the client is a network admin, the count, the records, the barriers,
# the steps, (for a plan: the check-ins and their progress,) and the access log's one INSERT.
BUDGET = 10


def add_plans(workforce_program, carol, count: int, barriers: int = 3, steps: int = 3) -> None:
    """``count`` plans of new participants, each with barriers, steps and two check-ins reporting on every step."""
    category = TaxonomyTerm.objects.get(code="child-care")
    started_on = timezone.localdate() - datetime.timedelta(days=20)
    for number in range(count):
        participant = services.participant_create(
            organization=workforce_program, created_by=carol, display_name=f"P{number}"
        )
        plan = plan_services.plan_start(participant=participant, case_manager=carol, started_on=started_on)
        made = []
        for _ in range(barriers):
            barrier = plan_services.barrier_add(plan=plan, category=category, goal="A goal", actor=carol)
            made += [plan_services.step_add(barrier=barrier, text="A step", actor=carol) for _ in range(steps)]
        for days in (7, 1):
            plan_services.check_in_record(
                plan=plan,
                held_on=timezone.localdate() - datetime.timedelta(days=days),
                method=CheckIn.Method.PHONE,
                progress={step: (Step.Status.UNDER_WAY, "On it") for step in made},
                actor=carol,
            )


def queries_for(api, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


def urls(plan_id) -> list[str]:
    return [
        "/api/v1/plans/",
        f"/api/v1/plans/{plan_id}/",
        "/api/v1/barriers/",
        "/api/v1/steps/",
        "/api/v1/check-ins/",
    ]


def test_reads_do_not_grow_with_plans_barriers_steps_or_check_ins(program_api, plan, workforce_program, carol):
    """One plan with one barrier, step and check-in, then five more plans with three barriers of three steps and two
    check-ins each: every list and the plan cost the same, within the budget."""
    barrier = plan_services.barrier_add(plan=plan, category=TaxonomyTerm.objects.get(code="child-care"), actor=carol)
    step = plan_services.step_add(barrier=barrier, text="Call the daycare", actor=carol)
    plan_services.check_in_record(
        plan=plan, held_on=plan.started_on, method="phone", progress={step: ("under_way", "")}, actor=carol
    )
    program_api.get("/api/v1/plans/")  # the token's last use is written once a minute: not part of the count
    small = [queries_for(program_api, url) for url in urls(plan.pk)]

    add_plans(workforce_program, carol, 5)
    for number in range(3):
        plan_services.barrier_add(plan=plan, category=barrier.category, actor=carol)
        plan_services.step_add(barrier=barrier, text=f"Step {number}", actor=carol)
    large = [queries_for(program_api, url) for url in urls(plan.pk)]

    assert large == small
    assert max(large) <= BUDGET, dict(zip(urls(plan.pk), large, strict=True))
