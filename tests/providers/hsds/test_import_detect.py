"""import_hsds --format auto (issue 16): each format recognised by its files and shapes, the reader that reads
it chosen, and what it was recognised by said; when the clues do not tell, the error lists every format's.
"""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.base import CommandError

from providers.hsds.importer.files import Files
from providers.hsds.importer.readers import READERS
from providers.hsds.importer.readers.detect import detect
from providers.models import Location, Organization, Service
from tests.providers.hsds.test_import import hsds_file, run
from tests.providers.hsds.test_import_unreadable_files import refused, write

pytestmark = pytest.mark.django_db

CORPUS = Path(settings.BASE_DIR) / "fixtures" / "hsds" / "corpus"


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("v3.0", "examples"), "hsds-3.0"),
        (("v3.0", "examples", "csv"), "hsds-3.0"),
        (("v3.0", "examples", "service_full.json"), "hsds-3.0"),
        (("v3.0", "examples", "tabular.json"), "hsds-3.0"),
        (("v3.1-dev", "examples", "csv"), "hsds-3.0"),
        (("datasets", "orservices-dc-hsds-2.0"), "hsds-2.0"),
        (("datasets", "ilao-hsds-1.1"), "hsds-1.1"),
        (("datasets", "miami-switchboard-hsds-1.1"), "hsds-1.1"),
        (("datasets", "ohana-san-mateo-sample"), "ohana"),
    ],
)
def test_it_recognises_the_official_examples_and_the_vendored_datasets(parts, expected):
    assert detect(Files(hsds_file(*parts))).format == expected


@pytest.mark.parametrize(
    ("folder", "expected"), [("hsds-2.0", "hsds-2.0"), ("oruk-1/page", "oruk-1"), ("oruk-1/service", "oruk-1")]
)
def test_it_recognises_the_corpus(folder, expected):
    assert detect(Files(CORPUS / folder)).format == expected


# The smallest folders that still say what they are, one per format.
SMALL = {
    "hsds-2.0": {
        "organizations.csv": "id,name,description,url\r\n1,Food Bank,Feeds people.,\r\n",
        "services.csv": "id,organization_id,name,status\r\n10,1,Pantry,active\r\n",
        "schedules.csv": "id,service_id,freq,byday,opens_at,closes_at\r\n60,10,WEEKLY,MO,09:00,12:00\r\n",
        "taxonomy_terms.csv": "id,term,description,parent_id,taxonomy\r\nT1,Food,,,Category\r\n",
        "service_attributes.csv": "id,service_id,taxonomy_term_id\r\n70,10,T1\r\n",
    },
    "hsds-1.1": {
        "organizations.csv": "id,name,description,url\r\n1,Food Bank,Feeds people.,\r\n",
        "services.csv": "id,organization_id,name,status\r\n10,1,Pantry,active\r\n",
        "regular_schedules.csv": "id,service_id,weekday,opens_at,closes_at\r\n60,10,Monday,09:00,12:00\r\n",
        "services_taxonomy.csv": "id,service_id,taxonomy_id\r\n",
    },
    "ohana": {
        "organizations.csv": "id,name,description,website\r\n1,Food Bank,Feeds people.,\r\n",
        "locations.csv": "id,organization_id,name,short_desc,admin_emails\r\n20,1,Main Street,Our hall.,\r\n",
        "services.csv": "id,location_id,name,status\r\n10,20,Pantry,active\r\n",
        "regular_schedules.csv": "id,service_id,weekday,opens_at,closes_at\r\n60,10,Monday,09:00,12:00\r\n",
        "mail_addresses.csv": "id,location_id,address_1,city,state_province,postal_code\r\n",
    },
}


@pytest.mark.parametrize("format", SMALL)
def test_it_reads_a_small_folder_of_each_csv_format_with_the_right_reader(tmp_path, format):
    """The Pantry comes in open on Mondays, read by the format's own reader, which the first line names."""
    out, _ = run(write(tmp_path / format, SMALL[format]), partial=True)

    assert out.splitlines()[0].startswith(f"Format: {READERS[format].label}, recognised by")
    pantry = Service.objects.get(name="Pantry")
    assert list(pantry.schedules.values_list("weekday", flat=True)) == ["MO"]


