"""Validated upserts of a batch's rows, written in bulk; the problems they meet reported, nothing raised."""

import dataclasses
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from providers.hsds.importer.normalise import normalise_email
from providers.hsds.importer.records import GIVEN, MODELS, REFERENCES, REQUIRED, WEEKDAYS, Batch, Row, day_id
from providers.hsds.importer.report import OUTCOMES, ImportReport, Problem
from providers.hsds.importer.validation import (
    CannotEvaluate,
    check_rules,
    clean_in_memory,
    evaluate,
    unique_problem,
    unique_rules,
)
from providers.hsds.importer.values import Values, is_empty
from providers.signals import ChangeCollector, chunked
from providers.uris import normalise_url

STRUCTURAL = {"id", "attributes", "metadata"}  # in every record, and not values of its own

# Kinds saved record by record with ``full_clean``: few, and their codes and parent chains are checked
# against the database. Every other kind is validated in memory and written in bulk.
ROW_BY_ROW = {"taxonomy", "taxonomy_term"}
BATCH_SIZE = 2000  # records of one kind written per bulk statement group


@dataclasses.dataclass
class Pending:
    """A validated record waiting for its bulk write."""

    row: Row
    instance: models.Model
    outcome: str  # created / updated
    fields: tuple[str, ...] = ()  # the fields an update changes


