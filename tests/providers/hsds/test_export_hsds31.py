"""export_hsds carries what HSDS 3.1 adds, in JSON and in the CSV package, and import_hsds gives it back (issue 16).

Additional URLs (an organization's and a service's), units, capacities and the areas of a service at a
location: export → an empty database → import gives back the same rows, field by field, in either form.
The CSV package lists the 3.1 tables in its datapackage.json (url.csv, units.csv, service_capacity.csv, and
service_areas.csv's service_at_location_id), each row valid against the 3.1 object schema of its table.
"""

import csv
import datetime
import json

import pytest
from jsonschema import Draft202012Validator

from providers.models import (
    AdditionalUrl,
    Attribute,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from tests.providers.hsds.rows import assert_same_rows, listing_rows
from tests.providers.hsds.test_export import empty_the_database, export
from tests.providers.hsds.test_export_round_trip import import_export
from tests.providers.hsds.test_import import hsds_file

pytestmark = pytest.mark.django_db

TABLES_31 = {"url": "url.csv", "unit": "units.csv", "service_capacity": "service_capacity.csv"}


@pytest.fixture
def hsds31_records(demo_network) -> ServiceAtLocation:
    """URLs (a service's, an organization's, one of both), two units, capacities, an area of a location, and
    a partner's term on a URL and on a capacity."""
    link = ServiceAtLocation.objects.filter(service__in=Service.objects.listed()).order_by("pk").first()
    service, organization = link.service, link.service.organization
    AdditionalUrl.objects.create(service=service, label="Facebook", url="https://facebook.example/pantry")
    both = AdditionalUrl.objects.create(service=service, organization=organization, url="https://agency.example/")
    AdditionalUrl.objects.create(organization=organization, label="Donate", url="https://give.example/agency")
    bed = Unit.objects.create(name="Bed")
    kilogram = Unit.objects.create(name="Kilogram", scheme="SI", identifier="kgm", uri="https://units.example/kgm")
    stated = datetime.datetime(2026, 12, 1, 21, 0, 0, 250000, tzinfo=datetime.UTC)
    beds = ServiceCapacity.objects.create(service=service, unit=bed, available=4, maximum=20, updated_at=stated)
    ServiceCapacity.objects.create(
        service=service, unit=kilogram, available=12.5, description="Food in stock", updated_at=stated
    )
    other = Service.objects.exclude(pk=service.pk).order_by("pk").first()
    ServiceCapacity.objects.create(service=other, unit=bed, available=0, maximum=8, updated_at=stated)
    ServiceArea.objects.create(
        service=service,
        service_at_location=link,
        name="Near this pantry",
        extent_type=ServiceArea.ExtentType.POSTAL_CODES,
        postal_codes=["80219", "80223"],
    )
    tags = Taxonomy.objects.create(code="tags", name="Partner tags", description="A partner's tags.")
    term = TaxonomyTerm.objects.create(taxonomy=tags, code="verified", name="Verified")
    for entity, record in (("url", both), ("service_capacity", beds), ("unit", bed)):
        Attribute.objects.create(taxonomy_term=term, link_entity=entity, link_id=record.pk, value=f"on a {entity}")
    return link


@pytest.mark.parametrize("form", ["json", "csv"])
def test_it_gives_back_the_3_1_records(tmp_path, hsds31_records, form):
    """Every URL, unit, capacity and area of a location comes back as it was, and so does everything else."""
    before = listing_rows()

    export(tmp_path)
    empty_the_database()
    import_export(tmp_path / form)

    assert_same_rows(before, listing_rows())
    assert AdditionalUrl.objects.count() == 3 and ServiceCapacity.objects.count() == 3
    assert ServiceArea.objects.get(service_at_location=hsds31_records.pk).postal_codes == ["80219", "80223"]


def test_it_lists_the_3_1_tables_in_the_package(tmp_path, hsds31_records):
    """datapackage.json names url.csv, units.csv and service_capacity.csv, and service_areas.csv gets 3.1's
    service_at_location_id; every cell is a valid value of its property in the 3.1 object schema."""
    export(tmp_path)

    folder = tmp_path / "csv"
    descriptor = json.loads((folder / "datapackage.json").read_text())
    resources = {resource["name"]: resource for resource in descriptor["resources"]}
    assert {name: resources[name]["path"] for name in TABLES_31} == TABLES_31
    area_columns = [field["name"] for field in resources["service_area"]["schema"]["fields"]]
    assert area_columns[:3] == ["id", "service_id", "service_at_location_id"]
    counts = {"url": 3, "unit": 2, "service_capacity": 3, "service_area": ServiceArea.objects.count()}
    for name, count in counts.items():
        resource = resources[name]
        schema = json.loads(hsds_file("v3.1-dev", "schema", f"{name}.json").read_text())
        fields = resource["schema"]["fields"]
        with (folder / resource["path"]).open(encoding="utf-8", newline="") as file:
            reader = csv.DictReader(file)
            assert reader.fieldnames == [field["name"] for field in fields]
            rows = list(reader)
        assert len(rows) == count
        required = {field["name"] for field in fields if field["constraints"]["required"]}
        assert required >= {"id"} | set(schema["required"]) - {"unit"}
        numbers = {field["name"] for field in fields if field["type"] == "number"}
        for row in rows:
            assert required <= {column for column, value in row.items() if value}, (name, row)
            for column, value in row.items():
                if value:
                    cell = float(value) if column in numbers else value
                    validator = Draft202012Validator(
                        schema["properties"][column], format_checker=Draft202012Validator.FORMAT_CHECKER
                    )
                    assert [error.message for error in validator.iter_errors(cell)] == [], (name, column, value)
