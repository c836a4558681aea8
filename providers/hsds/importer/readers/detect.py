"""``--format auto``: tell which format an import is written in, from its files, and say why.

Each format leaves clues: file names only it uses (HSDS 1.1's regular_schedules.csv, Ohana's
mail_addresses.csv), columns only it has (2.0's taxonomy_terms.term, 3.0's organizations.website), the
tables its datapackage.json lists, and the keys of its JSON records (Open Referral UK's eligibilitys and
physical_addresses, 3.0's addresses and attributes). A clue several formats share counts for each. The
format with the most clues is the answer; when two have as many, the error lists every format's clues
and asks for ``--format``.

Without any clue, JSON is read as HSDS 3.0, and so is a folder of CSV files that all have a standard 3.0
name (HSDS 3.0 nests and names what the others do not need to); anything else is an error.
"""

import csv
import dataclasses
import io
from pathlib import PurePosixPath

from directory import jsonlimits
from providers.hsds.importer.files import CSV_FIELD_LIMIT, Files, UnreadableFile, csv_field_limit
from providers.hsds.importer.readers import READERS
from providers.hsds.importer.readers.hsds3 import PACKAGE_FILES

V3, V2, V1, UK, OHANA = "hsds-3.0", "hsds-2.0", "hsds-1.1", "oruk-1", "ohana"

# File names that only some formats use.
FILE_CLUES = {
    "service_at_location.csv": (V3, V1),  # 1.1's own name is services_at_location.csv; exports use both
    "addresses.csv": (V3, OHANA),
    "accessibility.csv": (V3,),
    "attributes.csv": (V3,),
    "taxonomies.csv": (V3,),
    "cost_options.csv": (V3,),
    "organization_identifiers.csv": (V3,),
    "url.csv": (V3,),
    "units.csv": (V3,),
    "service_capacity.csv": (V3,),
    "schedules.csv": (V2, V3),
    "taxonomy_terms.csv": (V2, V3),
    "service_attributes.csv": (V2,),
    "other_attributes.csv": (V2,),
    "payments_accepted.csv": (V2,),
    "services_at_location.csv": (V1, V2),
    "physical_addresses.csv": (V1, V2),
    "postal_addresses.csv": (V1, V2),
    "accessibility_for_disabilities.csv": (V1, V2),
    "eligibility.csv": (V1, V2),
    "eligibilities.csv": (V1, V2),
    "services_taxonomy.csv": (V1,),
    "service_taxonomy.csv": (V1,),
    "payment_accepted.csv": (V1,),
    "regular_schedules.csv": (V1, OHANA),
    "holiday_schedules.csv": (V1, OHANA),
    "taxonomy.csv": (V1, OHANA),
    "mail_addresses.csv": (OHANA,),
}
# Columns that only some formats have, by file.
COLUMN_CLUES = {
    "organizations.csv": {
        "url": (V1, V2),
        "website": (V3, OHANA),
        "parent_organization_id": (V3,),
        "date_incorporated": (OHANA,),
        "funding_sources": (OHANA,),
    },
    "services.csv": {
        "fees_description": (V3,),
        "eligibility_description": (V3,),
        "assured_date": (V3,),
        "last_modified": (V3,),
        "alert": (V3,),
        "taxonomy_ids": (V1, OHANA),
        "location_id": (OHANA,),
        "keywords": (OHANA,),
        "audience": (OHANA,),
        "accepted_payments": (OHANA,),
        "service_areas": (OHANA,),
    },
    "locations.csv": {
        "location_type": (V3,),
        "external_identifier": (V3,),
        "short_desc": (OHANA,),
        "admin_emails": (OHANA,),
        "virtual": (OHANA,),
    },
    "phones.csv": {"number_type": (OHANA,), "country_prefix": (OHANA,), "vanity_number": (OHANA,)},
    "schedules.csv": {"weekday": (V2,), "schedule_link": (V3,), "attending_type": (V3,), "notes": (V3,)},
    "taxonomy_terms.csv": {"term": (V2,), "code": (V3,), "taxonomy_id": (V3,), "term_uri": (V3,)},
    "languages.csv": {"language": (V1, V2), "code": (V3,)},
    "service_areas.csv": {"service_area": (V1, V2), "extent_type": (V3,)},
    "taxonomy.csv": {"vocabulary": (V1,), "taxonomy_id": (OHANA,)},
}
# Keys of JSON records (at any depth) that only one format writes.
KEY_CLUES = {
    "eligibilitys": UK,
    "eligibilities": UK,
    "service_taxonomys": UK,
    "service_taxonomies": UK,
    "regular_schedules": UK,
    "regular_schedule": UK,
    "holiday_schedules": UK,
    "holiday_schedule": UK,
    "holidayScheduleCollection": UK,
    "physical_addresses": UK,
    "accessibility_for_disabilities": UK,
    "fundings": UK,
    "reviews": UK,
    "deliverable_type": UK,
    "attending_access": UK,
    "link_taxonomy": UK,
    "organisation": UK,
    "totalElements": UK,
    "contents": V3,
    "total_items": V3,
    "schedules": V3,
    "addresses": V3,
    "attributes": V3,
    "funding": V3,
    "fees_description": V3,
    "eligibility_description": V3,
    "website": V3,
    "taxonomy_term": V3,
    "taxonomy_detail": V3,
    "location_type": V3,
    "organization_identifiers": V3,
    "required_documents": V3,
    "programs": V3,
    "link_entity": V3,
    "term_uri": V3,
    "additional_urls": V3,
    "additional_websites": V3,
    "capacities": V3,
}
JSON_FILES_READ = 5  # enough to tell; a folder of 10,000 organization files is not read twice
ITEMS_READ = 20  # of each list
DEPTH = 6
CLUES_SHOWN = 6


