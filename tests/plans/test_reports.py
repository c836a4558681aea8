"""The plans' figures on the reports page and in its CSV files: each moves by what one barrier, step or check-in
adds; each counts only the plans its reader may see; none shows a word of a plan; the page's queries stay flat.

The clock stands still on Wednesday 18 November 2026, so that the four weeks of check-ins are fixed: 22–28 Oct,
29 Oct–4 Nov, 5–11 Nov and 12–18 Nov. carol's plan (tests/plans/conftest.py) started on 4 November.
"""

import csv
import datetime
import io
import re
import zoneinfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import Membership
from plans import services as plan_services
from plans.models import Step
from providers.models import Organization, Taxonomy, TaxonomyTerm
from referrals import erasure, services
from tests.conftest import make_user

NOW = datetime.datetime(2026, 11, 18, 12, tzinfo=zoneinfo.ZoneInfo("America/Denver"))
TODAY = NOW.date()
NOVEMBER = {"first_month": "2026-11", "last_month": "2026-11"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def transportation(categories) -> TaxonomyTerm:
    return TaxonomyTerm.objects.create(
        taxonomy=Taxonomy.objects.get(code=Taxonomy.CATEGORIES), code="transportation", name="Transportation"
    )


@pytest.fixture
def dave(db) -> User:
    """A case manager of another workforce program."""
    program = Organization.objects.create(name="Second Program", description="Another program that refers.")
    return make_user("dave", program, Membership.Role.CASE_MANAGER)


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def table(client, key: str, **filters) -> list[dict[str, str]]:
    """Return a plan table's CSV rows as dicts by header."""
    response = client.get(f"/reports/{key}.csv", filters or NOVEMBER)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def section(client, key: str) -> str:
    response = client.get("/reports/", NOVEMBER)
    assert response.status_code == 200, response.status_code
    match = re.search(rf'<section class="report" id="{key}".*?</section>', response.content.decode(), re.S)
    assert match, f"no section {key}"
    return match.group(0)


# Barriers by category, area and month


def test_it_counts_a_barrier_in_the_month_it_was_found_at_the_participants_zip_code(
    client, admin, plan, child_care, transportation, carol
):
    """One barrier found in November is one row; another of the same kind adds one to it; one of another
    category is a row of its own; the chart draws the month."""
    client.force_login(admin)
    assert table(client, "plan-barriers") == [
        {"Month": "2026-11", "Category": "Child care", "ZIP code": "80219", "Barriers": "1"}
    ]
    plan_services.barrier_add(plan=plan, category=TaxonomyTerm.objects.get(code="daycare"), actor=carol)
    plan_services.barrier_add(plan=plan, category=transportation, actor=carol)
    assert table(client, "plan-barriers") == [
        {"Month": "2026-11", "Category": "Child care", "ZIP code": "80219", "Barriers": "2"},
        {"Month": "2026-11", "Category": "Transportation", "ZIP code": "80219", "Barriers": "1"},
    ]
    html = section(client, "plan-barriers")
    assert '<figure class="chart">' in html
    assert "Barriers found per month" in html


def test_it_filters_barriers_by_category_and_months(client, admin, carol, plan, child_care, transportation):
    """The page's filters apply: a category shows its barriers only; an earlier month shows none."""
    plan_services.barrier_add(plan=plan, category=transportation, actor=carol)
    client.force_login(admin)
    rows = table(client, "plan-barriers", **NOVEMBER, category="transportation", area="county")
    assert [(row["Category"], row["Barriers"]) for row in rows] == [("Transportation", "1")]
    assert "County" in rows[0]
    assert table(client, "plan-barriers", first_month="2026-10", last_month="2026-10") == []
    assert (
        "No barrier was found in these months."
        in client.get("/reports/", {"first_month": "2026-10", "last_month": "2026-10"}).content.decode()
    )


# Days from a barrier found to a step done


def test_it_gives_the_median_days_from_a_barrier_found_to_its_steps_done(client, admin, plan, carol):
    """Steps done 4 and 9 days after their barrier was found: 6.5 days; a third, 2 days after: 4 days."""
    barrier = plan_services.barrier_add(
        plan=plan, category=TaxonomyTerm.objects.get(code="daycare"), identified_on=days_ago(12), actor=carol
    )
    client.force_login(admin)
    assert table(client, "plan-days-to-done") == []
    for text, done_after in [("Visit a daycare", 4), ("Fill in the subsidy form", 9)]:
        step = plan_services.step_add(barrier=barrier, text=text, actor=carol)
        plan_services.step_move(step=step, status=Step.Status.DONE, done_on=days_ago(12 - done_after), actor=carol)
    assert table(client, "plan-days-to-done") == [
        {"Category": "Child care", "Steps done": "2", "Median days to a step done (days)": "6.50"}
    ]
    assert "6.5 days" in section(client, "plan-days-to-done")
    step = plan_services.step_add(barrier=barrier, text="Call back", actor=carol)
    plan_services.step_move(step=step, status=Step.Status.DONE, done_on=days_ago(10), actor=carol)
    assert table(client, "plan-days-to-done")[0]["Median days to a step done (days)"] == "4.00"
    plan_services.step_add(barrier=barrier, text="Not done yet", actor=carol)
    assert table(client, "plan-days-to-done")[0]["Steps done"] == "3"


# Check-ins in each of the last four weeks


def test_it_gives_the_share_of_participants_with_a_check_in_each_week(client, admin, plan, child_care, carol):
    """carol's plan, started on 4 Nov, is open from the week of 5–11 Nov (a plan is open all the weeks after the
    one it started in); a check-in on 16 Nov makes that week 1 of 1 (100%), one on 7 Nov the week before; a
    second check-in in the same week changes nothing."""
    client.force_login(admin)
    assert [(row["Week from"], row["Participants with an open plan"], row["With a check-in"]) for row in
            table(client, "plan-check-ins")] == [
        ("2026-10-22", "0", "0"),
        ("2026-10-29", "0", "0"),
        ("2026-11-05", "1", "0"),
        ("2026-11-12", "1", "0"),
    ]  # fmt: skip
    plan_services.check_in_record(plan=plan, held_on=days_ago(2), method="phone", actor=carol)
    rows = table(client, "plan-check-ins")
    assert (rows[3]["With a check-in"], rows[3]["Share with a check-in (%)"]) == ("1", "100.0")
    assert (rows[2]["With a check-in"], rows[2]["Share with a check-in (%)"]) == ("0", "0.0")
    plan_services.check_in_record(plan=plan, held_on=days_ago(11), method="in_person", actor=carol)
    plan_services.check_in_record(plan=plan, held_on=days_ago(1), method="text", actor=carol)
    rows = table(client, "plan-check-ins")
    assert [row["With a check-in"] for row in rows] == ["0", "0", "1", "1"]
    assert "Participants with a check-in, per week" in section(client, "plan-check-ins")


def test_it_counts_check_ins_of_the_plans_with_a_barrier_of_the_chosen_category(
    client, admin, plan, child_care, transportation, carol
):
    """With a category chosen, only plans with a barrier of it count: child care counts carol's, transportation
    none."""
    plan_services.check_in_record(plan=plan, held_on=days_ago(2), method="phone", actor=carol)
    client.force_login(admin)
    rows = table(client, "plan-check-ins", **NOVEMBER, category="child-care")
    assert (rows[3]["Participants with an open plan"], rows[3]["With a check-in"]) == ("1", "1")
    assert table(client, "plan-check-ins", **NOVEMBER, category="transportation") == []


def test_it_leaves_a_plan_whose_barriers_are_all_resolved_out_of_later_weeks(client, admin, plan, child_care):
    """A barrier resolved on 10 Nov closes the plan for the week after (12–18 Nov): 0 participants there."""
    child_care.identified_on = plan.started_on
    child_care.resolved_on = days_ago(8)
    child_care.save()
    client.force_login(admin)
    rows = table(client, "plan-check-ins")
    assert [row["Participants with an open plan"] for row in rows] == ["0", "0", "1", "0"]


# Steps that end unresolved


def test_it_counts_steps_that_did_not_work_out_or_are_past_due_per_category(
    client, admin, plan, child_care, find_care, transportation, carol
):
    """A step not done and one past due make 2 of 3 child care steps unresolved; a transportation step due
    later is not; the category with the most unresolved comes first."""
    client.force_login(admin)
    assert table(client, "plan-steps-unresolved") == [
        {
            "Category": "Child care",
            "Steps": "1",
            "Did not work out": "0",
            "Open past their due date": "0",
            "Unresolved": "0",
            "Share unresolved (%)": "0.0",
        }
    ]
    failed = plan_services.step_add(barrier=child_care, text="Ask a neighbour", actor=carol)
    plan_services.step_move(step=failed, status=Step.Status.NOT_DONE, actor=carol)
    plan_services.step_add(barrier=child_care, text="Call the subsidy office", due_on=days_ago(1), actor=carol)
    ride = plan_services.barrier_add(plan=plan, category=transportation, actor=carol)
    plan_services.step_add(barrier=ride, text="Get a bus pass", due_on=TODAY, actor=carol)
    rows = table(client, "plan-steps-unresolved")
    assert [
        (row["Category"], row["Steps"], row["Did not work out"], row["Open past their due date"], row["Unresolved"])
        for row in rows
    ] == [("Child care", "3", "1", "1", "2"), ("Transportation", "1", "0", "0", "0")]
    assert rows[0]["Share unresolved (%)"] == "66.7"


# Who sees which plans


def test_it_counts_only_the_plans_of_the_readers_own_organization(client, carol, dave, alice, plan, child_care):
    """carol's program sees its plan's figures; another program's case manager and a provider see none."""
    client.force_login(carol)
    assert len(table(client, "plan-barriers")) == 1
    for user in (dave, alice):
        client.force_login(user)
        for key in ("plan-barriers", "plan-days-to-done", "plan-steps-unresolved"):
            assert table(client, key) == []
        assert table(client, "plan-check-ins") == []
        assert "No barrier was found in these months." in section(client, "plan-barriers")


def test_it_refuses_the_plan_figures_to_people_outside_the_network(client, plan, child_care):
    """Anonymous visitors are sent to sign in; a signed-in person of no organization gets 403 and no figures."""
    response = client.get("/reports/plan-barriers.csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(User.objects.create_user("olga", "olga@example.org", "x"))
    for key in ("plan-barriers", "plan-days-to-done", "plan-check-ins", "plan-steps-unresolved"):
        response = client.get(f"/reports/{key}.csv")
        assert response.status_code == 403
        assert b"80219" not in response.content


def test_it_counts_an_erased_participant_without_their_words(client, admin, carol, plan, child_care, find_care):
    """After erasure the barrier and its step still count; neither the page nor a file holds a word of the plan."""
    erasure.participant_erase(participant_id=plan.participant_id, reason="Asked to be forgotten", erased_by=admin)
    client.force_login(admin)
    assert table(client, "plan-barriers")[0]["Barriers"] == "1"
    assert table(client, "plan-steps-unresolved")[0]["Steps"] == "1"
    html = client.get("/reports/", NOVEMBER).content.decode()
    assert "daughter" not in html and "Visit two daycares" not in html


def test_it_writes_category_names_safe_from_spreadsheet_formulas(client, admin, plan, carol):
    """A category named like a formula is written as text in the CSV files."""
    term = TaxonomyTerm.objects.create(
        taxonomy=Taxonomy.objects.get(code=Taxonomy.CATEGORIES), code="formula", name="=HYPERLINK(1)"
    )
    barrier = plan_services.barrier_add(plan=plan, category=term, actor=carol)
    plan_services.step_add(barrier=barrier, text="Step", actor=carol)
    client.force_login(admin)
    for key in ("plan-barriers", "plan-steps-unresolved"):
        assert table(client, key)[0]["Category"] == "'=HYPERLINK(1)"


# Cost


def count_queries(client, url: str, filters: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, filters).status_code == 200
    return len(queries)


def test_it_costs_the_same_queries_however_many_plans_barriers_steps_and_check_ins(
    client, admin, carol, plan, child_care, find_care, transportation
):
    """More plans, barriers, steps and check-ins add no query to the page or to a file."""
    client.force_login(admin)
    page, files = (
        count_queries(client, "/reports/", NOVEMBER),
        [count_queries(client, f"/reports/{key}.csv", NOVEMBER) for key in ("plan-barriers", "plan-check-ins")],
    )
    for number in range(4):
        participant = services.participant_create(
            organization=plan.participant.organization, created_by=carol, display_name=f"P. {number}."
        )
        other = plan_services.plan_start(participant=participant, case_manager=carol, started_on=days_ago(20))
        barrier = plan_services.barrier_add(
            plan=other, category=transportation, identified_on=days_ago(15), actor=carol
        )
        step = plan_services.step_add(barrier=barrier, text="Bus pass", actor=carol)
        plan_services.step_move(step=step, status=Step.Status.DONE, actor=carol)
        plan_services.check_in_record(plan=other, held_on=days_ago(number), method="phone", actor=carol)
    assert count_queries(client, "/reports/", NOVEMBER) == page
    assert [
        count_queries(client, f"/reports/{key}.csv", NOVEMBER) for key in ("plan-barriers", "plan-check-ins")
    ] == files
