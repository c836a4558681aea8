"""manage.py import_hsds: HSDS 3.0 JSON and CSV packages, and the legacy HSDS 1.1 and Ohana CSV datasets.

The official examples are fictional placeholders with a few values no directory could keep (a latitude
of 100, left out with its record kept; a British postcode in a US address): the tests import them as
they are with --partial, and a copy with just those values made valid in full.
"""

import datetime
import io
import json
import re
import uuid
import zipfile
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from providers.demo import load_reference_data
from providers.hsds.importer.records import IMPORT_NAMESPACE
from providers.models import (
    Accessibility,
    Address,
    Attribute,
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
    TaxonomyTerm,
)

pytestmark = pytest.mark.django_db

SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
ORGANIZATION_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
LOCATION_ID = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
PHONE_ID = "1554f2e2-a373-45db-a3fa-9fc48a61c15e"
SUMMARY = re.compile(r"^Imported: created \d+ / updated \d+ / unchanged \d+ / skipped \d+$")


def hsds_file(*parts: str) -> Path:
    """Official HSDS material: vendored under fixtures/hsds/, else the shared copy beside the checkout."""
    for root in (Path(settings.BASE_DIR) / "fixtures" / "hsds", Path(settings.BASE_DIR).parent / "shared" / "hsds"):
        if root.joinpath(*parts).exists():
            return root.joinpath(*parts)
    pytest.skip(f"{'/'.join(parts)} is not in fixtures/hsds/")


def run(path, **options) -> tuple[str, str]:
    """Run the command; return its standard output and standard error."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_hsds", str(path), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def summary(out: str) -> dict[str, str]:
    """The closing table's rows and the last line's total: {"Services": "created 1 / updated 0 / unchanged 0 /
    skipped 0", ..., "Imported": "created 9 / ..."}."""
    lines = out.splitlines()
    rows = {}
    header = next((number for number, line in enumerate(lines) if line.split() and "in source" in line), None)
    if header is not None:
        columns = re.split(r"\s{2,}", lines[header].strip())
        for line in lines[header + 1 :]:
            match = re.fullmatch(r"(\S.*?)((?:\s{2,}[\d,]+)+)", line)
            if not match:
                break
            numbers = dict(zip(columns, (int(number.replace(",", "")) for number in match[2].split()), strict=True))
            if match[1] != "All records":
                tally = "created {created} / updated {updated} / unchanged {unchanged} / skipped {skipped}"
                rows[match[1]] = tally.format(**numbers)
    if lines and lines[-1].startswith("Imported: "):
        rows["Imported"] = lines[-1].removeprefix("Imported: ")
    return rows


def locate(zip_code: str):
    """Stands in for search.geography.place_for_zip (settings.HSDS_LOCATE_POSTCODE)."""
    return SimpleNamespace(latitude=39.7313, longitude=-105.0242) if zip_code == "80204" else None


reindexed_batches: list[set] = []  # what reindex() was given, call by call


def reindex(service_ids) -> int:
    """Stands in for search.backends.whoosh.index.write (settings.HSDS_REINDEX)."""
    reindexed_batches.append(set(service_ids))
    return len(service_ids)


@pytest.fixture
def valid_example(tmp_path, settings) -> Path:
    """service_full.json with its placeholder values made valid; its location has a ZIP but no coordinates."""
    settings.HSDS_LOCATE_POSTCODE = f"{__name__}.locate"
    record = json.loads(hsds_file("v3.0", "examples", "service_full.json").read_text())

    def make_valid(value) -> None:
        if isinstance(value, dict):
            value.pop("latitude", None)
            value.pop("longitude", None)
            if "postal_code" in value:
                value["postal_code"] = "80204"
            if "document" in value:
                value["document"] = "Photo identification and proof of address."
            for item in value.values():
                make_valid(item)
        elif isinstance(value, list):
            for item in value:
                make_valid(item)

    make_valid(record)
    path = tmp_path / "service_full.json"
    path.write_text(json.dumps(record))
    return path


def rewrite(path: Path, change) -> Path:
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))
    return path


