import search.models
from django.db import migrations, models

# Each write of a search document takes its version from this sequence (search.backends.postgres).
# A sequence, not a counter in a row: its numbers are never handed out twice, even by a write that rolls
# back, so a version a process has seen always means the same row. PostgreSQL only (the table is unused
# elsewhere).
SEQUENCE = "search_document_version"


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE {SEQUENCE}")
        schema_editor.execute(f"UPDATE search_searchdocument SET version = nextval('{SEQUENCE}')")


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
            name="version",
            field=models.BigIntegerField(db_index=True, default=0),
        ),
        migrations.RunPython(create_sequence, drop_sequence),
        migrations.CreateModel(
            name="SearchDocumentData",
            fields=[
                ("service_id", models.UUIDField(primary_key=True, serialize=False)),
                ("data", models.JSONField(decoder=search.models.DataDecoder, encoder=search.models.DataEncoder)),
                ("brief", models.JSONField(null=True)),
            ],
            options={"verbose_name_plural": "search document data"},
        ),
        # The documents' data moves to the new table (their Briefs are made from it until the next rebuild).
        migrations.RunSQL(
            "INSERT INTO search_searchdocumentdata (service_id, data) SELECT service_id, data FROM search_searchdocument",
            migrations.RunSQL.noop,
        ),
        migrations.RemoveField(model_name="searchdocument", name="data"),
        # Backwards, the documents are deleted before their data column comes back (it may not be empty):
        # `rebuild_search_index` writes them again.
        migrations.RunSQL(migrations.RunSQL.noop, "DELETE FROM search_searchdocument"),
    ]
