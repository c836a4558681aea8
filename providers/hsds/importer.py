"""Import Open Referral HSDS data into the directory (``manage.py import_hsds``).

Two stages. A *reader* turns the source into rows shaped like the tables of the HSDS 3.0 CSV data
package (``organization``, ``service``, ``phone`` ... with their ``*_id`` references), whatever the
source looked like: nested 3.0 JSON is flattened, the 3.0 CSV package and its tabular JSON twin are
read as they are, and the legacy formats (HSDS 1.1 CSV, Ohana CSV: providers/hsds/legacy.py) are
mapped column by column. Rows with the same kind and id are merged, because nested JSON repeats a
record wherever it is used (one phone under its service, location and organization).

The ``Loader`` then writes the rows in dependency order (taxonomies, terms, organizations, locations,
services ...), each one an upsert by id: a missing record is created, an existing one is saved only
when a value differs, so a second import of the same data changes nothing. Every record is validated
like ``full_clean`` would (and against the HSDS schema's required fields); every problem names its file,
row or JSON pointer, record, field and reason. Records are never deleted by an import.

Bulk. Taxonomies and terms (few, with codes and parent chains to check against the database) are
saved one by one. Every other kind is validated in Python without a query per record, then written
with ``bulk_create`` / ``bulk_update`` a batch at a time: ``full_clean``'s queries are done in sets
instead (references: the ids this import wrote or one lookup per kind for those it did not; unique
constraints: a dict for the import and one lookup per kind for the database; check constraints:
evaluated in Python, see ``clean_in_memory``). A batch the database still refuses is written again
record by record, so the one at fault is reported and, with --partial, only it is skipped. Bulk writes
send no post_save: the import runs inside ``providers.signals.collect_changes()``, which marks every
affected service modified and sends one ``services_changed`` with all of them at the end.

Ids. HSDS 3.0 ids are UUIDs and are kept. Where a source has ids that are not UUIDs (every legacy
dataset) or none at all, the record gets ``uuid5(IMPORT_NAMESPACE, "<source>/<kind>/<key>")``, where
``source`` names the dataset (``--source``, by default the file or folder name) and ``key`` is the
source's id or, where it has none, a stable natural key (a phone: its owner and number). The same
record of the same dataset therefore gets the same id on every import, and a re-import updates it.

What the directory keeps beyond HSDS comes back from the attributes of the "directory-extras"
taxonomy that the feed writes (providers/hsds/serialize.py), so export → import → export is exact.
"""

import codecs
import contextlib
import csv
import dataclasses
import datetime
import functools
import io
import operator
import re
import uuid
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import DatabaseError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import slugify

from directory import jsonlimits
from providers.demo import REFERENCE_DATA_PATH, read_json, taxonomy_uuid
from providers.hsds.archive import ArchiveLimits, check_archive, read_member
from providers.hsds.serialize import EXTRAS, EXTRAS_TAXONOMY
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
    Taxonomy,
    TaxonomyTerm,
    validate_geojson_polygon,
)
from providers.signals import ChangeCollector, chunked, collect_changes

# Never change it: every derived id of every earlier import depends on it.
IMPORT_NAMESPACE = uuid.UUID("0f4b7c1e-61d5-4a51-8c9e-2b0d7e3f9a64")

FORMATS = ("auto", "hsds-3.0", "hsds-1.1", "ohana")

# The kinds of record the directory keeps, in the order they are written (a record before those that
# point at it), with their models.
MODELS = {
    "taxonomy": Taxonomy,
    "taxonomy_term": TaxonomyTerm,
    "organization": Organization,
    "location": Location,
    "address": Address,
    "accessibility": Accessibility,
    "service": Service,
    "service_at_location": ServiceAtLocation,
    "phone": Phone,
    "language": Language,
    "schedule": Schedule,
    "service_area": ServiceArea,
    "cost_option": CostOption,
    "required_document": RequiredDocument,
    "attribute": Attribute,
}
# HSDS records the directory has no place for: counted and reported, not kept.
NOT_KEPT = {
    "contact": "contacts",
    "funding": "funding sources",
    "program": "programs",
    "organization_identifier": "organization identifiers",
    "metadata": "change records (HSDS metadata); the directory keeps its own history",
    "meta_table_description": "table descriptions",
}
KINDS = (*MODELS, *NOT_KEPT)

# Reference fields and the kind they point at: references are resolved to ids the way ids are.
REFERENCES = {
    "organization_id": "organization",
    "parent_organization_id": "organization",
    "service_id": "service",
    "location_id": "location",
    "service_at_location_id": "service_at_location",
    "phone_id": "phone",
    "contact_id": "contact",
    "program_id": "program",
    "taxonomy_id": "taxonomy",
    "taxonomy_term_id": "taxonomy_term",
    "parent_id": "taxonomy_term",
}

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
    },
    "service_at_location": {"contacts": "contact", "phones": "phone", "schedules": "schedule"},
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
}

# Fields the HSDS 3.0 schemas require (schema/compiled/tabular.json), beyond ``id``.
REQUIRED = {
    "organization": ("name", "description"),
    "service": ("name", "status"),
    "location": ("location_type",),
    "address": ("address_1", "city", "state_province", "postal_code", "country", "address_type"),
    "phone": ("number",),
    "taxonomy": ("name", "description"),
    "taxonomy_term": ("name", "description"),
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
}

WEEKDAYS = [day.value for day in Schedule.Weekday]
EXTRA_TERMS = {uuid.UUID(extra.id): code for code, extra in EXTRAS.items()}
EXTRAS_TAXONOMY_ID = uuid.UUID(EXTRAS_TAXONOMY["id"])
TERM_RELATIONS = {
    Taxonomy.CATEGORIES: "categories",
    Taxonomy.POPULATIONS: "populations",
    Taxonomy.INSURANCE: "insurance_accepted",
}
ZIP_PLUS_FOUR = re.compile(r"^(\d{5})-\d{4}$")


def derived_id(source: str, kind: str, key: str) -> uuid.UUID:
    """The id of a record whose source id is not a UUID (or missing): the same for the same source and key."""
    return uuid.uuid5(IMPORT_NAMESPACE, f"{source}/{kind}/{key}")


# ---- problems and counts ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Problem:
    where: str  # "services.csv line 12", "service_full.json /service_at_locations/0/location"
    kind: str
    record: str  # the id as the source gives it; "" when it has none
    field: str  # "" for the record as a whole
    reason: str
    detail: str = ""  # specifics left out of the grouped warning counts

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        detail = f" ({self.detail})" if self.detail else ""
        record = f" {self.record}" if self.record else ""
        return f"{self.where}: {self.kind}{record}: {field}{self.reason}{detail}"


@dataclasses.dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return f"created {self.created} / updated {self.updated} / unchanged {self.unchanged} / skipped {self.skipped}"

    def __iadd__(self, other: "Tally") -> "Tally":
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))
        return self


@dataclasses.dataclass
class ImportReport:
    errors: list[Problem] = dataclasses.field(default_factory=list)
    warnings: list[Problem] = dataclasses.field(default_factory=list)
    tallies: dict[str, Tally] = dataclasses.field(default_factory=dict)
    geocoded: int = 0
    rolled_back: bool = False
    service_ids: set = dataclasses.field(default_factory=set)  # services whose listing changed
    reindexed: int | None = None  # None: the search index upkeep is off, nothing was written to it

    def tally(self, kind: str) -> Tally:
        return self.tallies.setdefault(kind, Tally())

    @property
    def total(self) -> Tally:
        total = Tally()
        for tally in self.tallies.values():
            total += tally
        return total


# ---- files -------------------------------------------------------------------------------------------