class Writer:
    """Write a batch's rows to the database: validated upserts, problems reported, nothing raised."""

    def __init__(
        self,
        batch: Batch,
        report: ImportReport,
        *,
        progress: Callable[[int, int], None] | None = None,
        changes: ChangeCollector,
    ) -> None:
        self.batch = batch
        self.report = report
        self.progress = progress
        # Where bulk writes are noted, as they send no post_save: the collector of import_hsds's collect_changes().
        self.changes = changes
        self.pending: dict[type, list[Pending]] = defaultdict(list)
        self.references_looked_up = False
        self.unique_keys: dict[tuple, dict] = {}  # (model, fields) -> key -> id of the record that holds it
        self.unique_loaded: dict[tuple, set] = {}  # (model, fields) -> values of the first field looked up
        self.done = 0
        self.total = batch.count()
        self.saved: dict[str, set] = defaultdict(set)  # ids written or found unchanged in this import
        self.failed: dict[str, set] = defaultdict(set)
        self.counted: dict[tuple, str] = {}  # (kind, id of a source record) -> what became of it (``count``)
        self.known: dict[type, dict] = {}
        self.in_database: dict[tuple, bool] = {}
        self.not_kept: Counter = Counter()  # (kind, field) -> how many records had a value we cannot keep
        self.not_kept_where: dict[tuple, str] = {}

    # -- bookkeeping

    def step(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)

    def error(self, row: Row, field: str, reason: str) -> Problem:
        problem = Problem(row.where, row.kind, row.source_id, field, reason, value=value_of(row, field))
        self.report.errors.append(problem)
        return problem

    def warn(self, row: Row, field: str, reason: str, detail: str = "") -> Problem:
        problem = Problem(row.where, row.kind, row.source_id, field, reason, detail, value_of(row, field))
        self.report.warnings.append(problem)
        return problem

    def reject(self, row: Row, problems: dict[str, str] | None = None) -> None:
        reported = [self.error(row, field, reason) for field, reason in (problems or {}).items()]
        self.failed[row.kind].add(row.id)
        self.count(row, "skipped", reported[0] if reported else None)

    def skip(self, row: Row, field: str, reason: str, detail: str = "") -> None:
        """Leave out a record the directory cannot represent: a warning, not an error."""
        problem = self.warn(row, field, reason, detail)
        self.failed[row.kind].add(row.id)
        self.count(row, "skipped", problem)

    def count(self, row: Row, outcome: str, because: Problem | None = None) -> None:
        """Count the source record ``row`` once, as what became of it (created, updated, unchanged, skipped).

        A record written as several (opening hours on several days) counts as the strongest outcome of
        its parts; skipped wins over all, with the problem ``because`` of which it was skipped.
        """
        key = (row.kind, row.id)
        before = self.counted.get(key)
        if before is not None and OUTCOMES.index(before) >= OUTCOMES.index(outcome):
            return
        tally = self.report.tally(row.kind)
        if before is not None:
            setattr(tally, before, getattr(tally, before) - 1)
        setattr(tally, outcome, getattr(tally, outcome) + 1)
        self.counted[key] = outcome
        if outcome == "skipped":
            self.report.skips[row.kind].append(
                because or Problem(row.where, row.kind, row.source_id, "", "Left out (no problem reported).")
            )

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
                    ids |= {day_id(row.id, day) for day in days[1:] if day in WEEKDAYS}
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
        # The id is the problem's value (in the source's words): a reason without it reads the same for every
        # record, so that alike problems are counted together.
        if record_id in self.failed[kind] or record_id in self.batch.rows[kind]:
            return f"Its {kind.replace('_', ' ')} was not imported (see the problems with it)."
        return f"No {kind.replace('_', ' ')} with this id in this import or in the directory."

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

        URLs and e-mail addresses are normalised first (``normalise``). A value that is still invalid in an
        optional field is left out with a warning and the record kept (``drop_invalid``); only a problem no
        field can be left out for (a required value, a missing reference) costs the record, as an error.
        A record of a kind in ROW_BY_ROW is saved now; any other waits for its kind's bulk write (``flush``).
        """
        record_id = record_id or row.id
        model = MODELS[row.kind]
        self.outcome = "skipped"
        self.report_values(row, values)
        if values.errors:
            self.reject(row, values.errors)
            return None
        fields = self.normalise(row, model, fields)
        instance = self.existing(row.kind, record_id)
        before: dict = {}  # an updated record's values before this import: what a left-out value keeps
        changed: dict = {}
        left_out: set[str] = set()
        if instance is None:
            # The primary key by its own name: "pk=" would make Django draw a uuid4 first.
            instance, outcome = model(**{model._meta.pk.attname: record_id}, **fields), "created"
        else:
            changed = {name: value for name, value in fields.items() if getattr(instance, name) != value}
            if not changed:
                return self.unchanged(row, instance, record_id)
            before = {name: getattr(instance, name) for name in changed}
            for name, value in changed.items():
                setattr(instance, name, value)
            outcome = "updated"
        while True:
            try:
                if row.kind in ROW_BY_ROW:
                    instance.full_clean()
                else:
                    clean_in_memory(instance)
                    self.claim_unique(instance)
                break
            except ValidationError as error:
                if self.drop_invalid(row, instance, error, before, left_out):
                    continue  # validate again without the values left out
                problems = (
                    {
                        ("" if field == NON_FIELD_ERRORS else field): " ".join(messages)
                        for field, messages in error.message_dict.items()
                    }
                    if hasattr(error, "error_dict")
                    else {"": " ".join(error.messages)}
                )
                self.reject(row, problems)
                if before:
                    for name, value in before.items():
                        setattr(instance, name, value)  # the directory's copy stays as it is
                else:
                    self.known[model].pop(record_id, None)
                return None
        if outcome == "updated":
            changed = {name: value for name, value in before.items() if getattr(instance, name) != value}
            if not changed:
                return self.unchanged(row, instance, record_id)  # only values that were left out differed
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
        self.count(row, outcome)
        return instance

    def unchanged(self, row: Row, instance: models.Model, record_id: uuid.UUID) -> models.Model:
        self.saved[row.kind].add(record_id)
        self.count(row, "unchanged")
        self.outcome = "unchanged"
        return instance

    def report_values(self, row: Row, values: Values) -> None:
        """Report what reading the row's values changed or left out (once: the notes are then cleared)."""
        for field, reason, detail in values.changes:
            self.warn(row, field, reason, detail)
        for field, (reason, value) in values.dropped.items():
            self.warn(row, field, reason, shorten(value))
        values.changes.clear()
        values.dropped.clear()

    def normalise(self, row: Row, model: type[models.Model], fields: dict) -> dict:
        """Write URLs and e-mail addresses as the feed needs them (``normalise.py``), each change a warning.

        A value that cannot be normalised is left as it is: validation then leaves it out (``drop_invalid``).
        """
        fields = dict(fields)
        for name, value in fields.items():
            if not value or not isinstance(value, str):
                continue
            field = model._meta.get_field(name)
            if isinstance(field, models.URLField):
                normalise, what = normalise_url, "Web address"
            elif isinstance(field, models.EmailField):
                normalise, what = normalise_email, "E-mail address"
            else:
                continue
            try:
                fields[name], changes = normalise(value)
            except ValueError:
                continue
            if changes:
                self.warn(row, name, f"{what} normalised: {', '.join(changes)}.", f"{value} → {fields[name]}")
        return fields

    def drop_invalid(
        self, row: Row, instance: models.Model, error: ValidationError, before: dict, left_out: set[str]
    ) -> bool:
        """Leave out the invalid values of optional fields, each with a warning; False if that cannot help.

        An optional field (``blank``) left out gets its empty value, or, on a record the directory has,
        keeps the value it had. A broken check constraint leaves out its fields when they are all optional
        (latitude without longitude: both). Any other problem, or one that stays once its field is empty,
        is the record's: False, and nothing is left out. ``left_out``: the fields left out so far.
        """
        if not hasattr(error, "error_dict"):
            return False
        meta = instance._meta
        drops: dict[str, tuple[str, str]] = {}  # field name -> (reason, detail)
        for name, errors in error.error_dict.items():
            if name == NON_FIELD_ERRORS:
                broken = broken_constraints(instance)
                if not broken:
                    return False
                for constraint, names in broken:
                    # Leaving out what is empty already cannot mend it (a phone that belongs to nothing).
                    given = [name for name in names if getattr(instance, meta.get_field(name).attname) is not None]
                    if not given:
                        return False
                    for constraint_field in given:
                        drops.setdefault(constraint_field, (CONTRADICTION, constraint.violation_error_message))
                continue
            try:
                field = meta.get_field(name)
            except FieldDoesNotExist:
                return False  # a problem of the record as a whole (a unique value another record has)
            drops[name] = (drop_reason(field, errors[0].code), " ".join(errors[0].messages))
        for name in drops:
            field = meta.get_field(name)
            if not field.blank or field.primary_key or name in left_out:
                return False
        for name, (reason, message) in drops.items():
            field = meta.get_field(name)
            value = getattr(instance, field.attname)
            if field.attname in before:
                setattr(instance, field.attname, before[field.attname])
            else:
                empty = field.get_default() if field.has_default() else None if field.null else ""
                setattr(instance, field.attname, empty)
            self.warn(row, name, reason, f"{message} {shorten(value)}")
            left_out.add(name)
        return True

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
                self.saved[kind].discard(record_id)  # counted skipped from now on (``reject``)
                self.known[type(item.instance)].pop(record_id, None)
                self.reject(item.row, {"": f"The database refused it: {error}"})
            else:
                written.append(item)
        return written

    def required(self, row: Row, values: Values) -> None:
        """The schema's required fields: a JSON key or CSV column must be there (it may be empty).

        Missing where the directory can do without (an optional field): a warning. Missing where it cannot
        (a name): an error.
        """
        meta = MODELS[row.kind]._meta
        for name in REQUIRED.get(row.kind, ()):
            if name not in row.present:
                try:
                    optional = meta.get_field(name).blank
                except FieldDoesNotExist:
                    optional = False
                if optional:
                    self.warn(row, name, "Required by HSDS 3.0 but missing: kept without it.")
                else:
                    values.errors.setdefault(name, "Required by HSDS 3.0.")


