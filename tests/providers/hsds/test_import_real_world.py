"""manage.py import_hsds on the shapes real directories publish (issue 16): nothing lost without a word.

Each test builds a small folder of its own in the shape a real dataset has, and checks what a data steward
would notice: the records imported, and a warning naming what was not.
"""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from providers.models import Attribute, Organization, Phone, Service
from tests.providers.hsds.test_import import PHONE_ID, SERVICE_ID, hsds_file, run, summary
from tests.providers.hsds.test_import_unreadable_files import refused, write

pytestmark = pytest.mark.django_db

HSDS11_CORE = {
    "organizations.csv": "id,name,description\r\n1,Food Bank,Feeds people.\r\n",
    "services.csv": "id,organization_id,name,status\r\n10,1,Pantry,active\r\n11,1,Meals,active\r\n",
    "locations.csv": "id,organization_id,name\r\n20,1,Main Street\r\n21,1,Riverside\r\n",
    "taxonomy.csv": "id,name,parent_id\r\n100,Food,\r\n101,Meals,100\r\n",
}


def test_it_reads_the_hsds_1_1_standard_file_names(tmp_path):
    """HSDS 1.1's datapackage.json names services_at_location.csv and services_taxonomy.csv: both are read."""
    folder = write(
        tmp_path / "network",
        {
            **HSDS11_CORE,
            "services_at_location.csv": "id,service_id,location_id\r\n30,10,20\r\n31,11,21\r\n",
            "services_taxonomy.csv": "id,service_id,taxonomy_id\r\n40,10,100\r\n41,11,101\r\n",
        },
    )

    out, _ = run(folder, format="hsds-1.1")

    assert summary(out)["Services at locations"] == "created 2 / updated 0 / unchanged 0 / skipped 0"
    pantry = Service.objects.get(name="Pantry")
    assert pantry.locations.get().name == "Main Street"
    assert Attribute.objects.filter(link_id=pantry.pk).count() == 1
    assert Attribute.objects.filter(link_id=Service.objects.get(name="Meals").pk).count() == 1


def test_it_reads_both_spellings_when_both_are_there(tmp_path):
    """A folder with services_at_location.csv and service_at_location.csv: the rows of both, and a warning saying so."""
    folder = write(
        tmp_path / "network",
        {
            **HSDS11_CORE,
            "services_at_location.csv": "id,service_id,location_id\r\n30,10,20\r\n",
            "service_at_location.csv": "id,service_id,location_id\r\n31,11,21\r\n",
            "service_taxonomy.csv": "id,service_id,taxonomy_id\r\n40,10,100\r\n",
        },
    )

    out, err = run(folder, format="hsds-1.1")

    assert summary(out)["Services at locations"] == "created 2 / updated 0 / unchanged 0 / skipped 0"
    assert "Both services_at_location.csv and service_at_location.csv are here: the rows of both are read." in err
    assert Attribute.objects.filter(link_id=Service.objects.get(name="Pantry").pk).count() == 1


def test_it_names_each_file_it_does_not_read(tmp_path):
    """A file the HSDS 1.1 reader does not know is named once in a warning, never ignored silently."""
    folder = write(
        tmp_path / "network",
        {**HSDS11_CORE, "service_attributes.csv": "id,service_id,taxonomy_id\r\n1,10,100\r\n", "README.txt": "Hi"},
    )

    _, err = run(folder, format="hsds-1.1")

    unknown = "Not read: not a file of HSDS 1.1 that the importer knows; nothing in it is imported."
    assert f"warning: README.txt: file: {unknown} (2 files: README.txt, service_attributes.csv)" in err
    assert err.count("Not read") == 1


