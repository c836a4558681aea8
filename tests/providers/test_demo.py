"""`manage.py load_demo` loads the reference taxonomies, the fictional Denver network and its demo users."""

import datetime
import io
import json
import math
import uuid

import pytest
import zipcodes
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Q
from django.utils import timezone

from directory.models import Membership
from providers.models import (
    Language,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    Taxonomy,
    TaxonomyTerm,
)

TOP_CATEGORIES = [
    "child-care",
    "transportation",
    "housing",
    "health",
    "legal",
    "mental-health",
    "employment",
    "food",
    "education",
    "income-support",
]
ZIP_80219 = (39.6956, -105.0341)  # its centroid, where the search scenario's participant lives

pytestmark = pytest.mark.django_db


def load_demo(*args: str) -> str:
    output = io.StringIO()
    call_command("load_demo", *args, stdout=output)
    return output.getvalue()


def services_under(code: str):
    return Service.objects.filter(Q(categories__code=code) | Q(categories__parent__code=code)).distinct()


def miles_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    latitude = math.radians((a[0] + b[0]) / 2)
    return math.hypot((a[0] - b[0]) * 69.0, (a[1] - b[1]) * 69.17 * math.cos(latitude))


def serves_80219(service: Service) -> bool:
    for area in service.service_areas.all():
        if area.extent_type == ServiceArea.ExtentType.POSTAL_CODES and "80219" in area.postal_codes:
            return True
        center = (area.center_latitude, area.center_longitude)
        if area.extent_type == ServiceArea.ExtentType.RADIUS and miles_between(center, ZIP_80219) <= area.radius_miles:
            return True
    return False


def snapshot() -> dict:
    return {
        model.__name__: sorted(model.objects.values_list("id", "modified_at"))
        for model in (Organization, Location, Service, Schedule, Language, ServiceArea, TaxonomyTerm)
    }


def test_it_loads_enough_listings_for_every_category(demo_network):
    """At least 60 demo organizations and 150 services, 10 or more under each top category, and a summary."""
    organizations, services = Organization.objects.count(), Service.objects.count()
    assert organizations >= 60
    assert services >= 150
    assert not Organization.objects.filter(is_demo=False).exists()
    assert sorted(TaxonomyTerm.objects.categories().top_level().values_list("code", flat=True)) == sorted(
        TOP_CATEGORIES
    )
    for code in TOP_CATEGORIES:
        assert services_under(code).count() >= 10, code
    for code in [Taxonomy.CATEGORIES, Taxonomy.POPULATIONS, Taxonomy.INSURANCE]:
        assert Taxonomy.objects.filter(code=code).exists()
    assert demo_network.output.strip().endswith(
        f"Demo network: {organizations} organizations, {services} services "
        f"(created {services}, updated 0, unchanged 0); 5 users"
    )


def test_it_creates_the_demo_users_with_their_roles(demo_network):
    """admin, carol, dave, alice and bob sign in with their published passwords and hold their roles."""
    workforce = {
        name: Organization.objects.get(name=name)
        for name in ["Front Range Workforce Partnership", "Mile High Career Pathways"]
    }
    expected = {
        "admin": ("Front Range Workforce Partnership", Membership.Role.NETWORK_ADMIN),
        "carol": ("Front Range Workforce Partnership", Membership.Role.CASE_MANAGER),
        "dave": ("Mile High Career Pathways", Membership.Role.CASE_MANAGER),
        "alice": ("Little Aspen Learning Collective", Membership.Role.AGENCY_EDITOR),
        "bob": ("Lodgepole Housing Partners", Membership.Role.AGENCY_EDITOR),
    }
    for username, (organization, role) in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password(f"demo-{username}-2026")
        assert list(user.memberships.values_list("organization__name", "role")) == [(organization, role)]
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()
    for organization in workforce.values():
        assert not organization.services.exists()
    agency_a = Organization.objects.get(name="Little Aspen Learning Collective")
    assert services_under("child-care").filter(organization=agency_a).count() >= 2
    agency_b = Organization.objects.get(name="Lodgepole Housing Partners")
    assert services_under("housing").filter(organization=agency_b).count() >= 2


