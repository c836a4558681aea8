"""HSDS 2.0 CSV: 1.1's tables with schedules.csv (RRULEs), service and other attributes, and taxonomy_terms.csv.

2.0 (github.com/openreferral/specification, tag v2.0.1, datapackage.json) replaced 1.1's regular and holiday
schedules by one ``schedules.csv`` of RFC 5545 recurrence rules, its ``taxonomy.csv`` and
``services_taxonomy.csv`` by ``taxonomy_terms.csv`` (``term``, ``taxonomy``) linked through
``service_attributes.csv`` and ``other_attributes.csv``, and turned eligibility into rows that terms
describe. The tables 1.1 and 2.0 share are read by readers/legacy.py.

Real 2.0 exports also write schedules the 1.1 way, a ``weekday`` column ("Monday - Friday") with the
times in ``dtstart`` and ``until``, and give one schedule id to the hours of several services; both are
read, with a warning.
"""

from collections import Counter

from providers.hsds.importer.files import Files
from providers.hsds.importer.readers.legacy import Reader, each_owner, read_shared_tables
from providers.hsds.importer.records import MODELS, Batch

# The columns the 2.0 reader maps, by file (the 2.0 datapackage.json's, and the spellings real exports
# use); any other column with a value is reported, once, as not kept.
OWNERS = {"service_id", "location_id", "service_at_location_id"}
COLUMNS = {
    "organizations.csv": (
        "organization",
        {"id", "name", "alternate_name", "description", "email", "url", "website", "tax_status", "tax_id"}
        | {"year_incorporated", "legal_status", "logo", "uri"},
    ),
    "services.csv": (
        "service",
        {"id", "organization_id", "name", "alternate_name", "description", "url", "email", "status"}
        | {"interpretation_services", "application_process", "wait_time", "fees", "fees_description"}
        | {"accreditations", "licenses"},
    ),
    "locations.csv": (
        "location",
        {"id", "organization_id", "name", "alternate_name", "description", "transportation", "latitude", "longitude"},
    ),
    "services_at_location.csv": ("service_at_location", {"id", "service_id", "location_id", "description"}),
    "service_at_location.csv": ("service_at_location", {"id", "service_id", "location_id", "description"}),
    "phones.csv": (
        "phone",
        OWNERS
        | {"id", "organization_id", "contact_id", "number", "extension", "type", "language", "description"}
        | {"department"},
    ),
    "physical_addresses.csv": (
        "address",
        {"id", "location_id", "attention", "address_1", "address_2", "address_3", "address_4", "city", "region"}
        | {"state_province", "postal_code", "country"},
    ),
    "schedules.csv": (
        "schedule",
        OWNERS
        | {"id", "valid_from", "valid_to", "dtstart", "timezone", "until", "count", "wkst", "freq", "interval"}
        | {"byday", "byweekno", "bymonthday", "byyearday", "description", "opens_at", "closes_at", "weekday"},
    ),
    "regular_schedules.csv": ("schedule", OWNERS | {"id", "weekday", "opens_at", "closes_at"}),
    "holiday_schedules.csv": (
        "schedule",
        OWNERS | {"id", "closed", "opens_at", "closes_at", "start_date", "end_date", "description"},
    ),
    "service_attributes.csv": ("attribute", {"id", "service_id", "taxonomy_term_id"}),
    "other_attributes.csv": ("attribute", {"id", "link_id", "link_type", "taxonomy_term_id"}),
    "taxonomy_terms.csv": (
        "taxonomy_term",
        {"id", "term", "name", "description", "parent_id", "parent_name", "taxonomy", "vocabulary"},
    ),
    "languages.csv": ("language", {"id", "service_id", "location_id", "language"}),
    "accessibility_for_disabilities.csv": ("accessibility", {"id", "location_id", "accessibility", "details"}),
    "eligibility.csv": ("eligibility", {"id", "service_id", "eligibility"}),
    "service_areas.csv": ("service_area", {"id", "service_id", "service_area", "description"}),
    "required_documents.csv": ("required_document", {"id", "service_id", "document"}),
}
COLUMNS["postal_addresses.csv"] = COLUMNS["physical_addresses.csv"]
COLUMNS["eligibilities.csv"] = COLUMNS["eligibility.csv"]
# other_attributes.link_type names a 2.0 table; the kind of record it is here.
LINKED_KINDS = {
    "physical_address": "address",
    "postal_address": "address",
    "accessibility_for_disabilities": "accessibility",
    "payment_accepted": "payment_accepted",
}
NOT_KEPT_TABLES = (
    ("contacts.csv", "contact", "contacts"),
    ("programs.csv", "program", "programs"),
    ("funding.csv", "funding", "funding sources"),
    ("payments_accepted.csv", "payment_accepted", "accepted payments"),
    ("payment_accepted.csv", "payment_accepted", "accepted payments"),
    ("metadata.csv", "metadata", "change records"),
    ("meta_table_descriptions.csv", "meta_table_description", "table descriptions"),
)


def read_hsds20(files: Files, batch: Batch) -> None:
    """HSDS 2.0 CSV: the tables it shares with 1.1, then its schedules, attributes and taxonomy terms."""
    reader = Reader(files, batch, COLUMNS)
    if files.find("organizations.csv") is None and files.find("services.csv") is None:
        batch.error(str(files.path), "file", "", "", "No organizations.csv or services.csv: not HSDS 2.0 CSV.")
        return
    read_shared_tables(reader)
    read_schedules(reader)
    read_terms(reader)
    read_attributes(reader)
    for filename, kind, label in NOT_KEPT_TABLES:
        reader.not_kept(filename, kind, label)
    reader.report_unread("HSDS 2.0")