def test_it_imports_the_official_json_examples():
    """Every JSON example is read, nested records and all; what the directory cannot keep is named."""
    out, err = run(hsds_file("v3.0", "examples"), partial=True)

    service = Service.objects.get(pk=SERVICE_ID)
    assert service.name == "Community Counselling"
    assert service.organization.name == "Example Organization Inc."
    assert service.status == Service.Status.ACTIVE
    assert (service.minimum_age, service.maximum_age) == (12, 100)
    assert service.fees_description.startswith("Non-NHS patients are expected to pay")
    assert service.eligibility_description.startswith("This service is intended for all people aged 12 and over")
    assert service.alert.startswith("Following COVID-19")
    assert timezone.localdate(service.last_verified_at) == datetime.date(2005, 1, 1)  # assured_date
    # The area's extent ("extent") maps to nothing: its words are kept with the eligibility.
    assert "Service area: The service is available to all residents of the MyCity area." in (
        service.eligibility_description
    )
    hours = service.schedules.order_by("weekday")
    assert [(row.weekday, f"{row.opens_at:%H:%M}", f"{row.closes_at:%H:%M}") for row in hours] == [
        ("FR", "10:00", "18:00"),
        ("TH", "10:00", "18:00"),
    ]
    assert {row.timezone for row in hours} == {"Etc/GMT-3"}  # HSDS timezone 3: UTC+3
    phone = Phone.objects.get(pk=PHONE_ID)
    assert (phone.number, phone.extension, phone.type) == ('"+44 1234 234567"', "100", Phone.Type.VOICE)
    assert (str(phone.service_id), str(phone.organization_id)) == (SERVICE_ID, ORGANIZATION_ID)
    assert Language.objects.get(phone=phone, service=service).code == "ur"
    cost = CostOption.objects.get(service=service)
    assert (cost.currency, cost.amount, cost.option) == ("GBP", Decimal("35"), "Under 18s and Over 60s")
    attribute = Attribute.objects.get(link_id=SERVICE_ID)
    assert (attribute.link_entity, attribute.value, attribute.taxonomy_term.taxonomy.name) == (
        "service",
        "value",
        "name",
    )
    assert not service.categories.exists()  # the example's term is of its own taxonomy, not our categories

    # A latitude of 100 (and its longitude) is left out: the location and what hangs on it are kept.
    location = Location.objects.get(pk=LOCATION_ID)
    assert (location.latitude, location.longitude) == (None, None)
    assert f"location {LOCATION_ID}: latitude: Out of range: left out, the record kept." in err
    assert location.accessibility.exists()
    # A required document of 279 characters is kept whole.
    assert len(RequiredDocument.objects.get(pk="f6ad7e69-b9c8-42ce-92db-92cedb4c05c0").document) == 279
    assert "contact: Not kept: the directory has no contacts." in err
    assert out.splitlines()[-1] == "Imported: created 13 / updated 0 / unchanged 0 / skipped 2"


def test_it_imports_the_official_csv_package():
    """The CSV package gives the same records as the JSON; its broken references are errors with their line."""
    out, err = run(hsds_file("v3.0", "examples", "csv"), partial=True)

    service = Service.objects.get(pk=SERVICE_ID)
    assert (service.name, service.minimum_age, str(service.organization_id)) == (
        "Community Counselling",
        12,
        ORGANIZATION_ID,
    )
    assert set(service.schedules.values_list("weekday", flat=True)) == {"TH", "FR"}
    assert Phone.objects.get(pk=PHONE_ID).extension == "100"
    assert CostOption.objects.get(service=service).amount == Decimal("35")
    # Its organization is not in the package: the location is kept, under a stand-in with the organization's id.
    location = Location.objects.get(pk=LOCATION_ID)
    assert str(location.organization_id) == "985e4a42-bd9f-4edc-911d-0243a4640aca"
    assert location.organization.name == "Organization 985e4a42-bd9f-4edc-911d-0243a4640aca (not in csv)"
    assert "organization_id: Its organization is not in this import or the directory: listed under a" in err
    assert "error: attributes.csv line 2: attribute ae58cc39-8b70-4ab1-8aea-786882e5ac8e: taxonomy_term_id:" in err
    assert summary(out)["Services"] == "created 1 / updated 0 / unchanged 0 / skipped 0"


def test_it_changes_nothing_on_a_second_import():
    """Importing the same data again finds every record unchanged and writes nothing."""
    run(hsds_file("v3.0", "examples"), partial=True)
    modified_at = Service.objects.get(pk=SERVICE_ID).modified_at

    out, _ = run(hsds_file("v3.0", "examples"), partial=True)

    assert out.splitlines()[-1] == "Imported: created 0 / updated 0 / unchanged 13 / skipped 2"
    assert Service.objects.get(pk=SERVICE_ID).modified_at == modified_at