def test_it_lists_services_in_the_languages_of_the_metro_area(demo_network):
    """English everywhere, and Spanish, Vietnamese, Amharic, Arabic and Russian at some services."""
    codes = set(Language.objects.values_list("code", flat=True))
    assert {"en", "es", "vi", "am", "ar", "ru"} <= codes
    assert not Service.objects.exclude(languages__code="en").exists()
    assert Service.objects.filter(languages__code="es").count() >= Service.objects.count() / 2


def test_it_gives_every_service_area_a_valid_extent(demo_network):
    """Every service area passes the model's validation, and each kind of extent is used."""
    for area in ServiceArea.objects.all():
        area.full_clean()
    kinds = set(ServiceArea.objects.values_list("extent_type", flat=True))
    assert kinds == set(ServiceArea.ExtentType.values)
    counties = {county for area in ServiceArea.objects.all() for county in area.counties}
    assert "Denver County, CO" in counties


def test_it_places_every_location_in_the_denver_metro(demo_network):
    """Every location has coordinates in the metro area and an address with a real Colorado ZIP code."""
    locations = Location.objects.prefetch_related("addresses")
    assert locations.count() >= 60
    for location in locations:
        assert 39.5 < location.latitude < 40.05, location
        assert -105.25 < location.longitude < -104.6, location
        (address,) = location.addresses.all()
        (place,) = zipcodes.matching(address.postal_code)
        assert place["state"] == "CO"
        assert address.city == place["city"] or address.city in place["acceptable_cities"], address
        assert miles_between((location.latitude, location.longitude), (float(place["lat"]), float(place["long"]))) < 1


def test_it_varies_what_a_listing_looks_like(demo_network):
    """Capacity, referral method, freshness, status and hours come in every kind the product handles."""
    # The demo states every fact: "not stated" is what imports bring (tests/imported.py).
    stated = set(Service.Capacity.values) - {Service.Capacity.NOT_STATED}
    assert set(Service.objects.values_list("capacity_status", flat=True)) == stated
    accepting = Service.objects.filter(capacity_status=Service.Capacity.ACCEPTING).count()
    assert accepting > Service.objects.count() / 2
    electronic = Service.objects.filter(referral_method=Service.ReferralMethod.ELECTRONIC).count()
    assert electronic > Service.objects.count() / 2
    stale = Service.objects.filter(last_verified_at__lt=timezone.now() - datetime.timedelta(days=180)).count()
    assert 0 < stale < Service.objects.count() / 2
    assert Service.objects.filter(status=Service.Status.INACTIVE).exists()
    assert Service.objects.filter(status=Service.Status.TEMPORARILY_CLOSED).exists()
    overnight = Schedule.objects.filter(kind=Schedule.Kind.HOURS, closes_at__lt=F("opens_at"))
    assert overnight.filter(opens_at=datetime.time(19), closes_at=datetime.time(7)).exists()
    around_the_clock = Schedule.objects.filter(opens_at=datetime.time(0), closes_at=datetime.time(23, 59))
    assert around_the_clock.values("weekday").distinct().count() == 7
    assert Schedule.objects.filter(kind=Schedule.Kind.CLOSURE, valid_from=datetime.date(2026, 12, 25)).exists()
    assert Service.objects.filter(populations_required=True, populations__code="veterans").exists()
    assert Service.objects.filter(gender=Service.Gender.WOMEN).exists()
    assert Service.objects.filter(cost_options__amount=0).count() > Service.objects.count() / 2


