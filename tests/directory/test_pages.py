"""The server-rendered pages: home, service detail and sign in."""

import datetime
import uuid
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from providers.models import (
    Accessibility,
    Address,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from tests.conftest import PASSWORD

DASH = "\N{EN DASH}"  # between opening and closing times
ARROW = "\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}"  # between a category and its parent

DEMO_CONTEXT_PROCESSOR = "directory.context_processors.demo_network"


@pytest.fixture(autouse=True)
def demo_context_processor(settings):
    """Render with the demo banner's context processor, whether or not settings lists it yet."""
    engine = settings.TEMPLATES[0]
    processors = engine["OPTIONS"]["context_processors"]
    if DEMO_CONTEXT_PROCESSOR not in processors:
        options = {**engine["OPTIONS"], "context_processors": [*processors, DEMO_CONTEXT_PROCESSOR]}
        settings.TEMPLATES = [{**engine, "OPTIONS": options}, *settings.TEMPLATES[1:]]


def category(code: str, name: str, parent: TaxonomyTerm | None = None) -> TaxonomyTerm:
    taxonomy = Taxonomy.objects.get(code=Taxonomy.CATEGORIES)
    return TaxonomyTerm.objects.create(taxonomy=taxonomy, code=code, name=name, parent=parent)


def make_service(organization: Organization, name: str, *terms: TaxonomyTerm, **fields) -> Service:
    """A service whose agency stated that it serves anyone (unstated rules would show as such)."""
    stated = {"gender": Service.Gender.ANY, "populations_required": False, "residency_required": False}
    service = Service.objects.create(organization=organization, name=name, **{**stated, **fields})
    service.categories.add(*terms)
    return service


def add_location(service: Service, name: str, *, closes_at: datetime.time = datetime.time(17)) -> Location:
    """Add a location with an address, a phone, an accessibility feature and weekday hours of its own."""
    location = Location.objects.create(organization=service.organization, name=name)
    Address.objects.create(
        location=location, address_1="1 Main St", city="Denver", state_province="CO", postal_code="80204"
    )
    Phone.objects.create(location=location, number="303-555-0100")
    Accessibility.objects.create(location=location, description="Step-free entrance")
    Language.objects.create(location=location, name="Spanish", code="es")
    service_at_location = ServiceAtLocation.objects.create(service=service, location=location)
    for weekday in ["MO", "WE", "FR"]:
        Schedule.objects.create(
            service_at_location=service_at_location,
            weekday=weekday,
            opens_at=datetime.time(9),
            closes_at=closes_at,
        )
    Schedule.objects.create(location=location, kind=Schedule.Kind.CLOSURE, valid_from=datetime.date(2099, 1, 1))
    return location


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# Home page


def test_it_shows_the_home_page(client, db):
    """Anyone sees what the network is, a search box, and a sign-in link for staff."""
    html = html_of(client.get(reverse("home")))

    assert "Referral Network Directory" in html
    assert "Find partner providers for the people you serve" in html
    assert 'name="q"' in html
    assert 'href="/accounts/login/"' in html
    assert '<html lang="en">' in html


def test_it_shows_the_home_page_in_spanish(client, db):
    """The home page answers in Spanish to a browser that asks for it."""
    html = html_of(client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es"))

    assert "Encuentre proveedores asociados para las personas que atiende" in html


def test_it_shows_the_demo_banner_only_when_a_demo_organization_exists(client, agency_a):
    """Fictional providers are labelled on every page; a real network shows no banner."""
    assert "Demo network:" not in html_of(client.get(reverse("home")))

    Organization.objects.create(name="Demo Agency", description="Fictional.", is_demo=True)

    assert "every provider here is fictional." in html_of(client.get(reverse("home")))
    assert "every provider here is fictional." in html_of(client.get(reverse("login")))


def test_it_counts_the_listed_services_of_each_top_level_category(client, service_a, agency_a):
    """A category counts each listed service filed under it or a term below it, once; empty ones say so."""
    child_care = TaxonomyTerm.objects.get(code="child-care")
    daycare = TaxonomyTerm.objects.get(code="daycare")
    infants = category("infant-care", "Infant care", parent=daycare)
    category("housing", "Housing")
    make_service(agency_a, "Drop-in Care", child_care)
    make_service(agency_a, "Little Steps", child_care, daycare, infants)  # one service, three terms
    make_service(agency_a, "Closed Nursery", daycare, status=Service.Status.INACTIVE)

    html = html_of(client.get(reverse("home")))

    assert 'href="/search/?category=child-care"' in html
    assert "3 services" in html
    assert "Housing" in html
    assert "No services yet" in html
    assert "Daycare" not in html  # only top-level categories are listed


def test_it_sends_the_search_box_and_the_categories_to_the_search_page(client, service_a):
    """The home page does not search itself: its box and its category links open the search page."""
    html = html_of(client.get(reverse("home")))

    assert f'<form class="search-form" action="{reverse("search:page")}" method="get"' in html
    assert 'name="q"' in html
    assert 'name="zip"' in html
    assert 'href="/search/?category=child-care"' in html
    assert f'<a href="{reverse("search:page")}">Find services</a>' in html


def test_it_ignores_search_parameters_on_the_home_page(client, service_a):
    """An old bookmark of a home page search still shows the home page, not a list of results."""
    html = html_of(client.get(reverse("home"), {"q": "daycare", "category": "child-care"}))

    assert "Browse by category" in html
    assert "Sunrise Daycare" not in html


def test_it_runs_a_fixed_number_of_queries_on_the_home_page(
    client, service_a, agency_a, carol, django_assert_max_num_queries
):
    """However many categories and services there are, the home page costs the same few queries."""
    for number in range(12):
        top = category(f"top-{number}", f"Top {number}")
        child = category(f"child-{number}", f"Child {number}", parent=top)
        make_service(agency_a, f"Service {number}", top, child)
    client.force_login(carol)

    # Session, user, demo banner, categories with counts; her roles, whether she is a network admin, her
    # referrals needing attention and her week counted (directory/attention.py; the menu shows the week's too).
    with django_assert_max_num_queries(8):
        html = html_of(client.get(reverse("home")))

    assert 'href="/search/?category=top-11"' in html


# Service detail


def test_it_shows_an_active_service_to_anyone(client, service_a):
    """An anonymous visitor sees the listing: organization, categories, eligibility, location and hours."""
    html = html_of(client.get(service_a.get_absolute_url()))

    assert '<h1 id="service-name">Sunrise Daycare</h1>' in html
    assert "Offered by Agency A" in html
    assert f"Child care {ARROW} Daycare" in html
    assert "Accepting new clients" in html
    assert "0 to 5 years old" in html
    assert "At or below 200% of the federal poverty guideline" in html
    assert "Contact the provider directly" in html
    assert "3300 W Alameda Ave" in html
    assert f"7:00 a.m. {DASH} 6:00 p.m." in html
    assert '<th scope="row">Saturday</th>' in html
    assert "Fictional demo listing" not in html


def test_it_shows_eligibility_costs_and_contacts(client, service_a):
    """Who qualifies, what to bring, what it costs, the languages and how to reach the provider."""
    populations = Taxonomy.objects.create(code=Taxonomy.POPULATIONS, name="Populations", description="Who")
    insurance = Taxonomy.objects.create(code=Taxonomy.INSURANCE, name="Insurance", description="Plans")
    service_a.populations.add(
        TaxonomyTerm.objects.create(taxonomy=populations, code="veterans", name="Veterans", name_es="Veteranos")
    )
    service_a.insurance_accepted.add(TaxonomyTerm.objects.create(taxonomy=insurance, code="medicaid", name="Medicaid"))
    service_a.populations_required = True
    service_a.residency_required = True
    service_a.gender = Service.Gender.WOMEN
    service_a.referral_method = Service.ReferralMethod.ELECTRONIC
    service_a.eligibility_description = "Parents must be working or in training."
    service_a.url = "https://example.org/sunrise"
    service_a.email = "intake@example.org"
    service_a.last_verified_at = timezone.now()
    service_a.save()
    ServiceArea.objects.create(service=service_a, extent_type="postal_codes", postal_codes=["80219", "80223"])
    ServiceArea.objects.create(
        service=service_a, name="Denver County", extent_type="counties", counties=["Denver County, CO"]
    )
    RequiredDocument.objects.create(service=service_a, document="Proof of income")
    CostOption.objects.create(service=service_a, amount=Decimal("0"), option="Under 100% of the guideline")
    CostOption.objects.create(service=service_a, amount=Decimal("25"), option="Weekly copay")
    Language.objects.create(service=service_a, name="Vietnamese", code="vi")
    Phone.objects.create(service=service_a, number="303-555-0142", extension="12")

    html = html_of(client.get(service_a.get_absolute_url()))

    assert "Only for" in html
    assert "Veterans" in html
    assert "Women only" in html
    assert "ZIP codes 80219, 80223" in html
    assert "Denver County" in html
    assert "Residency required: only people who live in the service area qualify." in html
    assert "Medicaid" in html
    assert "Parents must be working or in training." in html
    assert "Proof of income" in html
    assert "<strong>Free</strong>" in html
    assert "$25.00" in html
    assert "Vietnamese" in html
    assert 'href="tel:303-555-0142"' in html
    assert "ext. 12" in html
    assert 'href="https://example.org/sunrise"' in html
    assert 'href="mailto:intake@example.org"' in html
    assert "Electronic referral in the network" in html
    assert "Last verified" in html
    assert "Not verified in the last" not in html


def test_it_shows_capacity_with_the_date_it_was_updated(client, service_a):
    """The capacity badge says when the provider last said it."""
    service_a.capacity_status = Service.Capacity.WAITLIST
    service_a.capacity_updated_at = datetime.datetime(2025, 3, 4, 12, tzinfo=datetime.UTC)
    service_a.save()

    html = html_of(client.get(service_a.get_absolute_url()))

    assert "Waitlist" in html
    assert "updated March 4, 2025" in html or "updated Mar. 4, 2025" in html


def test_it_hides_an_inactive_service_from_anonymous_visitors_and_other_agencies(client, service_a, bob):
    """An unlisted service is a 404 for the public and for another agency's editor."""
    service_a.status = Service.Status.INACTIVE
    service_a.save()

    assert client.get(service_a.get_absolute_url()).status_code == 404
    client.force_login(bob)
    assert client.get(service_a.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("persona", ["alice", "admin"])
def test_it_shows_an_inactive_service_to_its_editors_and_admins(client, service_a, persona, request):
    """The organization's editor and a network admin still see an unlisted service, marked as hidden."""
    service_a.status = Service.Status.INACTIVE
    service_a.save()
    client.force_login(request.getfixturevalue(persona))

    html = html_of(client.get(service_a.get_absolute_url()))

    assert "Status: Inactive. This listing is hidden from the public directory" in html


def test_it_shows_a_temporarily_closed_service_with_a_notice(client, service_a):
    """A temporarily closed service stays listed and says it is closed."""
    service_a.status = Service.Status.TEMPORARILY_CLOSED
    service_a.alert = "Closed for repairs until spring."
    service_a.save()

    html = html_of(client.get(service_a.get_absolute_url()))

    assert "This service is temporarily closed." in html
    assert "Closed for repairs until spring." in html


def test_it_answers_404_for_an_unknown_service(client, db):
    """A made-up id is a 404, not an error."""
    response = client.get(reverse("providers:service_detail", args=[uuid.uuid4()]))

    assert response.status_code == 404
    assert client.get("/services/not-a-uuid/").status_code == 404


def test_it_shows_hours_past_midnight_and_upcoming_closures(client, service_a):
    """Overnight hours end "(next day)"; closures still to come are listed, past ones are not."""
    Schedule.objects.create(service=service_a, weekday="SA", opens_at=datetime.time(22), closes_at=datetime.time(6))
    today = timezone.localdate()
    Schedule.objects.create(
        service=service_a,
        kind=Schedule.Kind.CLOSURE,
        valid_from=today + datetime.timedelta(days=3),
        valid_to=today + datetime.timedelta(days=4),
        description="Staff retreat",
    )
    Schedule.objects.create(
        service=service_a,
        kind=Schedule.Kind.CLOSURE,
        valid_from=today - datetime.timedelta(days=3),
        description="Last week",
    )

    html = html_of(client.get(service_a.get_absolute_url()))

    assert f"10:00 p.m. {DASH} 6:00 a.m. (next day)" in html
    assert "Upcoming closures" in html
    assert "Staff retreat" in html
    assert "Last week" not in html


def test_it_formats_hours_in_the_readers_language(client, service_a):
    """Spanish readers get 24-hour times and "(día siguiente)"."""
    Schedule.objects.create(service=service_a, weekday="SA", opens_at=datetime.time(22), closes_at=datetime.time(6))

    html = html_of(client.get(service_a.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es"))

    assert f"22:00 {DASH} 6:00 (día siguiente)" in html
    assert "Sábado" in html


def test_it_shows_a_service_without_locations(client, agency_a):
    """An online service says it has no location and still shows its own hours."""
    service = make_service(agency_a, "Help Line")
    Schedule.objects.create(service=service, weekday="TU", opens_at=datetime.time(8), closes_at=datetime.time(20))

    html = html_of(client.get(service.get_absolute_url()))

    assert "this service is offered online or by phone" in html
    assert "No eligibility limits are listed." in html
    assert f"8:00 a.m. {DASH} 8:00 p.m." in html


def test_it_shows_each_location_with_its_own_hours(client, service_a):
    """Hours given for a service at one location replace the service's general hours there."""
    add_location(service_a, "Evening Site", closes_at=datetime.time(21, 30))

    html = html_of(client.get(service_a.get_absolute_url()))

    assert "Evening Site" in html
    assert f"9:00 a.m. {DASH} 9:30 p.m." in html
    assert f"7:00 a.m. {DASH} 6:00 p.m." in html  # the other location keeps the service's hours
    assert "Step-free entrance" in html


def test_it_marks_a_demo_listing(client, service_a):
    """A fictional provider's page carries a badge saying so."""
    service_a.organization.is_demo = True
    service_a.organization.save()

    html = html_of(client.get(service_a.get_absolute_url()))

    assert "Fictional demo listing" in html
    assert "Demo network:" in html


@pytest.mark.parametrize(
    ("days_later", "stale"),
    [(179, False), (181, True)],
)
def test_it_flags_a_listing_not_verified_within_the_verification_window(client, service_a, days_later, stale):
    """Past VERIFY_AFTER_DAYS the page warns that nobody confirmed the listing; before, it says when they did."""
    verified_at = datetime.datetime(2025, 1, 10, 12, tzinfo=datetime.UTC)
    service_a.last_verified_at = verified_at
    service_a.save()

    with time_machine.travel(verified_at + datetime.timedelta(days=days_later), tick=False):
        html = html_of(client.get(service_a.get_absolute_url()))

    assert ("Not verified in the last 180 days" in html) is stale
    assert "Last verified Jan. 10, 2025" in html


def test_it_flags_a_listing_never_verified(client, service_a):
    """A listing nobody ever verified is stale."""
    html = html_of(client.get(service_a.get_absolute_url()))

    assert "Not verified in the last 180 days" in html
    assert "Never verified." in html


def test_it_runs_a_fixed_number_of_queries_on_a_service_page(client, service_a):
    """More locations, phones and schedules do not add queries to the service page (a fixed budget: the listing's
    prefetches, its capacities and web addresses, the banner, the referral track record and the portal's panel)."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            html_of(client.get(service_a.get_absolute_url()))
        return len(context)

    one_location = queries()
    for number in range(4):
        add_location(service_a, f"Site {number}")
    Phone.objects.create(service=service_a, number="303-555-0199")

    assert queries() == one_location
    assert one_location <= 24


# Sign in and out


def test_it_signs_in_and_out(client, carol):
    """The sign-in page logs a person in; the header then names them and offers a sign-out button."""
    html = html_of(client.get(reverse("login")))
    assert 'name="username"' in html
    assert 'name="password"' in html

    response = client.post(reverse("login"), {"username": "carol", "password": PASSWORD})
    assert response.status_code == 302

    html = html_of(client.get(reverse("home")))
    assert "Signed in as carol" in html
    assert f'action="{reverse("logout")}" method="post"' in html
    assert 'href="/admin/"' not in html

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "Signed in as" not in html_of(client.get(reverse("home")))


def test_it_shows_an_error_for_a_wrong_password(client, carol):
    """A wrong password keeps the person on the page with a message."""
    html = html_of(client.post(reverse("login"), {"username": "carol", "password": "wrong"}))

    assert "Please enter a correct username and password." in html


def test_it_links_staff_to_the_admin(client, admin):
    """Staff accounts get an Admin link in the header."""
    admin.is_staff = True
    admin.save()
    client.force_login(admin)

    assert 'href="/admin/"' in html_of(client.get(reverse("home")))