def read_schedules(reader: Reader) -> None:
    """schedules.csv (RRULEs or weekday rows), and 1.1's regular and holiday schedules if an export still has them."""
    owners = ("service_id", "location_id", "service_at_location_id")
    rows = list(reader.rows("schedules.csv"))
    # Some exports give one schedule id to the same hours of several services: each keeps its own copy.
    uses = Counter(row.get("id", "") for _, row in rows)
    shared = [where for where, row in rows if row.get("id") and uses[row["id"]] > 1]
    if shared:
        reader.batch.warn(
            shared[0],
            "schedule",
            "",
            "id",
            "The same schedule id is given to the hours of several records: each keeps its own copy.",
            detail=f"{len(shared)} rows",
        )
    for where, row in rows:
        for copy in each_owner(reader, where, "schedule", row, owners):
            key = ""
            if copy.get("id") and uses[row["id"]] > 1:
                owner = next((field for field in owners if copy.get(field)), "")
                key = f"{row['id']}/{owner}:{copy.get(owner, '')}"
            reader.recurring(where, copy, owners, key)
    for where, row in reader.rows("regular_schedules.csv"):
        reader.schedule(where, row, owners)
    for where, row in reader.rows("holiday_schedules.csv"):
        reader.holiday(where, row, owners)


def read_terms(reader: Reader) -> None:
    """taxonomy_terms.csv: each term in the taxonomy its ``taxonomy`` column names (one of the source's own if none)."""
    rows = list(reader.rows("taxonomy_terms.csv"))
    by_name = {}
    for _, row in rows:
        by_name.setdefault((row.get("taxonomy") or row.get("vocabulary", ""), row.get("term") or row.get("name")), row)
    for where, row in rows:
        taxonomy = row.get("taxonomy") or row.get("vocabulary") or f"Taxonomy of {reader.batch.source}"
        parent_id, *others = [part.strip() for part in row.get("parent_id", "").split(",")]
        if others:
            reader.batch.warn(
                where,
                "taxonomy_term",
                row.get("id", ""),
                "parent_id",
                "A term under several parents: kept under the first.",
                detail=row["parent_id"],
            )
        if not parent_id and row.get("parent_name"):
            parent = by_name.get((row.get("taxonomy") or row.get("vocabulary", ""), row["parent_name"]))
            parent_id = parent.get("id", "") if parent else ""
            if not parent_id:
                reader.batch.warn(
                    where,
                    "taxonomy_term",
                    row.get("id", ""),
                    "parent_name",
                    "No term of this name in taxonomy_terms.csv: kept at the top.",
                    detail=row["parent_name"],
                )
        reader.batch.add(
            "taxonomy_term",
            {
                "id": row.get("id", ""),
                "code": row.get("id", ""),
                "name": row.get("term") or row.get("name", ""),
                # HSDS 3.0 requires a description; 2.0 terms often have none.
                "description": row.get("description", ""),
                "parent_id": parent_id,
                "taxonomy": taxonomy,
            },
            where,
        )
    unnamed = [where for where, row in rows if not (row.get("taxonomy") or row.get("vocabulary"))]
    if unnamed:
        reader.batch.warn(
            unnamed[0],
            "taxonomy_term",
            "",
            "taxonomy",
            f"No taxonomy named: the terms are kept in 'Taxonomy of {reader.batch.source}'.",
            detail=f"{len(unnamed)} records",
        )


def read_attributes(reader: Reader) -> None:
    """service_attributes.csv and other_attributes.csv: a term on a service, or on another record.

    A term on an eligibility row describes who the service is for: it goes on the service, as an attribute
    of link_type "eligibility". A term on a record the directory does not keep (a contact, a funding
    source) is reported with it.
    """
    batch = reader.batch
    for where, row in reader.rows("service_attributes.csv"):
        if not row.get("service_id") or not row.get("taxonomy_term_id"):
            batch.skip(where, "attribute", row.get("id", ""), "taxonomy_term_id", "No service or no term: left out.")
            continue
        batch.add(
            "attribute",
            {
                "id": row.get("id") or f"{row['service_id']}:{row['taxonomy_term_id']}",
                "link_id": batch.record_id("service", row["service_id"]),
                "link_entity": "service",
                "taxonomy_term_id": row["taxonomy_term_id"],
            },
            where,
        )
    services_of = {}
    for _, row in reader.rows("eligibility.csv"):
        if row.get("id"):
            services_of[row["id"]] = row.get("service_id", "")
    for where, row in reader.rows("other_attributes.csv"):
        link_type = row.get("link_type", "").strip().lower()
        link_id, term_id, link_kind = row.get("link_id", ""), row.get("taxonomy_term_id", ""), link_type
        if not link_id or not term_id:
            batch.skip(where, "attribute", row.get("id", ""), "link_id", "No record or no term: left out.")
            continue
        if link_type == "eligibility":
            if not services_of.get(link_id):
                batch.skip(
                    where,
                    "attribute",
                    row.get("id", ""),
                    "link_id",
                    "No such eligibility row in eligibility.csv (or it names no service): left out.",
                    detail=link_id,
                )
                continue
            link_id, link_kind = services_of[link_id], "service"
        link_kind = LINKED_KINDS.get(link_kind, link_kind)
        if link_kind not in MODELS:
            batch.skip(
                where,
                "attribute",
                row.get("id", ""),
                "link_type",
                "The record it describes is of a kind the directory does not keep: left out.",
                detail=link_type or "no link_type",
            )
            continue
        batch.add(
            "attribute",
            {
                "id": row.get("id") or f"{link_type}:{link_id}:{term_id}",
                "link_id": batch.record_id(link_kind, link_id),
                "link_entity": link_kind,
                "link_type": "eligibility" if link_type == "eligibility" else "",
                "taxonomy_term_id": term_id,
            },
            where,
        )
