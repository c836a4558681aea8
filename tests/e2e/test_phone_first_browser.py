"""Phone first, in a real browser on a 360 by 740 screen, on the demo network.

One listing carries the longest values real listings have (an address-bar URL, a long e-mail address, a long
hours note, a long name): no page that shows it is wider than the screen. After a search the first result is
on the first screen; the Contact box comes right after the service's name; overlapping map markers gather
into a cluster with a count; the map's buttons speak the page's language; and printed results carry phones
and hours but no Refer buttons and nothing of the participant's income.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from handouts import services as handout_services
from providers.models import Phone, RequiredDocument, Schedule, Service
from referrals import services as referral_services
from referrals.models import Consent

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser]

PHONE = {"width": 360, "height": 740}
SERVICE_NAME = "Little Aspen Infant and Toddler Daycare"

# The longest values of their kind found in real listings: unbroken strings are what overflow.
LONG_TITLE = "Child care, transportation and housing options for Maximiliana Fernández-Villavicencio"
LONG_URL = (
    "https://www.littleaspeninfantandtoddlerdaycare.example.org/enrollment/"
    "ColoradoChildCareAssistanceProgramApplicationInstructions?language=en&utm_source=referral-directory"
)
LONG_EMAIL = "enrollment.and.childcareassistance.coordinator@littleaspeninfantandtoddlerdaycare.example.org"
LONG_HOURS_NOTE = (
    "Drop-off from 6:30 a.m. for families in the Colorado Child Care Assistance Program; "
    "bring the authorization letter from https://www.denvergov.org/HumanServices/ColoradoChildCareAssistanceProgram"
)
LONG_ADDRESS = "Fitzsimons Innovation Campus, Building 500, Administrative Suite E-2400-North"


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}{reverse('login')}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True)


def search(page, live_server, words: str = "daycare") -> None:
    """A case manager's search with a ZIP code and the participant's details, as on a phone."""
    page.goto(f"{live_server.url}/search/")
    page.get_by_label("Household size").fill("3")
    page.get_by_label("Yearly household income ($)").fill("31000")
    page.get_by_label("What help is needed?").fill(words)
    page.get_by_label("ZIP code").fill("80219")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/search/?*")


@pytest.fixture
def browser_context_options() -> dict:
    return {"viewport": PHONE, "locale": "en-US", "is_mobile": True, "has_touch": True}


@pytest.fixture
def long_listing(live_demo_network) -> Service:
    """Little Aspen's daycare, rewritten with the longest values real listings carry."""
    service = Service.objects.get(name=SERVICE_NAME)
    service.url = LONG_URL
    service.email = LONG_EMAIL
    service.application_process = f"Apply online at {LONG_URL} or write to {LONG_EMAIL}."
    service.save()
    Phone.objects.create(
        service=service,
        number="Phone No: (303) 555-0142 Ext: 1041",
        description=f"Enrollment line; after hours {LONG_EMAIL}",
    )
    RequiredDocument.objects.create(service=service, document="Authorization letter", uri=LONG_URL)
    place = service.service_at_locations.select_related("location").first().location
    place.name = LONG_ADDRESS
    place.save()
    address = place.addresses.first()
    address.address_1 = LONG_ADDRESS
    address.save()
    Schedule.objects.filter(location=place, kind=Schedule.Kind.HOURS, weekday="MO").update(description=LONG_HOURS_NOTE)
    return service


def test_no_page_is_wider_than_a_phone(page, live_server, long_listing):
    """Search results, the service page, the refer form, a referral, its slip, the resource list pages and the
    agency portal's pages all fit 360 px with the longest values."""
    carol = get_user_model().objects.get(username="carol")
    organization = carol.memberships.get().organization
    participant = referral_services.participant_create(
        organization=organization,
        created_by=carol,
        display_name="Maximiliana Guadalupe Fernández-Villavicencio de la Torre",
        preferred_language="es",
        zip_code="80219",
        email=LONG_EMAIL,
    )
    referral_services.consent_record(participant=participant, recorded_by=carol, scope=Consent.Scope.REFERRAL)
    referral = referral_services.referral_send(
        participant=participant,
        service=long_listing,
        need=long_listing.categories.first(),
        referred_by=carol,
        note=f"Needs care from 6:30 a.m.; see {LONG_URL}",
    )
    resource_list = handout_services.resource_list_create(
        organization=organization, created_by=carol, participant=participant, title=LONG_TITLE
    )
    handout_services.resource_list_add(resource_list=resource_list, service=long_listing)
    link = handout_services.list_link_for(resource_list)
    alice = get_user_model().objects.get(username="alice")
    assert long_listing.organization.memberships.filter(user=alice).exists()

    too_wide = {}

    def measure(path: str) -> None:
        response = page.goto(f"{live_server.url}{path}")
        assert response.ok, f"{path}: {response.status}"
        width = page_width(page)
        if width > PHONE["width"]:
            too_wide[path] = width

    measure(long_listing.get_absolute_url())
    measure(reverse("handouts:shared", args=[link.token]))

    sign_in(page, live_server, "carol", "demo-carol-2026")
    search(page, live_server)
    if page_width(page) > PHONE["width"]:
        too_wide[page.url] = page_width(page)
    measure(f"{reverse('referrals:new')}?service={long_listing.pk}")
    measure(reverse("referrals:detail", args=[referral.pk]))
    measure(reverse("referrals:slip", args=[referral.pk]))
    measure(reverse("referrals:dashboard"))
    measure(reverse("handouts:index"))
    measure(reverse("handouts:detail", args=[resource_list.pk]))
    measure(reverse("handouts:handout", args=[resource_list.pk]))
    page.context.clear_cookies()

    sign_in(page, live_server, "alice", "demo-alice-2026")
    measure(reverse("portal:home"))
    measure(reverse("portal:service", args=[long_listing.pk]))
    for section in ("details", "hours", "documents", "locations"):
        measure(reverse("portal:service_edit", args=[long_listing.pk, section]))
    measure(reverse("portal:history", args=[long_listing.pk]))
    measure(reverse("referrals:inbox"))

    assert too_wide == {}, f"wider than {PHONE['width']} px: {too_wide}"


