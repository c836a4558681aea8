from django.db import migrations, models

import referrals.encryption


class Migration(migrations.Migration):
    """Make room for encrypted values (a Fernet token is longer than the value) and for the case id's blind
    index; 0007 encrypts the rows, 0008 switches the fields to their encrypted kinds."""

    dependencies = [
        ("referrals", "0005_add_participant_erasure"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="participant",
            name="referrals_participant_unique_external_id",
        ),
        migrations.AddField(
            model_name="participant",
            name="external_id_index",
            field=referrals.encryption.BlindIndexField(source="external_id"),
        ),
        migrations.AlterField(
            model_name="participant",
            name="phone",
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name="participant",
            name="email",
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name="participant",
            name="external_id",
            field=models.TextField(blank=True),
        ),
    ]
