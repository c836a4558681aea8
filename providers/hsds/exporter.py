"""Write the whole directory as HSDS 3.0 files (``manage.py export_hsds OUT``).

Two forms of the same records, made by the feed's own serializers (providers/hsds/serialize.py), so a
file never says something the feed would not:

``OUT/json/``
    ``organizations/<id>.json``: one ``organization_full``-style record per organization (the shape of
    the official ``compiled/organization.json``): its phones, its locations, and every one of its
    services, whatever their status, fully nested (service at locations, schedules, areas, languages,
    costs, documents, attributes). One file per organization keeps files small and lets a partner take
    just its own. ``locations.json``: the locations of no organization (HSDS requires none), in full (a
    location of a service is also nested in it). ``taxonomies.json`` and ``taxonomy_terms.json``: every
    taxonomy (its code as an extra) and term (its Spanish name and synonyms as extras). These three are
    a single page of the feed's list envelope each.

``OUT/csv/``
    The HSDS 3.0 tabular data package with what HSDS 3.1 adds: ``datapackage.json`` (``descriptor()``: the
    official 3.0 descriptor, service_area's 3.1 column ``service_at_location_id`` and 3.1's ``url``, ``unit``
    and ``service_capacity`` tables) and one CSV file per table, with the descriptor's columns in its order,
    rows sorted by id. The tables are the JSON records
    flattened, so both forms hold the same rows, except the ``metadata`` table, which is left empty:
    the feed's change records (created, updated, verified) have no previous value, new value or
    author to show, and the package requires all three, where an empty cell counts as missing. The
    JSON keeps them; an import does not read them in either form.

The same directory always gives the same bytes: ``import_hsds`` reads either form back. Export → import
into an empty database gives back the same rows, field by field (tests/providers/hsds/test_export_round_trip.py),
and exporting them again gives identical files, but for the times at which each database created and last
changed its records (``last_modified`` and the create/update metadata), which are its own.
"""

import csv
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from providers.hsds import serialize
from providers.hsds.importer.readers.hsds3 import flatten
from providers.hsds.importer.records import Batch

DATAPACKAGE_PATH = Path(settings.BASE_DIR) / "fixtures" / "hsds" / "v3.0" / "datapackage.json"
# HSDS 3.1's object schemas: what the package adds is read from them (the 3.1-dev datapackage.json lists the
# unit and service_capacity tables without their columns).
SCHEMA_31_DIR = Path(settings.BASE_DIR) / "fixtures" / "hsds" / "v3.1-dev" / "schema"
# The 3.1 tables, each with the columns a row must fill (the schema's required fields, as a table has them:
# a capacity's unit is its unit_id, and its service_id, "only required in the tabular representation").
TABLES_31 = {
    "url": ("id", "url"),
    "unit": ("id", "name"),
    "service_capacity": ("id", "service_id", "unit_id", "available", "updated"),
}
# The columns 3.1 adds to a 3.0 table: (table, column, the column it follows).
COLUMNS_31 = [("service_area", "service_at_location_id", "service_id")]
# Table Schema types of the JSON Schema string formats that are types of their own there.
TEMPORAL = {"date-time": "datetime", "date": "date", "time": "time"}
# Tables written with their header only (see the module's docstring).
CSV_LEFT_OUT = {"metadata"}
# Organizations read (with all their parts) per round of queries.
CHUNK = 50
TERM_CHUNK = 500


@dataclasses.dataclass
class ExportResult:
    organizations: int = 0
    services: int = 0
    json_files: int = 0
    csv_rows: dict[str, int] = dataclasses.field(default_factory=dict)


def page(records: list[dict]) -> dict:
    """All records as the one page of the feed's list envelope (the shape of examples/taxonomy_list.json)."""
    return {
        "total_items": len(records),
        "total_pages": 1,
        "page_number": 1,
        "size": len(records),
        "first_page": True,
        "last_page": True,
        "empty": not records,
        "contents": records,
    }


def write_json(path: Path, document) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def clear(folder: Path) -> None:
    """Remove the files an earlier export wrote here, so that a deleted record leaves no file behind."""
    for pattern in (
        "json/organizations/*.json",
        "json/locations.json",
        "json/taxonomies.json",
        "json/taxonomy_terms.json",
        "csv/*.csv",
        "csv/datapackage.json",
    ):
        for path in folder.glob(pattern):
            path.unlink()


def table_field(name: str, schema: dict, *, required: bool) -> dict:
    """A Table Schema field for the property ``schema`` of an HSDS object schema, as the 3.0 descriptor writes them."""
    kind, form = schema["type"], schema.get("format")
    if kind == "string" and form in TEMPORAL:
        kind, form = TEMPORAL[form], None
    field = {
        "name": name,
        "type": kind,
        "title": schema.get("title", name),
        "description": schema.get("description", ""),
    }
    if form:
        field["format"] = form
    field["constraints"] = {"required": required, "unique": name == "id"}
    return field


