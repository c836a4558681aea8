"""Issue 20's loop in a real browser, on the demo network: the participant's plan tied to a referral.

Carol records an intake with two barriers, adds steps, and refers for one step from the search that "find
providers" opened with the participant's profile; alice accepts and completes the referral, and the step is done;
the participant opens their private link on a phone, marks another step done and asks for help with a third;
carol's "this week" queue shows the request; the reports' figures change by the expected amounts.
"""

import csv
import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from plans.models import Plan, PlanLink, Step
from referrals import services
from referrals.models import Consent, Referral

from .conftest import ARTIFACTS
from .test_referral_loop import AGENCY, sign_in

pytestmark = [pytest.mark.browser]


def report_rows(table: str) -> list[dict]:
    """A plans table of the reports page, from its CSV twin, as a network admin sees it."""
    client = Client()
    client.login(username="admin", password="demo-admin-2026")
    response = client.get(f"/reports/{table}.csv")
    assert response.status_code == 200, table
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def total(rows: list[dict], category: str, column: str) -> int:
    return sum(int(row[column] or 0) for row in rows if row["Category"] == category)


def step_of(plan: Plan, text: str) -> Step:
    """The plan's step that says ``text`` (encrypted in the database: compared here, not in a query)."""
    return next(step for step in Step.objects.filter(barrier__plan=plan) if step.text == text)


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True)


@pytest.fixture
def participant(live_demo_network):
    """A participant of carol's program who agreed to referrals to any provider: no plan yet."""
    carol = get_user_model().objects.get(username="carol")
    organization = carol.memberships.get(role="case_manager").organization
    participant = services.participant_create(
        organization=organization, created_by=carol, display_name="A. V.", preferred_language="es", zip_code="80219"
    )
    services.consent_record(participant=participant, recorded_by=carol, scope=Consent.Scope.REFERRAL)
    return participant


