"""Open Referral UK v1 JSON (issue 16, item 8): a council's /services feed, read as what it is, not as HSDS 3.0.

The corpus (fixtures/hsds/corpus/oruk-1/) is of our own making in the shapes councils' feeds have: a page of
services (``content``) with everything ORUK v1 nests, and one service (``/services/{id}``). Every field is
either imported (``organization.url`` as the website, ``fees`` as the fees description ...) or named in a
warning, once, with its count.
"""

import datetime
import json
from pathlib import Path

import pytest
from django.conf import settings

from providers.hsds.importer import import_hsds
from providers.models import (
    Attribute,
    Location,
    Organization,
    Schedule,
    Service,
    TaxonomyTerm,
)
from tests.providers.hsds.test_import_hsds20 import hours, said

pytestmark = pytest.mark.django_db

CORPUS = Path(settings.BASE_DIR) / "fixtures" / "hsds" / "corpus" / "oruk-1"
PLAYGROUP = "5f0c8a1e-2b3d-4c5e-8f90-1a2b3c4d5e6f"
TRUST = "0b9e6a52-7c1d-4e2f-9a3b-4c5d6e7f8091"
HALL = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d"


def terms(service: Service) -> set[tuple[str, str, str]]:
    """(taxonomy, term, link_type) of the terms on ``service``."""
    return {
        (attribute.taxonomy_term.taxonomy.name, attribute.taxonomy_term.name, attribute.link_type)
        for attribute in Attribute.objects.filter(link_id=service.pk).select_related("taxonomy_term__taxonomy")
    }


def test_it_imports_a_page_of_services():
    """A page's services with their organization, locations, hours, eligibility, terms, phones and costs."""
    report = import_hsds(CORPUS / "page", format="oruk-1")

    assert not report.errors and not report.rolled_back
    created = {kind: tally.created for kind, tally in report.tallies.items() if tally.created}
    assert {kind: created.get(kind) for kind in ("organization", "service", "location", "service_at_location")} == {
        "organization": 2,
        "service": 3,
        "location": 1,
        "service_at_location": 2,
    }
    trust = Organization.objects.get(pk=TRUST)
    assert trust.website == "https://littlestars.example.org.uk"  # organization.url
    playgroup = Service.objects.get(pk=PLAYGROUP)
    assert playgroup.organization == trust
    assert playgroup.fees_description == "£2 a session; free for families on Universal Credit"  # fees
    assert playgroup.accreditations == "Ofsted registered"
    assert playgroup.eligibility_description.startswith("child; family")
    # 0-5 and 16 with no upper age (0 in the feed): the range that covers both.
    assert (playgroup.minimum_age, playgroup.maximum_age) == (0, None)
    assert playgroup.last_verified_at.date() == datetime.date(2024, 3, 1)  # assured_date
    assert hours(playgroup) == [("MO", "09:30", "11:30"), ("WE", "09:30", "11:30")]
    at_the_hall = Schedule.objects.get(service_at_location__service=playgroup)  # a location's own hours
    assert (at_the_hall.weekday, str(at_the_hall.service_at_location.location_id)) == ("FR", HALL)
    closure = playgroup.schedules.get(kind=Schedule.Kind.CLOSURE)
    assert (closure.valid_from, closure.valid_to) == (datetime.date(2024, 12, 24), datetime.date(2025, 1, 2))
    hall = Location.objects.get(pk=HALL)
    assert (hall.latitude, hall.longitude) == (51.4601, -2.5712)
    address = hall.addresses.get()
    assert (address.address_1, address.postal_code, address.country) == ("1 Church Lane", "BS5 9AA", "GB")
    assert list(hall.accessibility.values_list("description", flat=True)) == ["Step-free access"]
    assert list(playgroup.phones.values_list("number", "description")) == [("0117 496 0000", "Playgroup leader")]
    assert sorted(playgroup.languages.values_list("code", flat=True)) == ["en", "pl"]
    cost = playgroup.cost_options.get()
    assert (cost.amount, cost.currency, cost.amount_description) == (2, "GBP", "Per family")
    assert terms(playgroup) == {
        ("esdServiceTypes", "Play groups", ""),
        ("Age groups", "Under fives", "eligibility"),
        ("Target audiences", "Families", "pc_targetAudience"),
    }
    assert TaxonomyTerm.objects.get(name="Play groups").parent.name == "Children's services"
    stay_and_play = Service.objects.get(name="Stay and Play")
    assert stay_and_play.status == Service.Status.TEMPORARILY_CLOSED
    assert stay_and_play.locations.get() == hall  # a service at location without an id of its own


