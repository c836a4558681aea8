"""Reads of the agency portal worth a name."""

import dataclasses
import datetime
import itertools
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Prefetch, Q, QuerySet

from providers.access import organizations_edited_by
from providers.models import ChangeRecord, Correction, Organization, PendingEdit, Service
from providers.portal.forms import CONFLICT_PREFIX, field_label
from providers.portal.merging import FieldEdit, Merge
from providers.portal.sections import Change, Page, display_value


@dataclasses.dataclass
class ChangeRow:
    """A change as a page shows it: what, which field, from what to what, in the reader's words."""

    resource_type: str
    resource_type_label: str
    resource_label: str
    action: str
    action_label: str
    field_name: str
    field_label: str
    previous: str
    replacement: str


@dataclasses.dataclass
class HistoryEntry:
    """The changes one person saved at once."""

    changed_at: datetime.datetime
    changed_by: AbstractBaseUser | None
    pending_edit: PendingEdit | None
    rows: list[ChangeRow]


def describe(changes: Iterable[Change | ChangeRecord | dict]) -> list[ChangeRow]:
    rows = []
    for change in changes:
        if isinstance(change, dict):
            change = Change(**change)
        resource_type, field_name = change.resource_type, change.field_name
        rows.append(
            ChangeRow(
                resource_type=resource_type,
                resource_type_label=str(ChangeRecord.ResourceType(resource_type).label),
                resource_label=change.resource_label,
                action=change.action,
                action_label=str(ChangeRecord.Action(change.action).label),
                field_name=field_name,
                field_label=field_label(field_name) if field_name else "",
                previous=display_value(resource_type, field_name, change.previous_value),
                replacement=display_value(resource_type, field_name, change.replacement_value),
            )
        )
    return rows


@dataclasses.dataclass
class RivalValue:
    """Another edit waiting for review that changes the same field, and the value it gives."""

    edit: PendingEdit
    value: str


@dataclasses.dataclass
class ConflictRow:
    """A field in conflict, side by side: as the edit started, as the listing reads now, as the edit sends,
    as other edits waiting for review send; and the reviewer's choice so far."""

    input_name: str
    resource_type_label: str
    resource_label: str
    field_label: str
    started: str
    listing: str
    edit: str
    rivals: list[RivalValue]
    chosen: str


def conflict_rows(
    listing: Page, merged: Merge, rivals: dict[str, list[tuple[PendingEdit, FieldEdit]]]
) -> list[ConflictRow]:
    """Describe an edit's conflicts for the reviewer (``listing``: its page on the listing as it is)."""
    records = {entry["id"]: entry for entry in listing.snapshot().values()}
    rows = []
    for conflict in merged.conflicts:
        change = conflict.edit
        record = records.get(change.row or str(listing.target.pk), {"type": "", "label": ""})

        def shown(values: list[str], record=record, change=change) -> str:
            # A yes/no rule nobody stated is posted as "unknown": it reads "Not stated", like the history.
            text = ", ".join(value for value in values if value != "unknown")
            return display_value(record["type"], change.field, text) if record["type"] else text

        rows.append(
            ConflictRow(
                input_name=f"{CONFLICT_PREFIX}{conflict.key}",
                resource_type_label=str(ChangeRecord.ResourceType(record["type"]).label) if record["type"] else "",
                resource_label=record["label"],
                field_label=field_label(change.field),
                started=shown(change.start),
                listing=shown(conflict.listing),
                edit=shown(change.value),
                rivals=[RivalValue(other, shown(rival.value)) for other, rival in rivals.get(conflict.key, [])],
                chosen=conflict.chosen,
            )
        )
    return rows


def history_entries(records: Iterable[ChangeRecord]) -> list[HistoryEntry]:
    """Group change records (newest first) into what each person saved at once."""
    entries = []
    for (changed_at, _user_id), group in itertools.groupby(
        records, key=lambda record: (record.changed_at, record.changed_by_id)
    ):
        group = list(group)
        entries.append(HistoryEntry(changed_at, group[0].changed_by, group[0].pending_edit, describe(group)))
    return entries


def listing_history(service: Service) -> QuerySet[ChangeRecord]:
    return ChangeRecord.objects.of_listing(service).select_related("changed_by", "pending_edit__reviewed_by")


def organization_history(organization: Organization) -> QuerySet[ChangeRecord]:
    return ChangeRecord.objects.filter(organization=organization).select_related(
        "changed_by", "service", "pending_edit__reviewed_by"
    )


def changes_since(page: Page, since: datetime.datetime | None) -> list[HistoryEntry]:
    """What others saved on the page's listing since the editor opened it: who and when."""
    if since is None:
        return []
    records = ChangeRecord.objects.filter(changed_at__gt=since).select_related("changed_by", "pending_edit")
    if isinstance(page.target, Service):
        records = records.filter(service=page.target)
    elif page.service is not None and not page.creates:
        records = records.of_listing(page.service)  # a service at a location: its rows and the place's
    else:
        records = records.filter(organization=page.organization, service__isnull=True)
    return history_entries(records)


def services_with_counts() -> QuerySet[Service]:
    """Services with their open corrections and edits waiting for review counted (one query)."""
    return Service.objects.annotate(
        open_corrections=Count("corrections", filter=Q(corrections__resolved_at__isnull=True), distinct=True),
        edits_waiting=Count("pending_edits", filter=Q(pending_edits__status=PendingEdit.Status.PENDING), distinct=True),
    ).order_by("name")


def organizations_with_listings(organizations: QuerySet[Organization]) -> QuerySet[Organization]:
    return organizations.prefetch_related(Prefetch("services", queryset=services_with_counts())).order_by("name")


def open_corrections_for(user) -> QuerySet[Correction]:
    """Corrections still open on the listings ``user`` edits (all of them for network admins)."""
    return (
        Correction.objects.open()
        .filter(service__organization__in=organizations_edited_by(user))
        .select_related("service__organization", "reported_by")
        .order_by("created_at")
    )


def review_queue() -> list[tuple[Organization, list[PendingEdit]]]:
    """Edits waiting for review, grouped by organization, oldest first within each."""
    edits = (
        PendingEdit.objects.filter(status=PendingEdit.Status.PENDING)
        .select_related("organization", "service", "location", "submitted_by")
        .order_by("organization__name", "organization_id", "submitted_at")
    )
    return [
        (organization, list(group)) for organization, group in itertools.groupby(edits, key=lambda e: e.organization)
    ]
