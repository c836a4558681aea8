from django.db import migrations, models

# Each write of a search document takes its version from this sequence (search.backends.postgres).
# A sequence, not a counter in a row: its numbers are never handed out twice, even by a write that rolls
# back, so a version a process has seen always means the same row. PostgreSQL only (the table is unused
# elsewhere).
SEQUENCE = "search_document_version"


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE {SEQUENCE}")


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_add_postgres_search_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="brief",
            field=models.JSONField(null=True),
        ),
        migrations.AddField(
            model_name="searchdocument",
            name="version",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(create_sequence, drop_sequence),
    ]
