"""Encrypt the participant data already stored and index the case ids; backwards, decrypt them."""

from django.db import migrations

from referrals.encryption import ENCRYPTED_FIELDS, blind_index, decrypt, encrypt

BATCH = 500


def _rewrite(apps, value_of, index_of) -> None:
    for model_name, fields in ENCRYPTED_FIELDS.items():
        model = apps.get_model("referrals", model_name)
        written = [*fields, "external_id_index"] if model_name == "Participant" else fields
        changed = []
        for row in model.objects.only("pk", *fields).iterator(chunk_size=BATCH):
            if model_name == "Participant":
                row.external_id_index = index_of(row.external_id)
            for field in fields:
                setattr(row, field, value_of(getattr(row, field)))
            changed.append(row)
            if len(changed) == BATCH:
                model.objects.bulk_update(changed, written)
                changed = []
        if changed:
            model.objects.bulk_update(changed, written)


def encrypt_rows(apps, schema_editor) -> None:
    # The index is taken from the clear value, before it is encrypted.
    _rewrite(apps, encrypt, blind_index)


def decrypt_rows(apps, schema_editor) -> None:
    _rewrite(apps, decrypt, lambda value: "")


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0006_widen_participant_data_columns"),
    ]

    operations = [
        migrations.RunPython(encrypt_rows, decrypt_rows),
    ]
