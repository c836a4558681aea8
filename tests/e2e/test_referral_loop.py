"""The whole referral loop in a real browser, on the demo network.

Carol searches and refers with consent; alice, for the receiving agency, accepts, schedules and completes;
carol records the outcome; the participant answers through the private link on the slip; the reports
page's figures for the service change accordingly.
"""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from referrals.encryption import blind_index
from referrals.models import Feedback, ParticipantLink, Referral

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser]

PASSWORDS = {"carol": "demo-carol-2026", "alice": "demo-alice-2026"}
AGENCY = "Little Aspen Learning Collective"  # alice's agency in the demo network


def sign_in(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORDS[username])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def service_figures(service_name: str) -> dict[str, str]:
    """The reports page's row for the service, from its CSV twin (as a network admin sees it)."""
    client = Client()
    client.login(username="admin", password="demo-admin-2026")
    response = client.get("/reports/services.csv")
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(response.content.decode()))
    return next((row for row in rows if row["Service"] == service_name), {})


def count(figures: dict, column: str) -> int:
    return int(figures.get(column) or 0)


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True)


def test_it_closes_the_loop(page, live_server, live_demo_network):
    """Search, refer with consent, accept, schedule, complete, outcome, participant rating, reports."""
    from playwright.sync_api import expect

    # Carol searches for a daycare near ZIP 80219 and refers from the results.
    sign_in(page, live_server, "carol")
    page.goto(f"{live_server.url}/search/")
    page.get_by_label("What help is needed?").fill("daycare")
    page.get_by_label("ZIP code").fill("80219")
    page.get_by_label("Age", exact=True).fill("29")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/search/?*")
    card = page.locator(".result-card").filter(has_text=AGENCY).first
    service_name = card.locator(".result-card__name").inner_text()
    before = service_figures(service_name)
    card.locator(".result-card__refer a").click()

    page.wait_for_url("**/referrals/new/?*")
    expect(page.locator("h1")).to_have_text(f"Refer to {service_name}")
    expect(page.get_by_label("ZIP code (optional)")).to_have_value("80219")
    expect(page.get_by_label("Note to the provider (optional)")).to_have_value("")
    page.get_by_label("Name or initials").fill("T. G.")
    page.get_by_label("Case id (optional)").fill("WF-2041")
    page.get_by_label("Spanish").check()
    page.get_by_label("The participant agreed to this referral").check()
    page.get_by_label(f"Only {AGENCY}").check()
    page.get_by_label("Within a week").check()
    page.get_by_label("Note to the provider (optional)").fill("Starts work Monday.")
    screenshot(page, "referral-refer.png")
    page.get_by_role("button", name="Send the referral").click()

    page.wait_for_url("**/referrals/*/")
    expect(page.locator(".messages")).to_contain_text(f"Referral sent to {AGENCY}.")
    expect(page.locator(".referral__status")).to_contain_text("Sent")
    referral = Referral.objects.get(participant__external_id_index=blind_index("WF-2041"))
    assert (referral.status, referral.service.name, referral.participant.preferred_language) == (
        "sent",
        service_name,
        "es",
    )

    # The slip, in the participant's language, with the private link and its QR code.
    page.get_by_role("link", name="Print the slip").click()
    expect(page.locator(".slip__qr svg")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "es"
    page.emulate_media(media="print")
    screenshot(page, "referral-slip-print.png")
    page.emulate_media(media="screen")

    # Alice, for the receiving agency: accept from the inbox, then schedule and complete on the referral's page.
    sign_in(page, live_server, "alice")
    page.get_by_role("link", name="Inbox").click()
    item = page.locator(".referral-card").filter(has_text="T. G.")
    expect(item).to_contain_text(service_name)
    screenshot(page, "referral-inbox.png")
    item.get_by_role("button", name="Accept").click()
    expect(page.locator(".messages")).to_contain_text("accepted")

    page.get_by_role("link", name="Accepted or scheduled").click()
    page.locator(".referral-card").filter(has_text="T. G.").get_by_role("link").first.click()
    page.get_by_text("Schedule…").click()
    page.get_by_label("Appointment (optional)").fill("2030-03-04T10:30")
    page.get_by_role("button", name="Save the appointment").click()
    expect(page.locator(".referral__status")).to_contain_text("Scheduled")
    page.get_by_role("button", name="Mark completed").click()
    expect(page.locator(".referral__status")).to_contain_text("Completed")
    expect(page.locator(".timeline")).to_contain_text("Scheduled → Completed")

    # Carol records the outcome, which closes the referral.
    sign_in(page, live_server, "carol")
    page.get_by_role("link", name="My referrals").click()
    page.get_by_role("link", name="Waiting for your outcome").click()
    page.locator(".referral-card").filter(has_text="T. G.").get_by_role("link").first.click()
    page.get_by_label("Need met", exact=True).check()
    page.get_by_role("button", name="Save the outcome").click()
    expect(page.locator(".referral__status")).to_contain_text("Closed")
    screenshot(page, "referral-closed.png")

    # The participant answers through the private link, signed out.
    page.context.clear_cookies()
    token = ParticipantLink.objects.get(referral=referral).token
    page.goto(f"{live_server.url}/referrals/feedback/{token}/")
    assert page.locator("html").get_attribute("lang") == "es"
    # In Spanish, by the name its agency wrote in Spanish when it wrote one.
    expect(page.locator("main")).to_contain_text(referral.service.name_es or service_name)
    expect(page.locator("main")).not_to_contain_text("T. G.")
    page.locator('input[name="connected"][value="yes"]').check()
    page.locator('input[name="rating"][value="5"]').check()
    page.locator('.participant-feedback button[type="submit"]').click()
    expect(page.locator(".messages")).to_be_visible()
    screenshot(page, "referral-participant-feedback.png")
    feedback = Feedback.objects.get(referral=referral)
    assert (feedback.need_met, feedback.participant_connected, feedback.participant_rating) == ("fully", True, 5)

    # The reports: one more referral received and completed for the service, and one more rating.
    after = service_figures(service_name)
    assert count(after, "Received") == count(before, "Received") + 1
    assert count(after, "Completed") == count(before, "Completed") + 1
    assert count(after, "Ratings") == count(before, "Ratings") + 1
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/reports/")
    expect(page.locator("main")).to_contain_text(service_name)
    screenshot(page, "referral-reports.png")

    assert page.csp_violations == []


@pytest.mark.parametrize("browser_context_options", [{"viewport": {"width": 375, "height": 740}, "locale": "en-US"}])
def test_it_fits_a_phone(page, live_server, live_demo_network):
    """On a 375-pixel screen the referral pages need no sideways scrolling."""
    from providers.models import Service
    from referrals import selectors, services

    service = Service.objects.get(name="Little Aspen Infant and Toddler Daycare")
    carol = get_user_model().objects.get(username="carol")
    referral = services.refer(
        referred_by=carol,
        service=service,
        need=service.categories.first(),
        note="Needs care from 6 a.m. for a warehouse shift.",
        new_participant={"display_name": "R. P.", "preferred_language": "en", "zip_code": "80219"},
        organization=selectors.referring_organizations(carol).first(),
        consent={"scope": "referral", "organization": None, "method": "verbal"},
    )
    pages = {
        "carol": [
            f"/referrals/new/?service={service.pk}&zip=80219",
            "/referrals/?tab=all",
            referral.get_absolute_url(),
            f"/referrals/{referral.pk}/slip/",
        ],
        "alice": ["/referrals/inbox/", referral.get_absolute_url()],
    }
    for username, urls in pages.items():
        sign_in(page, live_server, username)
        for url in urls:
            page.goto(live_server.url + url)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, url
    screenshot(page, "referral-phone.png")
    assert page.csp_violations == []
