"""Read the legacy formats into HSDS 3.0 rows: HSDS 1.1 and 2.0 CSV, the Ohana API's CSV, Open Referral UK v1.

They predate UUIDs: their ids ("135831", "22") go through ``Batch.record_id``, which derives a stable
UUID from the source name, the kind and the id. Where a legacy record has no id at all, a natural key
stands in for it (a phone: its owner and number; hours: their owner, weekday and opening time), so
that a re-import finds the same record again.

What these formats hold that HSDS 3.0 keeps elsewhere is moved there (Ohana's service keywords and
county service areas become the directory's extras; eligibility rows become the service's
eligibility description); what the directory cannot keep is reported, never silently dropped.

HSDS 1.1 and 2.0 share most of their tables (organizations, services, locations, services_at_location,
phones, addresses, languages, accessibility, required documents, service areas, eligibility): those are
read here, once, by ``read_shared_tables``; readers/hsds11.py and readers/hsds20.py add what differs
(1.1's regular_schedules.csv and taxonomy.csv, 2.0's schedules.csv, attributes and taxonomy_terms.csv).
"""

import datetime
import re
from collections import Counter, defaultdict
from pathlib import PurePosixPath

from providers.hsds.importer.files import Files
from providers.hsds.importer.normalise import is_plain_time, language_code, parse_time
from providers.hsds.importer.records import Batch
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
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Words for several days at once, as exports write them in a weekday column.
DAY_WORDS = {
    "weekdays": WEEKDAY_CODES[:5],
    "weekends": WEEKDAY_CODES[5:],
    "weekend": WEEKDAY_CODES[5:],
    "daily": WEEKDAY_CODES,
    "every day": WEEKDAY_CODES,
    "everyday": WEEKDAY_CODES,
    "7 days": WEEKDAY_CODES,
}
ALL_DAY = re.compile(r"^(open )?24 ?(hours|hrs|h)( a day)?$", re.IGNORECASE)
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%B %d, %Y", "%b %d, %Y")
COUNTY = re.compile(r"^(.+ County)$", re.IGNORECASE)
# The kind of record each legacy file holds, by its name: what a column no mapping reads is reported under.
FILE_KINDS = {
    "organizations": "organization",
    "services": "service",
    "locations": "location",
    "services_at_location": "service_at_location",
    "service_at_location": "service_at_location",
    "phones": "phone",
    "addresses": "address",
    "physical_addresses": "address",
    "postal_addresses": "address",
    "mail_addresses": "address",
    "regular_schedules": "schedule",
    "holiday_schedules": "schedule",
    "schedules": "schedule",
    "languages": "language",
    "accessibility_for_disabilities": "accessibility",
    "required_documents": "required_document",
    "service_areas": "service_area",
    "taxonomy": "taxonomy_term",
    "taxonomy_terms": "taxonomy_term",
    "services_taxonomy": "attribute",
    "service_taxonomy": "attribute",
    "eligibility": "eligibility",
    "eligibilities": "eligibility",
}


class ReadRow(dict):
    """A CSV row that notes which columns the reader reads from it (``get``, ``[]``) in ``read``, shared by a file."""

    def __init__(self, values: dict, read: set) -> None:
        super().__init__(values)
        self.read = read

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


