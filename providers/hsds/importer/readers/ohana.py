"""The Ohana API's CSV (data/sample-csv of codeforamerica/ohana-api): services hang off locations."""

from providers.hsds.importer.files import Files
from providers.hsds.importer.readers.legacy import ACCESSIBILITY, COUNTY, Reader, parse_date, pick, read_taxonomy
from providers.hsds.importer.records import Batch

# ---- Ohana ---------------------------------------------------------------------------------------------


def read_ohana(files: Files, batch: Batch) -> None:
    """The Ohana API's CSV (data/sample-csv of codeforamerica/ohana-api): services hang off locations."""
    reader = Reader(files, batch)
    if files.find("locations.csv") is None or files.find("services.csv") is None:
        batch.error(str(files.path), "file", "", "", "No locations.csv and services.csv: not Ohana CSV.")
        return
    for where, row in reader.rows("organizations.csv"):
        incorporated = parse_date(row.get("date_incorporated", ""))
        batch.add(
            "organization",
            {
                **pick(
                    row,
                    "id",
                    "name",
                    "alternate_name",
                    "description",
                    "email",
                    "legal_status",
                    "tax_id",
                    "tax_status",
                    "website",
                ),
                "year_incorporated": incorporated.year if incorporated else "",
            },
            where,
        )
    reader.unkept_columns("organizations.csv", "organization", ("accreditations", "licenses", "funding_sources"))
    locations = {}
    for where, row in reader.rows("locations.csv"):
        locations[row.get("id", "")] = row
        added = batch.add(
            "location",
            {
                **pick(
                    row, "id", "organization_id", "name", "alternate_name", "transportation", "latitude", "longitude"
                ),
                "description": row.get("description") or row.get("short_desc", ""),
                "url": row.get("website", ""),
                "location_type": "virtual" if row.get("virtual", "").lower() == "true" else "physical",
            },
            where,
        )
        if added is None:
            continue
        for code in (part.strip() for part in row.get("accessibility", "").split(",")):
            if code:
                batch.add(
                    "accessibility",
                    {
                        "id": f"{row['id']}:{code}",
                        "location_id": row["id"],
                        "description": ACCESSIBILITY.get(code, code.replace("_", " ").capitalize()),
                    },
                    where,
                )
        reader.languages(where, row.get("languages", ""), "location_id", row["id"])
    reader.unkept_columns("locations.csv", "location", ("admin_emails", "email"))
    states = {}
    for filename, address_type in (("addresses.csv", "physical"), ("mail_addresses.csv", "postal")):
        for where, row in reader.rows(filename):
            states.setdefault(row.get("location_id", ""), row.get("state_province", ""))
            batch.add(
                "address",
                {
                    # Both files number their rows from 1: the file name keeps the ids apart.
                    "id": f"{address_type}:{row.get('id', '')}",
                    **pick(
                        row,
                        "location_id",
                        "attention",
                        "address_1",
                        "address_2",
                        "city",
                        "state_province",
                        "postal_code",
                    ),
                    "country": row.get("country") or "US",
                    "address_type": address_type,
                },
                where,
            )
    for where, row in reader.rows("services.csv"):
        read_ohana_service(reader, where, row, locations.get(row.get("location_id", ""), {}), states)
    reader.unkept_columns("services.csv", "service", ("funding_sources", "program_id"))
    for where, row in reader.rows("phones.csv"):
        reader.phone(where, row, ("organization_id", "service_id", "location_id"))
    owners = ("service_id", "location_id")
    for where, row in reader.rows("regular_schedules.csv"):
        reader.schedule(where, row, owners)
    for where, row in reader.rows("holiday_schedules.csv"):
        reader.holiday(where, row, owners)
    read_taxonomy(reader, "taxonomy.csv", id_column="taxonomy_id")
    reader.not_kept("contacts.csv", "contact", "contacts")
    reader.not_kept("programs.csv", "program", "programs")
    reader.report_unread("Ohana CSV")


def read_ohana_service(reader: Reader, where: str, row: dict, location: dict, states: dict) -> None:
    batch = reader.batch
    record = row.get("id", "")
    eligibility = [row.get("eligibility", "")]
    if row.get("audience"):
        eligibility.append(f"Audience: {row['audience']}")
    fees = [row.get("fees", "")]
    if row.get("accepted_payments"):
        fees.append(f"Accepted payments: {row['accepted_payments']}.")
    added = batch.add(
        "service",
        {
            **pick(
                row,
                "id",
                "name",
                "alternate_name",
                "description",
                "email",
                "status",
                "interpretation_services",
                "application_process",
                "wait_time",
            ),
            # An Ohana service belongs to a location, and through it to an organization.
            "organization_id": location.get("organization_id", ""),
            "url": row.get("website", ""),
            "eligibility_description": "\n\n".join(text for text in eligibility if text),
            "fees_description": " ".join(text for text in fees if text),
        },
        where,
    )
    if added is None:
        return
    if not location:
        batch.error(where, "service", record, "location_id", "No such location in locations.csv.")
    else:
        batch.add(
            "service_at_location",
            {"id": f"{record}@{row['location_id']}", "service_id": record, "location_id": row["location_id"]},
            where,
        )
    if row.get("keywords"):
        reader.extra(where, "service", record, "keywords", row["keywords"])
    reader.languages(where, row.get("languages", ""), "service_id", record)
    for number, document in enumerate(part.strip() for part in row.get("required_documents", "").split(",")):
        if document:
            batch.add(
                "required_document", {"id": f"{record}:{number}", "service_id": record, "document": document}, where
            )
    areas = [part.strip() for part in row.get("service_areas", "").split(",") if part.strip()]
    counties = [area for area in areas if COUNTY.match(area)]
    others = [area for area in areas if area not in counties]
    state = states.get(row.get("location_id", ""), "")
    if counties and state:
        area_id = f"{record}:counties"
        batch.add(
            "service_area",
            {"id": area_id, "service_id": record, "name": ", ".join(counties), "extent_type": "text"},
            where,
        )
        value = '{"counties": [' + ", ".join(f'"{county}, {state}"' for county in counties) + "]}"
        reader.extra(where, "service_area", area_id, "service-area-extent", value)
    elif counties:
        others = areas
    if others:
        # Cities and towns: the directory maps ZIP codes, counties, radii and polygons, not place names.
        batch.add(
            "service_area",
            {"id": f"{record}:places", "service_id": record, "name": ", ".join(others), "extent_type": "text"},
            where,
        )
    for term in (part.strip() for part in row.get("taxonomy_ids", "").split(",")):
        if term:
            batch.add(
                "attribute",
                {
                    "id": f"{record}:{term}",
                    "link_id": batch.record_id("service", record),
                    "link_entity": "service",
                    "taxonomy_term_id": term,
                },
                where,
            )
