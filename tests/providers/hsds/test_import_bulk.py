"""import_hsds writes in bulk: queries do not grow with the file, one services_changed per import, same errors.

The files are nested HSDS 3.0 JSON made here: ``count`` organizations, each with one service at one location
(address, phone, hours on two days, a language, a cost), the shape of the benchmark's synthetic directory.
"""

import datetime
import io
import json
import uuid
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from providers.hsds.importer import import_hsds, writer
from providers.models import (
    AGE_RANGE_MESSAGE,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
)
from providers.signals import services_changed
from referrals.models import WebhookEvent
from tests.providers.hsds.test_import import summary
from tests.referrals.webhooks_support import EventType, endpoint_for

pytestmark = pytest.mark.django_db

FIRST = datetime.datetime(2030, 1, 1, 12, tzinfo=datetime.UTC)
LATER = datetime.datetime(2030, 2, 1, 12, tzinfo=datetime.UTC)
NAMESPACE = uuid.UUID("6b1d3c52-2f0e-4a0c-9a57-0d4f1c7e2b11")
# Queries of a whole import, whatever its size (below a thousand records of a kind): reads, bulk writes, upkeep.
MAX_QUERIES = 60


def record_id(kind: str, number: int, part: str = "") -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}/{number}/{part}"))


def organization(number: int) -> dict:
    """An organization with one service at one location, and what a listing holds."""
    location = {
        "id": record_id("location", number),
        "location_type": "physical",
        "name": f"Site {number}",
        "latitude": 39.7,
        "longitude": -105.0,
        "addresses": [
            {
                "id": record_id("address", number),
                "address_1": f"{number} Main St",
                "city": "Denver",
                "state_province": "CO",
                "postal_code": "80204",
                "country": "US",
                "address_type": "physical",
            }
        ],
    }
    service = {
        "id": record_id("service", number),
        "name": f"Service {number}",
        "status": "active",
        "minimum_age": 18,
        "maximum_age": 64,
        "phones": [{"id": record_id("phone", number), "number": f"303-555-{number:04d}"}],
        "schedules": [
            {
                "id": record_id("schedule", number),
                "freq": "WEEKLY",
                "byday": "MO,TU",
                "opens_at": "09:00",
                "closes_at": "17:00",
            }
        ],
        "languages": [{"id": record_id("language", number), "name": "Spanish", "code": "es"}],
        "cost_options": [{"id": record_id("cost", number), "amount": 0, "currency": "USD"}],
        "service_at_locations": [{"id": record_id("service_at_location", number), "location": location}],
    }
    return {
        "id": record_id("organization", number),
        "name": f"Agency {number}",
        "description": "Helps people.",
        "locations": [location],
        "services": [service],
    }


def write(path: Path, count: int, change=None, *, first: int = 0) -> Path:
    records = [organization(number) for number in range(first, first + count)]
    if change:
        change(records)
    path.write_text(json.dumps(records))
    return path


def service_id(number: int) -> uuid.UUID:
    return uuid.UUID(record_id("service", number))


@pytest.fixture
def signals():
    """Every services_changed sent, as the set of ids it carried."""
    sent: list[set] = []

    def receive(sender, service_ids, **kwargs) -> None:
        sent.append(set(service_ids))

    services_changed.connect(receive, weak=False, dispatch_uid="test-import-bulk")
    yield sent
    services_changed.disconnect(dispatch_uid="test-import-bulk")


def import_file(path: Path, **options):
    return import_hsds(path, source="bulk", **options)


def test_it_sends_one_services_changed_with_every_service_and_marks_them_all_modified(tmp_path, signals):
    """One signal for the whole import, not one per record; every imported service has the import's time."""
    path = write(tmp_path / "bulk.json", 12)

    with time_machine.travel(FIRST, tick=False):
        report = import_file(path)

    assert not report.errors
    every = {service_id(number) for number in range(12)}
    assert signals == [every]
    assert report.service_ids == every
    assert set(Service.objects.values_list("modified_at", flat=True)) == {FIRST}
    assert Schedule.objects.count() == 24  # two weekdays each
    assert Phone.objects.count() == ServiceAtLocation.objects.count() == 12