class Reader:
    """What both legacy readers share: the files, the batch, and cleaned-up values."""

    def __init__(self, files: Files, batch: Batch, columns: dict[str, tuple[str, set]] | None = None) -> None:
        self.files = files
        self.batch = batch
        self.read_names: set[str] = set()  # the files this reader looked at, for report_unread
        # File name -> (kind, the columns the reader maps): any other column with a value is counted, once per
        # file, and reported by report_unread as not kept.
        self.columns = columns or {}
        self.unknown_columns: Counter = Counter()  # (file, kind, column) -> rows with a value in it
        # The files without such a list: the columns that have a value (file -> column -> rows) and those read.
        self.filled: dict[str, Counter] = {}
        self.read_columns: dict[str, set] = {}

    def rows(self, filename: str):
        """Yield (where, row) of a CSV file, values stripped; nothing when the file is not there."""
        name = self.files.find(filename)
        if name is None:
            return
        counting = name not in self.read_names and PurePosixPath(name).name.lower() in self.columns
        self.read_names.add(name)
        kind, known = self.columns.get(PurePosixPath(name).name.lower(), ("", set()))
        tracking = PurePosixPath(name).name.lower() not in self.columns
        first = name not in self.read_columns
        if tracking and first:
            self.filled[name], self.read_columns[name] = Counter(), set()
        for where, row in self.files.csv_rows(name, self.batch):
            row = {key: (value or "").strip() for key, value in row.items() if key}
            if counting:
                for column, value in row.items():
                    if value and column not in known:
                        self.unknown_columns[name, kind, column] += 1
            if not tracking:
                yield where, row
                continue
            left_out = len(self.batch.left_out)
            yield where, ReadRow(row, self.read_columns[name])
            if first and len(self.batch.left_out) == left_out:
                # A row left out says why; the columns of the others are what the reader could have used.
                self.filled[name].update(column for column, value in row.items() if value)

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
        """Name, in one warning, every file of the import that this reader did not read: none is ignored silently.

        Also name, once each with a count, the columns of the files it read that it has no place for.
        """
        for (name, kind, column), count in self.unknown_columns.items():
            self.batch.warn(
                name, kind, "", column, "Not kept: the directory has no such field.", detail=f"{count} records"
            )
        for name, filled in self.filled.items():
            kind = FILE_KINDS.get(PurePosixPath(name).stem.lower(), PurePosixPath(name).stem)
            for column, count in filled.items():
                if column not in self.read_columns[name]:
                    reason = f"Not kept: the {format_name} reader uses this column in no row."
                    self.batch.warn(name, kind, "", column, reason, detail=f"{count} records")
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
        self.filled.pop(self.files.find(filename) or "", None)  # the file as a whole is named: not each column
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
        """One language row per name in a comma-separated list; names that are no language are reported."""
        for name in (part.strip() for part in names.split(",")):
            if not name:
                continue
            code = language_code("", name)
            if code is None:
                self.batch.skip(where, "language", name, "name", "No ISO 639 code for this language: left out.")
                continue
            self.batch.add(
                "language",
                {"id": f"{owner_field}:{owner_id}:{name}", owner_field: owner_id, "name": name, "code": code},
                where,
            )

    def schedule(self, where: str, row: dict, owners: tuple[str, ...]) -> None:
        """Weekly hours of HSDS 1.1 (and Ohana); 1.1's ``original_text`` (the hours as the source wrote them) goes
        with them as the schedule's notes, or, for a row with no weekday and times to keep, is named in a warning.
        """
        owner = next((field for field in owners if row.get(field)), None)
        original_text = row.get("original_text", "")
        no_times = not row.get("opens_at") and not row.get("closes_at")
        if not row.get("weekday") and no_times:
            reason = (
                "Hours given only in words (original_text): the directory keeps weekdays and times; left out."
                if original_text
                else "No weekday and no hours: nothing to keep."
            )
            field = "original_text" if original_text else "weekday"
            self.batch.skip(where, "schedule", row.get("id", ""), field, reason)
            return
        day = WEEKDAY_NAMES.get(row.get("weekday", "").lower())
        if day is None:
            self.batch.error(where, "schedule", row.get("id", ""), "weekday", "Not a weekday name.")
            return
        if no_times:
            self.batch.skip(
                where,
                "schedule",
                row.get("id", ""),
                "opens_at",
                "No opening hours on this day (closed): nothing to keep.",
                detail=f"original_text: {original_text}" if original_text else "",
            )
            return
        times = {}
        for field in ("opens_at", "closes_at"):
            try:
                times[field] = parse_time(row.get(field, ""))
            except ValueError:
                # Hours without a time they can be read at cannot be kept; the rest of the record can.
                self.batch.skip(
                    where, "schedule", row.get("id", ""), field, "Not a time: the hours left out.", row.get(field, "")
                )
                return
            if not is_plain_time(row[field]):
                self.batch.warn(
                    where,
                    "schedule",
                    row.get("id", ""),
                    field,
                    "Time read as hours and minutes.",
                    f"{row[field]} → {times[field]:%H:%M}",
                )
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
                "notes": original_text,
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

    def recurring(self, where: str, row: dict, owners: tuple[str, ...], key: str = "") -> None:
        """Opening hours as HSDS 2.0 and Open Referral UK write them: an RRULE (freq, byday ...) and two times.

        Days come as RRULE codes (``MO,WE``), as names (``monday``), or in a ``weekday`` column as exports
        write them (``Monday - Friday``, ``Tuesday & Thursday``). Where opens_at and closes_at are empty and
        dtstart/until (or valid_from/valid_to) hold times of day instead of dates, as some exports write
        them, those are the opening times (a warning says so). The loader keeps weekly hours and reports
        every other recurrence.
        """
        record = row.get("id", "")
        owner = next((field for field in owners if row.get(field)), None)
        if owner is None:
            self.batch.skip(
                where, "schedule", record, owners[0], "The hours belong to no service or location: left out."
            )
            return
        frequency = row.get("freq", "").upper()
        written = row.get("byday", "") or row.get("weekday", "")
        days = weekdays(written) if written else []
        if days is None and frequency in ("", "WEEKLY"):
            self.batch.skip(
                where, "schedule", record, "byday", "Not a weekday or a range of weekdays: left out.", detail=written
            )
            return
        fields = {field: row.get(field, "") for field in (*owners, "interval", "count", "wkst", "description")}
        fields |= {field: row.get(field, "") for field in ("byweekno", "bymonthday", "byyearday", "timezone")}
        times = {"opens_at": row.get("opens_at", ""), "closes_at": row.get("closes_at", "")}
        dates = {field: row.get(field, "") for field in ("valid_from", "valid_to", "dtstart", "until")}
        if ALL_DAY.match(times["opens_at"]) or ALL_DAY.match(times["closes_at"]):
            times = {"opens_at": "00:00", "closes_at": "23:59"}
            self.batch.warn(where, "schedule", record, "opens_at", "Open 24 hours: kept as 00:00–23:59.")
        if not times["opens_at"] and not times["closes_at"]:
            for first, last in (("dtstart", "until"), ("valid_from", "valid_to")):
                written_times = [row.get(first, ""), row.get(last, "")]
                found = [time_of_day(written) for written in written_times]
                if any(ALL_DAY.match(written) for written in written_times):
                    found = ["00:00", "23:59"]
                if any(found):
                    times = {"opens_at": found[0] or "", "closes_at": found[1] or ""}
                    dates[first] = dates[last] = ""
                    self.batch.warn(
                        where,
                        "schedule",
                        record,
                        first,
                        f"Opening times read from {first} and {last}, which hold times of day here, not dates.",
                        detail=f"{row.get(first, '')}–{row.get(last, '')}",
                    )
                    break
        if not times["opens_at"] and not times["closes_at"]:
            self.batch.skip(where, "schedule", record, "opens_at", "No opening times: nothing to keep.")
            return
        if days is None:
            days = [written.upper()]  # a monthly "1SA": the loader reports the recurrence it cannot keep
        self.batch.add(
            "schedule",
            {
                **fields,
                **dates,
                **times,
                "id": key or record or f"{owner}:{row[owner]}:{','.join(days)}:{times['opens_at']}",
                "freq": frequency or "WEEKLY",
                "byday": ",".join(days),
            },
            where,
        )