CONTRADICTION = "Contradicts another value of the record: both left out, the record kept."
DROP_REASONS = {  # a ValidationError's code -> the warning for a value left out
    "invalid_uri": "Not a web address: left out, the record kept.",
    "max_length": "Longer than the directory keeps: left out, the record kept.",
    "min_value": "Out of range: left out, the record kept.",
    "max_value": "Out of range: left out, the record kept.",
    "invalid_choice": "Not one of the values this field takes: left out, the record kept.",
}


def drop_reason(field: models.Field, code: str | None) -> str:
    """The warning for an invalid value of ``field`` that is left out: the same words for the same problem."""
    if isinstance(field, models.URLField) and code in ("invalid", "invalid_uri"):
        return DROP_REASONS["invalid_uri"]
    if isinstance(field, models.EmailField) and code == "invalid":
        return "Not an e-mail address: left out, the record kept."
    return DROP_REASONS.get(code, "Not a value this field can keep: left out, the record kept.")


def broken_constraints(instance: models.Model) -> list[tuple[models.CheckConstraint, frozenset]]:
    """The check constraints ``instance`` breaks that ``evaluate`` can tell, with their fields."""
    broken = []
    for constraint, names in check_rules(type(instance)):
        try:
            if evaluate(constraint.condition, instance) is False:
                broken.append((constraint, names))
        except CannotEvaluate:
            continue
    return broken


def shorten(value, limit: int = 120) -> str:
    """A value as a problem's detail shows it: whole when short, else its start and its length."""
    text = str(value)
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}… ({len(text)} characters)"


def value_of(row: Row, field: str) -> str:
    """The value of ``field`` as the source gives it, for a problem: "" when it has none (or it is not one value)."""
    value = (row.given if field in GIVEN else row.fields).get(field) if field else None
    return "" if value is None or isinstance(value, dict | list) else str(value)