def test_it_sets_up_the_daycare_search_near_80219(demo_network):
    """Near 80219: Spanish child care that serves 80219 within 200%+ FPL, one at 100% FPL, one English-only,
    and one whose area leaves 80219 out."""
    nearby = [
        service
        for service in services_under("child-care")
        .filter(status=Service.Status.ACTIVE)
        .prefetch_related("locations", "languages", "service_areas")
        if any(miles_between((place.latitude, place.longitude), ZIP_80219) < 4 for place in service.locations.all())
    ]
    assert len(nearby) >= 5

    def speaks_spanish(service: Service) -> bool:
        return "es" in {language.code for language in service.languages.all()}

    fits = [
        service
        for service in nearby
        if speaks_spanish(service) and serves_80219(service) and (service.income_limit_percent_fpl or 0) >= 200
    ]
    assert len(fits) >= 2
    assert any(service.income_limit_percent_fpl == 100 and serves_80219(service) for service in nearby)
    assert any(not speaks_spanish(service) and serves_80219(service) for service in nearby)
    assert any(service.residency_required and not serves_80219(service) for service in nearby)
    for service in nearby:
        assert service.minimum_age is None or service.minimum_age >= 18


def test_it_changes_nothing_when_loaded_again(demo_network):
    """A second load saves nothing: the same records with the same modified_at, and a summary that says so."""
    before = snapshot()
    users_before = sorted(User.objects.values_list("username", "password", "last_login"))
    memberships_before = sorted(Membership.objects.values_list("id", "user__username", "role"))

    output = load_demo()

    assert snapshot() == before
    assert sorted(User.objects.values_list("username", "password", "last_login")) == users_before
    assert sorted(Membership.objects.values_list("id", "user__username", "role")) == memberships_before
    services = Service.objects.count()
    assert f"{services} services (created 0, updated 0, unchanged {services})" in output


def test_it_keeps_edits_unless_reset_and_never_resets_a_password(demo_network):
    """Edits made through the site survive a reload; --reset puts the listing back; a changed password stays."""
    service = Service.objects.get(name="Little Aspen Infant and Toddler Daycare")
    Service.objects.filter(pk=service.pk).update(name="Renamed", capacity_status=Service.Capacity.NOT_ACCEPTING)
    service.schedules.filter(weekday="SA").delete()
    carol = User.objects.get(username="carol")
    carol.set_password("carol's own secret")
    carol.save()
    untouched = Service.objects.get(name="Ruby Hill Free Early Learning Program")

    kept = load_demo()
    service.refresh_from_db()
    assert service.name == "Renamed"
    assert not service.schedules.filter(weekday="SA").exists()
    assert "updated 0," in kept

    output = load_demo("--reset")

    service.refresh_from_db()
    assert service.name == "Little Aspen Infant and Toddler Daycare"
    assert service.capacity_status == Service.Capacity.ACCEPTING
    assert service.schedules.filter(weekday="SA", opens_at=datetime.time(8), closes_at=datetime.time(14)).exists()
    assert "updated 1," in output
    assert Service.objects.get(pk=untouched.pk).modified_at == untouched.modified_at
    carol.refresh_from_db()
    assert carol.check_password("carol's own secret")


def test_it_loads_nothing_from_a_file_with_an_invalid_record(demo_network, tmp_path):
    """A record that fails validation stops the command with the record named, and nothing of the file is saved."""
    address_id = uuid.uuid4()
    network = {
        "timezone": "America/Denver",
        "organizations": [
            {
                "id": str(uuid.uuid4()),
                "name": "Broken Agency",
                "description": "An agency with a bad address.",
                "locations": [
                    {
                        "id": str(uuid.uuid4()),
                        "latitude": 39.7,
                        "longitude": -105.0,
                        "address": {
                            "id": str(address_id),
                            "address_1": "1 Main St",
                            "city": "Denver",
                            "state_province": "CO",
                            "postal_code": "8021",
                        },
                    }
                ],
            }
        ],
        "users": [{"username": "erin", "password": "demo-erin-2026", "memberships": []}],
    }
    path = tmp_path / "network.json"
    path.write_text(json.dumps(network))

    with pytest.raises(CommandError, match=f"Address {address_id}: postal_code: A US ZIP code is 5 digits"):
        call_command("load_demo", network=path, stdout=io.StringIO())

    assert not Organization.objects.filter(name="Broken Agency").exists()
    assert not User.objects.filter(username="erin").exists()