def weekdays(text: str) -> list[str] | None:
    """The RRULE codes of the days ``text`` names: MO,WE / monday / Monday - Friday / Mon - Tue & Thur - Fri.

    None when it names something else ("Second Saturday", "1SA", "by appointment").
    """
    words = re.sub(r"\s+", " ", text.strip().lower())
    if words in DAY_WORDS:
        return list(DAY_WORDS[words])
    days: list[str] = []
    for part in re.split(r"\s*(?:,|;|/|&|\band\b|\+)\s*", words):
        if not part:
            continue
        ends = re.split(r"\s*(?:-|–|—|\bto\b|\bthrough\b|\bthru\b)\s*", part)
        codes = [day_code(end) for end in ends]
        if None in codes or len(codes) > 2:
            return None
        if len(codes) == 2:
            first, last = WEEKDAY_CODES.index(codes[0]), WEEKDAY_CODES.index(codes[1])
            span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
            codes = [WEEKDAY_CODES[number] for number in span]
        days += [code for code in codes if code not in days]
    return days or None


def day_code(word: str) -> str | None:
    """MO for "mo", "mon", "monday", "Mondays"; TH for "thur", "thurs"; None for anything else."""
    word = word.strip().rstrip(".")
    if word.upper() in WEEKDAY_CODES:
        return word.upper()
    word = word.removesuffix("s")
    if len(word) < 3:
        return None
    return next((code for name, code in WEEKDAY_NAMES.items() if len(name) > 3 and name.startswith(word)), None)


def time_of_day(value: str) -> str | None:
    """``value`` when it is a time of day (8:30AM); None for a date or nothing."""
    if not value or parse_date(value) is not None:
        return None
    try:
        parse_time(value)
    except ValueError:
        return None
    return value


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


# ---- the tables HSDS 1.1 and 2.0 share -----------------------------------------------------------------


