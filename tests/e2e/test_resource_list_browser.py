"""A resource list in a real browser on a phone-sized screen (390 by 844), on the demo network.

Carol searches, stars two services, builds a list of three for a Spanish-speaking participant and sends it
by e-mail (the outbox delivers it over SMTP to a sink on 127.0.0.1); the participant opens the private link
from the e-mail, signed out: the page is in Spanish, services named as their agencies wrote them in Spanish,
phones are tel: links, each place has a directions link, and nothing of the participant's income is
anywhere. No page is wider than the screen.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model

from directory.mail import deliver_due
from handouts.models import Favourite, Handover, ResourceListItem
from referrals import services as referral_services
from referrals.models import Consent, Participant
from tests.directory.mail.conftest import outbox, sink  # noqa: F401 (fixtures: the outbox and its SMTP sink)

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser_context_options() -> dict:
    return {"viewport": PHONE, "locale": "en-US", "is_mobile": True, "has_touch": True}


@pytest.fixture
def spanish_participant(live_demo_network) -> Participant:
    """A participant of carol's program who reads Spanish, chose e-mail and consented."""
    carol = get_user_model().objects.get(username="carol")
    participant = referral_services.participant_create(
        organization=carol.memberships.get().organization,
        created_by=carol,
        display_name="R. G. Ñ.",
        preferred_language="es",
        zip_code="80219",
        contact_preference=Participant.ContactPreference.EMAIL,
        email="rg@example.org",
    )
    referral_services.consent_record(participant=participant, recorded_by=carol, scope=Consent.Scope.REFERRAL)
    return participant


def fits_the_screen(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True)


def search(page, live_server) -> None:
    page.goto(f"{live_server.url}/search/")
    page.get_by_label("What help is needed?").fill("bilingual child care")
    page.get_by_label("ZIP code").fill("80219")
    page.get_by_label("Yearly household income ($)").fill("18000")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/search/?*")


def test_carol_hands_a_spanish_list_to_a_participant(page, live_server, spanish_participant, outbox):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password").fill("demo-carol-2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    # Carol searches, and stars the first two results (no JavaScript needed: each star is a small form).
    search(page, live_server)
    cards = page.locator(".result-card")
    names = [cards.nth(index).locator(".result-card__name").inner_text() for index in range(3)]
    for index in range(2):
        page.locator(".result-card").nth(index).locator(".handout-star__button").click()
        expect(page.locator(".messages")).to_contain_text("is in your favourites")
    expect(page.locator(".result-card").nth(0).locator(".handout-star__button")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert Favourite.objects.filter(user__username="carol").count() == 2
    # The favourites are shortcuts on the search page.
    expect(page.locator(".handout-shortcuts")).to_contain_text(f"★ {names[0]}")
    fits_the_screen(page)
    screenshot(page, "resource-list-search.png")

    # She starts a list for the participant, then adds three services from the results.
    page.goto(f"{live_server.url}/lists/")
    page.get_by_label("For", exact=True).select_option(label="R. G. Ñ.")
    page.get_by_role("button", name="Start the list").click()
    expect(page.locator(".messages")).to_contain_text("List started.")
    search(page, live_server)
    for index in range(3):
        page.locator(".result-card").nth(index).locator(".handout-add__button").click()
        expect(page.locator(".messages")).to_contain_text(f"({index + 1} services)")
    page.get_by_role("link", name="Resource list").first.click()
    expect(page.locator(".handout-item")).to_have_count(3)
    page.get_by_label(f"Tip for the participant about {names[0]} (one line)").fill("Pregunte por Ana.")
    page.get_by_role("button", name="Save the tips").click()
    expect(page.locator(".messages")).to_contain_text("The list is saved.")
    fits_the_screen(page)
    screenshot(page, "resource-list-builder.png")
    list_url = page.url

    # The print handout and the program's lists fit the phone too.
    page.get_by_role("link", name="Print the handout").click()
    expect(page.locator(".handout-entry")).to_have_count(3)
    assert page.locator("html").get_attribute("lang") == "es"
    fits_the_screen(page)
    page.goto(f"{live_server.url}/lists/")
    expect(page.locator(".handout-index").first).to_contain_text("R. G. Ñ.")
    fits_the_screen(page)
    page.goto(list_url)

    # She sends it by e-mail; the outbox delivers it to the participant, in Spanish.
    page.get_by_role("button", name="E-mail it to the participant").click()
    expect(page.locator(".messages")).to_contain_text("on its way to the participant by e-mail")
    assert Handover.objects.get(participant=spanish_participant).status == "queued"
    assert deliver_due().sent == 1
    [message] = outbox.received
    assert message["To"] == "rg@example.org"
    assert message["Subject"].startswith("Servicios para usted")
    body = message.get_content()
    assert "Pregunte por Ana." in body
    link = re.search(r"https?://\S+/lists/shared/\S+/", body).group(0)

    # The participant opens the link from the e-mail on their phone, signed out.
    page.context.clear_cookies()
    page.goto(live_server.url + urlsplit(link).path)
    page.wait_for_url("**/lists/shared/")
    assert page.locator("html").get_attribute("lang") == "es"
    expect(page.locator("h1")).to_have_text("Servicios para usted")
    expect(page.locator(".handout-entry")).to_have_count(3)
    expect(page.locator(".handout-contact")).to_contain_text("Su gestor de casos")
    expect(page.locator(".handout-entry").first).to_contain_text("Pregunte por Ana.")
    expect(page.locator(".handout-entry").first).to_contain_text("Qué traer:")
    # Each service is named as its agency wrote it in Spanish, where it did (bilingual child
    # care near 80219 finds the demo's Little Aspen and Casa Colibrí daycares, whose agencies did).
    listed = [item.service for item in ResourceListItem.objects.filter(resource_list__participant=spanish_participant)]
    written = [service for service in listed if service.name_es]
    assert written, [service.name for service in listed]
    for service in written:
        expect(page.locator("main")).to_contain_text(service.name_es)
    phones = page.locator('a[href^="tel:"]')
    assert phones.count() >= 1
    assert re.fullmatch(r"tel:\+?[0-9]+(;ext=[0-9]+)?", phones.first.get_attribute("href"))
    directions = page.locator("a.handout-directions")
    assert directions.count() >= 1
    assert directions.first.get_attribute("href").startswith("https://www.openstreetmap.org/directions?route=")
    text = page.locator("body").inner_text()
    # The participant's income, and what the search made of it, stay with the case manager. (A provider's
    # own fee text may speak of income in general: that is the listing, not the participant.)
    for private in (
        "18000",
        "18,000",
        "18.000",
        "Household income is",
        "El ingreso del hogar",
        "guía de pobreza",
        "R. G. Ñ.",
    ):
        assert private not in text, private
    assert "18000" not in page.content()
    fits_the_screen(page)
    screenshot(page, "resource-list-shared.png")
    assert page.csp_violations == []
