"""The directory's listings as data, row by row and field by field: what two databases are compared by.

``listing_rows()`` reads every record that an HSDS export writes and an import reads (the import's
``MODELS``, and any other listing record, a ``Record`` of providers, that a later change adds), keyed by
model and primary key, each as ``{field: value}`` with its many-to-many relations as sorted lists of ids.
``assert_same_rows()`` fails with the first differing fields, one a line.

Left out are only the fields that are this database's own bookkeeping, each in ``NOT_COMPARED`` with the
reason: comparing them would compare two databases' clocks and people, not the directory they hold.
"""

import uuid

from django.apps import apps
from django.db import models

from providers.hsds.importer.records import MODELS
from providers.models import Record, Service

NOT_COMPARED = {
    # When this database first wrote the record and last changed it: an import is a write in the new
    # database, and its feed must offer the records to consumers as changed then (modified_after). HSDS
    # has no such field on most records; the export gives both only in the metadata of organizations
    # and services, which an import does not read (the directory keeps its own history).
    (Record, "created_at"),
    (Record, "modified_at"),
    # A person, a user of the network that confirmed the listing: the export names nobody (the feed is
    # public), and a new database has none of the old one's users. When it was confirmed is compared.
    (Service, "last_verified_by"),
}


def listing_models() -> list[type[models.Model]]:
    """What an export writes and an import reads, by name: the import's kinds and every other listing record."""
    records = {model for model in apps.get_app_config("providers").get_models() if issubclass(model, Record)}
    return sorted(set(MODELS.values()) | records, key=lambda model: model.__name__)


def compared(model: type[models.Model], field: models.Field) -> bool:
    return not any(issubclass(model, owner) and field.name == name for owner, name in NOT_COMPARED)


def listing_rows() -> dict[str, dict[uuid.UUID, dict]]:
    """Every listing record as ``{model name: {pk: {field: value}}}``: a query a model and one a relation."""
    rows = {}
    for model in listing_models():
        fields = [field for field in model._meta.concrete_fields if compared(model, field)]
        table = {
            values[model._meta.pk.attname]: values
            for values in model._base_manager.values(*(field.attname for field in fields))
        }
        for relation in model._meta.many_to_many:
            through = relation.remote_field.through
            source, target = f"{relation.m2m_field_name()}_id", f"{relation.m2m_reverse_field_name()}_id"
            for values in table.values():
                values[relation.name] = []
            for owner, related in through.objects.order_by(target).values_list(source, target):
                table[owner][relation.name].append(related)
        rows[model.__name__] = table
    return rows


def differences(before: dict, after: dict) -> list[str]:
    """Each field that differs, as "Model pk field: before → after"; a row only one side has is one line."""
    lines = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name, {}), after.get(name, {})
        for pk in sorted(old.keys() | new.keys(), key=str):
            if pk not in new:
                lines.append(f"{name} {pk}: missing after ({_short(old[pk])})")
            elif pk not in old:
                lines.append(f"{name} {pk}: new after ({_short(new[pk])})")
            else:
                for field in sorted(old[pk].keys() | new[pk].keys()):
                    if old[pk].get(field) != new[pk].get(field):
                        lines.append(f"{name} {pk} {field}: {old[pk].get(field)!r} → {new[pk].get(field)!r}")
    return lines


def assert_same_rows(before: dict, after: dict, shown: int = 20) -> None:
    """Fail, naming the first ``shown`` differing fields, unless both hold the same rows with the same values."""
    lines = differences(before, after)
    assert not lines, f"{len(lines)} differences, the first {min(shown, len(lines))}:\n" + "\n".join(lines[:shown])


def _short(values: dict) -> str:
    named = [f"{field}={values[field]!r}" for field in ("name", "number", "code") if values.get(field)]
    return ", ".join(named) or "a row"
