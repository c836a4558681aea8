"""Open Referral UK v1 JSON: the ``/services`` API of English councils' service directories.

A file holds a page of services (``{"content": [...], "totalElements": ...}``), a list of them, or one
service (``/services/{id}``). A service nests what HSDS 3.0 keeps in tables, under names of its own:

- ``organization`` (its ``url`` is the website), ``fees`` (the fees description), ``assured_date``;
- ``service_at_locations``, each with its ``location``, the location's ``physical_addresses`` and
  ``accessibility_for_disabilities``, and hours of its own (``regular_schedule``, ``holiday_schedule``);
- ``regular_schedules`` (RRULEs, as in HSDS 2.0) and ``holiday_schedules`` (closures);
- ``eligibilitys`` (text, ages, and eligibility terms), ``service_taxonomys`` (terms, each with the
  ``vocabulary`` it comes from);
- ``contacts`` with their phones (the directory keeps the phones, on the service), ``languages`` by name,
  ``cost_options`` (in pounds), ``service_areas``, ``fundings`` and ``reviews``.

Placecube's feeds add ``pc_metadata`` (``date_assured``) and ``pc_targetAudience``; Outpost's "partial"
feeds write ``organisation``, ``locations``, ``taxonomies``, ``min_age``/``max_age`` and ``suitabilities``.
Target audiences, suitabilities and SEND needs are kept as terms of taxonomies of those names.

Every key is either mapped or named in a warning, once, with the number of records that had a value in it.
"""

from collections import Counter

from providers.hsds.importer.files import Files
from providers.hsds.importer.readers.legacy import Reader
from providers.hsds.importer.records import Batch

UK_NAMES = {"england", "scotland", "wales", "northern ireland", "united kingdom", "uk", "great britain", "britain"}
PAGE_KEYS = {"content", "totalElements", "totalPages", "number", "size", "first", "last", "empty"}
SERVICE_KEYS = {
    "id",
    "name",
    "description",
    "url",
    "email",
    "status",
    "fees",
    "accreditations",
    "assured_date",
    "organization",
    "organisation",
    "service_at_locations",
    "locations",
    "regular_schedules",
    "holiday_schedules",
    "eligibilitys",
    "eligibilities",
    "min_age",
    "max_age",
    "service_taxonomys",
    "service_taxonomies",
    "taxonomies",
    "contacts",
    "languages",
    "cost_options",
    "service_areas",
    "fundings",
    "reviews",
    "pc_metadata",
}
# Lists of categories some feeds add to a service: kept as terms of a taxonomy of their own.
# key -> (taxonomy name, the key of each item's name)
TERM_LISTS = {
    "pc_targetAudience": ("Target audiences", "audienceType"),
    "target_audiences": ("Target audiences", "name"),
    "suitabilities": ("Suitabilities", "name"),
    "send_needs": ("SEND needs", "name"),
}
ORGANIZATION_KEYS = {"id", "name", "description", "url", "website", "email", "logo", "uri"}
SERVICE_AT_LOCATION_KEYS = {"id", "location", "regular_schedule", "regular_schedules"}
SERVICE_AT_LOCATION_KEYS |= {"holiday_schedule", "holiday_schedules", "holidayScheduleCollection"}
LOCATION_KEYS = {"id", "name", "description", "latitude", "longitude", "geometry", "physical_addresses"}
LOCATION_KEYS |= {"accessibility_for_disabilities", "accessibilities"}
ADDRESS_KEYS = {"id", "attention", "address_1", "address_2", "address_3", "address_4", "city", "region"}
ADDRESS_KEYS |= {"state_province", "postal_code", "country"}
SCHEDULE_KEYS = {"id", "opens_at", "closes_at", "byday", "weekday", "freq", "interval", "dtstart", "until", "count"}
SCHEDULE_KEYS |= {"wkst", "byweekno", "bymonthday", "byyearday", "valid_from", "valid_to", "description"}
SCHEDULE_KEYS |= {"timezone", "service_at_location"}
HOLIDAY_KEYS = {"id", "closed", "opens_at", "open_at", "closes_at", "start_date", "end_date", "description"}
ELIGIBILITY_KEYS = {"id", "eligibility", "minimum_age", "maximum_age", "taxonomys"}
TERM_KEYS = {"id", "name", "vocabulary", "parent", "parent_id"}
CONTACT_KEYS = {"id", "name", "title", "email", "phones", "phone"}
PHONE_KEYS = {"id", "number", "type", "extension", "description"}
COST_KEYS = {"id", "option", "amount", "amount_description", "currency", "valid_from", "valid_to"}
AREA_KEYS = {"id", "service_area", "name", "extent", "uri"}
FUNDING_KEYS = {"id", "source"}
PC_METADATA_KEYS = {"date_assured"}