def test_it_reads_open_referral_uk_json_as_what_it_is(tmp_path):
    """An ORUK v1 list item read as HSDS 3.0 lost the organization's website and the fees; read as ORUK, both stay."""
    service = {
        "id": "svc-1",
        "name": "Lunch Club",
        "status": "active",
        "fees": "£3 a meal",
        "deliverable_type": "Information",
        "organization": {"id": "org-1", "name": "Age Friendly", "description": "", "url": "https://age.example.org.uk"},
    }
    (tmp_path / "services.json").write_text(json.dumps([service]))

    out, _ = run(tmp_path)

    assert out.startswith('Format: Open Referral UK v1 JSON, recognised by "deliverable_type" in services.json')
    lunch = Service.objects.get(name="Lunch Club")
    assert lunch.fees_description == "£3 a meal"
    assert lunch.organization.website == "https://age.example.org.uk"


def test_it_reads_3_0_json_without_any_other_format_s_clue_as_3_0(tmp_path):
    """A 3.0 organization with only the fields every format has: HSDS 3.0, as before."""
    organization_id = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
    (tmp_path / "organization.json").write_text(
        json.dumps({"id": organization_id, "name": "Café Community", "description": "A community café."})
    )

    out, _ = run(tmp_path)

    assert out.startswith("Format: HSDS 3.0/3.1 (JSON, or a CSV data package): no clue of any other format")
    assert Organization.objects.filter(pk=organization_id).exists()


def test_it_follows_a_1_1_datapackage_json_whose_tables_sit_in_a_folder(tmp_path):
    """Miami's shape: the 1.1 template descriptor at the top, the tables in data/."""
    descriptor = {
        "name": "human_services_data",
        "resources": [{"name": name, "path": f"{name}s.csv"} for name in ("regular_schedule", "services_taxonomy")],
    }
    write(tmp_path / "package", {"datapackage.json": json.dumps(descriptor)})
    write(tmp_path / "package" / "data", SMALL["hsds-1.1"])

    out, _ = run(tmp_path / "package", partial=True)

    assert "datapackage.json lists regular_schedules.csv" in out.splitlines()[0]
    assert Service.objects.get(name="Pantry").schedules.get().weekday == "MO"


def test_it_names_the_clues_when_two_formats_have_as_many(tmp_path):
    """HSDS 1.1 and 2.0 share these tables: the error lists what points at each and asks for --format."""
    folder = write(
        tmp_path / "network",
        {
            "organizations.csv": "id,name,description,url\r\n1,Food Bank,Feeds people.,\r\n",
            "services.csv": "id,organization_id,name,status\r\n10,1,Pantry,active\r\n",
            "services_at_location.csv": "id,service_id,location_id\r\n",
        },
    )

    said = refused(folder)

    assert "Cannot tell the format: as many clues point at HSDS 2.0 CSV and at HSDS 1.1 CSV." in said
    assert "HSDS 1.1 CSV (--format hsds-1.1): organizations.csv has url, services_at_location.csv" in said
    assert "HSDS 2.0 CSV (--format hsds-2.0): organizations.csv has url, services_at_location.csv" in said
    assert "Say which with --format hsds-2.0 or --format hsds-1.1." in said
    assert not Organization.objects.exists()

    run(folder, format="hsds-1.1")  # said, it is read

    assert Service.objects.get(name="Pantry").organization.name == "Food Bank"


def test_it_says_when_no_file_is_of_any_format(tmp_path):
    folder = write(tmp_path / "notes", {"README.txt": "Our services, in words.", "hours.xlsx": b"PK"})

    said = refused(folder)

    assert "Cannot tell the format: no file here is one a format the importer reads would have" in said
    assert "hsds-3.0, hsds-2.0, hsds-1.1, oruk-1, ohana" in said
    assert not Location.objects.exists()


def test_it_refuses_a_format_it_does_not_know(tmp_path):
    message = "Unknown format 'hsds-9': use one of auto, hsds-3.0, hsds-2.0, hsds-1.1, oruk-1, ohana."
    with pytest.raises(CommandError, match=re.escape(message)):
        run(tmp_path, format="hsds-9")