def test_it_imports_a_valid_record_whole_and_places_it_by_its_zip(valid_example):
    """Without --partial a valid file is imported whole; a location without coordinates gets its ZIP's."""
    out, err = run(valid_example)

    location = Location.objects.get(pk=LOCATION_ID)
    assert (location.latitude, location.longitude) == (39.7313, -105.0242)
    assert str(location.organization_id) == ORGANIZATION_ID  # nested in a service: that service's organization
    assert Address.objects.get(location=location).postal_code == "80204"
    assert Accessibility.objects.get(location=location).details.startswith("Switch hearing aid to T-coil")
    assert ServiceAtLocation.objects.filter(service_id=SERVICE_ID, location=location).exists()
    assert Phone.objects.get(pk=PHONE_ID).location == location
    assert f"location {LOCATION_ID}: latitude: No coordinates: placed at the center of its ZIP code. (80204)" in err
    assert "Locations placed at their ZIP code's center: 1." in out
    assert summary(out)["Locations"] == "created 1 / updated 0 / unchanged 0 / skipped 0"


def test_it_rolls_back_everything_when_a_record_is_invalid(valid_example):
    """One invalid record and nothing is written; the error names the file, record, field and reason."""
    rewrite(valid_example, lambda record: record.update(status="maybe"))

    err = io.StringIO()
    with pytest.raises(CommandError, match=r"Nothing was imported: \d+ errors in \d+ records"):
        call_command("import_hsds", str(valid_example), stdout=io.StringIO(), stderr=err)

    assert f"error: service_full.json: service {SERVICE_ID}: status: Value 'maybe' is not a valid choice." in (
        err.getvalue()
    )
    assert not Organization.objects.filter(pk=ORGANIZATION_ID).exists()
    assert not Phone.objects.filter(pk=PHONE_ID).exists()


def test_it_imports_the_valid_records_with_partial(valid_example):
    """With --partial the valid records are written and the invalid one is reported and skipped."""
    rewrite(valid_example, lambda record: record.update(status="maybe"))

    out, err = run(valid_example, partial=True)

    assert not Service.objects.filter(pk=SERVICE_ID).exists()
    assert Organization.objects.filter(pk=ORGANIZATION_ID).exists()
    assert Location.objects.filter(pk=LOCATION_ID).exists()
    assert Phone.objects.get(pk=PHONE_ID).service is None  # kept with the owners that were imported
    assert "status: Value 'maybe' is not a valid choice." in err
    assert summary(out)["Services"] == "created 0 / updated 0 / unchanged 0 / skipped 1"
    assert SUMMARY.match(out.splitlines()[-1])


def test_it_shows_progress_and_a_summary(valid_example):
    """A progress bar goes to standard error; a line per kind and a total to standard output."""
    out, err = run(valid_example)

    assert f"[{'#' * 30}]" in err
    assert " records" in err
    assert summary(out)["Services"] == "created 1 / updated 0 / unchanged 0 / skipped 0"
    assert SUMMARY.match(out.splitlines()[-1])


def test_it_writes_the_changed_services_to_the_search_index_once(
    valid_example, settings, django_capture_on_commit_callbacks
):
    """The upkeep leaves the import's services alone; afterwards they go to the index in one write."""
    settings.SEARCH_INDEX_UPKEEP = True
    settings.HSDS_REINDEX = f"{__name__}.reindex"
    reindexed_batches.clear()

    with django_capture_on_commit_callbacks() as callbacks:
        out, _ = run(valid_example)

    assert callbacks == []  # nothing queued record by record
    assert reindexed_batches == [{uuid.UUID(SERVICE_ID)}]
    assert settings.SEARCH_INDEX_UPKEEP is True
    assert "Search index: 1 services written." in out


def test_it_leaves_the_index_alone_when_upkeep_is_off(valid_example, settings):
    """With upkeep off (a bulk load before a rebuild), the import does not write to the index."""
    settings.SEARCH_INDEX_UPKEEP = False
    settings.HSDS_REINDEX = f"{__name__}.reindex"
    reindexed_batches.clear()

    out, _ = run(valid_example)

    assert reindexed_batches == []
    assert "Search index" not in out