def read_oruk(files: Files, batch: Batch) -> None:
    """Every JSON file of ``files``: a page, a list of services, or one service."""
    reader = OrukReader(files, batch)
    names = files.names()
    json_names = [name for name in names if name.lower().endswith(".json")]
    if not json_names:
        batch.error(str(files.path), "file", "", "", "No JSON files here: not Open Referral UK JSON.")
        return
    others = [name for name in names if name not in json_names]
    if others:
        batch.warn(
            others[0],
            "file",
            "",
            "",
            "Not read: the Open Referral UK reader reads the JSON files; nothing in this one is imported.",
            detail=f"{len(others)} files: {', '.join(others)}" if len(others) > 1 else "",
        )
    for name, document in files.json_documents(json_names, batch):
        reader.document(name, document)
    reader.report()


def text(value) -> str:
    """A JSON scalar as the text a CSV cell would hold: "" for null, "true" for true, "3" for 3.0."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def items(record: dict, *keys: str) -> list[tuple[str, dict]]:
    """(key/number, item) for the objects of the first of ``keys`` that holds a list."""
    for key in keys:
        if isinstance(record.get(key), list):
            return [(f"{key}/{number}", item) for number, item in enumerate(record[key]) if isinstance(item, dict)]
    return []


def age(value) -> int | None:
    try:
        return int(float(text(value)))
    except ValueError:
        return None


class OrukReader(Reader):
    def __init__(self, files: Files, batch: Batch) -> None:
        super().__init__(files, batch)
        self.name = ""
        self.unkept: Counter = Counter()  # (kind, key) -> records with a value in it
        self.unkept_where: dict[tuple[str, str], str] = {}
        self.reviews: list[str] = []

    def at(self, pointer: str) -> str:
        return f"{self.name} {pointer}" if pointer else self.name

    def keys(self, pointer: str, kind: str, record: dict, known: set, prefix: str = "") -> None:
        """Count the keys of ``record`` with a value that the reader has no place for."""
        for key, value in record.items():
            if key not in known and value not in (None, "", [], {}):
                self.unkept[kind, prefix + key] += 1
                self.unkept_where.setdefault((kind, prefix + key), self.at(pointer))

    def document(self, name: str, document) -> None:
        self.name = name
        if isinstance(document, list):
            services = [(f"/{number}", item) for number, item in enumerate(document)]
        elif isinstance(document, dict) and isinstance(document.get("content"), list):
            services = [(f"/content/{number}", item) for number, item in enumerate(document["content"])]
            self.keys("", "page", document, PAGE_KEYS)
        elif isinstance(document, dict) and "id" in document:
            services = [("", document)]
        else:
            self.batch.error(name, "file", "", "", "Not a service, a list of services or a page of them.")
            return
        for pointer, record in services:
            if isinstance(record, dict):
                self.service(pointer, record)
            else:
                self.batch.error(self.at(pointer), "service", "", "", "Expected a JSON object.")

    def service(self, pointer: str, record: dict) -> None:
        self.keys(pointer, "service", record, SERVICE_KEYS | set(TERM_LISTS))
        where = self.at(pointer)
        service_id = text(record.get("id"))
        organization = record.get("organization") or record.get("organisation")
        organization_id = ""
        if isinstance(organization, dict):
            key = "organization" if record.get("organization") else "organisation"
            organization_id = self.organization(f"{pointer}/{key}", organization)
        metadata = record.get("pc_metadata") if isinstance(record.get("pc_metadata"), dict) else {}
        self.keys(pointer, "service", metadata, PC_METADATA_KEYS, prefix="pc_metadata.")
        status = text(record.get("status")).lower()
        if not status:
            self.batch.warn(where, "service", service_id, "status", "No status given: imported as active.")
        added = self.batch.add(
            "service",
            {
                "id": service_id,
                "organization_id": organization_id,
                "name": text(record.get("name")),
                "description": text(record.get("description")),
                "url": text(record.get("url")),
                "email": text(record.get("email")),
                "status": status or "active",
                "fees_description": text(record.get("fees")),
                "accreditations": text(record.get("accreditations")),
                "assured_date": text(record.get("assured_date")) or text(metadata.get("date_assured")),
                **self.eligibility(pointer, record, service_id),
            },
            where,
        )
        if added is None:
            return
        for key, item in items(record, "service_at_locations"):
            self.service_at_location(f"{pointer}/{key}", item, service_id)
        for key, item in items(record, "locations"):
            location_id = self.location(f"{pointer}/{key}", item)
            if location_id:
                fields = {"id": f"{service_id}@{location_id}", "service_id": service_id, "location_id": location_id}
                self.batch.add("service_at_location", fields, self.at(f"{pointer}/{key}"))
        for key, item in items(record, "regular_schedules"):
            self.schedule(f"{pointer}/{key}", item, "service_id", service_id)
        for key, item in items(record, "holiday_schedules"):
            self.holiday_schedule(f"{pointer}/{key}", item, "service_id", service_id)
        for key, item in items(record, "service_taxonomys", "service_taxonomies"):
            self.keys(f"{pointer}/{key}", "service_taxonomy", item, {"id", "taxonomy"})
            if isinstance(item.get("taxonomy"), dict):
                self.term(f"{pointer}/{key}/taxonomy", item["taxonomy"], service_id, link=text(item.get("id")))
        for key, item in items(record, "taxonomies"):
            self.term(f"{pointer}/{key}", item, service_id, known={"slug"})
        for list_key, (taxonomy, name_key) in TERM_LISTS.items():
            for key, item in items(record, list_key):
                self.keys(f"{pointer}/{key}", list_key, item, {"id", name_key, "slug"})
                # By name: feeds give the same audience a new id on each service.
                name = text(item.get(name_key))
                term = {"id": f"{list_key}:{name or text(item.get('id'))}", "name": name, "vocabulary": taxonomy}
                self.term(f"{pointer}/{key}", term, service_id, link_type=list_key)
        self.contacts(pointer, record, service_id)
        for key, item in items(record, "languages"):
            self.keys(f"{pointer}/{key}", "language", item, {"id", "language"})
            self.languages(self.at(f"{pointer}/{key}"), text(item.get("language")), "service_id", service_id)
        for number, (key, item) in enumerate(items(record, "cost_options")):
            self.keys(f"{pointer}/{key}", "cost_option", item, COST_KEYS)
            fields = {field: text(item.get(field)) for field in ("option", "amount_description", "valid_from")}
            fields |= {"valid_to": text(item.get("valid_to")), "amount": text(item.get("amount"))}
            self.batch.add(
                "cost_option",
                {
                    "id": text(item.get("id")) or f"{service_id}:cost:{number}",
                    "service_id": service_id,
                    **fields,
                    "currency": text(item.get("currency")) or "GBP",  # the UK's standard: amounts in pounds
                },
                self.at(f"{pointer}/{key}"),
            )
        for number, (key, item) in enumerate(items(record, "service_areas")):
            self.keys(f"{pointer}/{key}", "service_area", item, AREA_KEYS)
            extent = text(item.get("extent"))
            self.batch.add(
                "service_area",
                {
                    "id": text(item.get("id")) or f"{service_id}:area:{number}",
                    "service_id": service_id,
                    "name": text(item.get("service_area")) or text(item.get("name")),
                    "extent": extent,
                    "extent_type": "geojson" if extent.startswith("{") else "text",
                    "uri": text(item.get("uri")),
                },
                self.at(f"{pointer}/{key}"),
            )
        for number, (key, item) in enumerate(items(record, "fundings")):
            self.keys(f"{pointer}/{key}", "funding", item, FUNDING_KEYS)
            fields = {"id": text(item.get("id")) or f"{service_id}:funding:{number}", "service_id": service_id}
            self.batch.add("funding", {**fields, "source": text(item.get("source"))}, self.at(f"{pointer}/{key}"))
        self.reviews += [self.at(f"{pointer}/{key}") for key, _ in items(record, "reviews")]

    def organization(self, pointer: str, record: dict) -> str:
        self.keys(pointer, "organization", record, ORGANIZATION_KEYS)
        organization_id = text(record.get("id"))
        fields = {field: text(record.get(field)) for field in ("name", "description", "email", "logo", "uri")}
        website = text(record.get("url")) or text(record.get("website"))
        self.batch.add("organization", {"id": organization_id, **fields, "website": website}, self.at(pointer))
        return organization_id

    def eligibility(self, pointer: str, record: dict, service_id: str) -> dict:
        """The service's eligibility description and ages; eligibility terms become its attributes."""
        words, ranges = [], []
        for key, item in items(record, "eligibilitys", "eligibilities"):
            self.keys(f"{pointer}/{key}", "eligibility", item, ELIGIBILITY_KEYS)
            if text(item.get("eligibility")):
                words.append(text(item.get("eligibility")))
            minimum, maximum = age(item.get("minimum_age")), age(item.get("maximum_age"))
            if maximum == 0:
                # A feed that stores ages as numbers writes 0 where none was given; no service is for under-ones only.
                self.batch.warn(
                    self.at(f"{pointer}/{key}"),
                    "service",
                    service_id,
                    "maximum_age",
                    "A maximum age of 0 read as not stated.",
                )
                maximum = None
            if minimum is not None or maximum is not None:
                ranges.append((minimum, maximum))
            for term_key, term in items(item, "taxonomys"):
                self.term(f"{pointer}/{key}/{term_key}", term, service_id, link_type="eligibility")
        if record.get("min_age") is not None or record.get("max_age") is not None:
            ranges.append((age(record.get("min_age")), age(record.get("max_age"))))
        fields = {"eligibility_description": "; ".join(dict.fromkeys(words))}
        if ranges:
            minimums = [low for low, _ in ranges if low is not None]
            maximums = [high for _, high in ranges]
            fields["minimum_age"] = min(minimums) if minimums else ""
            # One range without an upper limit means none.
            fields["maximum_age"] = "" if None in maximums else max(maximums)
            if len(set(ranges)) > 1:
                self.batch.warn(
                    self.at(pointer),
                    "service",
                    service_id,
                    "minimum_age",
                    "Several age ranges: kept the range that covers them all.",
                    detail=", ".join(
                        f"{low if low is not None else ''}–{high if high is not None else ''}" for low, high in ranges
                    ),
                )
        return fields

    def term(
        self,
        pointer: str,
        taxonomy: dict,
        service_id: str,
        *,
        link: str = "",
        link_type: str = "",
        known: set = frozenset(),
    ) -> str:
        """A term (``id``, ``name``, ``vocabulary``, ``parent``) and the attribute that puts it on the service."""
        self.keys(pointer, "taxonomy_term", taxonomy, TERM_KEYS | known)
        term_id = text(taxonomy.get("id"))
        if not term_id:
            self.batch.skip(self.at(pointer), "taxonomy_term", "", "id", "A term without an id: left out.")
            return ""
        vocabulary = text(taxonomy.get("vocabulary")) or f"Taxonomy of {self.batch.source}"
        parent = taxonomy.get("parent", taxonomy.get("parent_id"))
        if isinstance(parent, dict):
            parent_id = self.term(f"{pointer}/parent", {"vocabulary": vocabulary, **parent}, "")
        else:
            parent_id = text(parent)
        self.batch.add(
            "taxonomy_term",
            {
                "id": term_id,
                "code": term_id,
                "name": text(taxonomy.get("name")),
                "description": "",
                "parent_id": parent_id,
                "taxonomy": vocabulary,
            },
            self.at(pointer),
        )
        if service_id:
            self.batch.add(
                "attribute",
                {
                    "id": link or f"{service_id}:{link_type}:{term_id}",
                    "link_id": self.batch.record_id("service", service_id),
                    "link_entity": "service",
                    "link_type": link_type,
                    "taxonomy_term_id": term_id,
                },
                self.at(pointer),
            )
        return term_id

    def service_at_location(self, pointer: str, record: dict, service_id: str) -> None:
        self.keys(pointer, "service_at_location", record, SERVICE_AT_LOCATION_KEYS)
        location = record.get("location")
        location_id = self.location(f"{pointer}/location", location) if isinstance(location, dict) else ""
        if not location_id:
            self.batch.skip(
                self.at(pointer), "service_at_location", text(record.get("id")), "location", "No location: left out."
            )
            return
        link_id = text(record.get("id")) or f"{service_id}@{location_id}"
        fields = {"id": link_id, "service_id": service_id, "location_id": location_id}
        self.batch.add("service_at_location", fields, self.at(pointer))
        for key, item in items(record, "regular_schedule", "regular_schedules"):
            self.schedule(f"{pointer}/{key}", item, "service_at_location_id", link_id)
        for key, item in items(record, "holiday_schedule", "holiday_schedules", "holidayScheduleCollection"):
            self.holiday_schedule(f"{pointer}/{key}", item, "service_at_location_id", link_id)

    def location(self, pointer: str, record: dict) -> str:
        self.keys(pointer, "location", record, LOCATION_KEYS | ADDRESS_KEYS)
        location_id = text(record.get("id"))
        latitude, longitude = text(record.get("latitude")), text(record.get("longitude"))
        geometry = record.get("geometry")
        if not latitude and isinstance(geometry, dict) and geometry.get("type") == "Point":
            coordinates = geometry.get("coordinates") or []
            if len(coordinates) >= 2:
                longitude, latitude = text(coordinates[0]), text(coordinates[1])  # GeoJSON: longitude first
        fields = {"name": text(record.get("name")), "description": text(record.get("description"))}
        fields |= {"latitude": latitude, "longitude": longitude, "location_type": "physical"}
        if self.batch.add("location", {"id": location_id, **fields}, self.at(pointer)) is None:
            return ""
        for key, item in items(record, "physical_addresses"):
            self.address(f"{pointer}/{key}", item, location_id, key)
        if record.get("address_1") or record.get("postal_code"):
            # Outpost writes the address into the location itself (its keys were counted with the location's).
            self.address(pointer, {**record, "id": ""}, location_id, "address", inline=True)
        for key, item in items(record, "accessibility_for_disabilities", "accessibilities"):
            self.keys(f"{pointer}/{key}", "accessibility", item, {"id", "accessibility", "details", "name", "slug"})
            description = text(item.get("accessibility")) or text(item.get("name"))
            self.batch.add(
                "accessibility",
                {
                    "id": text(item.get("id")) or f"{location_id}:{description}",
                    "location_id": location_id,
                    "description": description,
                    "details": text(item.get("details")),
                },
                self.at(f"{pointer}/{key}"),
            )
        return location_id

    def address(self, pointer: str, record: dict, location_id: str, key: str, *, inline: bool = False) -> None:
        if not inline:
            self.keys(pointer, "address", record, ADDRESS_KEYS)
        record_id = text(record.get("id")) or f"{location_id}:{key}"
        country = text(record.get("country"))
        code = "GB" if not country or country.lower().strip(". ") in UK_NAMES else country
        if code != country:
            self.batch.warn(
                self.at(pointer),
                "address",
                record_id,
                "country",
                "Country written as a name, or not at all: GB, the country of Open Referral UK.",
                detail=country or "none",
            )
        lines = (text(record.get(f"address_{line}")) for line in (2, 3, 4))
        fields = {field: text(record.get(field)) for field in ("attention", "address_1", "city", "region")}
        fields |= {field: text(record.get(field)) for field in ("state_province", "postal_code")}
        self.batch.add(
            "address",
            {
                "id": record_id,
                "location_id": location_id,
                **fields,
                "address_2": ", ".join(filter(None, lines)),
                "country": code,
                "address_type": "physical",
            },
            self.at(pointer),
        )

    def schedule(self, pointer: str, record: dict, owner: str, owner_id: str) -> None:
        self.keys(pointer, "schedule", record, SCHEDULE_KEYS)
        row = {key: text(value) for key, value in record.items() if key in SCHEDULE_KEYS}
        link = record.get("service_at_location")
        if owner == "service_id" and isinstance(link, dict) and text(link.get("id")):
            owner, owner_id = "service_at_location_id", text(link["id"])
        self.recurring(self.at(pointer), {**row, owner: owner_id}, (owner,))

    def holiday_schedule(self, pointer: str, record: dict, owner: str, owner_id: str) -> None:
        self.keys(pointer, "schedule", record, HOLIDAY_KEYS)
        row = {key: text(value) for key, value in record.items() if key in HOLIDAY_KEYS}
        self.holiday(self.at(pointer), {**row, owner: owner_id}, (owner,))

    def contacts(self, pointer: str, record: dict, service_id: str) -> None:
        """Contacts are not kept; their phones are, on the service, described by the contact's title."""
        for number, (key, contact) in enumerate(items(record, "contacts")):
            self.keys(f"{pointer}/{key}", "contact", contact, CONTACT_KEYS)
            contact_id = text(contact.get("id")) or f"{service_id}:contact:{number}"
            fields = {field: text(contact.get(field)) for field in ("name", "title", "email")}
            self.batch.add(
                "contact", {"id": contact_id, "service_id": service_id, **fields}, self.at(f"{pointer}/{key}")
            )
            phones = items(contact, "phones")
            if text(contact.get("phone")):
                phones.append(("phone", {"number": text(contact.get("phone"))}))
            for phone_key, phone in phones:
                self.keys(f"{pointer}/{key}/{phone_key}", "phone", phone, PHONE_KEYS)
                row = {field: text(phone.get(field)) for field in PHONE_KEYS}
                row["description"] = row["description"] or fields["title"]
                row |= {"service_id": service_id, "contact_id": contact_id}
                self.phone(self.at(f"{pointer}/{key}/{phone_key}"), row, ("service_id",))

    def report(self) -> None:
        for (kind, key), count in self.unkept.items():
            self.batch.warn(
                self.unkept_where[kind, key],
                kind,
                "",
                key,
                "Not kept: the directory has no such field.",
                detail=f"{count} records",
            )
        if self.reviews:
            self.batch.warn(
                self.reviews[0],
                "review",
                "",
                "",
                "Not kept: the directory has no reviews.",
                detail=f"{len(self.reviews)} records",
            )
