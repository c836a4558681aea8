"""The records an import reads, before they are written: their kinds, ids and the batch that holds them.

Every reader (``readers/``) turns its files into the rows of a ``Batch``, shaped like the tables of the HSDS 3.0
CSV data package whatever the source looked like; the loader writes them.
"""

import dataclasses
import functools
import uuid
from collections import Counter

from providers.hsds.importer.report import Problem
from providers.hsds.importer.values import is_empty, parse_time
from providers.models import (
    Accessibility,
    AdditionalUrl,
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
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)

# Never change it: every derived id of every earlier import depends on it.
IMPORT_NAMESPACE = uuid.UUID("0f4b7c1e-61d5-4a51-8c9e-2b0d7e3f9a64")

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
    "url": AdditionalUrl,  # HSDS 3.1: an organization's additional_websites, a service's additional_urls
    "unit": Unit,  # HSDS 3.1
    "service_capacity": ServiceCapacity,  # HSDS 3.1
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
    "unit_id": "unit",
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
    # HSDS 3.1 (schema/url.json, unit.json, service_capacity.json)
    "url": ("url",),
    "unit": ("name",),
    "service_capacity": ("available", "updated"),
}
WEEKDAYS = [day.value for day in Schedule.Weekday]
GIVEN = (*REFERENCES, "link_id")  # the fields a row keeps as the source gives them (``Row.given``)


def derived_id(source: str, kind: str, key: str) -> uuid.UUID:
    """The id of a record whose source id is not a UUID (or missing): the same for the same source and key."""
    return uuid.uuid5(IMPORT_NAMESPACE, f"{source}/{kind}/{key}")


def day_id(record_id: uuid.UUID, day: str) -> uuid.UUID:
    """The id of the record of opening hours on ``day`` that a schedule row for several days becomes."""
    return uuid.uuid5(IMPORT_NAMESPACE, f"{record_id}/{day}")


# ---- rows --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Row:
    kind: str
    id: uuid.UUID
    source_id: str  # as the source wrote it
    fields: dict
    where: str
    present: set  # field names the source has (a JSON key, a CSV column), even when empty
    # The references as the source gives them: the loader may fill in one it can tell (a location's organization).
    given: dict = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id}"


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
        self.left_out: list[Problem] = []  # why each of those was left out
        self.derived: list[Row] = []  # records whose source id is not a UUID
        # Every id derived from a source's id, as text -> that id: problems name records as the source does.
        self.source_ids: dict[str, str] = {}
        # Services whose attributes the source lists in full: their categories become exactly those.
        self.complete_attributes: set[uuid.UUID] = set()

    def error(self, where: str, kind: str, record: str, field: str, reason: str) -> None:
        problem = Problem(where, kind, record, field, reason)
        self.problems.append((True, problem))
        if kind in MODELS:
            self.skipped[kind] += 1
            self.left_out.append(problem)

    def warn(self, where: str, kind: str, record: str, field: str, reason: str, detail: str = "") -> Problem:
        problem = Problem(where, kind, record, field, reason, detail)
        self.problems.append((False, problem))
        return problem

    def skip(self, where: str, kind: str, record: str, field: str, reason: str, detail: str = "") -> None:
        """Leave out a record the directory cannot represent: a warning, and a skipped record of ``kind``."""
        self.left_out.append(self.warn(where, kind, record, field, reason, detail))
        self.skipped[kind] += 1

    def record_id(self, kind: str, value) -> uuid.UUID:
        if isinstance(value, uuid.UUID):
            return value
        text = str(value).strip()
        parsed = parse_uuid(text)
        if parsed is not None:
            return parsed
        record_id = derived_id(self.source, kind, text)
        self.source_ids[str(record_id)] = text
        return record_id

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
            given = {name: values[name] for name in GIVEN if name in values}
            row = self.rows[kind][record_id] = Row(kind, record_id, str(raw_id), values, where, present, given)
            if not self.legacy and not is_uuid(str(raw_id).strip()):
                self.derived.append(row)
            return row
        row.present |= present
        for name, value in values.items():
            old = row.fields.get(name)
            if old is None:
                row.fields[name] = value
                if name in GIVEN:
                    row.given[name] = value
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
