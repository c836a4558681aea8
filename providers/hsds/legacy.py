"""Read the legacy formats into HSDS 3.0 rows: HSDS 1.1 CSV and the Ohana API's CSV.

Both predate UUIDs: their ids ("135831", "22") go through ``Batch.record_id``, which derives a stable
UUID from the source name, the kind and the id. Where a legacy record has no id at all, a natural key
stands in for it (a phone: its owner and number; hours: their owner, weekday and opening time), so
that a re-import finds the same record again.

What these formats hold that HSDS 3.0 keeps elsewhere is moved there (Ohana's service keywords and
county service areas become the directory's extras; eligibility rows become the service's
eligibility description); what the directory cannot keep is reported, never silently dropped.
"""

import datetime
import re
from collections import defaultdict
from pathlib import PurePosixPath

from providers.hsds.importer import EXTRAS, Batch, Files, language_code, parse_time

WEEKDAY_NAMES = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
    "mon": "MO",
    "tue": "TU",
    "wed": "WE",
    "thu": "TH",
    "fri": "FR",
    "sat": "SA",
    "sun": "SU",
}
PHONE_TYPES = {
    "": "voice",
    "voice": "voice",
    "hotline": "voice",
    "fax": "fax",
    "sms": "text",
    "text": "text",
    "cell": "cell",
    "tty": "textphone",
    "textphone": "textphone",
    "video": "video",
    "pager": "pager",
}
# Ohana's accessibility codes (ohana-api app/models/location.rb), in words.
ACCESSIBILITY = {
    "cd": "Information on CD",
    "deaf_interpreter": "Deaf interpreter",
    "disabled_parking": "Accessible parking",
    "elevator": "Elevator",
    "ramp": "Ramp",
    "restroom": "Accessible restroom",
    "tape_braille": "Information on tape or in Braille",
    "tty": "TTY",
    "wheelchair": "Wheelchair accessible",
    "wheelchair_van": "Wheelchair-accessible van",
}
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%B %d, %Y", "%b %d, %Y")
COUNTY = re.compile(r"^(.+ County)$", re.IGNORECASE)


