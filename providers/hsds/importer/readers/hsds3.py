"""HSDS 3.0 (and 3.1): nested JSON records, the CSV data package, and the package's tabular JSON twin.

HSDS 3.1 adds the ``url``, ``unit`` and ``service_capacity`` tables (nested: an organization's
``additional_websites``, a service's ``additional_urls`` and ``capacities``, each capacity's ``unit``) and the
``service_areas`` of a service at a location. A nested list or object of a kind the importer does not know is
kept as a value of its record, so that the loader names it as a field the directory does not keep.
"""

from pathlib import PurePosixPath

from directory import jsonlimits
from providers.hsds.importer.files import Files
from providers.hsds.importer.records import KINDS, Batch
from providers.hsds.importer.values import is_empty

# Nested JSON: the lists and objects a record of each kind may hold. Every kind may also hold
# ``attributes`` and ``metadata`` lists.
NESTED_LISTS = {
    "organization": {
        "services": "service",
        "locations": "location",
        "phones": "phone",
        "contacts": "contact",
        "funding": "funding",
        "programs": "program",
        "organization_identifiers": "organization_identifier",
        "additional_websites": "url",
    },
    "service": {
        "phones": "phone",
        "schedules": "schedule",
        "service_areas": "service_area",
        "service_at_locations": "service_at_location",
        "languages": "language",
        "funding": "funding",
        "cost_options": "cost_option",
        "required_documents": "required_document",
        "contacts": "contact",
        "additional_urls": "url",
        "capacities": "service_capacity",
    },
    "service_at_location": {
        "contacts": "contact",
        "phones": "phone",
        "schedules": "schedule",
        "service_areas": "service_area",
    },
    "location": {
        "languages": "language",
        "addresses": "address",
        "contacts": "contact",
        "accessibility": "accessibility",
        "phones": "phone",
        "schedules": "schedule",
    },
    "phone": {"languages": "language"},
    "contact": {"phones": "phone"},
}
# key -> (kind of the nested record, the field of the holder that points at it)
NESTED_OBJECTS = {
    "service": {"organization": ("organization", "organization_id"), "program": ("program", "program_id")},
    "service_at_location": {"location": ("location", "location_id"), "service": ("service", "service_id")},
    "attribute": {"taxonomy_term": ("taxonomy_term", "taxonomy_term_id")},
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", "taxonomy_id")},
    "service_capacity": {"unit": ("unit", "unit_id")},
}

# The CSV files of the 3.0 data package, by table: used when datapackage.json cannot be read.
PACKAGE_FILES = {
    "organization": "organizations.csv",
    "program": "programs.csv",
    "service": "services.csv",
    "attribute": "attributes.csv",
    "service_at_location": "service_at_location.csv",
    "location": "locations.csv",
    "phone": "phones.csv",
    "contact": "contacts.csv",
    "address": "addresses.csv",
    "schedule": "schedules.csv",
    "funding": "funding.csv",
    "service_area": "service_areas.csv",
    "required_document": "required_documents.csv",
    "language": "languages.csv",
    "accessibility": "accessibility.csv",
    "taxonomy_term": "taxonomy_terms.csv",
    "metadata": "metadata.csv",
    "meta_table_description": "meta_table_descriptions.csv",
    "cost_option": "cost_options.csv",
    "organization_identifier": "organization_identifiers.csv",
    "taxonomy": "taxonomies.csv",
    # HSDS 3.1
    "service_capacity": "service_capacity.csv",
    "unit": "units.csv",
    "url": "url.csv",
}
# Other names a table goes by, read when the standard one is not there (the 3.1 table is called "unit").
ALSO_NAMED = {"unit.csv": "unit"}

# ---- HSDS 3.0 JSON ---------------------------------------------------------------------------------


