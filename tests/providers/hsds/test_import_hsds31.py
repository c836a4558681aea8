"""import_hsds keeps what HSDS 3.1 adds, and names whatever it does not keep (issue 16, item 6).

HSDS 3.1 adds additional URLs (a service's ``additional_urls``, an organization's ``additional_websites``;
the ``url`` table), numeric capacities in units (``capacities``; the ``service_capacity`` and ``unit``
tables) and service areas of a service at a location. The official 3.1-dev examples are read as they
are (vendored in fixtures/hsds/v3.1-dev/, else the shared copy): each of these records is imported or
named in a problem. A nested list or object the importer does not know is named with its count, never
dropped without a word.
"""

import copy
import datetime
import json
import shutil
import uuid

import pytest

from providers.hsds.importer import import_hsds
from providers.hsds.importer.records import IMPORT_NAMESPACE
from providers.hsds.importer.report import ImportReport, Problem
from providers.models import AdditionalUrl, Organization, Service, ServiceArea, ServiceCapacity, Unit
from tests.providers.hsds.test_import import ORGANIZATION_ID, SERVICE_ID, hsds_file

pytestmark = pytest.mark.django_db

URL_ID = "30951f94-7b24-11ef-ba1b-a79405d4dcaa"
CAPACITY_ID = UNIT_ID = "8896b788-7b3e-11ef-8db9-7f3d040352b3"  # the example gives both the same id
SQUARE = {"type": "Polygon", "coordinates": [[[-105.1, 39.6], [-104.9, 39.6], [-104.9, 39.8], [-105.1, 39.6]]]}