class UnreadableFile(ValueError):
    """A file of the import that is not text we can read: ``where`` names it (and the line), ``reason`` says why."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


# Byte order marks of text that is not UTF-8 (UTF-32's first: UTF-32-LE's begins like UTF-16-LE's).
OTHER_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
# What a damaged or unusual zip member raises when read (CRC, truncated data, encryption, methods).
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError)


# The longest CSV value the importer reads, in characters: Python's csv module stops at 128 KiB, and real
# descriptions run longer (a feed's 145 KB one). 16 MiB holds any text a person writes and still bounds
# one value; a file as a whole is bounded by the archive limits (providers/hsds/archive.py).
CSV_FIELD_LIMIT = 16 * 1024 * 1024


@contextlib.contextmanager
def csv_field_limit(limit: int):
    """Let the csv module read values up to ``limit`` characters, and put back its limit afterwards.

    The module keeps one limit for the whole process; holding it only while a row is read keeps the
    change from leaking into anything else that reads CSV.
    """
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def csv_records(reader) -> Iterator[list[str]]:
    """The records of a ``csv.reader``, each read under ``CSV_FIELD_LIMIT``."""
    while True:
        with csv_field_limit(CSV_FIELD_LIMIT):
            values = next(reader, None)
        if values is None:
            return
        yield values


def line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


class Files:
    """The files of an import, by relative POSIX path: a folder, a zip archive or a single file.

    Every problem reading one is an ``UnreadableFile`` naming it; a zip over ``limits`` is refused
    (``ArchiveRefused``, providers/hsds/archive.py) before anything in it is expanded.
    """

    def __init__(self, path: Path, limits: ArchiveLimits | None = None) -> None:
        self.path = Path(path)
        self.archive = None
        self.unreadable: set[str] = set()  # CSV files already reported, so a second reading stays quiet
        if self.path.is_dir():
            self.root = self.path
            found = (item for item in self.path.rglob("*") if item.is_file())
            self._names = sorted(item.relative_to(self.path).as_posix() for item in found)
        elif zipfile.is_zipfile(self.path):
            try:
                self.archive = zipfile.ZipFile(self.path)
            except (*ZIP_ERRORS, OSError) as error:
                raise UnreadableFile(self.path.name, f"Not a zip archive that can be read ({error}).") from None
            check_archive(self.path, self.archive, limits or ArchiveLimits.from_settings())
            self._names = sorted(name for name in self.archive.namelist() if not name.endswith("/"))
        elif self.path.is_file():
            self.root = self.path.parent
            self._names = [self.path.name]
        else:
            raise FileNotFoundError(f"No file or folder {self.path}.")

    def names(self) -> list[str]:
        return [name for name in self._names if not PurePosixPath(name).name.startswith(".")]

    def read_bytes(self, name: str) -> bytes:
        try:
            return read_member(self.archive, name) if self.archive else (self.root / name).read_bytes()
        except ZIP_ERRORS as error:
            raise UnreadableFile(name, f"The archive's copy of this file is damaged ({error}).") from None
        except OSError as error:
            raise UnreadableFile(name, f"The file cannot be read ({error.strerror or error}).") from None

    def read_text(self, name: str) -> str:
        """The file's text: UTF-8, with or without a byte order mark. Anything else is an UnreadableFile."""
        data = self.read_bytes(name)
        for mark, encoding in OTHER_ENCODINGS:
            if data.startswith(mark):
                raise UnreadableFile(name, f"The file is {encoding} text; save it as UTF-8.")
        nul = data.find(b"\x00")
        if nul >= 0:
            raise UnreadableFile(
                f"{name} line {line_of(data, nul)}",
                "The file holds a NUL byte, which text does not (UTF-16 without a byte order mark?); save it as UTF-8.",
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UnreadableFile(
                f"{name} line {line_of(data, error.start)}",
                f"Not UTF-8 text (byte 0x{data[error.start]:02X}; Latin-1 or Windows-1252 perhaps); "
                "save the file as UTF-8.",
            ) from None
        if not text or text.isspace():
            raise UnreadableFile(name, "The file is empty.")
        return text

    def find(self, filename: str) -> str | None:
        """The file called ``filename`` nearest the top, or None."""
        found = [name for name in self.names() if PurePosixPath(name).name.lower() == filename.lower()]
        return min(found, key=lambda name: (name.count("/"), name)) if found else None

    def csv_rows(self, name: str, batch: "Batch") -> Iterator[tuple[str, dict]]:
        """Yield ("<file> line <n>", row) for each record; a quoted value may span lines.

        A file that cannot be read as CSV is an error of ``batch`` naming the file and line (once, however
        often the file is read); the rows before that line are yielded.
        """
        if name in self.unreadable:
            return
        start = 1
        try:
            reader = csv.reader(io.StringIO(self.read_text(name), newline=""))
            header = [column.strip() for column in next(csv_records(reader), [])]
            start = reader.line_num + 1
            for values in csv_records(reader):
                if any(value.strip() for value in values):
                    yield f"{name} line {start}", dict(zip(header, values, strict=False))
                start = reader.line_num + 1
        except UnreadableFile as error:
            self.unreadable.add(name)
            batch.error(error.where, "file", "", "", error.reason)
        except csv.Error as error:
            self.unreadable.add(name)
            reason = (
                f"A value is longer than {CSV_FIELD_LIMIT:,} characters, the most a CSV field may hold."
                if "field limit" in str(error)
                else f"Not readable as CSV: {error}."
            )
            batch.error(f"{name} line {start}", "file", "", "", reason)


# ---- rows --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Row:
    kind: str
    id: uuid.UUID
    source_id: str  # as the source wrote it
    fields: dict
    where: str
    present: set  # field names the source has (a JSON key, a CSV column), even when empty

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id}"


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def same(one, other) -> bool:
    """Whether two values of a field say the same: 10:00 is 10:00:00, 100 is "100"."""
    if one == other or str(one) == str(other):
        return True
    for parse in (float, parse_time):
        try:
            return parse(str(one)) == parse(str(other))
        except ValueError:
            continue
    return False


@functools.lru_cache(maxsize=8192)  # an id is read again as a reference, and a taxonomy term id many times
def parse_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def is_uuid(text: str) -> bool:
    return parse_uuid(text) is not None


