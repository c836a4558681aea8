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

from providers.hsds.importer.files import Files
from providers.hsds.importer.records import Batch
from providers.hsds.importer.values import language_code, parse_time
from providers.hsds.serialize import EXTRAS

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
