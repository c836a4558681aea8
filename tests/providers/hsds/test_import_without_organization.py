"""HSDS requires no organization of a location or a service: such records are kept, never refused.

An organization named by id but not in the data becomes a stand-in with that id (the records naming it
stay together, and an import of it fills it in). A location that names none is kept without one. A
service that names none is listed under the organization of the locations it is at when they agree on
one, else under an organization of its own name. Each is a warning.
"""

import json
import uuid
from pathlib import Path

import pytest

from providers.models import Location, Organization, Phone, Schedule, Service
from tests.providers.hsds.test_import import run

pytestmark = pytest.mark.django_db

MISSING_ORGANIZATION = "6f0c7a57-3f42-4c5e-9d7c-2b0e9b1f0a11"


def uid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def write(folder: Path, name: str, records: list[dict]) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(json.dumps(records))


@pytest.fixture
def orphans(tmp_path) -> Path:
    """HSDS 3.0 JSON: locations and services whose organization is missing or not given."""
    folder = tmp_path / "orphans"
    write(
        folder,
        "organizations.json",
        [{"id": uid("org"), "name": "Eastside Partners", "description": "Runs the Eastside center."}],
    )
    write(
        folder,
        "locations.json",
        [
            {
                "id": uid("loc-missing-org"),
                "location_type": "physical",
                "name": "Library annex",
                "organization_id": MISSING_ORGANIZATION,
                "phones": [{"id": uid("phone-annex"), "number": "555-0100"}],
            },
            {"id": uid("loc-no-org"), "location_type": "physical", "name": "Community hall"},
            {
                "id": uid("loc-eastside"),
                "location_type": "physical",
                "name": "Eastside center",
                "organization_id": uid("org"),
            },
        ],
    )
    write(
        folder,
        "services.json",
        [
            {
                "id": uid("svc-alone"),
                "name": "Tax clinic",
                "status": "active",
                "schedules": [
                    {
                        "id": uid("sched-alone"),
                        "freq": "WEEKLY",
                        "byday": "MO",
                        "opens_at": "09:00",
                        "closes_at": "12:00",
                    }
                ],
            },
            {
                "id": uid("svc-at-eastside"),
                "name": "Job club",
                "status": "active",
                "service_at_locations": [{"id": uid("sal-1"), "location_id": uid("loc-eastside")}],
            },
            {
                "id": uid("svc-missing-org"),
                "name": "Food pantry",
                "status": "active",
                "organization_id": MISSING_ORGANIZATION,
            },
        ],
    )
    return folder


def test_locations_without_their_organization_are_kept_with_what_is_attached(orphans):
    _, err = run(orphans)  # all or nothing: none of this is an error

    annex = Location.objects.get(pk=uid("loc-missing-org"))
    assert annex.organization.name == f"Organization {MISSING_ORGANIZATION} (not in orphans)"
    assert Phone.objects.get(pk=uid("phone-annex")).location_id == annex.pk
    assert Location.objects.get(pk=uid("loc-no-org")).organization_id is None
    assert Location.objects.get(pk=uid("loc-eastside")).organization.name == "Eastside Partners"
    assert "Its organization is not in this import or the directory: listed under a stand-in with its id" in err
    assert "No organization given, and no service here names one: kept without one." in err


def test_a_service_without_an_organization_is_listed_under_its_locations_or_its_own(orphans):
    out, err = run(orphans)

    assert Service.objects.get(pk=uid("svc-at-eastside")).organization.name == "Eastside Partners"
    alone = Service.objects.get(pk=uid("svc-alone"))
    assert alone.organization.name == "Tax clinic"
    assert alone.organization.description == ""
    assert Schedule.objects.filter(service=alone).count() == 1
    pantry = Service.objects.get(pk=uid("svc-missing-org"))
    assert str(pantry.organization_id) == MISSING_ORGANIZATION  # with the annex, under the stand-in
    assert Location.objects.get(pk=uid("loc-missing-org")).organization_id == pantry.organization_id
    assert "listed under the organization of its locations" in err
    assert "listed under an organization of its own name" in err
    assert out.splitlines()[-1].endswith("skipped 0")


def test_a_second_import_finds_the_same_stand_in_organization(orphans):
    run(orphans)
    organizations = Organization.objects.count()

    out, _ = run(orphans)

    assert Organization.objects.count() == organizations
    assert "created 0 / updated 0" in out.splitlines()[-1]


def test_the_feed_of_a_location_without_organization_leaves_the_field_out(orphans, client):
    run(orphans)

    record = client.get(f"/api/hsds/services/{uid('svc-alone')}").json()
    assert record["organization"]["name"] == "Tax clinic"
    sal = client.get("/api/hsds/service_at_locations/" + uid("sal-1")).json()
    assert sal["location"]["organization_id"] == uid("org")


def test_hsds_11_locations_and_services_without_organization_ids(tmp_path):
    folder = tmp_path / "legacy"
    folder.mkdir()
    (folder / "organizations.csv").write_text("id,name,description\n1,Harbor Aid,Legal help\n")
    (folder / "locations.csv").write_text("id,organization_id,name\n10,,Harbor office\n11,99,Pier office\n")
    (folder / "services.csv").write_text(
        "id,organization_id,name,status\n100,,Eviction defense,active\n101,1,Wills clinic,active\n"
    )
    (folder / "services_at_location.csv").write_text("id,service_id,location_id\n1000,100,10\n")

    _, err = run(folder, format="hsds-1.1")

    assert set(Location.objects.values_list("name", "organization__name")) == {
        ("Harbor office", None),
        ("Pier office", "Organization 99 (not in legacy)"),
    }
    assert set(Service.objects.values_list("name", "organization__name")) == {
        ("Eviction defense", "Eviction defense"),
        ("Wills clinic", "Harbor Aid"),
    }
    assert "listed under a stand-in with its id" in err
