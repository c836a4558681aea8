"""HSDS 1.1 CSV: a table per file (organizations.csv, services.csv ...), ids that are not UUIDs."""

from collections import defaultdict

from providers.hsds.importer.files import Files
from providers.hsds.importer.readers.legacy import Reader, pick, read_taxonomy
from providers.hsds.importer.records import Batch

# ---- HSDS 1.1 ----------------------------------------------------------------------------------------


def read_hsds11(files: Files, batch: Batch) -> None:
    """HSDS 1.1 CSV: a table per file (organizations.csv, services.csv ...), ids that are not UUIDs."""
    reader = Reader(files, batch)
    if files.find("organizations.csv") is None and files.find("services.csv") is None:
        batch.error(str(files.path), "file", "", "", "No organizations.csv or services.csv: not HSDS 1.1 CSV.")
        return
    for where, row in reader.rows("organizations.csv"):
        batch.add(
            "organization",
            {
                # A record without an id is keyed by its name, the one thing that identifies it.
                "id": row.get("id") or (f"name:{row['name']}" if row.get("name") else ""),
                **pick(
                    row,
                    "name",
                    "alternate_name",
                    "description",
                    "email",
                    "tax_status",
                    "tax_id",
                    "year_incorporated",
                    "legal_status",
                    "logo",
                    "uri",
                ),
                "website": row.get("url", "") or row.get("website", ""),
            },
            where,
        )
    eligibility = defaultdict(list)
    for filename in ("eligibility.csv", "eligibilities.csv"):
        for where, row in reader.rows(filename):
            for service_id in row.get("service_id", "").split(","):
                eligibility[service_id.strip()].append((where, row.get("eligibility", "")))
    service_ids = set()
    for where, row in reader.rows("services.csv"):
        if not row.get("status"):
            batch.warn(where, "service", row.get("id", ""), "status", "No status given: imported as active.")
        record_id = row.get("id") or (f"name:{row['name']}" if row.get("name") else "")
        service_ids.add(row.get("id", ""))
        words = [text for _, text in eligibility.get(row.get("id", ""), []) if text] if row.get("id") else []
        batch.add(
            "service",
            {
                "id": record_id,
                **pick(
                    row,
                    "organization_id",
                    "name",
                    "alternate_name",
                    "description",
                    "url",
                    "email",
                    "interpretation_services",
                    "application_process",
                    "wait_time",
                    "accreditations",
                    "licenses",
                ),
                "status": row.get("status") or "active",
                "fees_description": row.get("fees", "") or row.get("fees_description", ""),
                "eligibility_description": "; ".join(dict.fromkeys(words)),
            },
            where,
        )
    for service_id, entries in eligibility.items():
        for where, text in entries:
            if not text:
                continue  # an empty eligibility row says nothing
            if service_id not in service_ids or not service_id:
                batch.warn(
                    where,
                    "eligibility",
                    service_id,
                    "service_id",
                    "Eligibility for a service that is not in services.csv: left out.",
                )
    for where, row in reader.rows("locations.csv"):
        batch.add(
            "location",
            {
                "id": row.get("id", ""),
                **pick(
                    row,
                    "organization_id",
                    "name",
                    "alternate_name",
                    "description",
                    "transportation",
                    "latitude",
                    "longitude",
                ),
                "location_type": "physical",
            },
            where,
        )
    for where, row in reader.spellings("services_at_location.csv", "service_at_location.csv"):
        # Some rows list several services, comma-separated: one service at location each.
        for service_id in [part.strip() for part in row.get("service_id", "").split(",")] or [""]:
            key = row.get("id") or f"{service_id}@{row.get('location_id', '')}"
            fields = {**pick(row, "location_id", "description"), "service_id": service_id, "id": key}
            batch.add("service_at_location", fields, where)
    for where, row in reader.rows("phones.csv"):
        reader.phone(where, row, ("organization_id", "service_id", "location_id", "service_at_location_id"))
    for filename, address_type in (("physical_addresses.csv", "physical"), ("postal_addresses.csv", "postal")):
        for where, row in reader.rows(filename):
            if not row.get("location_id"):
                batch.skip(
                    where,
                    "address",
                    row.get("id", ""),
                    "location_id",
                    "The address belongs to no location (the directory keeps addresses on locations): left out.",
                )
                continue
            batch.add(
                "address",
                {
                    "id": row.get("id") or f"{address_type}:{row['location_id']}",
                    **pick(
                        row,
                        "location_id",
                        "attention",
                        "address_1",
                        "address_2",
                        "city",
                        "region",
                        "state_province",
                        "postal_code",
                    ),
                    "country": row.get("country") or "US",
                    "address_type": address_type,
                },
                where,
            )
    owners = ("service_id", "location_id", "service_at_location_id")
    for where, row in reader.rows("regular_schedules.csv"):
        reader.schedule(where, row, owners)
    for where, row in reader.rows("holiday_schedules.csv"):
        reader.holiday(where, row, owners)
    for where, row in reader.rows("languages.csv"):
        owner = "service_id" if row.get("service_id") else "location_id"
        reader.languages(where, row.get("language", ""), owner, row.get(owner, ""))
    for where, row in reader.rows("accessibility_for_disabilities.csv"):
        batch.add(
            "accessibility",
            {
                "id": row.get("id") or f"{row.get('location_id', '')}:{row.get('accessibility', '')}",
                "location_id": row.get("location_id", ""),
                "description": row.get("accessibility", ""),
                "details": row.get("details", ""),
            },
            where,
        )
    for where, row in reader.rows("required_documents.csv"):
        batch.add(
            "required_document",
            {
                **pick(row, "service_id", "document"),
                "id": row.get("id") or f"{row.get('service_id')}:{row.get('document')}",
            },
            where,
        )
    for where, row in reader.rows("service_areas.csv"):
        batch.add(
            "service_area",
            {
                "id": row.get("id") or f"{row.get('service_id')}:{row.get('service_area')}",
                "service_id": row.get("service_id", ""),
                "name": row.get("service_area", ""),
                "description": row.get("description", ""),
                "extent_type": "text",
            },
            where,
        )
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
