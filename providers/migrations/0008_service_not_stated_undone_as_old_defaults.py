"""Nothing to do forwards: existing services keep what people or the demo stated (0007).

Backwards, before 0007 is undone: the older schema has no "not stated", so a service that says it gets
what that schema would have claimed for it (accepting, capacity dated when the service was created,
referral by contact, any gender, no residency or population rule)."""

from django.db import migrations
from django.db.models import F

NOT_STATED = "not_stated"


def restore_old_defaults(apps, schema_editor) -> None:
    Service = apps.get_model("providers", "Service")
    Service.objects.filter(capacity_status=NOT_STATED).update(capacity_status="accepting")
    Service.objects.filter(capacity_updated_at__isnull=True).update(capacity_updated_at=F("created_at"))
    Service.objects.filter(referral_method=NOT_STATED).update(referral_method="contact")
    Service.objects.filter(gender=NOT_STATED).update(gender="any")
    Service.objects.filter(populations_required__isnull=True).update(populations_required=False)
    Service.objects.filter(residency_required__isnull=True).update(residency_required=False)


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0007_service_facts_not_stated_by_default"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_old_defaults, elidable=True),
    ]