def test_it_marks_only_the_services_whose_records_changed(tmp_path, signals):
    """A re-import where one phone and one location changed marks just their services, in one signal."""
    path = write(tmp_path / "bulk.json", 5)
    with time_machine.travel(FIRST, tick=False):
        import_file(path)
    signals.clear()

    def edit(records) -> None:
        records[1]["services"][0]["phones"][0]["number"] = "720-555-0000"
        records[3]["locations"][0]["name"] = "New site"

    write(path, 5, edit)
    with time_machine.travel(LATER, tick=False):
        report = import_file(path)

    assert signals == [{service_id(1), service_id(3)}]
    modified = dict(Service.objects.values_list("id", "modified_at"))
    assert modified == {service_id(number): LATER if number in (1, 3) else FIRST for number in range(5)}
    assert Phone.objects.get(service_id=service_id(1)).number == "720-555-0000"
    assert (report.tally("phone").updated, report.tally("location").updated) == (1, 1)


def test_it_records_one_listing_updated_event_for_the_whole_import(tmp_path, workforce_program, admin):
    """The webhooks hear of the import once, with every service, in the import's transaction."""
    endpoint_for(workforce_program, admin, "https://w.example.org/hooks", [EventType.LISTING_UPDATED], name="W")
    path = write(tmp_path / "bulk.json", 7)

    import_file(path)

    event = WebhookEvent.objects.get()
    assert event.type == EventType.LISTING_UPDATED
    assert event.payload == {"service_ids": sorted(str(service_id(number)) for number in range(7))}


def test_it_records_no_event_when_the_import_is_rolled_back(tmp_path, workforce_program, admin, signals):
    """All-or-nothing: an invalid record and neither the records nor the event nor the signal remain."""
    endpoint_for(workforce_program, admin, "https://w.example.org/hooks", [EventType.LISTING_UPDATED], name="W")
    path = write(tmp_path / "bulk.json", 3, lambda records: records[2]["services"][0].update(status="maybe"))

    report = import_file(path)

    assert report.rolled_back
    assert signals == []
    assert not WebhookEvent.objects.exists()
    assert not Service.objects.exists()
    assert not Organization.objects.filter(name__startswith="Agency").exists()


def queries_of_an_import(path: Path) -> tuple[int, int]:
    """Import ``path``; return how many INSERT statements it ran, and how many other statements."""
    with CaptureQueriesContext(connection) as context:
        report = import_file(path)
    assert not report.errors
    inserts = sum(query["sql"].startswith("INSERT") for query in context.captured_queries)
    return inserts, len(context.captured_queries) - inserts


@pytest.mark.parametrize("count", [10, 50])
def test_it_makes_a_number_of_queries_that_does_not_grow_with_the_file(tmp_path, count, django_assert_max_num_queries):
    """A first import and a re-import that changes every service both stay under a fixed number of queries."""
    path = write(tmp_path / "bulk.json", count)
    with django_assert_max_num_queries(MAX_QUERIES):
        import_file(path)

    write(path, count, lambda records: [record["services"][0].update(name="Renamed") for record in records])
    with django_assert_max_num_queries(MAX_QUERIES):
        report = import_file(path)
    assert report.tally("service").updated == count


def test_it_makes_as_many_queries_for_50_services_as_for_10(tmp_path):
    """Nothing is looked up or written record by record: reads and upkeep are the same at both sizes.

    Rows go in with one INSERT per kind (9 kinds here), or a few more where SQLite's limit of 999
    parameters per statement makes Django split a kind's rows.
    """
    small_inserts, small_others = queries_of_an_import(write(tmp_path / "small.json", 10))
    large_inserts, large_others = queries_of_an_import(write(tmp_path / "large.json", 50, first=10))

    assert small_others == large_others
    assert small_inserts == 9
    assert large_inserts < 2 * 9


