"""The case manager's week on a phone (360 by 740), in a real browser, on the demo network: carol opens "This
week" from her menu, sees a participant's request for help in their own words first, with the plan a tap away,
marks it answered, and the page is never wider than the screen, in English or Spanish."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from plans import services as plan_services
from plans.models import Step

from .conftest import ARTIFACTS
from .test_phone_first_browser import page_width, sign_in

pytestmark = [pytest.mark.browser]

PHONE = {"width": 360, "height": 740}
WORDS = "Ayúdeme con el formulario del subsidio, no entiendo la página dos"


@pytest.fixture
def browser_context_options() -> dict:
    return {"viewport": PHONE, "locale": "en-US", "is_mobile": True, "has_touch": True}


@pytest.fixture
def help_asked(live_demo_network) -> Step:
    """A participant of carol's asks for help with an open step of their plan."""
    carol = get_user_model().objects.get(username="carol")
    step = (
        Step.objects.filter(
            barrier__plan__case_manager=carol,
            barrier__plan__participant__erasure__isnull=True,
            status__in=[Step.Status.PLANNED, Step.Status.UNDER_WAY],
        )
        .order_by("created_at")
        .first()
    )
    assert step is not None, "The demo network gives carol's plans open steps"
    return plan_services.step_help_request(step=step, note=WORDS)


def test_carol_answers_a_request_for_help_on_her_phone(page, live_server, help_asked):
    sign_in(page, live_server, "carol", "demo-carol-2026")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="This week").click()
    page.wait_for_url(f"{live_server.url}{reverse('plans:week')}")

    request = page.locator("#help .week-item", has_text=WORDS)
    assert request.count() == 1
    assert page_width(page) <= PHONE["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "week-phone.png", full_page=True)
    plan_link = request.locator(".week-item__who a")
    assert plan_link.get_attribute("href") == reverse("plans:detail", args=[help_asked.barrier.plan_id])
    box = request.get_by_role("button", name="Mark as answered").bounding_box()
    assert box["height"] >= 44  # a thumb's target

    request.get_by_role("button", name="Mark as answered").click()

    page.wait_for_url(f"{live_server.url}{reverse('plans:week')}")
    assert page.get_by_text("Marked as answered.").is_visible()
    assert page.locator("#help .week-item", has_text=WORDS).count() == 0
    help_asked.refresh_from_db()
    assert help_asked.help_answered_at is not None
    assert not page.csp_violations


def test_the_week_reads_in_spanish_on_a_phone(page, live_server, help_asked):
    sign_in(page, live_server, "carol", "demo-carol-2026")
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    page.goto(f"{live_server.url}{reverse('plans:week')}")

    assert page.get_by_role("heading", name="Esta semana", level=1).is_visible()
    assert page.locator("#help .week-item", has_text=WORDS).get_by_role("button", name="Marcar como respondida").count()
    assert page_width(page) <= PHONE["width"]