def each_owner(reader: Reader, where: str, kind: str, row: dict, owners: tuple[str, ...]) -> list[dict]:
    """The row once per record it belongs to: exports write "12,15" for a phone or hours two services share.

    The first of ``owners`` that lists several ids gives a copy for each (with an id of its own: the row's
    and the owner's); another owner field that lists several keeps its first, with a warning.
    """
    lists = {field: [part.strip() for part in row.get(field, "").split(",") if part.strip()] for field in owners}
    several = [field for field in owners if len(lists[field]) > 1]
    if not several:
        return [row]
    for field in several[1:]:
        reader.batch.warn(
            where, kind, row.get("id", ""), field, "Several ids: attached to the first.", detail=row[field]
        )
    first = {field: lists[field][0] for field in several[1:]}
    reader.batch.warn(
        where,
        kind,
        row.get("id", ""),
        several[0],
        "Given for several records: each gets a copy.",
        detail=f"{len(lists[several[0]])} copies",
    )
    return [
        {**row, **first, several[0]: one, "id": f"{row['id']}/{several[0]}:{one}" if row.get("id") else ""}
        for one in lists[several[0]]
    ]


def record_key(row: dict) -> str:
    """A record's id; without one, its name stands in, the one thing that identifies it."""
    return row.get("id") or (f"name:{row['name']}" if row.get("name") else "")


def read_shared_tables(reader: Reader) -> None:
    """The tables HSDS 1.1 and 2.0 define alike: organizations to service areas."""
    batch = reader.batch
    for where, row in reader.rows("organizations.csv"):
        fields = pick(
            row, "name", "alternate_name", "description", "email", "tax_status", "tax_id", "year_incorporated"
        )
        fields |= pick(row, "legal_status", "logo", "uri")
        batch.add(
            "organization",
            {"id": record_key(row), **fields, "website": row.get("url") or row.get("website", "")},
            where,
        )
    read_services(reader)
    for where, row in reader.rows("locations.csv"):
        fields = pick(row, "organization_id", "name", "alternate_name", "description", "transportation")
        fields |= pick(row, "latitude", "longitude")
        batch.add("location", {"id": row.get("id", ""), **fields, "location_type": "physical"}, where)
    for where, row in reader.spellings("services_at_location.csv", "service_at_location.csv"):
        # Some rows list several services, comma-separated: one service at location each.
        for service_id in [part.strip() for part in row.get("service_id", "").split(",")] or [""]:
            key = row.get("id") or f"{service_id}@{row.get('location_id', '')}"
            fields = {**pick(row, "location_id", "description"), "service_id": service_id, "id": key}
            batch.add("service_at_location", fields, where)
    owners = ("service_id", "location_id", "service_at_location_id", "organization_id")
    for where, row in reader.rows("phones.csv"):
        for copy in each_owner(reader, where, "phone", row, owners):
            reader.phone(where, copy, owners)
    read_addresses(reader)
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
        key = row.get("id") or f"{row.get('service_id')}:{row.get('document')}"
        batch.add("required_document", {**pick(row, "service_id", "document"), "id": key}, where)
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


def read_services(reader: Reader) -> None:
    """services.csv, with the eligibility rows that describe each service as its eligibility description."""
    batch = reader.batch
    eligibility = defaultdict(list)
    for filename in ("eligibility.csv", "eligibilities.csv"):
        for where, row in reader.rows(filename):
            for service_id in row.get("service_id", "").split(","):
                eligibility[service_id.strip()].append((where, row.get("eligibility", "")))
    service_ids = set()
    for where, row in reader.rows("services.csv"):
        if not row.get("status"):
            batch.warn(where, "service", row.get("id", ""), "status", "No status given: imported as active.")
        service_ids.add(row.get("id", ""))
        words = [text for _, text in eligibility.get(row.get("id", ""), []) if text] if row.get("id") else []
        fields = pick(row, "organization_id", "name", "alternate_name", "description", "url", "email")
        fields |= pick(row, "interpretation_services", "application_process", "wait_time", "accreditations", "licenses")
        batch.add(
            "service",
            {
                "id": record_key(row),
                **fields,
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


def read_addresses(reader: Reader) -> None:
    """physical_addresses.csv and postal_addresses.csv; address_3 and address_4 join address_2."""
    for filename, address_type in (("physical_addresses.csv", "physical"), ("postal_addresses.csv", "postal")):
        for where, row in reader.rows(filename):
            if not row.get("location_id"):
                reader.batch.skip(
                    where,
                    "address",
                    row.get("id", ""),
                    "location_id",
                    "The address belongs to no location (the directory keeps addresses on locations): left out.",
                )
                continue
            fields = pick(row, "location_id", "attention", "address_1", "city", "region", "state_province")
            reader.batch.add(
                "address",
                {
                    "id": row.get("id") or f"{address_type}:{row['location_id']}",
                    **fields,
                    "address_2": ", ".join(filter(None, (row.get(f"address_{line}", "") for line in (2, 3, 4)))),
                    "postal_code": row.get("postal_code", ""),
                    "country": row.get("country") or "US",
                    "address_type": address_type,
                },
                where,
            )