def run_command(path: Path, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_hsds", str(path), stdout=out, stderr=err, source="bulk", **options)
    return out.getvalue(), err.getvalue()


def bad_ages(records) -> None:
    records[4]["services"][0].update(minimum_age=70, maximum_age=10)


def test_it_leaves_out_the_values_that_break_a_check_constraint_and_keeps_the_record(tmp_path):
    """A check constraint is checked in Python: its optional values are left out with a warning naming file,
    record and reason; the record is kept, and, with no error, strict mode writes the whole file."""
    path = write(tmp_path / "bulk.json", 8, bad_ages)

    _, err = run_command(path)

    assert f"bulk.json /4/services/0: service {service_id(4)}: minimum_age: Contradicts another value" in err
    assert AGE_RANGE_MESSAGE in err
    assert "error:" not in err
    assert set(Service.objects.values_list("id", flat=True)) == {service_id(n) for n in range(8)}
    assert Service.objects.filter(minimum_age=None, maximum_age=None).get().pk == service_id(4)
    assert Organization.objects.count() == 8


def test_it_keeps_the_ages_the_directory_has_when_new_ones_break_a_check_constraint(tmp_path):
    path = write(tmp_path / "bulk.json", 8)
    run_command(path)
    write(path, 8, bad_ages)

    out, err = run_command(path, partial=True)

    assert AGE_RANGE_MESSAGE in err
    ages = Service.objects.filter(pk=service_id(4)).values_list("minimum_age", "maximum_age").get()
    assert ages == Service.objects.filter(pk=service_id(3)).values_list("minimum_age", "maximum_age").get()
    assert out.splitlines()[-1].startswith("Imported: created 0 / updated 0 / unchanged ")


def test_it_reports_a_repeated_unique_pair_within_the_file(tmp_path):
    """Two service-at-location records for the same service and location: the second is reported."""

    def repeat(records) -> None:
        links = records[2]["services"][0]["service_at_locations"]
        links.append({"id": record_id("service_at_location", 2, "again"), "location": dict(links[0]["location"])})

    path = write(tmp_path / "bulk.json", 4, repeat)

    out, err = run_command(path, partial=True)

    assert (
        f"error: bulk.json /2/services/0/service_at_locations/1: service_at_location "
        f"{record_id('service_at_location', 2, 'again')}: "
        "Service at location with this Service and Location already exists." in err
    )
    assert ServiceAtLocation.objects.filter(service_id=service_id(2)).count() == 1
    assert summary(out)["Services at locations"] == "created 4 / updated 0 / unchanged 0 / skipped 1"


def test_it_reports_a_unique_pair_the_directory_already_has(tmp_path):
    """A new record repeating the service and location of one in the directory is reported, not written."""
    path = write(tmp_path / "bulk.json", 3)
    run_command(path)

    def relink(records) -> None:
        records[1]["services"][0]["service_at_locations"][0]["id"] = record_id("service_at_location", 1, "new")

    write(path, 3, relink)
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_hsds", str(path), stdout=io.StringIO(), stderr=err, source="bulk")

    assert "Service at location with this Service and Location already exists." in err.getvalue()
    assert not ServiceAtLocation.objects.filter(pk=record_id("service_at_location", 1, "new")).exists()


def test_it_finds_the_record_a_batch_was_refused_for(tmp_path, monkeypatch):
    """When the database refuses a bulk write, the batch is written record by record: only the bad one is lost.

    (Python validation normally catches the bad record first; here it is switched off to reach the database.)
    """
    monkeypatch.setattr(writer, "clean_in_memory", lambda instance: None)
    path = write(tmp_path / "bulk.json", 6, bad_ages)

    out, err = run_command(path, partial=True)

    assert f"error: bulk.json /4/services/0: service {service_id(4)}: The database refused it:" in err
    assert "providers_service_age_range_ordered" in err
    assert set(Service.objects.values_list("id", flat=True)) == {service_id(n) for n in range(6) if n != 4}
    assert summary(out)["Services"] == "created 5 / updated 0 / unchanged 0 / skipped 1"
    # Its records are reported as pointing at a service that was not imported, the service's id as their value.
    assert f"service_id: Its service was not imported (see the problems with it). (value '{service_id(4)}')" in err