def flatten(batch: Batch, kind: str, record: dict, name: str, pointer: str = "", parent: tuple | None = None):
    """Add a nested HSDS record and everything inside it to ``batch``; return its id as written.

    ``name`` is the file, ``pointer`` the JSON pointer of the record in it; ``parent`` the (kind, id) of
    the record that holds this one.
    """
    fields = {key: value for key, value in record.items() if not isinstance(value, dict | list)}
    if parent is not None:
        parent_kind, parent_id = parent
        if kind == "attribute":
            fields["link_id"] = parent_id
            fields["link_entity"] = parent_kind
        elif kind == "metadata":
            fields.setdefault("resource_id", parent_id)
        else:
            fields[f"{parent_kind}_id"] = parent_id
    for key, value in record.items():
        if isinstance(value, dict) and key in NESTED_OBJECTS.get(kind, {}):
            child_kind, holder_field = NESTED_OBJECTS[kind][key]
            fields[holder_field] = flatten(batch, child_kind, value, name, f"{pointer}/{key}")
        elif isinstance(value, dict):
            if value:
                fields[key] = value  # not a kind the importer knows: the loader names it as a field not kept
        elif isinstance(value, list):
            child_kind = {"attributes": "attribute", "metadata": "metadata"}.get(key) or NESTED_LISTS.get(kind, {}).get(
                key
            )
            if child_kind is None:
                if value:
                    fields[key] = value  # as above
                continue
            if kind == "service" and key == "attributes" and not is_empty(record.get("id")):
                batch.complete_attributes.add(batch.record_id("service", record["id"]))
            for number, item in enumerate(value):
                if isinstance(item, dict):
                    flatten(batch, child_kind, item, name, f"{pointer}/{key}/{number}", (kind, record.get("id")))
    batch.add(kind, fields, f"{name} {pointer}" if pointer else name)
    return record.get("id")


# File names say what a file holds: service_full.json, organizations/<id>.json, taxonomy_terms.json.
NAME_HINTS = (
    ("service_at_location", "service_at_location"),
    ("taxonomy_term", "taxonomy_term"),
    ("taxonomies", "taxonomy"),
    ("taxonomy", "taxonomy"),
    ("organization", "organization"),
    ("service", "service"),
    ("location", "location"),
)


def kind_from_name(name: str) -> str | None:
    for part in reversed(PurePosixPath(name).with_suffix("").parts):
        for prefix, kind in NAME_HINTS:
            if part.lower().startswith(prefix):
                return kind
    return None


def kind_from_shape(record: dict) -> str | None:
    keys = set(record)
    if keys & {"status", "service_at_locations", "service_areas", "cost_options", "required_documents"}:
        return "service"
    if keys & {"location", "service"} or {"service_id", "location_id"} <= keys:
        return "service_at_location"
    if keys & {"services", "locations", "programs", "organization_identifiers", "website", "parent_organization_id"}:
        return "organization"
    if keys & {"location_type", "addresses", "accessibility", "latitude"}:
        return "location"
    if keys & {"taxonomy_detail", "taxonomy_id", "parent_id", "code", "term_uri", "taxonomy"}:
        return "taxonomy_term"
    if {"name", "description"} <= keys and keys <= {"id", "name", "description", "uri", "version", "metadata"}:
        return "taxonomy"
    return None


def read_json_document(batch: Batch, name: str, document) -> None:
    if isinstance(document, dict) and {"version", "openapi_url"} & set(document) and "id" not in document:
        return  # the API's root document: no records
    if isinstance(document, dict) and document and all(key.endswith(".csv") for key in document):
        read_tabular(batch, name, document)
        return
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        records, pointer = document["contents"], "/contents"
    elif isinstance(document, list):
        records, pointer = document, ""
    else:
        records, pointer = [document], None
    hint = kind_from_name(name)
    for number, record in enumerate(records):
        record_pointer = f"{pointer}/{number}" if pointer is not None else ""
        where = f"{name} {record_pointer}" if record_pointer else name
        if not isinstance(record, dict):
            batch.error(where, "record", "", "", "Expected a JSON object.")
            continue
        kind = hint or kind_from_shape(record)
        if kind is None:
            batch.error(where, "record", str(record.get("id", "")), "", "Cannot tell what kind of HSDS record this is.")
            continue
        flatten(batch, kind, record, name, record_pointer)


def read_tabular(batch: Batch, name: str, document: dict) -> None:
    """The JSON twin of the CSV package: {"organizations.csv": [rows], ...} (examples/tabular.json)."""
    tables = {filename: kind for kind, filename in PACKAGE_FILES.items()} | ALSO_NAMED
    for filename, rows in document.items():
        kind = tables.get(filename)
        if kind is None or not isinstance(rows, list):
            batch.warn(f"{name} /{filename}", "table", "", "", "Not an HSDS 3.0 table; left out.")
            continue
        for number, row in enumerate(rows):
            batch.add(kind, row, f"{name} /{filename}/{number}")
    if "attributes.csv" in document:
        batch.complete_attributes |= set(batch.rows["service"])