class Reader:
    """What both legacy readers share: the files, the batch, and cleaned-up values."""

    def __init__(self, files: Files, batch: Batch) -> None:
        self.files = files
        self.batch = batch
        self.read_names: set[str] = set()  # the files this reader looked at, for report_unread

    def rows(self, filename: str):
        """Yield (where, row) of a CSV file, values stripped; nothing when the file is not there."""
        name = self.files.find(filename)
        if name is None:
            return
        self.read_names.add(name)
        for where, row in self.files.csv_rows(name, self.batch):
            yield where, {key: (value or "").strip() for key, value in row.items() if key}

    def spellings(self, *filenames: str):
        """Yield (where, row) of every file present under one of ``filenames``, one after the other.

        The same table goes by several names (HSDS 1.1's datapackage.json says services_at_location.csv, some
        exports write service_at_location.csv). Each present one is read; rows with the same id merge.
        """
        present = [self.files.find(filename) for filename in filenames]
        present = [name for name in present if name is not None]
        if len(present) > 1:
            self.batch.warn(
                present[1], "file", "", "", f"Both {' and '.join(present)} are here: the rows of both are read."
            )
        for name in present:
            yield from self.rows(PurePosixPath(name).name)

    def report_unread(self, format_name: str) -> None:
        """Name, in one warning, every file of the import that this reader did not read: none is ignored silently."""
        unread = [name for name in self.files.names() if name not in self.read_names]
        descriptors = [name for name in unread if PurePosixPath(name).name.lower() == "datapackage.json"]
        for name in descriptors:
            reason = f"Not read: the {format_name} reader reads the tables by their standard file names."
            self.batch.warn(name, "file", "", "", reason)
        unknown = [name for name in unread if name not in descriptors]
        if unknown:
            self.batch.warn(
                unknown[0],
                "file",
                "",
                "",
                f"Not read: not a file of {format_name} that the importer knows; nothing in it is imported.",
                detail=f"{len(unknown)} files: {', '.join(unknown)}" if len(unknown) > 1 else "",
            )

    def not_kept(self, filename: str, kind: str, label: str) -> None:
        rows = list(self.rows(filename))
        if rows:
            self.batch.warn(
                rows[0][0], kind, "", "", f"Not kept: the directory has no {label}.", detail=f"{len(rows)} records"
            )

    def unkept_columns(self, filename: str, kind: str, columns: tuple[str, ...]) -> None:
        """Report the columns a file fills that the directory has no place for."""
        counts = defaultdict(int)
        for _, row in self.rows(filename):
            for column in columns:
                if row.get(column):
                    counts[column] += 1
        for column, count in counts.items():
            self.batch.warn(
                filename, kind, "", column, "Not kept: the directory has no such field.", detail=f"{count} records"
            )

    def extra(self, where: str, entity: str, record_id: str, code: str, value: str) -> None:
        """Attach one of the directory's extras to a record, the way the feed writes them."""
        extra = EXTRAS[code]
        self.batch.add(
            "attribute",
            {
                "id": f"{entity}:{record_id}:{code}",
                "link_id": self.batch.record_id(entity, record_id),
                "link_entity": entity,
                "link_type": "directory_extra",
                "taxonomy_term_id": extra.id,
                "value": value,
            },
            where,
        )

    def phone(self, where: str, row: dict, owners: tuple[str, ...]) -> None:
        owner = next((field for field in owners if row.get(field)), None)
        number = row.get("number", "")
        if row.get("country_prefix") and not number.startswith("+"):
            number = f"{row['country_prefix']} {number}"
        kind = row.get("number_type", row.get("type", "")).lower()
        if kind not in PHONE_TYPES:
            self.batch.warn(
                where, "phone", row.get("id", ""), "type", "Unknown phone type: kept as a voice line.", detail=kind
            )
        words = [row.get("department", ""), row.get("description", "")]
        if kind == "hotline":
            words.insert(0, "Hotline")
        if row.get("vanity_number"):
            words.append(row["vanity_number"])
        key = row.get("id") or f"{owner}:{row.get(owner, '')}:{number}:{row.get('extension', '')}"
        added = self.batch.add(
            "phone",
            {
                "id": key,
                **{field: row.get(field, "") for field in (*owners, "contact_id")},
                "number": number,
                "extension": row.get("extension", ""),
                "type": PHONE_TYPES.get(kind, "voice"),
                "description": " – ".join(word for word in words if word),
            },
            where,
        )
        if added is not None and row.get("language"):
            self.languages(where, row["language"], "phone_id", key)

    def languages(self, where: str, names: str, owner_field: str, owner_id: str) -> None:
        """One language row per name in a comma-separated list; names without an ISO 639-1 code are reported."""
        for name in (part.strip() for part in names.split(",")):
            if not name:
                continue
            code = language_code("", name)
            if code is None:
                self.batch.skip(where, "language", name, "name", "No ISO 639-1 code for this language: left out.")
                continue
            self.batch.add(
                "language",
                {"id": f"{owner_field}:{owner_id}:{name}", owner_field: owner_id, "name": name, "code": code},
                where,
            )

    def schedule(self, where: str, row: dict, owners: tuple[str, ...]) -> None:
        owner = next((field for field in owners if row.get(field)), None)
        day = WEEKDAY_NAMES.get(row.get("weekday", "").lower())
        if day is None:
            self.batch.error(where, "schedule", row.get("id", ""), "weekday", "Not a weekday name.")
            return
        if not row.get("opens_at") and not row.get("closes_at"):
            self.batch.skip(
                where,
                "schedule",
                row.get("id", ""),
                "opens_at",
                "No opening hours on this day (closed): nothing to keep.",
            )
            return
        times = {}
        for field in ("opens_at", "closes_at"):
            try:
                times[field] = parse_time(row.get(field, ""))
            except ValueError as error:
                self.batch.error(where, "schedule", row.get("id", ""), field, str(error))
                return
        opens_at, closes_at = times["opens_at"], times["closes_at"]
        afternoon = closes_at.replace(hour=closes_at.hour + 12) if closes_at.hour < 12 else None
        if (
            closes_at < opens_at
            and afternoon
            and afternoon > opens_at
            and not re.search("[ap]", row["closes_at"], re.I)
        ):
            # Legacy data writes 9:00-5:00 for a working day; open twenty hours overnight is the unlikely reading.
            self.batch.warn(
                where,
                "schedule",
                row.get("id", ""),
                "closes_at",
                "Closing time read as afternoon.",
                detail=f"{row['closes_at']} → {afternoon:%H:%M}",
            )
            times["closes_at"] = afternoon
        times = {field: f"{value:%H:%M}" for field, value in times.items()}
        self.batch.add(
            "schedule",
            {
                "id": row.get("id") or f"{owner}:{row.get(owner, '')}:{day}:{times['opens_at']}",
                **{field: row.get(field, "") for field in owners},
                "freq": "WEEKLY",
                "byday": day,
                **times,
            },
            where,
        )

    def holiday(self, where: str, row: dict, owners: tuple[str, ...]) -> None:
        """A holiday closure. Open-on-a-holiday hours and dates without a year cannot be kept."""
        record = row.get("id", "")
        if row.get("closed", "true").lower() not in ("true", "1", "yes", "t"):
            self.batch.skip(
                where,
                "schedule",
                record,
                "closed",
                "Special opening hours on a date cannot be kept; the directory keeps closures.",
            )
            return
        dates = [parse_date(row.get(field, "")) for field in ("start_date", "end_date")]
        if dates[0] is None:
            self.batch.error(where, "schedule", record, "start_date", "Not a date.")
            return
        if dates[0].year < 1900:
            # Ohana writes a yearly holiday with the year 0001; a closure needs real dates.
            self.batch.skip(
                where,
                "schedule",
                record,
                "start_date",
                "A yearly holiday without a year cannot be kept.",
                detail=row.get("start_date", ""),
            )
            return
        owner = next((field for field in owners if row.get(field)), None)
        self.batch.add(
            "schedule",
            {
                "id": record or f"{owner}:{row.get(owner, '')}:closed:{dates[0]}",
                **{field: row.get(field, "") for field in owners},
                "valid_from": dates[0].isoformat(),
                "valid_to": (dates[1] or dates[0]).isoformat(),
                "description": row.get("description", "") or "Holiday",
            },
            where,
        )


def parse_date(value: str) -> datetime.date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    return None


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


def pick(row: dict, *columns: str) -> dict:
    return {column: row.get(column, "") for column in columns}


def read_taxonomy(reader: Reader, filename: str, *, id_column: str) -> None:
    """A legacy taxonomy file (id, name, parent_id): one taxonomy of the source's own, its terms in it."""
    rows = list(reader.rows(filename))
    if not rows:
        return
    batch = reader.batch
    name = f"Taxonomy of {batch.source}"
    batch.add(
        "taxonomy",
        {"id": "taxonomy", "name": name, "description": f"The service taxonomy that came with {batch.source}."},
        rows[0][0],
    )
    for where, row in rows:
        batch.add(
            "taxonomy_term",
            {
                "id": row.get(id_column, ""),
                "code": row.get(id_column, ""),
                "name": row.get("name", ""),
                "description": "",
                "parent_id": row.get("parent_id", ""),
                "taxonomy_id": "taxonomy",
            },
            where,
        )


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