def test_it_maps_terms_areas_closures_and_ids_that_are_not_uuids(tmp_path):
    """Our categories become the service's categories, other terms attributes; areas and closures map."""
    load_reference_data()
    child_care = TaxonomyTerm.objects.categories().get(code="child-care")
    square = {"type": "Polygon", "coordinates": [[[-105.1, 39.6], [-104.9, 39.6], [-104.9, 39.8], [-105.1, 39.6]]]}
    record = {
        "id": "svc-1",
        "name": "Evening Daycare",
        "status": "active",
        "organization": {"id": "org-1", "name": "Sunrise Agency", "description": "Child care."},
        "attributes": [
            {"id": str(uuid.uuid4()), "taxonomy_term_id": str(child_care.pk), "link_type": "category"},
            {
                "id": "attr-2",
                "value": "yes",
                "taxonomy_term": {
                    "id": "term-2",
                    "name": "Night care",
                    "description": "Open at night.",
                    "taxonomy_detail": {"id": "tax-2", "name": "Partner terms", "description": "A partner's terms."},
                },
            },
        ],
        "service_areas": [
            {"id": "area-1", "name": "South Denver", "extent_type": "geojson", "extent": json.dumps(square)},
            {"id": "area-2", "name": "Wards 1 to 3", "extent_type": "text", "extent": "Wards 1, 2 and 3"},
        ],
        "schedules": [
            {"id": "closed-1", "valid_from": "2026-12-25", "valid_to": "2026-12-26", "description": "Christmas"},
            {"id": "hours-1", "freq": "WEEKLY", "byday": "MO,TU", "opens_at": "18:00", "closes_at": "23:30"},
            {"id": "hours-2", "freq": "MONTHLY", "byday": "1SA", "opens_at": "09:00", "closes_at": "12:00"},
        ],
    }
    path = tmp_path / "partner.json"
    path.write_text(json.dumps([record]))

    out, err = run(path, format="hsds-3.0", source="partner")

    service_id = uuid.uuid5(IMPORT_NAMESPACE, "partner/service/svc-1")
    service = Service.objects.get(pk=service_id)
    assert service.organization_id == uuid.uuid5(IMPORT_NAMESPACE, "partner/organization/org-1")
    assert list(service.categories.all()) == [child_care]
    other = Attribute.objects.get(link_id=service_id)
    assert (other.taxonomy_term.name, other.taxonomy_term.taxonomy.name, other.value) == (
        "Night care",
        "Partner terms",
        "yes",
    )
    area = ServiceArea.objects.get(service=service)
    assert (area.extent_type, area.polygon) == (ServiceArea.ExtentType.POLYGON, square)
    assert "Service area: Wards 1 to 3 – Wards 1, 2 and 3" in service.eligibility_description
    closure = Schedule.objects.get(service=service, kind=Schedule.Kind.CLOSURE)
    assert (closure.valid_from, closure.valid_to, closure.description) == (
        datetime.date(2026, 12, 25),
        datetime.date(2026, 12, 26),
        "Christmas",
    )
    hours = service.schedules.filter(kind=Schedule.Kind.HOURS).order_by("weekday")
    assert [(row.weekday, f"{row.opens_at:%H:%M}") for row in hours] == [("MO", "18:00"), ("TU", "18:00")]
    assert "schedule hours-2: byday: Only weekly opening hours on named weekdays can be kept" in err
    assert "service_area area-2: extent: The directory cannot map this area" in err
    assert "id: Not a UUID: the record's id is derived from the source name 'partner' and this id." in err
    # A closure and hours on two days are two records of the source (three of the directory), and one left out.
    assert summary(out)["Schedules"] == "created 2 / updated 0 / unchanged 0 / skipped 1"

    again, _ = run(path, format="hsds-3.0", source="partner")
    assert again.splitlines()[-1].startswith("Imported: created 0 / updated 0 /")


def test_it_imports_what_is_valid_of_the_ilao_hsds_1_1_dataset():
    """The messy ILAO dataset: strictly, nothing; with --partial, the valid records, with the reasons for the rest."""
    dataset = hsds_file("datasets", "ilao-hsds-1.1")
    with pytest.raises(CommandError, match="Nothing was imported"):
        run(dataset, format="hsds-1.1")
    assert not Organization.objects.filter(name="Upsolve").exists()

    out, err = run(dataset, format="hsds-1.1", partial=True)

    # Every location and all but one service are kept: the 280 organizations they name that the dataset
    # does not hold become stand-ins with their ids, instead of taking their records with them.
    assert summary(out) == {
        "Organizations": "created 313 / updated 0 / unchanged 0 / skipped 0",
        "Locations": "created 520 / updated 0 / unchanged 0 / skipped 0",
        "Addresses": "created 0 / updated 0 / unchanged 0 / skipped 33",
        "Services": "created 429 / updated 0 / unchanged 0 / skipped 1",
        "Services at locations": "created 425 / updated 0 / unchanged 0 / skipped 186",
        "Phones": "created 963 / updated 0 / unchanged 0 / skipped 19",
        "Schedules": "created 1827 / updated 0 / unchanged 0 / skipped 665",
        "Imported": "created 4477 / updated 0 / unchanged 0 / skipped 904",
    }
    assert "Made by the import (not in the source): Organizations 280" in out
    assert re.search(
        r"warning: service.organization_id: Its organization is not in this import or the directory: listed under a "
        r"stand-in with its id, which an import of the organization fills in. — 340 times:\n"
        r"    services.csv line 2: service 135836 \(91676\)",
        err,
    )
    assert Organization.objects.get(name="Organization 91676 (not in ilao-hsds-1.1)").services.exists()
    assert "error: services.csv line 651: service (no id): id: Every record needs an id." in err
    assert "No opening hours on this day (closed): nothing to keep." in err
    assert "The address belongs to no location" in err
    # Legacy ids are not UUIDs: the id derives from the dataset's name, so a re-import finds the record.
    upsolve = Organization.objects.get(name="Upsolve")
    assert upsolve.pk == uuid.uuid5(IMPORT_NAMESPACE, "ilao-hsds-1.1/organization/127446")
    assert upsolve.phones.get().number == "(347) 850-2656"


