from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from referrals.encryption import ENCRYPTED_FIELDS, EncryptedMixin, blind_index

BATCH = 500


class Command(BaseCommand):
    help = (
        "Encrypt every encrypted participant value (contact details, case ids, notes) again with the first key of "
        "FIELD_ENCRYPTION_KEYS, and index every case id again. To rotate a key: put the new key first and keep "
        "the old one after it, run this, then drop the old key. Safe to repeat and to run while the site is up: "
        "each batch of rows is locked while it is rewritten."
    )

    def handle(self, *args, **options) -> None:
        total = 0
        # Referral data, then encrypted participant data other apps keep (resource lists: a tip, an address).
        models = [(apps.get_model("referrals", name), fields) for name, fields in ENCRYPTED_FIELDS.items()]
        models += encrypted_fields_elsewhere()
        for model, fields in models:
            model_name = model.__name__
            written = [*fields, "external_id_index"] if model_name == "Participant" else fields
            ids = list(model.objects.values_list("pk", flat=True))
            for start in range(0, len(ids), BATCH):
                with transaction.atomic():
                    # Reading decrypts with any key; bulk_update writes with the first one.
                    rows = list(
                        model.objects.select_for_update().filter(pk__in=ids[start : start + BATCH]).only(*fields)
                    )
                    if model_name == "Participant":
                        for row in rows:
                            row.external_id_index = blind_index(row.external_id)
                    model.objects.bulk_update(rows, written)
            total += len(ids)
            self.stdout.write(f"{model._meta.verbose_name_plural}: {len(ids)} rows")
        self.stdout.write(f"Re-encrypted {total} rows with the first key of FIELD_ENCRYPTION_KEYS.")


def encrypted_fields_elsewhere() -> list[tuple]:
    """Return (model, encrypted field names) for the models outside referrals/ that hold encrypted fields."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label == "referrals":
            continue
        fields = [field.name for field in model._meta.concrete_fields if isinstance(field, EncryptedMixin)]
        if fields:
            found.append((model, fields))
    return found
