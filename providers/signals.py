"""Keep ``Service.modified_at`` true when a child record changes.

HSDS consumers sync with ``modified_after``: an edited phone, schedule, location or organization
must make its services look modified too. This is cache upkeep, so a signal is the right place.
The search index upkeep (search/) listens to ``services_changed`` for the same reason.

A bulk write (the HSDS import) wraps itself in ``collect_changes()``: record by record the upkeep only
gathers service ids, and at the end one UPDATE per thousand services and one ``services_changed``.
"""

import contextlib
import contextvars
from collections.abc import Iterable, Iterator

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal, receiver
from django.utils import timezone

from providers import models

# Sent with ``service_ids`` (a set of UUIDs) whenever a listing or a record it shows changed.
services_changed = Signal()

CHILD_MODELS = (
    models.Organization,
    models.Location,
    models.ServiceAtLocation,
    models.Address,
    models.Phone,
    models.Schedule,
    models.ServiceArea,
    models.Language,
    models.CostOption,
    models.RequiredDocument,
    models.Accessibility,
)


def affected_service_ids(instance) -> set:
    """Return the ids of the services whose listing shows ``instance`` (costs a query or two)."""
    if isinstance(instance, models.Service):
        return {instance.pk}
    if isinstance(instance, models.Organization):
        return set(instance.services.values_list("id", flat=True))
    if isinstance(instance, models.Location):
        return set(models.ServiceAtLocation.objects.filter(location=instance).values_list("service_id", flat=True))
    if isinstance(instance, models.ServiceAtLocation):
        return {instance.service_id}
    if isinstance(instance, models.Address | models.Accessibility):
        return affected_service_ids(models.Location(pk=instance.location_id))
    ids = set()
    for field in ("service", "location", "service_at_location", "organization", "phone"):
        related_id = getattr(instance, f"{field}_id", None)
        if related_id is None:
            continue
        if field == "service":
            ids.add(related_id)
        elif field == "service_at_location":
            ids |= set(models.ServiceAtLocation.objects.filter(pk=related_id).values_list("service_id", flat=True))
        elif field == "phone":
            phone = models.Phone.objects.filter(pk=related_id).first()
            if phone is not None:
                ids |= affected_service_ids(phone)
        else:
            model = models.Location if field == "location" else models.Organization
            ids |= affected_service_ids(model(pk=related_id))
    return ids


# Ids per query when a set of ids goes into ``pk__in``: SQLite refuses too many parameters in one statement.
CHUNK = 1000


def chunked(ids: Iterable, size: int = CHUNK) -> Iterator[list]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def affected_service_ids_in_bulk(records: dict[type, list]) -> set:
    """Return the ids of the services whose listings show any of ``records`` (model -> instances).

    The set form of ``affected_service_ids``: a query per kind of link (and per thousand ids), not per record.
    """
    service_ids, location_ids, organization_ids, link_ids, phone_ids = set(), set(), set(), set(), set()
    targets = {
        "service": service_ids,
        "location": location_ids,
        "organization": organization_ids,
        "service_at_location": link_ids,
        "phone": phone_ids,
    }
    for model, instances in records.items():
        for instance in instances:
            if model is models.Service:
                service_ids.add(instance.pk)
            elif model is models.Organization:
                organization_ids.add(instance.pk)
            elif model is models.Location:
                location_ids.add(instance.pk)
            elif model is models.ServiceAtLocation:
                service_ids.add(instance.service_id)
            elif model in (models.Address, models.Accessibility):
                location_ids.add(instance.location_id)
            else:
                for field, ids in targets.items():
                    related_id = getattr(instance, f"{field}_id", None)
                    if related_id is not None:
                        ids.add(related_id)
    # A language may belong to a phone: then it shows wherever the phone does.
    phones = models.Phone.objects.values_list("service_id", "location_id", "service_at_location_id", "organization_id")
    for chunk in chunked(phone_ids):
        for owners in phones.filter(pk__in=chunk):
            for related_id, ids in zip(owners, (service_ids, location_ids, link_ids, organization_ids), strict=True):
                if related_id is not None:
                    ids.add(related_id)
    links = models.ServiceAtLocation.objects.values_list("service_id", flat=True)
    for chunk in chunked(link_ids):
        service_ids.update(links.filter(pk__in=chunk))
    for chunk in chunked(location_ids):
        service_ids.update(links.filter(location_id__in=chunk))
    for chunk in chunked(organization_ids):
        service_ids.update(models.Service.objects.filter(organization_id__in=chunk).values_list("id", flat=True))
    return service_ids