def test_it_imports_what_is_valid_of_the_ohana_dataset():
    """The Ohana sample: its own columns mapped; contacts' phones and year-less holidays reported, not kept."""
    out, err = run(hsds_file("datasets", "ohana-san-mateo-sample"), format="ohana", partial=True)

    assert summary(out) == {
        "Taxonomies": "created 1 / updated 0 / unchanged 0 / skipped 0",
        "Taxonomy terms": "created 290 / updated 0 / unchanged 0 / skipped 0",
        "Organizations": "created 8 / updated 0 / unchanged 0 / skipped 0",
        "Locations": "created 22 / updated 0 / unchanged 0 / skipped 0",
        "Addresses": "created 42 / updated 0 / unchanged 0 / skipped 0",
        "Accessibility features": "created 41 / updated 0 / unchanged 0 / skipped 0",
        "Services": "created 23 / updated 0 / unchanged 0 / skipped 0",
        "Services at locations": "created 23 / updated 0 / unchanged 0 / skipped 0",
        "Phones": "created 48 / updated 0 / unchanged 0 / skipped 6",
        "Languages": "created 32 / updated 0 / unchanged 0 / skipped 0",
        "Schedules": "created 11 / updated 0 / unchanged 0 / skipped 4",
        "Service areas": "created 13 / updated 0 / unchanged 0 / skipped 8",
        "Required documents": "created 1 / updated 0 / unchanged 0 / skipped 0",
        # 6 Open Eligibility terms, and 34 of the directory's extras (keywords, county areas) read as fields.
        "Attributes": "created 40 / updated 0 / unchanged 0 / skipped 0",
        "Imported": "created 595 / updated 0 / unchanged 0 / skipped 18",
    }
    passport = Service.objects.get(name="Passport Photos")
    assert passport.keywords == "Salud, Medicina"
    assert passport.locations.get().name == "Example Location"
    assert passport.organization.name == "Example Agency"
    assert list(passport.languages.values_list("code", flat=True)) == ["es"]
    assert ServiceArea.objects.get(service=passport).counties == ["Alameda County, CA", "San Mateo County, CA"]
    assert Attribute.objects.filter(link_id=passport.pk).count() == 6  # its Open Eligibility terms
    fair_oaks = Location.objects.get(name="Fair Oaks Adult Activity Center")
    assert set(fair_oaks.accessibility.values_list("description", flat=True)) == {
        "Accessible parking",
        "Ramp",
        "Accessible restroom",
        "Wheelchair accessible",
    }
    assert "It belongs only to a contact, and the directory keeps no contacts." in err
    assert "A yearly holiday without a year cannot be kept." in err
    # A language without an ISO 639-1 code keeps its ISO 639-3 one (HSDS 3.0 allows either).
    assert Language.objects.get(name="Taiwanese").code == "nan"


def test_it_reads_a_zip_archive_of_a_csv_package(tmp_path):
    """A zip holding a CSV package, even inside a folder of its own, is read as the package."""
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as package:
        for path in hsds_file("v3.0", "examples", "csv").iterdir():
            package.write(path, f"export/{path.name}")

    out, _ = run(archive, partial=True)

    assert Service.objects.get(pk=SERVICE_ID).name == "Community Counselling"
    assert summary(out)["Services"] == "created 1 / updated 0 / unchanged 0 / skipped 0"


def test_it_says_what_it_cannot_read(tmp_path):
    """A missing path, or files of no format it knows, is an error that says what to do."""
    with pytest.raises(CommandError, match="No file or folder"):
        run("/no/such/folder")

    (tmp_path / "hours.txt").write_text("Open Monday to Friday.")
    with pytest.raises(CommandError, match=r"Cannot tell the format: .* Say which with --format"):
        run(tmp_path)