def test_it_imports_an_organization_with_an_empty_description(tmp_path):
    """HSDS 3.0 allows description "": the organization and its services come in, in JSON and in a CSV package."""
    organization_id = "5d0f4c8e-8a34-4a7e-9a3d-0c6b2f1e9d11"
    service_id = "7c2d9b1a-3e4f-4b5a-8c6d-1e2f3a4b5c6d"
    json_path = tmp_path / "organization.json"
    json_path.write_text(
        json.dumps(
            {
                "id": organization_id,
                "name": "Quiet Council",
                "description": "",
                "services": [{"id": service_id, "name": "Advice", "status": "active"}],
            }
        )
    )

    run(json_path)

    organization = Organization.objects.get(pk=organization_id)
    assert organization.description == ""
    assert organization.services.get().name == "Advice"

    organization_id = "0e8f6a2b-9c1d-4e3f-8a7b-6c5d4e3f2a1b"
    service_id = "1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b"
    package = write(
        tmp_path / "package",
        {
            "datapackage.json": hsds_file("v3.0", "datapackage.json").read_bytes(),
            "organizations.csv": f"id,name,description\r\n{organization_id},Quiet Council,\r\n",
            "services.csv": f"id,organization_id,name,status\r\n{service_id},{organization_id},Advice,active\r\n",
        },
    )

    out, _ = run(package)

    assert summary(out)["Services"] == "created 1 / updated 0 / unchanged 0 / skipped 0"
    assert Organization.objects.get(pk=organization_id).description == ""


def test_it_imports_back_its_own_csv_export_of_a_200_kb_description(tmp_path):
    """A description of 200 KB (over the CSV reader's default 128 KiB) goes out in the CSV package and back whole."""
    organization = Organization.objects.create(name="Long Winded", description="Writes at length.")
    # Commas, quotes, line breaks and non-ASCII letters: every kind of character a CSV cell must carry.
    long_text = ('Línea "citada", y más.\n' * 10_000)[:200_000]
    service = Service.objects.create(organization=organization, name="Essay", description=long_text)
    call_command("export_hsds", str(tmp_path / "export"), stdout=io.StringIO())
    Service.objects.filter(pk=service.pk).update(description="Lost.")
    limit_before = csv.field_size_limit()

    out, err = run(tmp_path / "export" / "csv")

    assert csv.field_size_limit() == limit_before  # raised only while the importer reads, for no one else

    assert Service.objects.get(pk=service.pk).description == long_text
    assert summary(out)["Services"] == "created 0 / updated 1 / unchanged 0 / skipped 0"
    assert "A value is longer than" not in err


def csv_folder_without_descriptor(folder: Path, **more: str) -> Path:
    """The official 3.0 CSV examples, every file by its standard name, but no datapackage.json."""
    files = {path.name: path.read_bytes() for path in hsds_file("v3.0", "examples", "csv").glob("*.csv")}
    return write(folder, {**files, **more})


def test_it_reads_a_3_0_csv_folder_without_datapackage_json_by_the_standard_names(tmp_path):
    """Each CSV file has its standard HSDS 3.0 name: read as the package, warning that datapackage.json is missing."""
    folder = csv_folder_without_descriptor(tmp_path / "export", **{"README.txt": "Exported on Monday."})

    out, err = run(folder, partial=True)

    service = Service.objects.get(pk=SERVICE_ID)
    assert service.name == "Community Counselling"
    assert set(service.schedules.values_list("weekday", flat=True)) == {"TH", "FR"}
    assert Phone.objects.get(pk=PHONE_ID).extension == "100"
    assert summary(out)["Services"] == "created 1 / updated 0 / unchanged 0 / skipped 0"
    assert "No datapackage.json: the CSV files are read by their standard HSDS 3.0 names." in err
    assert "README.txt: file: Not read: not a file of an HSDS 3.0 CSV package; nothing in it is imported." in err


def test_it_refuses_a_csv_folder_whose_names_are_not_all_standard(tmp_path):
    """A CSV file without a standard 3.0 name (HSDS 1.1's regular_schedules.csv) still needs --format, and is named."""
    folder = csv_folder_without_descriptor(tmp_path / "export", **{"regular_schedules.csv": "id,service_id\r\n"})

    said = refused(folder)

    assert "Nothing was imported" in said
    assert (
        "CSV files are read as HSDS 3.0 only when each has its standard name; these do not: regular_schedules.csv."
        in said
    )
    assert "For HSDS 1.1 or Ohana CSV, say so with --format." in said
    assert not Service.objects.filter(pk=SERVICE_ID).exists()
