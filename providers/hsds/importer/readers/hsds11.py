"""HSDS 1.1 CSV: a table per file (organizations.csv, services.csv ...), ids that are not UUIDs."""

from providers.hsds.importer.files import Files
from providers.hsds.importer.readers.legacy import Reader, read_shared_tables, read_taxonomy
from providers.hsds.importer.records import Batch

# ---- HSDS 1.1 ----------------------------------------------------------------------------------------


def read_hsds11(files: Files, batch: Batch) -> None:
    """HSDS 1.1 CSV: the tables it shares with 2.0 (readers/legacy.py), its weekday hours and its taxonomy."""
    reader = Reader(files, batch)
    if files.find("organizations.csv") is None and files.find("services.csv") is None:
        batch.error(str(files.path), "file", "", "", "No organizations.csv or services.csv: not HSDS 1.1 CSV.")
        return
    read_shared_tables(reader)
    owners = ("service_id", "location_id", "service_at_location_id")
    for where, row in reader.rows("regular_schedules.csv"):
        reader.schedule(where, row, owners)
    for where, row in reader.rows("holiday_schedules.csv"):
        reader.holiday(where, row, owners)
    read_taxonomy(reader, "taxonomy.csv", id_column="id")
    for where, row in reader.spellings("services_taxonomy.csv", "service_taxonomy.csv"):
        if row.get("service_id") and row.get("taxonomy_id"):
            batch.add(
                "attribute",
                {
                    "id": row.get("id") or f"{row['service_id']}:{row['taxonomy_id']}",
                    "link_id": batch.record_id("service", row["service_id"]),
                    "link_entity": "service",
                    "taxonomy_term_id": row["taxonomy_id"],
                    "value": row.get("taxonomy_detail", ""),
                },
                where,
            )
    for filename, kind, label in (
        ("contacts.csv", "contact", "contacts"),
        ("programs.csv", "program", "programs"),
        ("funding.csv", "funding", "funding sources"),
        ("payment_accepted.csv", "payment_accepted", "accepted payments"),
        ("metadata.csv", "metadata", "change records"),
    ):
        reader.not_kept(filename, kind, label)
    reader.unkept_columns("services.csv", "service", ("program_id",))
    reader.report_unread("HSDS 1.1")