def test_the_first_result_is_on_the_first_screen_after_a_search(page, live_server, live_demo_network):
    """After a search on a phone, the top of the first result card is within the first 740 px."""
    search(page, live_server)
    top = page.locator(".result-card").first.evaluate("card => card.getBoundingClientRect().top + window.scrollY")
    screenshot(page, "phone-search.png")
    assert top < PHONE["height"], f"the first result starts {top:.0f} px down"


def test_the_contact_box_follows_the_name_on_a_phone(page, live_server, long_listing):
    """On a phone the Contact box is the first thing after the service's name, its agency and its badges."""
    page.goto(f"{live_server.url}{long_listing.get_absolute_url()}")
    contact = page.get_by_role("heading", name="Contact").evaluate("h => h.getBoundingClientRect().top + scrollY")
    about = page.get_by_role("heading", name="About this service").evaluate(
        "h => h.getBoundingClientRect().top + scrollY"
    )
    assert contact < about
    assert contact < PHONE["height"], f"Contact starts {contact:.0f} px down"
    screenshot(page, "phone-service.png")


@pytest.mark.parametrize("browser_context_options", [{"viewport": {"width": 1280, "height": 900}}])
def test_overlapping_markers_gather_into_a_cluster_with_a_count(page, live_server, live_demo_network):
    """Daycares a street apart share one marker that counts them; every result is on the map once, and a
    click on a cluster zooms in until its markers stand apart."""
    page.goto(f"{live_server.url}/search/?q=daycare&zip=80219")
    clusters = page.locator("#results-map .result-cluster")
    clusters.first.wait_for()
    counts = [int(count) for count in page.locator(".result-cluster__count").all_inner_texts()]
    assert counts and min(counts) >= 2
    markers = page.locator("#results-map .result-marker")
    assert markers.count() + sum(counts) == page.locator(".result-card").count()
    assert clusters.first.get_attribute("role") == "button"

    before = markers.count()
    clusters.first.click()
    page.wait_for_function(f"document.querySelectorAll('#results-map .result-marker').length > {before}")


@pytest.mark.parametrize("browser_context_options", [{"viewport": {"width": 1280, "height": 900}, "locale": "es-ES"}])
def test_the_maps_buttons_speak_the_pages_language(page, live_server, live_demo_network):
    """On a Spanish page the zoom buttons, a cluster and a popup's close button are named in Spanish."""
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/search/?q=guarderia&zip=80219")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("button", name="Acercar")).to_have_attribute("title", "Acercar")
    expect(page.get_by_role("button", name="Alejar")).to_have_attribute("title", "Alejar")
    expect(page.get_by_role("button", name="Zoom in")).to_have_count(0)
    expect(page.locator(".result-cluster").first).to_contain_text("Servicios en este lugar:")

    page.locator("#results-map .result-marker").first.click()
    expect(page.locator(".leaflet-popup-close-button")).to_have_attribute("aria-label", "Cerrar")
    assert "A JavaScript library" not in page.locator(".leaflet-control-attribution").inner_html()


@pytest.mark.parametrize("browser_context_options", [{"viewport": {"width": 1280, "height": 900}}])
def test_printed_results_carry_phones_and_hours_and_nothing_of_the_income(page, live_server, live_demo_network):
    """Printed, each result shows its phones and weekly hours; the Refer buttons, the list buttons, the form and
    the income reason (the household's percent of the poverty guideline) are left off the paper."""
    from playwright.sync_api import expect

    sign_in(page, live_server, "carol", "demo-carol-2026")
    search(page, live_server)
    first = page.locator(".result-card").first
    expect(first.locator(".result-card__refer")).to_be_visible()
    expect(first.locator(".reason--income")).to_be_visible()
    expect(first.locator(".result-card__hours")).to_be_hidden()

    page.emulate_media(media="print")
    expect(first.locator(".result-card__refer")).to_be_hidden()
    expect(first.locator(".handout-actions")).to_be_hidden()
    expect(first.locator(".result-card__phones a[href^='tel:']").first).to_be_visible()
    expect(first.locator(".result-card__hours")).to_be_visible()
    expect(first.locator(".result-card__hours")).to_contain_text("Monday")
    printed = page.locator("body").inner_text()
    assert "poverty guideline" not in printed
    assert "31,000" not in printed
    assert "Refer" not in printed.replace("Referral", "")
    page.pdf(path=ARTIFACTS / "printed-results.pdf")
