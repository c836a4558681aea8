"""Incremental sync: modified_after finds every changed record, nested changes included.

A consumer mirrors the feed with ``minimal`` (id, name, status, last_modified) and the full records,
keeps the latest ``last_modified`` it saw, and later asks only for what changed on or after it.
"""

import datetime

import pytest
import time_machine

from providers.models import Address, Location, Organization, Phone, Schedule, Service, ServiceAtLocation, TaxonomyTerm
from tests.providers.hsds.feed.conftest import LOAD_DAY, all_pages, get_json

pytestmark = pytest.mark.django_db

LATER = LOAD_DAY + datetime.timedelta(days=3)


class Mirror:
    """What a consumer keeps: every service, fully nested, by id; and the requests it made."""

    def __init__(self, client) -> None:
        self.client = client
        self.services: dict[str, dict] = {}
        self.fetched: list[str] = []

    @property
    def high_water_mark(self) -> str:
        return max(record["last_modified"] for record in self.services.values())

    def listing(self, **params) -> list[dict]:
        return [
            record
            for body in all_pages(self.client, "services", minimal="true", per_page=500, **params)
            for record in body["contents"]
        ]

    def fetch(self, service_id: str) -> None:
        self.services[service_id] = get_json(self.client, f"services/{service_id}")
        self.fetched.append(service_id)

    def full_sync(self) -> None:
        """Take every service, fully nested, a page of 500 at a time."""
        for body in all_pages(self.client, "services", full="true", per_page=500):
            self.services.update((record["id"], record) for record in body["contents"])

    def incremental_sync(self) -> None:
        """Ask what changed since the mark; fetch only records newer than the copy held."""
        for record in self.listing(modified_after=self.high_water_mark):
            held = self.services.get(record["id"])
            if held is None or held["last_modified"] != record["last_modified"]:
                self.fetch(record["id"])


def test_it_lets_a_consumer_resync_only_what_changed(client):
    """After a phone and a schedule are edited, the resync fetches those two services only, and the mirror is exact."""
    mirror = Mirror(client)
    with time_machine.travel(LOAD_DAY + datetime.timedelta(days=1), tick=False):
        mirror.full_sync()
    assert set(mirror.services) == {record["id"] for record in mirror.listing()}
    assert len(mirror.services) == Service.objects.listed().count()

    phoned = Service.objects.listed().filter(phones__isnull=False).order_by("name").first()
    scheduled = Service.objects.listed().filter(schedules__isnull=False).exclude(pk=phoned.pk).order_by("name").first()
    with time_machine.travel(LATER, tick=False):
        phone = phoned.phones.order_by("id").first()
        phone.number = "303-555-0142"
        phone.save()
    with time_machine.travel(LATER + datetime.timedelta(hours=1), tick=False):
        schedule = scheduled.schedules.order_by("id").first()
        schedule.notes = "Closes early on the first Friday of the month."
        schedule.save()

    mirror.fetched.clear()
    mirror.incremental_sync()

    assert sorted(mirror.fetched) == sorted([str(phoned.pk), str(scheduled.pk)])
    assert "303-555-0142" in [p["number"] for p in mirror.services[str(phoned.pk)]["phones"]]
    notes = [s.get("notes") for s in mirror.services[str(scheduled.pk)]["schedules"]]
    assert "Closes early on the first Friday of the month." in notes
    fresh = Mirror(client)
    fresh.full_sync()
    assert mirror.services == fresh.services


def test_it_finds_nothing_to_resync_when_nothing_changed(client):
    """Asking again with the latest last_modified gives back only the record(s) of that very moment, unchanged."""
    mirror = Mirror(client)
    mirror.full_sync()
    mirror.fetched.clear()
    mirror.incremental_sync()
    assert mirror.fetched == []