def test_the_plan_loop(page, live_server, participant):
    from playwright.sync_api import expect

    barriers_before = report_rows("plan-barriers")
    steps_before = report_rows("plan-steps-unresolved")

    # Carol starts the plan from the participant and records two barriers at intake.
    sign_in(page, live_server, "carol")
    page.goto(f"{live_server.url}/plans/participants/{participant.pk}/")
    page.get_by_role("button", name="Start the plan").click()
    expect(page.locator("h1")).to_have_text("What gets in the way of work?")
    page.get_by_label("What gets in the way", exact=True).select_option(label="Child care")
    page.get_by_label("In the participant's words", exact=True).fill("Nobody can watch my son during the training.")
    page.get_by_label("Goal", exact=True).fill("My son has a safe place while I train.")
    page.get_by_role("button", name="Save and add another").click()
    expect(page.locator(".messages")).to_contain_text("Barrier recorded: Child care.")
    page.get_by_label("What gets in the way", exact=True).select_option(label="Transportation")
    page.get_by_label("In the participant's words", exact=True).fill("The bus does not run early enough.")
    page.get_by_role("button", name="Save and see the plan").click()
    plan = Plan.objects.get(participant=participant)
    page.wait_for_url(f"**{plan.get_absolute_url()}*")

    # Steps: one for child care, two for getting there.
    due = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    for barrier, text in [
        ("Child care", "Find a daycare near the training site"),
        ("Transportation", "Get a bus pass"),
        ("Transportation", "Ask a neighbour about a ride"),
    ]:
        page.locator(".plan-barrier").filter(has_text=barrier).get_by_role("link", name="Add a step").click()
        page.get_by_label("Step", exact=True).fill(text)
        page.get_by_label("By (optional)", exact=True).fill(due)
        page.get_by_role("button", name="Save and see the plan").click()
        expect(page.locator(".plan-step").filter(has_text=text)).to_have_count(1)
    screenshot(page, "plan-carol.png")

    # Find providers for the child care step: the search has the participant's ZIP code and the category.
    step = page.locator(".plan-step").filter(has_text="Find a daycare near the training site")
    step.get_by_role("link", name="Find providers for this step").click()
    page.wait_for_url("**/search/?*")
    assert "category=child-care" in page.url and "zip=80219" in page.url
    expect(page.locator("main")).to_contain_text("Searching for a step of a participant's plan")
    card = page.locator(".result-card").filter(has_text=AGENCY).first
    card.locator(".result-card__refer a").click()
    page.wait_for_url("**/referrals/new/?*")
    expect(page.locator(".plan-for-step")).to_contain_text("Find a daycare near the training site")
    page.get_by_role("button", name="Send the referral").click()
    page.wait_for_url("**/referrals/*/")
    referral = Referral.objects.get(participant=participant)
    child_care_step = step_of(plan, "Find a daycare near the training site")
    assert (child_care_step.referral, child_care_step.status) == (referral, Step.Status.UNDER_WAY)

    # Alice accepts and completes the referral: the step is done.
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}{referral.get_absolute_url()}")
    expect(page.locator(".plan-for-step")).to_contain_text("Find a daycare near the training site")
    expect(page.locator("main")).not_to_contain_text("Nobody can watch my son")
    page.get_by_role("button", name="Accept").click()
    expect(page.locator(".referral__status")).to_contain_text("Accepted")
    page.get_by_role("button", name="Mark completed").click()
    expect(page.locator(".referral__status")).to_contain_text("Completed")
    child_care_step.refresh_from_db()
    assert (child_care_step.status, child_care_step.done_on) == (Step.Status.DONE, timezone.localdate())

    # The participant, on a phone, through the private link: one step done, help asked with the other.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 360, "height": 740})
    token = PlanLink.objects.get(plan=plan).token
    page.goto(f"{live_server.url}/plans/mine/{token}/")
    assert page.locator("html").get_attribute("lang") == "es"
    page.locator(".mine-step").filter(has_text="Get a bus pass").get_by_role("button", name="Lo hice").click()
    expect(page.locator(".mine-steps--finished .mine-step").filter(has_text="Get a bus pass")).to_have_count(1)
    ride_step = page.locator(".mine-step").filter(has_text="Ask a neighbour about a ride")
    ride_step.locator("summary").click()
    ride_step.get_by_role("button", name="Pedir ayuda a mi gestor de casos").click()
    expect(page.locator(".mine-help-asked")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "plan-participant-phone.png")
    assert step_of(plan, "Get a bus pass").status == Step.Status.DONE
    assert step_of(plan, "Ask a neighbour about a ride").help_requested_at is not None

    # Carol's week shows the request.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "carol")
    page.goto(f"{live_server.url}/plans/week/")
    expect(page.locator("main")).to_contain_text("Ask a neighbour about a ride")
    screenshot(page, "plan-week.png")

    # The reports: one more barrier in each category; one more step of child care, two of transportation.
    barriers_after = report_rows("plan-barriers")
    steps_after = report_rows("plan-steps-unresolved")
    for category, more in [("Child care", 1), ("Transportation", 1)]:
        assert total(barriers_after, category, "Barriers") == total(barriers_before, category, "Barriers") + more
    for category, more in [("Child care", 1), ("Transportation", 2)]:
        assert total(steps_after, category, "Steps") == total(steps_before, category, "Steps") + more

    assert page.csp_violations == []


@pytest.mark.parametrize("browser_context_options", [{"viewport": {"width": 360, "height": 740}, "locale": "en-US"}])
def test_the_plan_pages_fit_a_phone(page, live_server, participant):
    """On a 360-pixel screen carol's plan pages need no sideways scrolling."""
    from plans import services as plan_services
    from providers.models import TaxonomyTerm

    carol = get_user_model().objects.get(username="carol")
    plan = plan_services.plan_start(participant=participant, case_manager=carol)
    barrier = plan_services.barrier_add(
        plan=plan,
        category=TaxonomyTerm.objects.get(code="child-care"),
        in_their_words="Nobody can watch my son during the training, which starts at six in the morning.",
        goal="My son has a safe place while I train.",
        actor=carol,
    )
    step = plan_services.step_add(
        barrier=barrier, text="Visit two daycares near the training site", due_on=timezone.localdate(), actor=carol
    )
    sign_in(page, live_server, "carol")
    for url in [
        plan.get_absolute_url(),
        f"/plans/{plan.pk}/barriers/add/",
        f"/plans/{plan.pk}/barriers/{barrier.pk}/steps/add/",
        f"/plans/{plan.pk}/steps/{step.pk}/edit/",
        f"/plans/{plan.pk}/check-ins/add/",
    ]:
        page.goto(live_server.url + url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, url
    page.goto(live_server.url + plan.get_absolute_url())
    screenshot(page, "plan-phone.png")
    assert page.csp_violations == []