class UnknownFormat(ValueError):
    """The files give no clue of any format, or as many of two: ``--format`` must say."""


@dataclasses.dataclass
class Detection:
    format: str
    clues: dict[str, list[str]]  # format -> what points at it

    def __str__(self) -> str:
        clues = self.clues.get(self.format, [])
        if not clues:
            return f"{READERS[self.format].label}: no clue of any other format"
        shown = ", ".join(clues[:CLUES_SHOWN]) + (
            f" and {len(clues) - CLUES_SHOWN} more" if len(clues) > CLUES_SHOWN else ""
        )
        return f"{READERS[self.format].label}, recognised by {shown}"


def detect(files: Files) -> Detection:
    """The format of ``files``, with the clues for it; UnknownFormat when it cannot tell."""
    clues: dict[str, list[str]] = {name: [] for name in READERS}

    def clue(formats: tuple[str, ...], text: str) -> None:
        for name in formats:
            if text not in clues[name]:
                clues[name].append(text)

    names = files.names()
    json_names = [name for name in names if name.lower().endswith(".json") and not is_descriptor(name)]
    csv_names = [name for name in names if name.lower().endswith(".csv")]
    for table in descriptor_tables(files):
        if table in FILE_CLUES:
            clue(FILE_CLUES[table], f"datapackage.json lists {table}")
    for name in csv_names:
        filename = PurePosixPath(name).name.lower()
        if filename in FILE_CLUES:
            clue(FILE_CLUES[filename], filename)
        for column in header(files, name) if filename in COLUMN_CLUES else []:
            if column in COLUMN_CLUES[filename]:
                clue(COLUMN_CLUES[filename][column], f"{filename} has {column}")
    seen = set()  # a key counts once, in the first file that has it
    for name in json_names[:JSON_FILES_READ]:
        for key in sorted(json_keys(files, name) - seen):
            seen.add(key)
            if key.startswith("pc_"):  # Placecube's extensions of Open Referral UK
                clue((UK,), f'"{key}" in {PurePosixPath(name).name}')
            elif key in KEY_CLUES:
                clue((KEY_CLUES[key],), f'"{key}" in {PurePosixPath(name).name}')
            elif key in PACKAGE_FILES.values():
                clue((V3,), f'"{key}" in {PurePosixPath(name).name} (tabular JSON)')
    found = {name: found for name, found in clues.items() if found}
    ranked = sorted(found, key=lambda name: -len(found[name]))
    if ranked and (len(ranked) == 1 or len(found[ranked[0]]) > len(found[ranked[1]])):
        return Detection(ranked[0], found)
    if not ranked:
        standard = set(PACKAGE_FILES.values())
        if json_names or (csv_names and all(PurePosixPath(name).name in standard for name in csv_names)):
            return Detection(V3, found)
    raise UnknownFormat(explain(found, names))


def explain(found: dict[str, list[str]], names: list[str]) -> str:
    if not found:
        listed = ", ".join(names[:8]) + (" ..." if len(names) > 8 else "")
        return (
            f"Cannot tell the format: no file here is one a format the importer reads would have ({listed or 'none'})."
            f" Say which with --format ({', '.join(READERS)})."
        )
    tied = [name for name in found if len(found[name]) == max(len(clues) for clues in found.values())]
    lines = [f"Cannot tell the format: as many clues point at {' and at '.join(READERS[name].label for name in tied)}."]
    lines += [f"  {READERS[name].label} (--format {name}): {', '.join(found[name])}" for name in found]
    lines.append(f"Say which with --format {' or --format '.join(tied)}.")
    return "\n".join(lines)


def is_descriptor(name: str) -> bool:
    return PurePosixPath(name).name.lower() == "datapackage.json"


def descriptor_tables(files: Files) -> list[str]:
    """The file names of the tables datapackage.json lists; none when there is none or it cannot be read."""
    descriptor = files.find("datapackage.json")
    if descriptor is None:
        return []
    try:
        package = jsonlimits.loads(files.read_text(descriptor))
        return [PurePosixPath(resource["path"]).name.lower() for resource in package["resources"]]
    except (ValueError, KeyError, TypeError):
        return []  # the reader says what is wrong with it


def header(files: Files, name: str) -> list[str]:
    """The column names of a CSV file; none when it cannot be read (the reader reports why)."""
    try:
        text = files.read_text(name)
        with csv_field_limit(CSV_FIELD_LIMIT):
            return [column.strip().lower() for column in next(csv.reader(io.StringIO(text, newline="")), [])]
    except (UnreadableFile, csv.Error):
        return []


def json_keys(files: Files, name: str) -> set[str]:
    """The keys of the objects in a JSON file, its first items of each list and a few levels deep."""
    try:
        document = jsonlimits.loads(files.read_text(name))
    except (UnreadableFile, ValueError):
        return set()  # the reader reports why
    keys: set[str] = set()

    def walk(value, depth: int) -> None:
        if depth > DEPTH:
            return
        if isinstance(value, dict):
            keys.update(key for key in value if isinstance(key, str))
            for item in value.values():
                walk(item, depth + 1)
        elif isinstance(value, list):
            for item in value[:ITEMS_READ]:
                walk(item, depth + 1)

    walk(document, 0)
    return keys