def derived(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(IMPORT_NAMESPACE, f"partner/{kind}/{key}")


def said(report: ImportReport, kind: str, field: str = "", *, record: str | None = None) -> list[Problem]:
    """The errors and warnings about ``field`` of records of ``kind`` (of one record, by its source id)."""
    return [
        problem
        for problem in [*report.errors, *report.warnings]
        if problem.kind == kind and problem.field == field and record in (None, problem.record)
    ]


def counts(report: ImportReport, kind: str) -> tuple[int, int, int, int]:
    """(created, updated, unchanged, skipped) records of ``kind``."""
    tally = report.tally(kind)
    return tally.created, tally.updated, tally.unchanged, tally.skipped


def test_it_keeps_the_urls_and_capacities_of_the_official_3_1_json_examples():
    """The service's additional URL, the organization's additional website and the capacity in kilograms."""
    report = import_hsds(hsds_file("v3.1-dev", "examples"), partial=True)

    # One URL record, nested under the service and under its organization: it belongs to both.
    url = AdditionalUrl.objects.get(pk=URL_ID)
    assert (url.label, url.url, str(url.service_id), str(url.organization_id)) == (
        "Website",
        "https://example.org",
        SERVICE_ID,
        ORGANIZATION_ID,
    )
    capacity = ServiceCapacity.objects.get(pk=CAPACITY_ID)
    assert (str(capacity.service_id), capacity.available, capacity.maximum) == (SERVICE_ID, 12, 10)
    assert capacity.description == "Beds available for people experiencing homelessness."
    assert capacity.updated_at == datetime.datetime(2024, 9, 25, 13, 23, 6, 500000, tzinfo=datetime.UTC)
    unit = Unit.objects.get(pk=UNIT_ID)
    assert (unit.name, unit.scheme, unit.identifier, unit.uri) == (
        "Kilogram",
        "SI",
        "kgm",
        "https://not-a-real-url.org/standard-international-units/kgm",
    )
    assert capacity.unit == unit
    # The area of the service at its location has an extent the directory cannot map: its words go with the
    # service's eligibility, and a warning says so, as for any other area.
    [area] = said(report, "service_area", "extent", record="381c64f1-a724-4884-9c21-ac96c21cca3e")
    assert area.reason.startswith("The directory cannot map this area")
    assert "Service area: The service is available to all residents of the MyCity area." in (
        Service.objects.get(pk=SERVICE_ID).eligibility_description
    )
    # 3.1's attribute label has no place here: named, with its count.
    [label] = said(report, "attribute", "label")
    assert (label.reason, label.detail) == ("Not kept: the directory has no such field.", "1 records")
    assert counts(report, "service_capacity") == counts(report, "unit") == counts(report, "url") == (1, 0, 0, 0)


def test_it_reads_the_3_1_tables_of_the_official_csv_package():
    """units.csv, url.csv and service_capacity.csv are read; records the directory cannot keep are named.

    In the official package the URL belongs to nothing and the capacity counts in a unit that is not in
    units.csv: both are refused, each with a reason, and the unit that is there is imported.
    """
    report = import_hsds(hsds_file("v3.1-dev", "examples", "csv"), partial=True)

    assert Unit.objects.get(pk=UNIT_ID).name == "Kilogram"
    [orphan] = said(report, "url", record=URL_ID)
    assert (orphan.where, orphan.reason) == ("url.csv line 2", "It belongs to none of: organization, service.")
    [no_unit] = said(report, "service_capacity", "unit_id", record=CAPACITY_ID)
    assert no_unit.where == "service_capacity.csv line 2" and no_unit in report.errors
    # The area names a service at location that is not in the package: said, and it stays the service's area.
    [no_link] = said(report, "service_area", "service_at_location_id", record="381c64f1-a724-4884-9c21-ac96c21cca3e")
    assert no_link.where == "service_areas.csv line 2" and no_link in report.warnings
    assert counts(report, "url") == counts(report, "service_capacity") == (0, 0, 0, 1)
    assert not said(report, "table") and not said(report, "file")


@pytest.fixture
def partner(tmp_path):
    """A service with two additional URLs, two capacities in one unit and areas at its location (3.1 JSON)."""
    record = {
        "id": "svc-1",
        "name": "Night Shelter",
        "status": "active",
        "additional_urls": [
            {"id": "url-1", "label": "Facebook", "url": "https://facebook.example/shelter"},
            {"id": "url-2", "url": "https://shelter.example/beds"},
        ],
        "capacities": [
            {
                "id": "cap-1",
                "unit": {"id": "unit-bed", "name": "Bed"},
                "available": 4,
                "maximum": 20,
                "updated": "2026-12-01T21:00:00Z",
            },
            {
                "id": "cap-2",
                "unit": {"id": "unit-bed", "name": "Bed"},
                "available": 0.5,
                "description": "Family rooms",
                "updated": "2026-12-01T21:00:00-07:00",
            },
        ],
        "organization": {
            "id": "org-1",
            "name": "Shelter Agency",
            "description": "",
            "additional_websites": [{"id": "url-3", "label": "Donate", "url": "https://give.example/shelter"}],
        },
        "service_at_locations": [
            {
                "id": "sal-1",
                "location": {"id": "loc-1", "location_type": "virtual", "organization_id": "org-1"},
                "service_areas": [
                    {"id": "area-1", "name": "South Denver", "extent_type": "geojson", "extent": json.dumps(SQUARE)}
                ],
            }
        ],
    }
    path = tmp_path / "partner.json"
    path.write_text(json.dumps([record]))
    return path


def test_it_keeps_urls_capacities_and_the_areas_of_a_service_at_a_location(partner):
    """Each record lands where it belongs; the area of the service at a location is also the service's area."""
    report = import_hsds(partner, source="partner")

    service = Service.objects.get(pk=derived("service", "svc-1"))
    assert sorted((url.label, url.url) for url in service.additional_urls.all()) == [
        ("", "https://shelter.example/beds"),
        ("Facebook", "https://facebook.example/shelter"),
    ]
    organization = Organization.objects.get(pk=derived("organization", "org-1"))
    assert [(url.label, url.url) for url in organization.additional_websites.all()] == [
        ("Donate", "https://give.example/shelter")
    ]
    assert Unit.objects.get().name == "Bed"
    capacities = {capacity.pk: capacity for capacity in service.capacities.all()}
    beds = capacities[derived("service_capacity", "cap-1")]
    assert (beds.unit.name, beds.available, beds.maximum) == ("Bed", 4, 20)
    family = capacities[derived("service_capacity", "cap-2")]
    assert (family.available, family.maximum, family.description) == (0.5, None, "Family rooms")
    assert family.updated_at == datetime.datetime(2026, 12, 2, 4, 0, tzinfo=datetime.UTC)
    # Listed only under the service at location: the area of that location's service.
    area = ServiceArea.objects.get()
    assert (area.service_id, area.service_at_location_id) == (service.pk, derived("service_at_location", "sal-1"))
    assert (area.extent_type, area.polygon) == (ServiceArea.ExtentType.POLYGON, SQUARE)
    assert counts(report, "url") == (3, 0, 0, 0)
    assert report.errors == []

    again = import_hsds(partner, source="partner")
    assert (again.total.created, again.total.updated) == (0, 0)


def test_it_refuses_a_capacity_without_a_number_or_a_time(partner):
    """HSDS requires available and updated: a capacity without them cannot be kept; the service is kept."""

    def without(record: dict) -> dict:
        record = copy.deepcopy(record)
        del record["capacities"][0]["updated"]
        record["capacities"][1]["available"] = "many"
        return record

    partner.write_text(json.dumps([without(json.loads(partner.read_text())[0])]))

    report = import_hsds(partner, source="partner", partial=True)

    assert Service.objects.filter(pk=derived("service", "svc-1")).exists()
    assert not ServiceCapacity.objects.exists()
    [no_time] = said(report, "service_capacity", "updated", record="cap-1")
    assert no_time.reason.startswith("Required by HSDS") and no_time in report.errors
    assert any(problem in report.errors for problem in said(report, "service_capacity", "available", record="cap-2"))
    assert counts(report, "service_capacity") == (0, 0, 0, 2)


def test_it_names_the_nested_lists_and_objects_it_does_not_know(tmp_path):
    """A list or object the importer has no kind for is named once, with the number of records that have it."""
    records = [
        {
            "id": f"svc-{number}",
            "name": f"Service {number}",
            "status": "active",
            "organization": {"id": "org-1", "name": "Agency", "description": ""},
            "target_audiences": [{"id": "a", "name": "Young people"}],
            "reviewer": {"name": "Someone"},
        }
        for number in (1, 2)
    ]
    path = tmp_path / "partner.json"
    path.write_text(json.dumps(records))

    report = import_hsds(path, source="partner")

    for field in ("target_audiences", "reviewer"):
        [named] = said(report, "service", field)
        assert (named.reason, named.detail) == ("Not kept: the directory has no such field.", "2 records")
    assert counts(report, "service") == (2, 0, 0, 0)


def test_it_reads_unit_csv_by_its_singular_name_too(tmp_path):
    """A 3.1 package without datapackage.json may name the units table unit.csv, as the table is called."""
    folder = tmp_path / "package"
    shutil.copytree(hsds_file("v3.1-dev", "examples", "csv"), folder)
    (folder / "datapackage.json").unlink()
    (folder / "units.csv").rename(folder / "unit.csv")

    report = import_hsds(folder, partial=True)

    assert Unit.objects.get(pk=UNIT_ID).name == "Kilogram"
    assert not said(report, "file")


def test_it_names_the_files_a_data_package_does_not_list(tmp_path):
    """A file beside datapackage.json that none of its resources names is said to be left out."""
    folder = tmp_path / "package"
    shutil.copytree(hsds_file("v3.0", "examples", "csv"), folder)
    descriptor = json.loads(hsds_file("v3.0", "datapackage.json").read_text())
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    (folder / "notes.csv").write_text("id,text\n1,hello\n")
    (folder / "README.txt").write_text("About this export.\n")

    report = import_hsds(folder, partial=True)

    [named] = said(report, "file")
    assert named.reason == "Not read: datapackage.json lists no such table; nothing in it is imported."
    assert named.detail.startswith("2 files: ") and "README.txt" in named.detail and "notes.csv" in named.detail