class Batch:
    """The rows of one import, merged by kind and id, and what the readers noticed on the way."""

    def __init__(self, source: str, *, legacy: bool = False) -> None:
        self.source = source
        self.legacy = legacy
        self.rows: dict[str, dict[uuid.UUID, Row]] = {kind: {} for kind in KINDS}
        self.problems: list[tuple[bool, Problem]] = []  # (is an error, problem)
        self.skipped: Counter = Counter()  # kind -> records left out while reading
        self.derived: list[Row] = []  # records whose source id is not a UUID
        # Services whose attributes the source lists in full: their categories become exactly those.
        self.complete_attributes: set[uuid.UUID] = set()

    def error(self, where: str, kind: str, record: str, field: str, reason: str) -> None:
        self.problems.append((True, Problem(where, kind, record, field, reason)))
        if kind in MODELS:
            self.skipped[kind] += 1

    def warn(self, where: str, kind: str, record: str, field: str, reason: str, detail: str = "") -> None:
        self.problems.append((False, Problem(where, kind, record, field, reason, detail)))

    def skip(self, where: str, kind: str, record: str, field: str, reason: str, detail: str = "") -> None:
        """Leave out a record the directory cannot represent: a warning, and a skipped record of ``kind``."""
        self.warn(where, kind, record, field, reason, detail)
        self.skipped[kind] += 1

    def record_id(self, kind: str, value) -> uuid.UUID:
        if isinstance(value, uuid.UUID):
            return value
        text = str(value).strip()
        parsed = parse_uuid(text)
        return parsed if parsed is not None else derived_id(self.source, kind, text)

    def add(self, kind: str, fields: dict, where: str, *, present=None) -> Row | None:
        """Add (or merge into) the row of ``kind`` with ``fields["id"]``; references become ids."""
        raw_id = fields.get("id")
        if isinstance(raw_id, float) and raw_id.is_integer():
            raw_id = int(raw_id)
        if is_empty(raw_id):
            self.error(where, kind, "(no id)", "id", "Every record needs an id.")
            return None
        present = set(fields) if present is None else set(present)
        values = {name: value for name, value in fields.items() if not is_empty(value)}
        values["id"] = record_id = self.record_id(kind, raw_id)
        for name, target in REFERENCES.items():
            if name in values:
                value = values[name]
                values[name] = self.record_id(target, int(value) if isinstance(value, float) else value)
        if "link_id" in values:
            # An attribute may point at a record of any kind; link_entity says which.
            entity = values.get("link_entity")
            values["link_id"] = self.record_id(entity if entity in KINDS else "record", values["link_id"])
        row = self.rows[kind].get(record_id)
        if row is None:
            row = self.rows[kind][record_id] = Row(kind, record_id, str(raw_id), values, where, present)
            if not self.legacy and not is_uuid(str(raw_id).strip()):
                self.derived.append(row)
            return row
        row.present |= present
        for name, value in values.items():
            old = row.fields.get(name)
            if old is None:
                row.fields[name] = value
            elif not same(old, value):
                # Nested JSON repeats records; a record that says two things keeps what came first.
                self.warn(
                    where,
                    kind,
                    row.source_id,
                    name,
                    "The record appears again with another value; kept the first.",
                    detail=f"{old!r} at {row.where}, then {value!r}",
                )
        return row

    def count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


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
        elif isinstance(value, list):
            child_kind = {"attributes": "attribute", "metadata": "metadata"}.get(key) or NESTED_LISTS.get(kind, {}).get(
                key
            )
            if child_kind is None:
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
    tables = {filename: kind for kind, filename in PACKAGE_FILES.items()}
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
    """
    folder = PurePosixPath(descriptor).parent if descriptor is not None else folder
    tables = dict(PACKAGE_FILES)
    try:
        if descriptor is not None:
            package = jsonlimits.loads(files.read_text(descriptor))
            tables = {resource["name"]: resource["path"] for resource in package["resources"]}
    except (ValueError, KeyError, TypeError):
        # The official example's datapackage.json is a symbolic link that lost its target.
        batch.warn(
            descriptor, "datapackage", "", "", "Not a data package descriptor; read the standard HSDS file names."
        )
    available = set(files.names())
    for kind, filename in tables.items():
        name = (folder / filename).as_posix()
        if name not in available:
            continue
        if kind not in KINDS:
            batch.warn(name, "table", "", "", "Not an HSDS 3.0 table; left out.")
            continue
        for where, row in files.csv_rows(name, batch):
            batch.add(kind, row, where)
    if (folder / tables.get("attribute", "attributes.csv")).as_posix() in available:
        batch.complete_attributes |= set(batch.rows["service"])


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
        standard = set(PACKAGE_FILES.values())
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
    for name in json_names:
        try:
            document = jsonlimits.loads(files.read_text(name))
        except UnreadableFile as error:
            batch.error(error.where, "file", "", "", error.reason)
            continue
        except ValueError as error:
            batch.error(name, "file", "", "", f"Not valid JSON: {str(error).rstrip('.')}.")
            continue
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


def read(path: Path, *, format: str = "auto", source: str | None = None, limits: ArchiveLimits | None = None) -> Batch:
    """Read the source at ``path`` into a batch of rows; a zip within ``limits`` (by default the settings')."""
    from providers.hsds import legacy  # legacy builds on this module

    files = Files(path, limits)
    # The dataset's name: a folder's whole name ("ilao-hsds-1.1"), a file's without its extension.
    source = source or (path.name if path.is_dir() else path.stem)
    if format in ("auto", "hsds-3.0"):
        batch = Batch(source)
        read_hsds3(files, batch)
    elif format == "hsds-1.1":
        batch = Batch(source, legacy=True)
        legacy.read_hsds11(files, batch)
    elif format == "ohana":
        batch = Batch(source, legacy=True)
        legacy.read_ohana(files, batch)
    else:
        raise ValueError(f"Unknown format {format!r}: use one of {', '.join(FORMATS)}.")
    return batch


# ---- values ------------------------------------------------------------------------------------------

TIME_PATTERN = re.compile(r"^(\d{1,2})(?::(\d{2}))?(?::(\d{2})(?:\.\d+)?)?\s*([ap])?\.?\s*m?\.?$", re.IGNORECASE)
THREE_LETTER_LANGUAGES = {
    "eng": "en",
    "spa": "es",
    "fra": "fr",
    "fre": "fr",
    "deu": "de",
    "ger": "de",
    "zho": "zh",
    "chi": "zh",
    "vie": "vi",
    "ara": "ar",
    "rus": "ru",
    "kor": "ko",
    "tgl": "tl",
    "fil": "tl",
    "por": "pt",
    "ita": "it",
    "hin": "hi",
    "urd": "ur",
    "amh": "am",
    "som": "so",
    "fas": "fa",
    "per": "fa",
    "pol": "pl",
    "hat": "ht",
    "jpn": "ja",
    "nep": "ne",
    "swa": "sw",
    "tir": "ti",
    "ukr": "uk",
    "ben": "bn",
    "pan": "pa",
    "guj": "gu",
}
# Language names Django's list lacks or writes otherwise.
LANGUAGE_NAMES = {
    "tagalog": "tl",
    "filipino": "tl",
    "chinese": "zh",
    "mandarin": "zh",
    "cantonese": "zh",
    "farsi": "fa",
    "amharic": "am",
    "somali": "so",
    "haitian creole": "ht",
    "tigrinya": "ti",
    "punjabi": "pa",
    "american sign language": "",
}


def parse_time(value) -> datetime.time:
    """09:30, 9:30, 09:30:00, 9am, 4:00 PM."""
    match = TIME_PATTERN.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a time like 09:30.")
    hour, minute, second = int(match[1]), int(match[2] or 0), int(match[3] or 0)
    if match[4]:
        if not 1 <= hour <= 12:
            raise ValueError(f"{value!r} is not a time like 09:30.")
        hour = hour % 12 + (12 if match[4].lower() == "p" else 0)
    return datetime.time(hour, minute, second)


def language_code(code: str, name: str) -> str | None:
    """The ISO 639-1 code of a language given by code (two or three letters) or by English name."""
    code = (code or "").strip().lower()
    if re.fullmatch(r"[a-z]{2}", code):
        return code
    if code in THREE_LETTER_LANGUAGES:
        return THREE_LETTER_LANGUAGES[code]
    name = (name or "").strip().lower()
    if name in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[name] or None
    # "Chinese (Mandarin)": the language before the variety.
    base = name.split("(")[0].strip()
    for key in (name, base):
        if key in LANGUAGE_NAMES:
            return LANGUAGE_NAMES[key] or None
        for candidate, info in LANG_INFO.items():
            if len(candidate) == 2 and info.get("name", "").lower() == key:
                return candidate
    return None


class Values:
    """Typed reading of a row's values; a bad value becomes a problem on its field, never an exception."""

    def __init__(self, fields: dict) -> None:
        self.fields = fields
        self.errors: dict[str, str] = {}
        self.read: set[str] = set()

    def raw(self, name: str):
        self.read.add(name)
        value = self.fields.get(name)
        return None if is_empty(value) else value

    def _parse(self, name: str, parse: Callable, message: str):
        value = self.raw(name)
        if value is None:
            return None
        try:
            return parse(value)
        except (ValueError, TypeError, ArithmeticError) as error:
            self.errors[name] = str(error) if isinstance(error, ValueError) and str(error).endswith(".") else message
            return None

    def text(self, name: str) -> str:
        value = self.raw(name)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value)

    def integer(self, name: str) -> int | None:
        def parse(value):
            number = Decimal(str(value).strip())
            if number != number.to_integral_value():
                raise ValueError
            return int(number)

        return self._parse(name, parse, "Expected a whole number.")

    def number(self, name: str) -> float | None:
        return self._parse(name, lambda value: float(str(value).strip()), "Expected a number.")

    def decimal(self, name: str) -> Decimal | None:
        return self._parse(name, lambda value: Decimal(str(value).strip()), "Expected a number.")

    def date(self, name: str) -> datetime.date | None:
        return self._parse(
            name, lambda value: datetime.date.fromisoformat(str(value).strip()[:10]), "Expected a date like 2025-01-31."
        )

    def date_time(self, name: str) -> datetime.datetime | None:
        def parse(value):
            moment = datetime.datetime.fromisoformat(str(value).strip())
            return moment if timezone.is_aware(moment) else timezone.make_aware(moment)

        return self._parse(name, parse, "Expected a date and time like 2025-01-31T09:30:00Z.")

    def time(self, name: str) -> datetime.time | None:
        return self._parse(name, parse_time, "Expected a time like 09:30.")

    def boolean(self, name: str) -> bool | None:
        def parse(value):
            text = str(value).strip().lower()
            if text in ("true", "1", "yes", "t"):
                return True
            if text in ("false", "0", "no", "f"):
                return False
            raise ValueError

        return self._parse(name, parse, "Expected true or false.")


# ---- writing -------------------------------------------------------------------------------------------

STRUCTURAL = {"id", "attributes", "metadata"}
KEEP = object()  # an extra the source does not give: the record keeps what it has


@dataclasses.dataclass(frozen=True)
class ServiceExtra:
    field: str
    parse: str  # the Values method that reads it
    default: object  # when a directory record leaves it out


SERVICE_EXTRAS = {
    "capacity-status": ServiceExtra("capacity_status", "text", Service.Capacity.ACCEPTING),
    "capacity-updated-at": ServiceExtra("capacity_updated_at", "date_time", KEEP),
    "referral-method": ServiceExtra("referral_method", "text", Service.ReferralMethod.CONTACT),
    "income-limit-percent-fpl": ServiceExtra("income_limit_percent_fpl", "integer", None),
    "gender": ServiceExtra("gender", "text", Service.Gender.ANY),
    "populations-required": ServiceExtra("populations_required", "boolean", False),
    "residency-required": ServiceExtra("residency_required", "boolean", False),
    "last-verified-at": ServiceExtra("last_verified_at", "date_time", None),
    "keywords": ServiceExtra("keywords", "text", ""),
}


def reference_taxonomy_codes() -> dict[uuid.UUID, str]:
    """Our own taxonomies, by their fixed ids: an import never rewrites them."""
    codes = {Taxonomy.CATEGORIES, Taxonomy.POPULATIONS, Taxonomy.INSURANCE}
    with contextlib.suppress(OSError, ValueError, KeyError):
        codes |= {entry["code"] for entry in read_json(REFERENCE_DATA_PATH)["taxonomies"]}
    return {taxonomy_uuid(code): code for code in codes}


# ---- validation without queries ------------------------------------------------------------------------

# Kinds saved record by record with ``full_clean``: few, and their codes and parent chains are checked
# against the database. Every other kind is validated in memory and written in bulk.
ROW_BY_ROW = {"taxonomy", "taxonomy_term"}
BATCH_SIZE = 2000  # records of one kind written per bulk statement group