def test_it_marks_services_changed_when_an_address_of_their_location_changes(client):
    """An edited address makes the services at that location, and their service_at_locations, modified."""
    link = ServiceAtLocation.objects.filter(
        service__in=Service.objects.listed(), location__addresses__isnull=False
    ).first()
    with time_machine.travel(LATER, tick=False):
        address = Address.objects.filter(location=link.location_id).first()
        address.address_2 = "Suite 200"
        address.save()
    since = LATER.isoformat()
    at_location = set(
        ServiceAtLocation.objects.filter(location=link.location_id, service__in=Service.objects.listed()).values_list(
            "service_id", flat=True
        )
    )
    services = {r["id"] for body in all_pages(client, "services", modified_after=since) for r in body["contents"]}
    assert services == {str(pk) for pk in at_location}
    links = {
        r["id"] for body in all_pages(client, "service_at_locations", modified_after=since) for r in body["contents"]
    }
    assert str(link.pk) in links
    assert all(ServiceAtLocation.objects.get(pk=link_id).service_id in at_location for link_id in links)


def test_it_marks_an_organization_changed_when_its_phone_changes(client):
    """An edited organization phone makes the organization (and its services) modified."""
    phone = Phone.objects.filter(organization__isnull=False).first()
    organization = Organization.objects.get(pk=phone.organization_id)
    with time_machine.travel(LATER, tick=False):
        phone.description = "Front desk"
        phone.save()
    since = (LATER - datetime.timedelta(seconds=1)).astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    organizations = get_json(client, "organizations", modified_after=since)["contents"]
    assert [record["id"] for record in organizations] == [str(organization.pk)]
    services = {r["id"] for r in get_json(client, "services", modified_after=since, per_page=500)["contents"]}
    assert services == {str(pk) for pk in organization.services.listed().values_list("pk", flat=True)}


def test_it_finds_a_renamed_taxonomy_term(client):
    """A renamed term is in /taxonomy_terms?modified_after, and alone there."""
    with time_machine.travel(LATER, tick=False):
        term = TaxonomyTerm.objects.get(code="daycare")
        term.name = "Daycare and preschool centers"
        term.save()
    body = get_json(client, "taxonomy_terms", modified_after=LATER.isoformat())
    assert [record["name"] for record in body["contents"]] == ["Daycare and preschool centers"]


def test_it_reads_a_date_time_without_offset_as_utc(client):
    """modified_after=2026-11-25T12:00:00 means noon UTC, like the last_modified values the feed gives."""
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, 30, tzinfo=datetime.UTC), tick=False):
        location = Location.objects.filter(service_at_locations__service__in=Service.objects.listed()).first()
        location.transportation = "Light rail: two blocks."
        location.save()
    assert get_json(client, "services", modified_after="2026-11-25T12:00:00")["total_items"] > 0
    assert get_json(client, "services", modified_after="2026-11-25T13:00:00")["total_items"] == 0
    assert get_json(client, "services", modified_after="2026-11-25T06:00:00-07:00")["total_items"] == 0


def test_it_drops_a_service_that_leaves_the_directory_from_the_listing(client):
    """A service made inactive disappears from the minimal listing, which is how a mirror learns of removals."""
    service = Service.objects.listed().first()
    with time_machine.travel(LATER, tick=False):
        service.status = Service.Status.DEFUNCT
        service.save()
    ids = {r["id"] for body in all_pages(client, "services", minimal="true", per_page=500) for r in body["contents"]}
    assert str(service.pk) not in ids
    assert len(ids) == Service.objects.listed().count()


def test_it_keeps_schedule_edits_visible_in_the_nested_record(client):
    """The edited schedule's new hours are in the service's full record after the resync."""
    schedule = Schedule.objects.filter(service__in=Service.objects.listed(), kind=Schedule.Kind.HOURS).first()
    with time_machine.travel(LATER, tick=False):
        schedule.closes_at = datetime.time(16, 30)
        schedule.save()
    changed = get_json(client, "services", minimal="true", modified_after=LATER.isoformat())["contents"]
    assert [record["id"] for record in changed] == [str(schedule.service_id)]
    full = get_json(client, f"services/{schedule.service_id}")
    assert {"id": str(schedule.pk), "closes_at": "16:30"}.items() <= next(
        s for s in full["schedules"] if s["id"] == str(schedule.pk)
    ).items()
