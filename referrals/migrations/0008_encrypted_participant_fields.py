from django.db import migrations, models

import referrals.encryption


class Migration(migrations.Migration):
    """The fields encrypt and decrypt from now on; a case id is unique in its organization by its blind index."""

    dependencies = [
        ("referrals", "0007_encrypt_participant_data"),
    ]

    operations = [
        migrations.AlterField(
            model_name="participant",
            name="phone",
            field=referrals.encryption.EncryptedCharField(blank=True, max_length=30),
        ),
        migrations.AlterField(
            model_name="participant",
            name="email",
            field=referrals.encryption.EncryptedEmailField(blank=True, max_length=254),
        ),
        migrations.AlterField(
            model_name="participant",
            name="external_id",
            field=referrals.encryption.EncryptedCharField(
                blank=True, help_text="The participant's id in the referring program's case system.", max_length=100
            ),
        ),
        migrations.AlterField(
            model_name="referral",
            name="note",
            field=referrals.encryption.EncryptedTextField(
                blank=True, help_text="For the provider: what the participant needs and anything that helps."
            ),
        ),
        migrations.AlterField(
            model_name="referralevent",
            name="note",
            field=referrals.encryption.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="feedback",
            name="outcome_note",
            field=referrals.encryption.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="feedback",
            name="participant_comment",
            field=referrals.encryption.EncryptedTextField(blank=True),
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id_index", ""), _negated=True),
                fields=("organization", "external_id_index"),
                name="referrals_participant_unique_external_id",
            ),
        ),
    ]
