"""An agency editor keeps her listing true in a real browser; the public page and search follow at once."""

import datetime
import json
import zoneinfo
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from providers.models import Schedule, Service

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser]

# Agency A in the demo network is Little Aspen; alice edits it, bob edits a housing agency.
SERVICE_NAME = "Little Aspen Infant and Toddler Daycare"


@pytest.fixture(autouse=True)
def search_index_upkeep(settings):
    """Keep the search index current after each commit, as the site does: alice's edits show in search at once."""
    settings.SEARCH_INDEX_UPKEEP = True


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}{reverse('login')}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def monday_without_closures(service: Service) -> datetime.date:
    """The next Monday the service is not closed for a holiday (search treats a closure as closed)."""
    today = datetime.datetime.now(zoneinfo.ZoneInfo(django_settings.TIME_ZONE)).date()
    day = today + datetime.timedelta(days=(7 - today.weekday()) % 7 or 7)
    closures = list(service.schedules.filter(kind=Schedule.Kind.CLOSURE))
    while any(closure.valid_from <= day <= closure.last_day for closure in closures):
        day += datetime.timedelta(days=7)
    return day


def found_open_at(page, live_server, service: Service, moment: datetime.datetime) -> bool:
    query = urlencode({"q": "daycare", "open_at": moment.isoformat(), "page_size": 100})
    response = page.request.get(f"{live_server.url}/api/v1/search/?{query}")
    assert response.ok, response.text()
    return str(service.pk) in {result["service"]["id"] for result in response.json()["results"]}


def test_it_lets_alice_update_hours_and_capacity_and_confirm_her_listing(page, live_server, live_demo_network):
    """alice closes Mondays at 5 pm, puts the service on a waitlist and confirms it: the public page and search
    show it at once; bob, another agency's editor, cannot even open the listing in the portal."""
    from playwright.sync_api import expect

    service = Service.objects.get(name=SERVICE_NAME)
    monday = monday_without_closures(service)
    six_pm = datetime.datetime.combine(monday, datetime.time(18), zoneinfo.ZoneInfo(django_settings.TIME_ZONE))
    assert found_open_at(page, live_server, service, six_pm), "open until 7 pm on Mondays before the change"

    sign_in(page, live_server, "alice", "demo-alice-2026")
    page.goto(f"{live_server.url}{reverse('portal:home')}")
    page.get_by_role("link", name=SERVICE_NAME).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SERVICE_NAME)

    # Hours: Monday closes at 5 pm instead of 7 pm.
    page.get_by_role("link", name="Hours and closures").click()
    monday_row = page.locator("fieldset.row", has=page.locator("legend", has_text="Monday"))
    monday_row.get_by_label("Closes").fill("17:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message--success")).to_have_text("Saved. The directory shows your changes now.")

    # Capacity, in one click, and "still accurate".
    page.get_by_role("button", name="Waitlist").click()
    expect(page.locator(".message--success")).to_contain_text("Waitlist, as of now.")
    expect(page.get_by_role("button", name="Waitlist")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Confirm still accurate").click()
    expect(page.locator(".message--success")).to_contain_text("is marked as verified today")
    assert page.csp_violations == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "portal.png", full_page=True)

    # The public page.
    page.goto(f"{live_server.url}{service.get_absolute_url()}")
    expect(page.locator(".service__badges .badge--waitlist")).to_have_text("Waitlist")
    monday_hours = page.locator(".hours tr", has=page.locator("th", has_text="Monday")).first
    expect(monday_hours).to_contain_text("6:00 a.m. – 5:00 p.m.")
    expect(page.locator(".notice--stale")).to_have_count(0)

    # Search: the result carries the new capacity, and it is no longer open at 6 pm on Mondays.
    page.goto(f"{live_server.url}/search/?q={SERVICE_NAME.replace(' ', '+')}")
    card = page.locator(".result-card", has=page.get_by_role("link", name=SERVICE_NAME))
    expect(card.locator(".badge--waitlist")).to_have_text("Waitlist")
    expect(card.locator(".badge--stale")).to_have_count(0)
    assert not found_open_at(page, live_server, service, six_pm)

    # bob cannot open alice's listing in the portal.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "bob", "demo-bob-2026")
    response = page.goto(f"{live_server.url}{reverse('portal:service', args=[service.pk])}")
    assert response.status == 404
    response = page.goto(f"{live_server.url}{reverse('portal:service_edit', args=[service.pk, 'hours'])}")
    assert response.status == 404


def test_it_lets_alice_draw_a_service_area_on_the_map(page, live_server, live_demo_network):
    """alice picks "Area on a map" and clicks four corners: the GeoJSON box fills in, saving stores that
    polygon, and the map script runs under the CSP (a static file, no inline script)."""
    from playwright.sync_api import expect

    service = Service.objects.get(name=SERVICE_NAME)
    sign_in(page, live_server, "alice", "demo-alice-2026")
    page.goto(f"{live_server.url}{reverse('portal:service_edit', args=[service.pk, 'areas'])}")
    new_row = page.locator("fieldset.row", has=page.locator("legend", has_text="Add one"))
    new_row.get_by_label("Kind of area").select_option("geojson")
    new_row.get_by_label("Name", exact=True).fill("Drawn by alice")
    drawing = new_row.locator(".area-map__map")
    expect(drawing).to_be_visible()
    size = drawing.bounding_box()
    for x, y in [(0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)]:
        drawing.click(position={"x": size["width"] * x, "y": size["height"] * y})

    polygon = json.loads(new_row.get_by_label("Area on a map", exact=True).input_value())
    assert polygon["type"] == "Polygon"
    ring = polygon["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    ARTIFACTS.mkdir(exist_ok=True)
    new_row.screenshot(path=ARTIFACTS / "portal-area-map.png")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message--success")).to_have_text("Saved. The directory shows your changes now.")
    assert service.service_areas.get(name="Drawn by alice").polygon == polygon
    assert page.csp_violations == []
