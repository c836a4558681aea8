"""manage.py export_hsds: the whole directory as HSDS 3.0 JSON and as a CSV data package, and back again."""

import csv
import datetime
import io
import json
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from providers.hsds import exporter
from providers.models import Location, Organization, Phone, Schedule, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from tests.providers.hsds.test_import import hsds_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_network")]

# The records' own timestamps say when *this* database created and changed them; the round trips hold
# the clock still so that both databases write the same ones.
STILL = datetime.datetime(2026, 11, 22, 19, 30, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def schema_errors():
    """Check a record against an official schema file ("compiled/organization.json"); return the errors.

    The files are read from fixtures/hsds/ (or the shared copy), every $ref resolved locally.
    """
    folder = hsds_file("v3.0", "schema")
    resources = [
        # The files declare no $schema: they are Draft 2020-12, as the official OpenAPI document says.
        (path.as_uri(), Resource(contents=json.loads(path.read_text()), specification=DRAFT202012))
        for path in folder.rglob("*.json")
    ]
    registry = Registry().with_resources(resources)
    validators = {}

    def errors(name: str, record: dict) -> list[str]:
        if name not in validators:
            validators[name] = Draft202012Validator(
                {"$ref": (folder / name).as_uri()},
                registry=registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
        return [f"{list(error.absolute_path)}: {error.message}" for error in validators[name].iter_errors(record)][:5]

    return errors


@pytest.fixture(autouse=True)
def datapackage(monkeypatch) -> Path:
    """The official datapackage.json the export copies: vendored in fixtures/hsds/, else the shared copy."""
    path = hsds_file("v3.0", "datapackage.json")
    monkeypatch.setattr(exporter, "DATAPACKAGE_PATH", path)
    return path


def export(out: Path) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("export_hsds", str(out), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def files_in(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()
    }


def csv_tables(folder: Path, descriptor: dict) -> dict[str, list[dict]]:
    """The package's tables as JSON rows, read the way a tabular data package is read: an empty cell is missing."""
    numbers = {
        (resource["name"], field["name"])
        for resource in descriptor["resources"]
        for field in resource["schema"]["fields"]
        if field["type"] in ("number", "integer")
    }
    tables = {}
    for resource in descriptor["resources"]:
        with (folder / resource["path"]).open(encoding="utf-8", newline="") as file:
            rows = list(csv.DictReader(file))
        tables[resource["name"]] = [
            {
                column: float(value) if (resource["name"], column) in numbers else value
                for column, value in row.items()
                if value != ""
            }
            for row in rows
        ]
    return tables


def restamp() -> None:
    """Give every listing record the still clock's time, as if this database had made them all just now."""
    for model in apps.get_app_config("providers").get_models():
        if hasattr(model, "modified_at"):
            model.objects.update(created_at=STILL, modified_at=STILL)


def empty_the_database() -> None:
    # Inside the test's transaction PostgreSQL refuses to TRUNCATE while deferred foreign-key checks are
    # pending: run them now (as Django's own test teardown does), then empty the tables.
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)
    assert not Organization.objects.exists()


def test_it_writes_json_that_the_official_schemas_accept(tmp_path, schema_errors):
    """One organization_full file per organization, with every service (listed or not), and the taxonomies."""
    inactive = Service.objects.order_by("name").first()
    inactive.status = Service.Status.INACTIVE
    inactive.save()

    export(tmp_path)

    files = sorted((tmp_path / "json" / "organizations").glob("*.json"))
    assert len(files) == Organization.objects.count()
    records = [json.loads(path.read_text()) for path in files]
    for record in records:
        assert schema_errors("compiled/organization.json", record) == []
    services = {service["id"]: service for record in records for service in record["services"]}
    assert len(services) == Service.objects.count()
    assert services[str(inactive.pk)]["status"] == "inactive"
    for name, schema, model in (
        ("taxonomies.json", "taxonomy.json", Taxonomy),
        ("taxonomy_terms.json", "taxonomy_term.json", TaxonomyTerm),
    ):
        page = json.loads((tmp_path / "json" / name).read_text())
        assert page["total_items"] == page["size"] == len(page["contents"]) == model.objects.count()
        assert page["first_page"] and page["last_page"] and not page["empty"]
        for record in page["contents"]:
            assert schema_errors(schema, record) == []


def test_it_writes_a_csv_package_that_the_official_schemas_accept(tmp_path, datapackage):
    """The official datapackage.json and HSDS 3.1's additions, a CSV per table with its columns, rows valid
    against tabular.json."""
    export(tmp_path)

    folder = tmp_path / "csv"
    official = json.loads(datapackage.read_text())
    descriptor = json.loads((folder / "datapackage.json").read_text())
    assert {key: value for key, value in descriptor.items() if key != "resources"} == {
        key: value for key, value in official.items() if key != "resources"
    }
    # Every official table as the official descriptor has it (service_area with 3.1's one more column), then 3.1's.
    written = {resource["name"]: resource for resource in descriptor["resources"]}
    for resource in official["resources"]:
        if resource["name"] == "service_area":
            fields = written["service_area"]["schema"]["fields"]
            kept = [field for field in fields if field["name"] != "service_at_location_id"]
            assert kept == resource["schema"]["fields"]
        else:
            assert written[resource["name"]] == resource
    assert list(written)[len(official["resources"]) :] == ["url", "unit", "service_capacity"]
    for resource in descriptor["resources"]:
        with (folder / resource["path"]).open(encoding="utf-8", newline="") as file:
            header = next(csv.reader(file))
        assert header == [field["name"] for field in resource["schema"]["fields"]], resource["path"]
    tables = csv_tables(folder, descriptor)
    tabular = json.loads(hsds_file("v3.0", "schema", "compiled", "tabular.json").read_text())
    validator = Draft202012Validator(tabular, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(tables)][:5] == []
    assert len(tables["service"]) == Service.objects.count()
    assert len(tables["location"]) == Location.objects.count()
    assert len(tables["service_at_location"]) == ServiceAtLocation.objects.count()
    assert len(tables["phone"]) == Phone.objects.count()
    assert len(tables["schedule"]) == Schedule.objects.count()
    # Our taxonomies, and the vocabulary of the extras that the attributes table uses.
    assert len(tables["taxonomy"]) == Taxonomy.objects.count() + 1
    term_ids = {row["id"] for row in tables["taxonomy_term"]}
    assert {row["taxonomy_term_id"] for row in tables["attribute"]} <= term_ids


def test_it_gives_back_the_same_json_after_an_import_into_an_empty_database(tmp_path):
    """Export, import the JSON into an empty database, export again: the same bytes, file for file."""
    with time_machine.travel(STILL, tick=False):
        restamp()
        export(tmp_path / "first")
        empty_the_database()
        call_command("import_hsds", str(tmp_path / "first" / "json"), stdout=io.StringIO(), stderr=io.StringIO())
        export(tmp_path / "second")

    first, second = files_in(tmp_path / "first"), files_in(tmp_path / "second")
    assert len(first) == Organization.objects.count() + 3 + 25  # JSON files; datapackage.json and 24 tables
    assert [name for name in first if first[name] != second.get(name)] == []
    assert first == second


def test_it_gives_back_the_same_package_after_an_import_of_the_csv(tmp_path):
    """Export, import the CSV package into an empty database, export again: the same bytes, file for file."""
    with time_machine.travel(STILL, tick=False):
        restamp()
        export(tmp_path / "first")
        empty_the_database()
        call_command("import_hsds", str(tmp_path / "first" / "csv"), stdout=io.StringIO(), stderr=io.StringIO())
        export(tmp_path / "second")

    first, second = files_in(tmp_path / "first"), files_in(tmp_path / "second")
    assert [name for name in first if first[name] != second.get(name)] == []
    assert first == second


def test_it_writes_values_that_look_like_formulas_exactly(tmp_path):
    """The data package is data, not a spreadsheet download: "+1 303…" and "=…" are written as they are.

    (CSV downloads for people neutralise such cells, directory/csvsafe.py; providers/hsds/README.md says why
    the package does not, and the round trips above show the import gives back exactly what was written.)
    """
    service = Service.objects.order_by("name").first()
    Service.objects.filter(pk=service.pk).update(name="=SUM(1+1) Meals", description="- Hot meals\n- Groceries")
    phone = Phone.objects.order_by("number").first()
    Phone.objects.filter(pk=phone.pk).update(number="+1 303 555 0100")

    export(tmp_path)

    with (tmp_path / "csv" / "services.csv").open(encoding="utf-8", newline="") as file:
        services = {row["id"]: row for row in csv.DictReader(file)}
    with (tmp_path / "csv" / "phones.csv").open(encoding="utf-8", newline="") as file:
        numbers = {row["id"]: row["number"] for row in csv.DictReader(file)}
    assert (services[str(service.pk)]["name"], services[str(service.pk)]["description"]) == (
        "=SUM(1+1) Meals",
        "- Hot meals\n- Groceries",
    )
    assert numbers[str(phone.pk)] == "+1 303 555 0100"


def test_it_replaces_the_files_of_an_earlier_export(tmp_path):
    """A record deleted since the last export leaves no file behind."""
    gone = Organization.objects.create(name="Closed Agency", description="No longer in the network.")
    export(tmp_path)
    assert (tmp_path / "json" / "organizations" / f"{gone.pk}.json").exists()

    gone.delete()
    export(tmp_path)

    assert not (tmp_path / "json" / "organizations" / f"{gone.pk}.json").exists()
    assert str(gone.pk) not in (tmp_path / "csv" / "organizations.csv").read_text()


def test_it_shows_progress_and_a_summary(tmp_path):
    """A progress bar on standard error, one line saying what was written on standard output."""
    out, err = export(tmp_path)

    organizations, services = Organization.objects.count(), Service.objects.count()
    assert f"] {organizations}/{organizations} organizations" in err
    assert out.startswith(f"Exported {organizations} organizations and {services} services: {organizations + 3} JSON")
    assert "24 CSV tables" in out