def test_it_names_every_field_it_does_not_keep():
    """What ORUK has and the directory does not: each field once with its count; reviews, contacts, funding."""
    report = import_hsds(CORPUS / "page", format="oruk-1")

    warnings = said(report)
    for expected in (
        "service deliverable_type: Not kept: the directory has no such field. (2 records)",
        "service attending_type: Not kept: the directory has no such field. (2 records)",
        "service attending_access: Not kept: the directory has no such field. (1 records)",
        "service pc_attendingAccess_additionalInfo: Not kept: the directory has no such field. (1 records)",
        "service pc_metadata.assured_by: Not kept: the directory has no such field. (1 records)",
        "review : Not kept: the directory has no reviews. (1 records)",
        "contact : Not kept: the directory has no contacts. (1 records)",
        "funding : Not kept: the directory has no funding sources. (1 records)",
        "service maximum_age: A maximum age of 0 read as not stated.",
        "service minimum_age: Several age ranges: kept the range that covers them all. (0–5, 16–)",
        "address country: Country written as a name, or not at all: GB, the country of Open Referral UK. (England)",
    ):
        assert expected in warnings
    assert any(line.startswith("schedule byday: Only weekly opening hours") for line in warnings)  # MONTHLY 1SA
    assert report.tally("schedule").skipped == 1


def test_it_reads_one_service_and_a_list_of_services(tmp_path):
    """/services/{id} gives one service; some feeds write a plain list of them."""
    import_hsds(CORPUS / "service", format="oruk-1")

    carers = Service.objects.get(name="Young Carers Group")
    assert (carers.minimum_age, carers.maximum_age) == (8, 17)
    assert carers.organization.logo == "https://carers.example.org.uk/logo.png"
    assert not carers.schedules.exists()  # every other Tuesday: not weekly hours

    # Placecube gives a service's audience an id of the link: the same audience is one term, by its name.
    listed = tmp_path / "services.json"
    services = [
        {"id": "svc-1", "name": "Lunch Club", "status": "active", "fees": "£3"},
        {"id": "svc-2", "name": "Carers' Cafe", "status": "active", "fees": ""},
    ]
    for number, service in enumerate(services):
        service["pc_targetAudience"] = [{"id": str(45526 + number), "audienceType": "Carers "}]
    listed.write_text(json.dumps(services))
    report = import_hsds(listed, format="oruk-1")

    assert report.tally("service").created == 2
    assert Service.objects.get(name="Lunch Club").fees_description == "£3"
    carers = TaxonomyTerm.objects.get(taxonomy__name="Target audiences")
    assert carers.name == "Carers"
    assert Attribute.objects.filter(taxonomy_term=carers).count() == 2


def test_it_reads_the_partial_feeds_of_outpost(tmp_path):
    """Outpost's "partial ORUK": organisation, locations with GeoJSON and the address inline, taxonomies, ages."""
    page = {
        "number": 1,
        "totalElements": 1,
        "content": [
            {
                "id": 6378,
                "name": "Weekday Walking Group",
                "status": "active",
                "min_age": 18,
                "max_age": None,
                "organisation": {"id": 4373, "name": "Wingrave Community Association", "url": None},
                "locations": [
                    {
                        "id": 7291,
                        "address_1": "Church Street",
                        "city": "Wingrave",
                        "state_province": "Buckinghamshire",
                        "postal_code": "HP22 4PE",
                        "country": "GB",
                        "geometry": {"type": "Point", "coordinates": [-0.738887, 51.863084]},
                        "accessibilities": [{"name": "Car parking", "slug": "car-parking"}],
                    }
                ],
                "regular_schedules": [{"id": 8308, "weekday": "Monday", "opens_at": "09:30", "closes_at": "12:00"}],
                "taxonomies": [{"id": 403, "name": "Staying active", "slug": "staying-active", "parent_id": None}],
                "contacts": [{"id": 9881, "name": "Jan", "title": None, "email": None, "phone": "01296 681522"}],
                "suitabilities": [{"id": 2, "name": "Older people", "slug": "older-people"}],
                "target_directories": [{"name": "Buckinghamshire Online Directory", "label": "bod"}],
            }
        ],
    }
    (tmp_path / "services_page_1.json").write_text(json.dumps(page))

    report = import_hsds(tmp_path, format="oruk-1")

    walking = Service.objects.get(name="Weekday Walking Group")
    assert walking.organization.name == "Wingrave Community Association"
    assert (walking.minimum_age, walking.maximum_age) == (18, None)
    location = walking.locations.get()
    assert (location.latitude, location.longitude) == (51.863084, -0.738887)  # GeoJSON is longitude first
    assert location.addresses.get().postal_code == "HP22 4PE"
    assert list(location.accessibility.values_list("description", flat=True)) == ["Car parking"]
    assert hours(walking) == [("MO", "09:30", "12:00")]
    assert walking.phones.get().number == "01296 681522"
    assert {term for _, term, _ in terms(walking)} == {"Staying active", "Older people"}
    assert "service target_directories: Not kept: the directory has no such field. (1 records)" in said(report)


def test_it_changes_nothing_on_a_second_import():
    import_hsds(CORPUS / "page", format="oruk-1")

    again = import_hsds(CORPUS / "page", format="oruk-1")

    assert again.total.created == 0 and again.total.updated == 0