def read_package(batch: Batch, files: Files, descriptor: str | None, folder: PurePosixPath | None = None) -> None:
    """An HSDS 3.0 CSV data package: datapackage.json and a CSV file per table.

    Without a descriptor (``descriptor`` None) the tables of ``folder`` are read by their standard names.
    A file of the package that the descriptor does not list is named in a warning.
    """
    folder = PurePosixPath(descriptor).parent if descriptor is not None else folder
    tables = dict(PACKAGE_FILES)
    listed = False  # whether the tables are those the descriptor lists
    try:
        if descriptor is not None:
            package = jsonlimits.loads(files.read_text(descriptor))
            tables = {resource["name"]: resource["path"] for resource in package["resources"]}
            listed = True
    except (ValueError, KeyError, TypeError):
        # The official example's datapackage.json is a symbolic link that lost its target.
        batch.warn(
            descriptor, "datapackage", "", "", "Not a data package descriptor; read the standard HSDS file names."
        )
    available = set(files.names())
    if not listed:
        for filename, kind in ALSO_NAMED.items():
            if (folder / tables[kind]).as_posix() not in available:
                tables[kind] = filename
    read = {descriptor}
    for kind, filename in tables.items():
        name = (folder / filename).as_posix()
        if name not in available:
            continue
        read.add(name)
        if kind not in KINDS:
            batch.warn(name, "table", "", "", "Not an HSDS 3.0 table; left out.")
            continue
        for where, row in files.csv_rows(name, batch):
            batch.add(kind, row, where)
    if (folder / tables.get("attribute", "attributes.csv")).as_posix() in available:
        batch.complete_attributes |= set(batch.rows["service"])
    unread = sorted(available - read)
    if descriptor is not None and unread:
        reason = (
            "Not read: datapackage.json lists no such table; nothing in it is imported."
            if listed
            else "Not read: not a file of an HSDS 3.0 CSV package; nothing in it is imported."
        )
        batch.warn(
            unread[0],
            "file",
            "",
            "",
            reason,
            detail=f"{len(unread)} files: {', '.join(unread)}" if len(unread) > 1 else "",
        )


def read_hsds3(files: Files, batch: Batch) -> None:
    """HSDS 3.0: a CSV package when the files are a datapackage.json and its tables, else JSON records."""
    names = files.names()
    json_names = [name for name in names if name.lower().endswith(".json") and not name.endswith("datapackage.json")]
    descriptor = files.find("datapackage.json")
    if descriptor is not None:
        folder = PurePosixPath(descriptor).parent
        # A zip or folder holding just the package (perhaps in a folder of its own) is read as the package.
        if not [name for name in json_names if folder not in PurePosixPath(name).parents]:
            read_package(batch, files, descriptor)
            return
    if not json_names:
        csv_names = [name for name in names if name.lower().endswith(".csv")]
        folders = {PurePosixPath(name).parent for name in csv_names}
        standard = set(PACKAGE_FILES.values()) | set(ALSO_NAMED)
        others = [name for name in csv_names if PurePosixPath(name).name not in standard]
        if csv_names and not others and len(folders) == 1:
            read_unpackaged_tables(batch, files, folders.pop(), csv_names)
            return
        hint = " For HSDS 1.1 or Ohana CSV, say so with --format." if csv_names else ""
        if others:
            hint = (
                f" Without datapackage.json, CSV files are read as HSDS 3.0 only when each has its standard name; "
                f"these do not: {', '.join(others[:5])}{' ...' if len(others) > 5 else ''}.{hint}"
            )
        batch.error(str(files.path), "file", "", "", f"No HSDS 3.0 JSON files or datapackage.json here.{hint}")
        return
    left_out = [name for name in names if name not in json_names]
    if left_out:
        batch.warn(
            left_out[0],
            "file",
            "",
            "",
            "Only the JSON files of a folder are read (a CSV package has its own folder).",
            detail=f"{len(left_out)} files left out",
        )
    for name, document in files.json_documents(json_names, batch):
        read_json_document(batch, name, document)


def read_unpackaged_tables(batch: Batch, files: Files, folder: PurePosixPath, csv_names: list[str]) -> None:
    """A 3.0 CSV package that lost its datapackage.json: every CSV file has a standard name, so read it by that."""
    batch.warn(
        str(files.path),
        "datapackage",
        "",
        "",
        "No datapackage.json: the CSV files are read by their standard HSDS 3.0 names. "
        "For HSDS 1.1 CSV, say so with --format hsds-1.1.",
    )
    unread = [name for name in files.names() if name not in csv_names]
    if unread:
        batch.warn(
            unread[0],
            "file",
            "",
            "",
            "Not read: not a file of an HSDS 3.0 CSV package; nothing in it is imported.",
            detail=f"{len(unread)} files: {', '.join(unread)}" if len(unread) > 1 else "",
        )
    read_package(batch, files, None, folder)