COMPARISONS = {"exact": operator.eq, "gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


class CannotEvaluate(Exception):
    """A constraint's condition uses something ``evaluate`` does not know: the database checks it instead."""


def field_value(instance: models.Model, name: str):
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        raise CannotEvaluate(name) from None
    if not field.concrete:
        raise CannotEvaluate(name)
    return getattr(instance, field.attname)


def evaluate(condition, instance: models.Model) -> bool | None:
    """The truth of a check constraint's condition for ``instance``, with SQL's NULL: True, False or None.

    A CHECK passes unless its condition is false, so None (unknown: a comparison with NULL) passes, as in
    the database and in ``CheckConstraint.validate``. Knows AND, OR, NOT, isnull, the comparisons and F().
    """
    if isinstance(condition, Q):
        results = [evaluate(child, instance) for child in condition.children]
        if condition.connector == Q.AND:
            result = False if False in results else None if None in results else True
        elif condition.connector == Q.OR:
            result = True if True in results else None if None in results else False
        else:
            raise CannotEvaluate(condition.connector)
        return not result if condition.negated and result is not None else result
    if not isinstance(condition, tuple):
        raise CannotEvaluate(condition)
    lookup, expected = condition
    name, _, lookup_name = lookup.partition("__")
    value = field_value(instance, name)
    if lookup_name == "isnull":
        return (value is None) == bool(expected)
    if isinstance(expected, F):
        expected = field_value(instance, expected.name)
    elif hasattr(expected, "resolve_expression"):
        raise CannotEvaluate(expected)
    compare = COMPARISONS.get(lookup_name or "exact")
    if compare is None:
        raise CannotEvaluate(lookup)
    if expected is None and compare is operator.eq:
        return value is None  # Django reads "= None" as IS NULL
    if value is None or expected is None:
        return None
    try:
        return compare(value, expected)
    except TypeError:
        raise CannotEvaluate(lookup) from None


def condition_fields(condition) -> set[str]:
    """The field names a Q condition refers to."""
    if isinstance(condition, Q):
        return set().union(*(condition_fields(child) for child in condition.children))
    if isinstance(condition, tuple):
        lookup, expected = condition
        names = {lookup.split("__")[0]}
        return names | ({expected.name.split("__")[0]} if isinstance(expected, F) else set())
    return set()


@functools.cache
def check_rules(model: type[models.Model]) -> list[tuple[models.CheckConstraint, frozenset]]:
    """The model's check constraints, each with the names of the fields it refers to."""
    return [
        (constraint, frozenset(condition_fields(constraint.condition)))
        for constraint in model._meta.constraints
        if isinstance(constraint, models.CheckConstraint)
    ]


def clean_in_memory(instance: models.Model) -> None:
    """Validate ``instance`` as ``full_clean`` would, without its queries; raise ValidationError.

    ``full_clean`` costs queries per record: one for each foreign key's target, one for each unique field
    and constraint, and a savepoint and a query for each check constraint. Here field values, ``clean()``
    and check constraints are validated in Python (a condition ``evaluate`` does not know is still asked of
    the database); a foreign key gets the field checks (null, blank, validators) but not the lookup of its
    target; uniqueness is left out. The caller checks references and uniqueness in sets (``Loader``).
    """
    meta = instance._meta
    relations = [field for field in meta.concrete_fields if field.is_relation]
    errors: dict = {}
    try:
        instance.clean_fields(exclude={field.name for field in relations})
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    for field in relations:
        value = getattr(instance, field.attname)
        if field.blank and value in field.empty_values:
            continue
        try:
            value = field.to_python(value)
            models.Field.validate(field, value, instance)  # a ForeignKey's own validate() queries its target
            field.run_validators(value)
            setattr(instance, field.attname, value)
        except ValidationError as error:
            errors[field.name] = error.error_list
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    for constraint, fields in check_rules(type(instance)):
        if fields & errors.keys():
            continue  # as full_clean: a constraint on a field that has an error is not checked
        try:
            holds = evaluate(constraint.condition, instance) is not False
        except CannotEvaluate:
            try:
                constraint.validate(type(instance), instance, exclude=set(errors))
                holds = True
            except ValidationError:
                holds = False
        if not holds:
            message = ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)
            errors = message.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


@functools.cache
def unique_rules(model: type[models.Model]) -> list[tuple[tuple[str, ...], tuple[str, ...], object]]:
    """The unique field sets of ``model`` besides its primary key: (names, attnames, the constraint or None).

    Only plain ones (fields, no condition, no expressions); the database enforces any other.
    """
    sets = [((field.name,), None) for field in model._meta.concrete_fields if field.unique and not field.primary_key]
    sets += [
        (tuple(constraint.fields), constraint)
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
        and constraint.fields
        and constraint.condition is None
        and not constraint.expressions
    ]
    return [
        (fields, tuple(model._meta.get_field(name).attname for name in fields), constraint)
        for fields, constraint in sets
    ]


def unique_problem(instance: models.Model, fields: tuple[str, ...], constraint) -> dict[str, str]:
    """What ``full_clean`` says of a record that repeats the unique ``fields`` of another."""
    if constraint is not None and constraint.violation_error_message != constraint.default_violation_error_message:
        return {"": constraint.get_violation_error_message()}
    error = instance.unique_error_message(type(instance), fields)
    return {fields[0] if len(fields) == 1 else "": " ".join(error.messages)}


@dataclasses.dataclass
class Pending:
    """A validated record waiting for its bulk write."""

    row: Row
    instance: models.Model
    outcome: str  # created / updated
    fields: tuple[str, ...] = ()  # the fields an update changes


def parents_first(rows: list[Row], parent_field: str) -> list[Row]:
    """Order rows so that a parent in the same batch comes before its children (cycles keep file order)."""
    by_id = {row.id: row for row in rows}
    ordered, placed, visiting = [], set(), set()

    def place(row: Row) -> None:
        if row.id in placed or row.id in visiting:
            return
        visiting.add(row.id)
        parent = by_id.get(row.fields.get(parent_field))
        if parent is not None:
            place(parent)
        visiting.discard(row.id)
        placed.add(row.id)
        ordered.append(row)

    for row in rows:
        place(row)
    return ordered