class ChangeCollector:
    """What changed inside ``collect_changes()``: service ids, and records written without signals."""

    def __init__(self) -> None:
        self.service_ids: set = set()
        self.records: dict[type, list] = {}
        self.discarded = False

    def add(self, service_ids: Iterable) -> None:
        self.service_ids.update(service_ids)

    def records_written(self, model: type, instances: Iterable) -> None:
        """Note records written without post_save (bulk_create, bulk_update): their services are found at the end."""
        self.records.setdefault(model, []).extend(instances)

    def discard(self) -> None:
        """Forget everything: the block's transaction is being rolled back, so nothing changed."""
        self.discarded = True

    def resolve(self) -> set:
        """Add the services of the records written in bulk (a few queries) and return every service id."""
        if self.records:
            self.service_ids |= affected_service_ids_in_bulk(self.records)
            self.records = {}
        return self.service_ids


_collector: contextvars.ContextVar[ChangeCollector | None] = contextvars.ContextVar("collector", default=None)


@contextlib.contextmanager
def collect_changes(*, indexed_by_sender: bool = False) -> Iterator[ChangeCollector]:
    """Within the block, a changed record only notes the services it affects; at the end mark them all.

    On leaving the block without an error: ``modified_at`` of every affected service is set in one UPDATE per
    thousand services, then ONE ``services_changed`` carries every id (so listeners such as the webhooks'
    listing.updated record one event, not one per record). Use it inside the transaction of the change, so
    the listeners write in the same transaction. A block inside another hands its services to the outer one.

    ``indexed_by_sender``: the caller writes the search index itself (the import, in one write after its
    commit), so the signal tells the search upkeep to leave these services alone.
    """
    collector = ChangeCollector()
    outer = _collector.get()
    token = _collector.set(collector)
    try:
        yield collector
    finally:
        _collector.reset(token)
    if collector.discarded:
        return
    if outer is not None:
        outer.add(collector.service_ids)
        for model, instances in collector.records.items():
            outer.records_written(model, instances)
        return
    service_ids = collector.resolve()
    if service_ids:
        now = timezone.now()
        for chunk in chunked(service_ids):
            models.Service.objects.filter(pk__in=chunk).update(modified_at=now)
        services_changed.send(sender=models.Service, service_ids=service_ids, indexed_by_sender=indexed_by_sender)


def mark_services_modified(service_ids: set) -> None:
    collector = _collector.get()
    if collector is not None:
        collector.add(service_ids)
        return
    if service_ids:
        models.Service.objects.filter(pk__in=service_ids).update(modified_at=timezone.now())
        services_changed.send(sender=models.Service, service_ids=service_ids)


@receiver(post_save)
@receiver(post_delete)
def child_record_changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return  # loaddata: the fixture carries its own modified_at
    if sender is models.Service:
        collector = _collector.get()
        if collector is not None:
            collector.add({instance.pk})
        else:
            services_changed.send(sender=models.Service, service_ids={instance.pk})
    elif sender in CHILD_MODELS:
        mark_services_modified(affected_service_ids(instance))


@receiver(m2m_changed, sender=models.Service.categories.through)
@receiver(m2m_changed, sender=models.Service.populations.through)
@receiver(m2m_changed, sender=models.Service.insurance_accepted.through)
def service_terms_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    mark_services_modified(set(pk_set or ()) if reverse else {instance.pk})