def foreign_key(column: str) -> dict:
    return {"fields": column, "reference": {"resource": column.removesuffix("_id"), "fields": "id"}}


def table_resource(name: str, required: tuple[str, ...]) -> dict:
    """The package's resource for an HSDS 3.1 table: a column per property that is a value (not a list or object)."""
    schema = json.loads((SCHEMA_31_DIR / f"{name}.json").read_text(encoding="utf-8"))
    columns = [column for column, value in schema["properties"].items() if value.get("type") in ("string", "number")]
    return {
        "name": name,
        "path": schema["path"],
        "description": schema["description"],
        "format": "csv",
        "mediatype": "text/csv",
        "profile": "tabular-data-resource",
        "schema": {
            "primaryKey": "id",
            "fields": [
                table_field(column, schema["properties"][column], required=column in required) for column in columns
            ],
            "foreignKeys": [foreign_key(column) for column in columns if column.endswith("_id")],
        },
    }


def descriptor() -> dict:
    """The package's datapackage.json: the official 3.0 descriptor and what HSDS 3.1 adds (see TABLES_31)."""
    package = json.loads(DATAPACKAGE_PATH.read_text(encoding="utf-8"))
    resources = {resource["name"]: resource for resource in package["resources"]}
    for table, column, after in COLUMNS_31:
        schema = json.loads((SCHEMA_31_DIR / f"{table}.json").read_text(encoding="utf-8"))
        fields = resources[table]["schema"]["fields"]
        position = next(number for number, field in enumerate(fields) if field["name"] == after) + 1
        fields.insert(position, table_field(column, schema["properties"][column], required=False))
        resources[table]["schema"].setdefault("foreignKeys", []).append(foreign_key(column))
    package["resources"] += [table_resource(name, required) for name, required in TABLES_31.items()]
    return package


def export_hsds(out: Path | str, *, progress: Callable[[int, int], None] | None = None) -> ExportResult:
    """Write the directory to ``out``/json and ``out``/csv; return what was written.

    Costs a few queries per CHUNK organizations (the feed's serializers and their Parts).
    """
    out = Path(out)
    package = descriptor()
    clear(out)
    result = ExportResult()
    # The CSV tables are the JSON records flattened the way the importer reads them.
    tables = Batch("export")
    organizations = serialize.organizations_for_feed()
    total = organizations.count()
    ids = organizations.values_list("pk", flat=True).iterator(chunk_size=CHUNK)
    for chunk in serialize.in_chunks(ids, CHUNK):
        # Every service of each organization, whatever its status (the feed lists only active and
        # temporarily closed ones), fully nested.
        for record in serialize.organizations_to_hsds(chunk, full=True, full_service=True, every_service=True):
            name = f"organizations/{record['id']}.json"
            write_json(out / "json" / name, record)
            flatten(tables, "organization", record, name)
            result.organizations += 1
            result.services += len(record["services"])
            if progress:
                progress(result.organizations, total)
    location_ids = serialize.locations_of_no_organization().values_list("pk", flat=True).iterator(chunk_size=CHUNK)
    locations = [
        record for chunk in serialize.in_chunks(location_ids, CHUNK) for record in serialize.locations_to_hsds(chunk)
    ]
    taxonomies = serialize.taxonomies_to_hsds(list(serialize.taxonomies_for_feed().values_list("pk", flat=True)))
    term_ids = serialize.taxonomy_terms_for_feed().values_list("pk", flat=True).iterator(chunk_size=TERM_CHUNK)
    terms = [
        term for chunk in serialize.in_chunks(term_ids, TERM_CHUNK) for term in serialize.taxonomy_terms_to_hsds(chunk)
    ]
    for name, kind, records in (
        ("locations.json", "location", locations),
        ("taxonomies.json", "taxonomy", taxonomies),
        ("taxonomy_terms.json", "taxonomy_term", terms),
    ):
        write_json(out / "json" / name, page(records))
        for record in records:
            flatten(tables, kind, record, name)
    result.json_files = result.organizations + 3
    if progress and total == 0:
        progress(0, 0)
    csv_folder = out / "csv"
    csv_folder.mkdir(parents=True, exist_ok=True)
    write_json(csv_folder / "datapackage.json", package)
    for resource in package["resources"]:
        columns = [field["name"] for field in resource["schema"]["fields"]]
        rows = [] if resource["name"] in CSV_LEFT_OUT else tables.rows.get(resource["name"], {}).values()
        rows = sorted(rows, key=lambda row: str(row.id))
        with (csv_folder / resource["path"]).open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(columns)
            for row in rows:
                writer.writerow([cell(row.fields.get(column)) for column in columns])
        result.csv_rows[resource["name"]] = len(rows)
    return result