class Loader:
    """Write a batch's rows to the database: validated upserts, problems reported, nothing raised."""

    def __init__(
        self,
        batch: Batch,
        report: ImportReport,
        *,
        locate: Callable[[str], object] | None = None,
        progress: Callable[[int, int], None] | None = None,
        changes: ChangeCollector,
    ) -> None:
        self.batch = batch
        self.report = report
        self.locate = locate
        self.progress = progress
        # Where bulk writes are noted, as they send no post_save: the collector of import_hsds's collect_changes().
        self.changes = changes
        self.pending: dict[type, list[Pending]] = defaultdict(list)
        self.references_looked_up = False
        self.unique_keys: dict[tuple, dict] = {}  # (model, fields) -> key -> id of the record that holds it
        self.unique_loaded: dict[tuple, set] = {}  # (model, fields) -> values of the first field looked up
        self.links_of_location: dict[uuid.UUID, list[Row]] | None = None
        self.term_plan: dict[uuid.UUID, bool] = {}  # service -> whether its terms are listed in full
        self.done = 0
        self.total = batch.count()
        self.saved: dict[str, set] = defaultdict(set)  # ids written or found unchanged in this import
        self.failed: dict[str, set] = defaultdict(set)
        self.known: dict[type, dict] = {}
        self.in_database: dict[tuple, bool] = {}
        self.not_kept: Counter = Counter()  # (kind, field) -> how many records had a value we cannot keep
        self.not_kept_where: dict[tuple, str] = {}
        self.ours = reference_taxonomy_codes()
        self.extras: dict[uuid.UUID, dict[str, str]] = defaultdict(dict)  # record id -> extra code -> value
        self.service_terms: dict[uuid.UUID, dict[str, set]] = defaultdict(lambda: defaultdict(set))
        self.term_rows: dict[uuid.UUID, list[Row]] = defaultdict(list)  # service id -> its term attributes
        self.generic_attributes: list[Row] = []
        self.area_notes: dict[uuid.UUID, list[str]] = defaultdict(list)  # service id -> unkept service areas
        self.addresses_of: dict[uuid.UUID, list[Row]] = defaultdict(list)
        for row in batch.rows["address"].values():
            if "location_id" in row.fields:
                self.addresses_of[row.fields["location_id"]].append(row)

    # -- bookkeeping

    def step(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)

    def error(self, row: Row, field: str, reason: str) -> None:
        self.report.errors.append(Problem(row.where, row.kind, row.source_id, field, reason))

    def warn(self, row: Row, field: str, reason: str, detail: str = "") -> None:
        self.report.warnings.append(Problem(row.where, row.kind, row.source_id, field, reason, detail))

    def reject(self, row: Row, problems: dict[str, str] | None = None) -> None:
        for field, reason in (problems or {}).items():
            self.error(row, field, reason)
        self.failed[row.kind].add(row.id)
        self.report.tally(row.kind).skipped += 1

    def skip(self, row: Row, field: str, reason: str, detail: str = "") -> None:
        """Leave out a record the directory cannot represent: a warning, not an error."""
        self.warn(row, field, reason, detail)
        self.failed[row.kind].add(row.id)
        self.report.tally(row.kind).skipped += 1

    def note_unread(self, row: Row, values: Values, also_read: set = frozenset()) -> None:
        """Count the values the mapping did not read: the directory has no field for them."""
        if values.errors:
            return  # the record is not kept at all; its errors say why
        for name, value in row.fields.items():
            if name not in values.read and name not in STRUCTURAL and name not in also_read and not is_empty(value):
                self.not_kept[row.kind, name] += 1
                self.not_kept_where.setdefault((row.kind, name), row.where)

    def existing(self, kind: str, record_id: uuid.UUID):
        """The record with this id in the directory, or None (the first call of a kind reads them all)."""
        model = MODELS[kind]
        if model not in self.known:
            ids = set(self.batch.rows[kind])
            if kind == "schedule":
                # Opening hours on several days: a record per day after the first, with ids derived from the row's.
                for row in self.batch.rows[kind].values():
                    days = [day.strip().upper() for day in str(row.fields.get("byday", "")).split(",")]
                    ids |= {self.day_id(row, day) for day in days[1:] if day in WEEKDAYS}
            self.known[model] = {}
            for chunk in chunked(ids):
                self.known[model].update((record.pk, record) for record in model.objects.filter(pk__in=chunk))
        return self.known[model].get(record_id)

    def exists(self, kind: str, record_id: uuid.UUID) -> bool:
        """Whether a record this import may point at is there: written now, or already in the directory."""
        if record_id in self.saved[kind]:
            return True
        if record_id in self.failed[kind] or record_id in self.batch.rows[kind]:
            return False
        key = (kind, record_id)
        if key not in self.in_database:
            if not self.references_looked_up:
                self.look_up_references()
            if key not in self.in_database:
                self.in_database[key] = MODELS[kind].objects.filter(pk=record_id).exists()
        return self.in_database[key]

    def look_up_references(self) -> None:
        """Find out at once which of the records the batch points at, but does not hold, the directory has.

        A query per kind (and per thousand ids) instead of one per reference.
        """
        self.references_looked_up = True
        outside: dict[str, set] = defaultdict(set)  # kind -> ids pointed at that the batch does not hold
        for rows in self.batch.rows.values():
            for row in rows.values():
                for name, value in row.fields.items():
                    kind = REFERENCES.get(name) or (row.fields.get("link_entity") if name == "link_id" else None)
                    if kind in MODELS and isinstance(value, uuid.UUID) and value not in self.batch.rows[kind]:
                        outside[kind].add(value)
        for kind, ids in outside.items():
            found = set()
            for chunk in chunked(ids):
                found.update(MODELS[kind].objects.filter(pk__in=chunk).values_list("pk", flat=True))
            self.in_database.update(((kind, record_id), record_id in found) for record_id in ids)

    def missing_reason(self, kind: str, record_id: uuid.UUID) -> str:
        if record_id in self.failed[kind] or record_id in self.batch.rows[kind]:
            return f"Its {kind.replace('_', ' ')} {record_id} was not imported (see the problems with it)."
        return f"No {kind.replace('_', ' ')} {record_id} in this import or in the directory."

    def reference(self, row: Row, values: Values, field: str, kind: str, *, required: bool) -> uuid.UUID | None:
        """The id in ``field`` if its record is there; otherwise a problem on ``field`` and None."""
        value = values.raw(field)
        if value is None:
            if required:
                values.errors[field] = "Required."
            return None
        if not self.exists(kind, value):
            values.errors[field] = self.missing_reason(kind, value)
            return None
        return value

    def owners(self, row: Row, values: Values, fields: dict[str, str]) -> dict | None:
        """The owners (``field`` -> kind) a child record points at and that are there; None if none is."""
        found, lost = {}, []
        for field, kind in fields.items():
            value = values.raw(field)
            if value is None:
                continue
            if self.exists(kind, value):
                found[field] = value
            else:
                lost.append((field, self.missing_reason(kind, value)))
        if found:
            for field, reason in lost:
                self.warn(row, field, "Not attached here: " + reason[0].lower() + reason[1:])
            return {**dict.fromkeys(fields), **found}
        if lost:
            values.errors.update(lost)
        elif values.raw("contact_id") is not None:
            return None  # the caller reports it: contacts are not kept
        else:
            values.errors[""] = f"It belongs to none of: {', '.join(field[:-3] for field in fields)}."
        return None

    def save(
        self, row: Row, values: Values, fields: dict, *, record_id: uuid.UUID | None = None
    ) -> models.Model | None:
        """Upsert a record from ``fields`` once validated; count it; report what is wrong with it.

        A record of a kind in ROW_BY_ROW is saved now; any other waits for its kind's bulk write (``flush``).
        """
        record_id = record_id or row.id
        model = MODELS[row.kind]
        self.outcome = "skipped"
        if values.errors:
            self.reject(row, values.errors)
            return None
        instance = self.existing(row.kind, record_id)
        changed: dict = {}
        if instance is None:
            # The primary key by its own name: "pk=" would make Django draw a uuid4 first.
            instance, outcome = model(**{model._meta.pk.attname: record_id}, **fields), "created"
        else:
            changed = {name: value for name, value in fields.items() if getattr(instance, name) != value}
            if not changed:
                self.saved[row.kind].add(record_id)
                self.report.tally(row.kind).unchanged += 1
                self.outcome = "unchanged"
                return instance
            for name, value in changed.items():
                setattr(instance, name, value)
            outcome = "updated"
        try:
            if row.kind in ROW_BY_ROW:
                instance.full_clean()
            else:
                clean_in_memory(instance)
                self.claim_unique(instance)
        except ValidationError as error:
            problems = (
                {
                    ("" if field == NON_FIELD_ERRORS else field): " ".join(messages)
                    for field, messages in error.message_dict.items()
                }
                if hasattr(error, "error_dict")
                else {"": " ".join(error.messages)}
            )
            self.reject(row, problems)
            self.known[model].pop(record_id, None)
            return None
        if row.kind in ROW_BY_ROW:
            try:
                with transaction.atomic():
                    instance.save()
            except DatabaseError as error:
                self.reject(row, {"": f"The database refused it: {error}"})
                return None
        else:
            self.pending[model].append(Pending(row, instance, outcome, tuple(changed)))
            if len(self.pending[model]) >= BATCH_SIZE:
                self.flush(model)
        self.known[model][record_id] = instance
        self.saved[row.kind].add(record_id)
        self.outcome = outcome
        setattr(self.report.tally(row.kind), outcome, getattr(self.report.tally(row.kind), outcome) + 1)
        return instance

    def claim_unique(self, instance: models.Model) -> None:
        """Raise ValidationError if another record, in this import or the directory, has the same unique values.

        Otherwise the values are this record's from now on. What ``full_clean`` asks the database record by
        record, in sets: the directory's values are read once per kind (``load_unique``).
        """
        model = type(instance)
        claims = []
        for fields, attnames, constraint in unique_rules(model):
            key = tuple(getattr(instance, name) for name in attnames)
            if None in key:
                continue  # NULLs are distinct
            if key[0] not in self.unique_loaded.get((model, fields), ()):
                self.load_unique(model, fields, attnames, key[0])
            holders = self.unique_keys[model, fields]
            if holders.get(key, instance.pk) != instance.pk:
                raise ValidationError(unique_problem(instance, fields, constraint))
            claims.append((holders, key))
        for holders, key in claims:
            holders[key] = instance.pk

    def load_unique(self, model: type[models.Model], fields: tuple, attnames: tuple, first) -> None:
        """Read the directory's unique values of ``fields`` for every record of the batch (a query per thousand).

        The records are found by the value of the first field: ``first``, and those of the batch's rows.
        """
        kind = next(kind for kind, kind_model in MODELS.items() if kind_model is model)
        loaded = self.unique_loaded.setdefault((model, fields), set())
        wanted = {first} | {
            row.fields[attnames[0]]
            for row in self.batch.rows[kind].values()
            if not is_empty(row.fields.get(attnames[0]))
        }
        wanted -= loaded
        holders = self.unique_keys.setdefault((model, fields), {})
        for chunk in chunked(wanted):
            for *key, pk in model.objects.filter(**{f"{attnames[0]}__in": chunk}).values_list(*attnames, "pk"):
                holders.setdefault(tuple(key), pk)
        loaded |= wanted

    def flush(self, model: type[models.Model] | None = None) -> None:
        """Write the records waiting for ``model`` (every model if None) in bulk; note them for the upkeep.

        When the database refuses a batch, its records are written again one by one, each in a savepoint,
        and only the ones it refuses are reported and left out.
        """
        for pending_model in [model] if model is not None else list(self.pending):
            items = self.pending.pop(pending_model, [])
            if not items:
                continue
            now = timezone.now()
            updates: dict[tuple, list] = defaultdict(list)
            for item in items:
                if item.outcome == "updated":
                    item.instance.modified_at = now  # bulk_update skips auto_now
                    updates[(*sorted(item.fields), "modified_at")].append(item.instance)
            try:
                with transaction.atomic():
                    pending_model.objects.bulk_create([item.instance for item in items if item.outcome == "created"])
                    for fields, instances in updates.items():
                        pending_model.objects.bulk_update(instances, fields)
            except DatabaseError:
                items = self.write_one_by_one(items)
            self.changes.records_written(pending_model, [item.instance for item in items])

    def write_one_by_one(self, items: list[Pending]) -> list[Pending]:
        """Save each record in a savepoint; report and undo those the database refuses. Return the written ones."""
        written = []
        for item in items:
            try:
                with transaction.atomic():
                    item.instance.save(force_insert=item.outcome == "created")
            except DatabaseError as error:
                kind, record_id = item.row.kind, item.instance.pk
                tally = self.report.tally(kind)
                setattr(tally, item.outcome, getattr(tally, item.outcome) - 1)
                self.saved[kind].discard(record_id)
                self.known[type(item.instance)].pop(record_id, None)
                self.reject(item.row, {"": f"The database refused it: {error}"})
            else:
                written.append(item)
        return written

    def required(self, row: Row, values: Values) -> None:
        """The schema's required fields: a JSON key or CSV column must be there (it may be empty)."""
        for name in REQUIRED.get(row.kind, ()):
            if name not in row.present:
                values.errors.setdefault(name, "Required by HSDS 3.0.")

    # -- the steps

    def run(self) -> None:
        steps = [
            self.load_taxonomies,
            self.load_terms,
            self.sort_attributes,
            self.load_organizations,
            self.plan_service_areas,
            self.load_locations,
            lambda: self.load_simple("address", self.address_fields),
            lambda: self.load_simple("accessibility", self.accessibility_fields),
            self.load_services,
            lambda: self.load_simple("service_at_location", self.service_at_location_fields),
            lambda: self.load_owned("phone", self.phone_fields),
            lambda: self.load_owned("language", self.language_fields),
            self.load_schedules,
            self.load_service_areas,
            lambda: self.load_simple("cost_option", self.cost_option_fields),
            lambda: self.load_simple("required_document", self.required_document_fields),
            self.load_attributes,
        ]
        for step in steps:
            step()
            # A kind is written whole before the next is read: the next one's references are then settled.
            self.flush()
        self.report_not_kept()

    def load_taxonomies(self) -> None:
        for row in self.batch.rows["taxonomy"].values():
            self.step()
            if row.id == EXTRAS_TAXONOMY_ID:
                continue  # the feed's own vocabulary for our extras: read as fields, not stored
            values = Values(row.fields)
            self.required(row, values)
            existing = self.existing("taxonomy", row.id)
            ours = self.ours.get(row.id)
            if ours and existing is not None:
                # Our reference data owns our taxonomies (and their terms): an import never rewrites them.
                self.saved["taxonomy"].add(row.id)
                self.report.tally("taxonomy").unchanged += 1
                continue
            name = values.text("name")
            code = ours or (existing.code if existing else self.new_taxonomy_code(name, row.id))
            fields = {
                "code": code,
                "name": name,
                "description": values.text("description"),
                "uri": values.text("uri"),
                "version": values.text("version"),
            }
            self.note_unread(row, values)
            self.save(row, values, fields)

    def new_taxonomy_code(self, name: str, record_id: uuid.UUID) -> str:
        code = slugify(name)[:50] or "taxonomy"
        if Taxonomy.objects.filter(code=code).exclude(pk=record_id).exists():
            code = f"{code[:41]}-{record_id.hex[:8]}"
        return code

    def load_terms(self) -> None:
        rows = parents_first(list(self.batch.rows["taxonomy_term"].values()), "parent_id")
        our_taxonomies = set(self.ours)
        for row in rows:
            self.step()
            values = Values(row.fields)
            if row.id in EXTRA_TERMS or values.raw("taxonomy_id") == EXTRAS_TAXONOMY_ID:
                continue
            self.required(row, values)
            existing = self.existing("taxonomy_term", row.id)
            if existing is not None and existing.taxonomy_id in our_taxonomies:
                self.saved["taxonomy_term"].add(row.id)
                self.report.tally("taxonomy_term").unchanged += 1
                continue
            taxonomy_id = self.term_taxonomy(row, values)
            parent_id = values.raw("parent_id")
            if parent_id is not None and not self.exists("taxonomy_term", parent_id):
                self.warn(
                    row,
                    "parent_id",
                    "Its parent term is not in this import or the directory; kept at the top.",
                    detail=str(parent_id),
                )
                parent_id = None
            name = values.text("name")
            raw_code = values.text("code")
            fields = {
                "taxonomy_id": taxonomy_id,
                "parent_id": parent_id,
                "code": existing.code
                if existing and not raw_code
                else self.term_code(raw_code or name, taxonomy_id, row.id),
                "name": name,
                "description": values.text("description"),
                "term_uri": values.text("term_uri"),
            }
            values.raw("language")
            values.raw("taxonomy")
            self.note_unread(row, values)
            self.save(row, values, fields)

    def term_taxonomy(self, row: Row, values: Values) -> uuid.UUID | None:
        """The term's taxonomy: by id, or by the name HSDS allows in ``taxonomy`` (created if need be)."""
        if values.raw("taxonomy_id") is not None:
            return self.reference(row, values, "taxonomy_id", "taxonomy", required=True)
        name = values.text("taxonomy")
        if not name:
            values.errors["taxonomy_id"] = "A term needs its taxonomy."
            return None
        taxonomy = Taxonomy.objects.filter(name=name).first()
        if taxonomy is None:
            record_id = derived_id(self.batch.source, "taxonomy", name)
            taxonomy, created = Taxonomy.objects.get_or_create(
                pk=record_id,
                defaults={
                    "code": self.new_taxonomy_code(name, record_id),
                    "name": name,
                    "description": f"Terms imported from {self.batch.source}.",
                },
            )
            if created:
                self.report.tally("taxonomy").created += 1
        self.saved["taxonomy"].add(taxonomy.pk)
        return taxonomy.pk

    def term_code(self, text: str, taxonomy_id: uuid.UUID | None, record_id: uuid.UUID) -> str:
        code = text if re.fullmatch(r"[-a-zA-Z0-9_]{1,80}", text) else (slugify(text)[:80] or "term")
        clash = TaxonomyTerm.objects.filter(taxonomy_id=taxonomy_id, code=code).exclude(pk=record_id).exists()
        return f"{code[:71]}-{record_id.hex[:8]}" if clash else code

    def sort_attributes(self) -> None:
        """Split attributes: directory extras (become fields), our terms on services (relations), the rest."""
        rows = list(self.batch.rows["attribute"].values())
        term_ids = {row.fields.get("taxonomy_term_id") for row in rows} - {None}
        taxonomy_codes = dict(
            TaxonomyTerm.objects.filter(pk__in=term_ids - set(EXTRA_TERMS)).values_list("pk", "taxonomy__code")
        )
        for row in rows:
            term_id = row.fields.get("taxonomy_term_id")
            link_id = row.fields.get("link_id")
            if term_id in EXTRA_TERMS:
                if link_id is not None:
                    self.extras[link_id][EXTRA_TERMS[term_id]] = (
                        "" if is_empty(row.fields.get("value")) else str(row.fields["value"])
                    )
                self.step()
                continue
            relation = TERM_RELATIONS.get(taxonomy_codes.get(term_id))
            is_service = row.fields.get("link_entity") == "service" or link_id in self.batch.rows["service"]
            if relation and is_service and link_id is not None:
                self.service_terms[link_id][relation].add(term_id)
                self.term_rows[link_id].append(row)
                self.step()
                continue
            self.generic_attributes.append(row)

    def load_organizations(self) -> None:
        for row in parents_first(list(self.batch.rows["organization"].values()), "parent_organization_id"):
            self.step()
            values = Values(row.fields)
            self.required(row, values)
            parent_id = values.raw("parent_organization_id")
            if parent_id is not None and not self.exists("organization", parent_id):
                self.warn(
                    row,
                    "parent_organization_id",
                    "Its parent organization is not in this import or the directory; imported without a parent.",
                    detail=str(parent_id),
                )
                parent_id = None
            fields = {
                "name": values.text("name"),
                "alternate_name": values.text("alternate_name"),
                "description": values.text("description"),
                "email": values.text("email"),
                "website": values.text("website"),
                "tax_status": values.text("tax_status"),
                "tax_id": values.text("tax_id"),
                "year_incorporated": values.integer("year_incorporated"),
                "legal_status": values.text("legal_status"),
                "logo": values.text("logo"),
                "uri": values.text("uri"),
                "parent_organization_id": parent_id,
            }
            extras = self.extras.get(row.id, {})
            if "demo-record" in extras:
                fields["is_demo"] = Values(extras).boolean("demo-record") or False
            self.note_unread(row, values)
            self.save(row, values, fields)

    def plan_service_areas(self) -> None:
        """Read every service area now: those we cannot represent go into their service's description."""
        self.areas: dict[uuid.UUID, dict] = {}
        for row in self.batch.rows["service_area"].values():
            values = Values(row.fields)
            extent = self.extras.get(row.id, {}).get("service-area-extent")
            extent_type = values.text("extent_type").strip().lower()
            fields = {"name": values.text("name"), "description": values.text("description")}
            text = values.text("extent")
            values.raw("uri")
            structured = None
            if extent:
                try:
                    structured = jsonlimits.loads(extent)
                except ValueError:
                    values.errors["attributes"] = "The service-area-extent value is not JSON."
            elif extent_type in ("geojson", "geometry", "polygon"):
                structured = self.geojson(text)
            if isinstance(structured, dict) and structured.get("type") in ("Polygon", "MultiPolygon"):
                fields |= {"extent_type": ServiceArea.ExtentType.POLYGON, "polygon": structured}
            elif isinstance(structured, dict) and "postal_codes" in structured:
                fields |= {
                    "extent_type": ServiceArea.ExtentType.POSTAL_CODES,
                    "postal_codes": structured["postal_codes"],
                }
            elif isinstance(structured, dict) and "counties" in structured:
                fields |= {"extent_type": ServiceArea.ExtentType.COUNTIES, "counties": structured["counties"]}
            elif isinstance(structured, dict) and "radius_miles" in structured:
                center = structured.get("center") or [None, None]
                fields |= {
                    "extent_type": ServiceArea.ExtentType.RADIUS,
                    "center_latitude": center[0],
                    "center_longitude": center[1],
                    "radius_miles": structured["radius_miles"],
                }
            elif not values.errors:
                words = [part for part in (fields["name"], fields["description"], text) if part]
                note = "Service area: " + " – ".join(dict.fromkeys(words)) if words else ""
                if note and row.fields.get("service_id") is not None:
                    self.area_notes[row.fields["service_id"]].append(note)
                fields = None
            self.areas[row.id] = {"fields": fields, "values": values}

    def geojson(self, text: str) -> dict | None:
        try:
            geometry = jsonlimits.loads(text)
        except ValueError:
            return None
        if isinstance(geometry, dict) and geometry.get("type") == "Feature":
            geometry = geometry.get("geometry")
        if isinstance(geometry, dict) and geometry.get("type") == "FeatureCollection":
            features = geometry.get("features") or []
            geometry = features[0].get("geometry") if len(features) == 1 and isinstance(features[0], dict) else None
        try:
            validate_geojson_polygon(geometry)
        except ValidationError:
            return None
        return geometry

    def load_locations(self) -> None:
        for row in self.batch.rows["location"].values():
            self.step()
            values = Values(row.fields)
            self.required(row, values)
            if values.raw("organization_id") is None:
                self.infer_organization(row)
            organization_id = self.reference(row, values, "organization_id", "organization", required=True)
            if "organization_id" in values.errors and values.errors["organization_id"] == "Required.":
                values.errors["organization_id"] = (
                    "A location belongs to an organization: none is given, and no service here names one."
                )
            fields = {
                "organization_id": organization_id,
                "location_type": values.text("location_type") or Location.Type.PHYSICAL,
                "url": values.text("url"),
                "name": values.text("name"),
                "alternate_name": values.text("alternate_name"),
                "description": values.text("description"),
                "transportation": values.text("transportation"),
                "latitude": values.number("latitude"),
                "longitude": values.number("longitude"),
                "external_identifier": values.text("external_identifier"),
                "external_identifier_type": values.text("external_identifier_type"),
            }
            if fields["latitude"] is None and fields["longitude"] is None and not values.errors:
                self.place(row, fields)
            self.note_unread(row, values)
            self.save(row, values, fields)

    def infer_organization(self, row: Row) -> None:
        """A location nested in a service has no organization_id: it is the service's organization's."""
        if self.links_of_location is None:
            self.links_of_location = defaultdict(list)
            for link in self.batch.rows["service_at_location"].values():
                self.links_of_location[link.fields.get("location_id")].append(link)
        for link in self.links_of_location.get(row.id, []):
            service = self.batch.rows["service"].get(link.fields.get("service_id"))
            organization_id = service.fields.get("organization_id") if service else None
            if organization_id is None and link.fields.get("service_id") is not None:
                organization_id = (
                    Service.objects.filter(pk=link.fields["service_id"])
                    .values_list("organization_id", flat=True)
                    .first()
                )
            if organization_id is not None:
                row.fields["organization_id"] = organization_id
                return

    def place(self, row: Row, fields: dict) -> None:
        """Give a location without coordinates those of its ZIP code's center (and say so)."""
        existing = self.existing("location", row.id)
        if existing is not None and existing.has_coordinates:
            fields["latitude"], fields["longitude"] = existing.latitude, existing.longitude
            return  # a re-import of a source without coordinates keeps the ones the directory has
        if fields["location_type"] == Location.Type.VIRTUAL:
            return
        zip_codes = [
            str(address.fields.get("postal_code", "")).strip()[:5]
            for address in sorted(
                self.addresses_of.get(row.id, []), key=lambda item: item.fields.get("address_type") != "physical"
            )
        ]
        if existing is not None:
            zip_codes += [code[:5] for code in existing.addresses.values_list("postal_code", flat=True)]
        zip_code = next((code for code in zip_codes if re.fullmatch(r"\d{5}", code)), None)
        place = self.locate(zip_code) if zip_code and self.locate else None
        if place is None:
            self.warn(
                row,
                "latitude",
                "No coordinates, and no known ZIP code to place it by: it will not show on "
                "maps or in distance searches.",
            )
            return
        fields["latitude"], fields["longitude"] = place.latitude, place.longitude
        self.report.geocoded += 1
        self.warn(row, "latitude", "No coordinates: placed at the center of its ZIP code.", detail=zip_code)

    def load_simple(self, kind: str, build: Callable[[Row, Values], dict]) -> None:
        for row in self.batch.rows[kind].values():
            self.step()
            values = Values(row.fields)
            self.required(row, values)
            fields = build(row, values)
            self.note_unread(row, values)
            self.save(row, values, fields)

    def address_fields(self, row: Row, values: Values) -> dict:
        postal_code = values.text("postal_code").strip()
        if match := ZIP_PLUS_FOUR.match(postal_code):
            self.warn(row, "postal_code", "ZIP+4 shortened to the 5-digit ZIP the directory keeps.", detail=postal_code)
            postal_code = match[1]
        return {
            "location_id": self.reference(row, values, "location_id", "location", required=True),
            "attention": values.text("attention"),
            "address_1": values.text("address_1"),
            "address_2": values.text("address_2"),
            "city": values.text("city"),
            "region": values.text("region"),
            "state_province": values.text("state_province"),
            "postal_code": postal_code,
            "country": values.text("country").upper() or "US",
            "address_type": values.text("address_type") or Location.Type.PHYSICAL,
        }

    def accessibility_fields(self, row: Row, values: Values) -> dict:
        return {
            "location_id": self.reference(row, values, "location_id", "location", required=True),
            "description": values.text("description"),
            "details": values.text("details"),
            "url": values.text("url"),
        }

    def service_at_location_fields(self, row: Row, values: Values) -> dict:
        return {
            "service_id": self.reference(row, values, "service_id", "service", required=True),
            "location_id": self.reference(row, values, "location_id", "location", required=True),
            "description": values.text("description"),
        }

    def cost_option_fields(self, row: Row, values: Values) -> dict:
        return {
            "service_id": self.reference(row, values, "service_id", "service", required=True),
            "valid_from": values.date("valid_from"),
            "valid_to": values.date("valid_to"),
            "option": values.text("option"),
            "currency": values.text("currency").upper() or "USD",
            "amount": values.decimal("amount"),
            "amount_description": values.text("amount_description"),
        }

    def required_document_fields(self, row: Row, values: Values) -> dict:
        return {
            "service_id": self.reference(row, values, "service_id", "service", required=True),
            "document": values.text("document"),
            "uri": values.text("uri"),
        }

    def load_services(self) -> None:
        outcomes = {}  # service id -> created / updated / unchanged
        for row in self.batch.rows["service"].values():
            self.step()
            values = Values(row.fields)
            self.required(row, values)
            fields = {
                "organization_id": self.reference(row, values, "organization_id", "organization", required=True),
                "name": values.text("name"),
                "alternate_name": values.text("alternate_name"),
                "description": values.text("description"),
                "url": values.text("url"),
                "email": values.text("email"),
                "status": values.text("status"),
                "interpretation_services": values.text("interpretation_services"),
                "application_process": values.text("application_process"),
                # ``fees`` is the deprecated name of fees_description.
                "fees_description": values.text("fees_description") or values.text("fees"),
                "wait_time": values.text("wait_time"),
                "accreditations": values.text("accreditations"),
                "licenses": values.text("licenses"),
                "alert": values.text("alert"),
                "eligibility_description": values.text("eligibility_description"),
                "minimum_age": values.integer("minimum_age"),
                "maximum_age": values.integer("maximum_age"),
            }
            # The directory's own time of change is modified_at; the source's last_modified is not ours.
            values.raw("last_modified")
            notes = [note for note in self.area_notes.get(row.id, []) if note not in fields["eligibility_description"]]
            if notes:
                fields["eligibility_description"] = "\n\n".join(
                    filter(None, [fields["eligibility_description"], *notes])
                )
            self.service_extras(row, values, fields)
            self.note_unread(row, values)
            if self.save(row, values, fields) is not None:
                self.term_plan[row.id] = row.id in self.batch.complete_attributes
                outcomes[row.id] = self.outcome
        self.flush(Service)
        # Terms for services that are not in this import: added to those the directory has.
        elsewhere = [service_id for service_id in self.term_rows if service_id not in self.batch.rows["service"]]
        found = set()
        for chunk in chunked(elsewhere):
            found.update(Service.objects.filter(pk__in=chunk).values_list("pk", flat=True))
        for service_id in elsewhere:
            if service_id in found:
                self.term_plan[service_id] = False
        for service_id, rows in self.term_rows.items():
            if service_id not in self.term_plan:
                for row in rows:
                    self.reject(row, {"link_id": self.missing_reason("service", service_id)})
        changed = self.set_terms(self.term_plan, created={key for key, value in outcomes.items() if value == "created"})
        for service_id in changed:
            if outcomes.get(service_id) == "unchanged":
                tally = self.report.tally("service")
                tally.unchanged -= 1
                tally.updated += 1

    def service_extras(self, row: Row, values: Values, fields: dict) -> None:
        extras = self.extras.get(row.id, {})
        # A record from a directory like ours always says its capacity: then a missing extra means
        # "none"; from anywhere else it means "not said", and the directory keeps what it has.
        ours = "capacity-status" in extras
        extra_values = Values(extras)
        for code, extra in SERVICE_EXTRAS.items():
            if code in extras:
                fields[extra.field] = getattr(extra_values, extra.parse)(code)
                if code in extra_values.errors:
                    values.errors[extra.field] = extra_values.errors.pop(code)
            elif ours and extra.default is not KEEP:
                fields[extra.field] = extra.default
        assured = values.date("assured_date")
        if "last_verified_at" not in fields and assured is not None:
            fields["last_verified_at"] = timezone.make_aware(datetime.datetime.combine(assured, datetime.time()))
        values.raw("assurer_email")  # who checked is a person of the source's team, not one of our users

    def set_terms(self, plan: dict[uuid.UUID, bool], *, created: set) -> set:
        """Make services' categories (populations, insurance) those their attributes name; return the changed ones.

        ``plan``: service id -> whether the source lists the service's attributes in full. In full, the
        relations become exactly those terms; otherwise the terms are added to what the service has.
        ``created``: services made by this import, which have no terms yet. A query per relation (and per
        thousand services) to read what the others have, and bulk writes.
        """
        changed = set()
        for relation in TERM_RELATIONS.values():
            field = Service._meta.get_field(relation)
            through = field.remote_field.through
            source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
            current: dict[uuid.UUID, dict] = defaultdict(dict)  # service -> term -> id of the link row
            for chunk in chunked([service_id for service_id in plan if service_id not in created]):
                links = through.objects.filter(**{f"{source}__in": chunk}).values_list("pk", source, target)
                for pk, service_id, term_id in links:
                    current[service_id][term_id] = pk
            added, removed = [], []
            for service_id, complete in plan.items():
                terms = self.service_terms.get(service_id, {}).get(relation, set())
                wanted = {term for term in terms if self.exists("taxonomy_term", term)}
                have = current.get(service_id, {})
                new = wanted - set(have)
                gone = [pk for term, pk in have.items() if term not in wanted] if complete else []
                added += [through(**{source: service_id, target: term}) for term in sorted(new)]
                removed += gone
                if new or gone:
                    changed.add(service_id)
            through.objects.bulk_create(added)
            for chunk in chunked(removed):
                through.objects.filter(pk__in=chunk).delete()
        self.changes.add(changed)  # bulk writes send no m2m_changed
        return changed

    def load_owned(self, kind: str, build: Callable[[Row, Values], dict | None]) -> None:
        for row in self.batch.rows[kind].values():
            self.step()
            values = Values(row.fields)
            self.required(row, values)
            fields = build(row, values)
            if fields is None and not values.errors:
                self.skip(row, "contact_id", "It belongs only to a contact, and the directory keeps no contacts.")
                continue
            self.note_unread(row, values, {"contact_id"})
            self.save(row, values, fields or {})

    def phone_fields(self, row: Row, values: Values) -> dict | None:
        owners = self.owners(
            row,
            values,
            {
                "organization_id": "organization",
                "service_id": "service",
                "location_id": "location",
                "service_at_location_id": "service_at_location",
            },
        )
        if owners is None:
            return None
        return {
            **owners,
            "number": values.text("number"),
            "extension": values.text("extension"),
            "type": values.text("type").lower() or Phone.Type.VOICE,
            "description": values.text("description"),
        }

    def language_fields(self, row: Row, values: Values) -> dict | None:
        owners = self.owners(row, values, {"service_id": "service", "location_id": "location", "phone_id": "phone"})
        if owners is None:
            return None
        name, code = values.text("name"), values.text("code")
        known = language_code(code, name)
        if known and known != code:
            self.warn(
                row,
                "code",
                "Not an ISO 639-1 code: used the two-letter code of the language.",
                detail=f"{code or name} → {known}",
            )
        if not name and known:
            name = LANG_INFO.get(known, {}).get("name", known)
        return {**owners, "name": name, "code": known or code, "note": values.text("note")}

    def day_id(self, row: Row, day: str) -> uuid.UUID:
        return uuid.uuid5(IMPORT_NAMESPACE, f"{row.id}/{day}")

    def load_schedules(self) -> None:
        for row in self.batch.rows["schedule"].values():
            self.step()
            values = Values(row.fields)
            owners = self.owners(
                row,
                values,
                {"service_id": "service", "location_id": "location", "service_at_location_id": "service_at_location"},
            )
            extras = self.extras.get(row.id, {})
            kind = extras.get("schedule-kind") or (
                Schedule.Kind.CLOSURE
                if values.raw("opens_at") is None and values.raw("valid_from") is not None
                else Schedule.Kind.HOURS
            )
            fields = {
                **(owners or {}),
                "kind": kind,
                "valid_from": values.date("valid_from"),
                "valid_to": values.date("valid_to"),
                "timezone": self.schedule_timezone(row, values, extras),
                "description": values.text("description"),
                "notes": values.text("notes"),
            }
            if kind != Schedule.Kind.HOURS:
                self.note_unread(row, values, {"freq", "wkst"})
                self.save(row, values, {**fields, "weekday": "", "opens_at": None, "closes_at": None})
                continue
            opens_at, closes_at = values.time("opens_at"), values.time("closes_at")
            days = [day.strip().upper() for day in values.text("byday").split(",") if day.strip()]
            frequency = values.text("freq").upper() or "WEEKLY"
            interval = values.integer("interval")
            unread = {
                "wkst",
                "dtstart",
                "until",
                "count",
                "byweekno",
                "bymonthday",
                "byyearday",
                "schedule_link",
                "attending_type",
            }
            self.note_unread(row, values, unread)
            if values.errors:
                self.reject(row, values.errors)
                continue
            if frequency != "WEEKLY" or (interval or 1) != 1 or not set(days) <= set(WEEKDAYS) or not days:
                self.skip(
                    row,
                    "byday",
                    "Only weekly opening hours on named weekdays can be kept; left out.",
                    detail=f"freq={frequency} interval={interval or 1} byday={','.join(days) or '-'}",
                )
                continue
            if opens_at is None or closes_at is None:
                self.skip(row, "opens_at", "Opening hours without both times cannot be kept; left out.")
                continue
            ignored = [
                name
                for name in ("byweekno", "bymonthday", "byyearday", "count", "until", "dtstart")
                if values.raw(name) is not None
            ]
            if ignored:
                self.warn(
                    row,
                    ignored[0],
                    "Kept as weekly hours; these recurrence rules cannot be kept.",
                    detail=", ".join(ignored),
                )
            if opens_at is not None and closes_at is not None and closes_at < opens_at:
                self.warn(
                    row,
                    "closes_at",
                    "Closes before it opens: read as open past midnight.",
                    detail=f"{opens_at:%H:%M}–{closes_at:%H:%M}",
                )
            for number, day in enumerate(days):
                # One row per weekday: the first keeps the HSDS id, the others get ids derived from it.
                record_id = row.id if number == 0 else self.day_id(row, day)
                day_fields = {**fields, "weekday": day, "opens_at": opens_at, "closes_at": closes_at}
                self.save(row, Values({}), day_fields, record_id=record_id)

    def schedule_timezone(self, row: Row, values: Values, extras: dict) -> str:
        if extras.get("time-zone"):
            return extras["time-zone"]
        offset = values.number("timezone")
        if offset is None:
            return settings.TIME_ZONE
        if offset.is_integer() and -12 <= offset <= 14:
            # HSDS gives a fixed UTC offset; the IANA "Etc/GMT" zones are the same with the sign reversed.
            return "Etc/GMT" + ("" if offset == 0 else f"{-int(offset):+d}")
        self.warn(row, "timezone", f"No time zone has this UTC offset; used {settings.TIME_ZONE}.", detail=str(offset))
        return settings.TIME_ZONE

    def load_service_areas(self) -> None:
        for row in self.batch.rows["service_area"].values():
            self.step()
            plan = self.areas[row.id]
            values: Values = plan["values"]
            service_id = self.reference(row, values, "service_id", "service", required=True)
            if plan["fields"] is None and not values.errors:
                self.skip(
                    row,
                    "extent",
                    "The directory cannot map this area; its words were added to the service's "
                    "eligibility description.",
                    detail=values.text("extent_type") or "no extent_type",
                )
                continue
            self.note_unread(row, values)
            self.save(row, values, {**(plan["fields"] or {}), "service_id": service_id})

    def load_attributes(self) -> None:
        for row in self.generic_attributes:
            self.step()
            values = Values(row.fields)
            term_id = self.reference(row, values, "taxonomy_term_id", "taxonomy_term", required=True)
            link_id = values.raw("link_id")
            entity = values.text("link_entity")
            if link_id is None:
                values.errors["link_id"] = "Required: the record the term is attached to."
            elif entity in MODELS and not self.exists(entity, link_id):
                values.errors["link_id"] = self.missing_reason(entity, link_id)
            fields = {
                "taxonomy_term_id": term_id,
                "link_id": link_id,
                "link_entity": entity,
                "link_type": values.text("link_type"),
                "value": values.text("value"),
            }
            self.note_unread(row, values)
            self.save(row, values, fields)

    def report_not_kept(self) -> None:
        for kind, label in NOT_KEPT.items():
            rows = list(self.batch.rows[kind].values())
            self.done += len(rows)
            if rows:
                self.report.warnings.append(
                    Problem(
                        rows[0].where,
                        kind,
                        "",
                        "",
                        f"Not kept: the directory has no {label}.",
                        detail=f"{len(rows)} records",
                    )
                )
        for (kind, field), count in sorted(self.not_kept.items()):
            self.report.warnings.append(
                Problem(
                    self.not_kept_where[kind, field],
                    kind,
                    "",
                    field,
                    "Not kept: the directory has no such field.",
                    detail=f"{count} records",
                )
            )
        if self.progress:
            self.progress(self.total, self.total)


