"""Keep ``Service.modified_at`` true when a child record changes.

HSDS consumers sync with ``modified_after``: an edited phone, schedule, location or organization
must make its services look modified too. This is cache upkeep, so a signal is the right place.
The search index upkeep (search/) listens to ``services_changed`` for the same reason.
"""

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


def mark_services_modified(service_ids: set) -> None:
    if service_ids:
        models.Service.objects.filter(pk__in=service_ids).update(modified_at=timezone.now())
        services_changed.send(sender=models.Service, service_ids=service_ids)


@receiver(post_save)
@receiver(post_delete)
def child_record_changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return  # loaddata: the fixture carries its own modified_at
    if sender is models.Service:
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