# ---- the import --------------------------------------------------------------------------------------


def import_hsds(
    path: Path | str,
    *,
    format: str = "auto",
    partial: bool = False,
    source: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    archive_limits: ArchiveLimits | None = None,
) -> ImportReport:
    """Import the HSDS data at ``path``; return what was done and every problem found.

    By default nothing is written when any record is invalid (``report.rolled_back``); with ``partial``
    the valid records are written and the others reported. The upkeep of listings is not done record by
    record: inside the import's transaction every affected service is marked modified at once and one
    ``services_changed`` names them all; the search index gets them in one write after the commit.
    """
    batch = read(Path(path), format=format, source=source, limits=archive_limits)
    report = ImportReport()
    for is_error, problem in batch.problems:
        (report.errors if is_error else report.warnings).append(problem)
    for kind, count in batch.skipped.items():
        report.tally(kind).skipped += count
    if batch.derived:
        first = batch.derived[0]
        report.warnings.append(
            Problem(
                first.where,
                first.kind,
                first.source_id,
                "id",
                f"Not a UUID: the record's id is derived from the source name {batch.source!r} and this id.",
                detail=f"{len(batch.derived)} records",
            )
        )
    locate = import_string(settings.HSDS_LOCATE_POSTCODE)
    upkeep = settings.SEARCH_INDEX_UPKEEP
    # The index upkeep would queue the services again for after the commit; one write of the lot is cheaper.
    settings.SEARCH_INDEX_UPKEEP = False
    try:
        with transaction.atomic(), collect_changes() as changes:
            Loader(batch, report, locate=locate, progress=progress, changes=changes).run()
            if report.errors and not partial:
                changes.discard()
                transaction.set_rollback(True)
                report.rolled_back = True
            else:
                report.service_ids = changes.resolve()
                if upkeep:  # kept with the import: a process killed after the commit leaves them for the next run
                    import_string(settings.HSDS_REINDEX_QUEUE)(report.service_ids)
    finally:
        settings.SEARCH_INDEX_UPKEEP = upkeep
    if upkeep:
        report.reindexed = import_string(settings.HSDS_REINDEX)(report.service_ids)
    return report
