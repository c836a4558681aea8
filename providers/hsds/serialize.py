"""Turn listings into Open Referral HSDS 3.0 records (plain dicts, ready for JSON).

The feed (views.py) and the export command use the same functions, so what a consumer reads and what a
file holds never differ. They take a batch of ids (a page, a chunk of the ndjson stream, a chunk of the
export) and fetch the records and their parts (phones, schedules, locations ...) with one query per
table for the whole batch (``Parts``), so that a batch costs the same few queries whatever its size.

Shapes follow the official schemas in fixtures/hsds/ (the tests validate against them):

- a field with no value is left out (HSDS types are plain ``string`` / ``number``, never ``null``),
  except the fields a schema requires, which are always there;
- a service ``minimal`` record is ``id``, ``name``, ``status`` and ``last_modified`` (the HSDS name of
  "modified date"; ``name`` and ``status`` are required by ``service_list.json``);
- what the directory knows beyond HSDS travels as ``attributes`` whose terms belong to the
  "directory-extras" taxonomy defined below, and as ``metadata`` records; see providers/hsds/README.md.
"""

import dataclasses
import datetime
import functools
import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from providers.models import (
    Accessibility,
    AdditionalUrl,
    Address,
    Attribute,
    ChangeRecord,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
)
from providers.translations import translations_of

HSDS_VERSION = "3.0"

# Ids of records that exist only in the feed (extras terms, attribute links, metadata) are uuid5 of
# this namespace and a stable name, so they stay the same from one request (and machine) to the next.
FEED_NAMESPACE = uuid.UUID("5d8f3f0e-2b7c-4c1e-9a51-3f1f6a0f7c42")
_NAMESPACE_BYTES = FEED_NAMESPACE.bytes


def feed_uuid(name: str) -> str:
    """``str(uuid.uuid5(FEED_NAMESPACE, name))``, without the two UUID objects (a page makes thousands)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode(), usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


# ---- the "directory-extras" taxonomy -----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Extra:
    code: str
    name: str
    description: str

    @functools.cached_property
    def id(self) -> str:
        return feed_uuid(f"{EXTRAS_TAXONOMY_CODE}/{self.code}")

    @functools.cached_property
    def taxonomy_term(self) -> dict:
        """The term as attributes nest it: the same for every attribute, so built once (do not change it)."""
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "taxonomy": EXTRAS_TAXONOMY["name"],
            "taxonomy_id": EXTRAS_TAXONOMY["id"],
            "taxonomy_detail": dict(EXTRAS_TAXONOMY),
            "language": "en",
        }


EXTRAS_TAXONOMY_CODE = "directory-extras"
# The extras' value for a fact nobody stated, as Service's choices spell it; the import reads it back so.
NOT_STATED = "not_stated"
EXTRAS_TAXONOMY = {
    "id": feed_uuid(EXTRAS_TAXONOMY_CODE),
    "name": "Referral directory extras",
    "description": (
        "Facts a referral network keeps beyond HSDS 3.0. Each term names one fact; an attribute with "
        "the term carries the fact in its value."
    ),
    "version": "1",
}
EXTRAS = {
    extra.code: extra
    for extra in [
        Extra(
            "capacity-status",
            "Capacity",
            "Whether the service takes new clients: accepting, waitlist or not_accepting; not_stated: nobody said.",
        ),
        Extra(
            "capacity-updated-at",
            "Capacity updated",
            "When the capacity was last stated (ISO 8601 date-time, UTC); left out while it is not stated.",
        ),
        Extra(
            "referral-method",
            "Referral method",
            "electronic: referrals are sent in the network; contact: call or visit; not_stated: nobody said "
            "(contact the provider).",
        ),
        Extra(
            "income-limit-percent-fpl",
            "Income limit",
            "Household income limit, in percent of the federal poverty guideline.",
        ),
        Extra("gender", "Gender served", "any, women or men; not_stated: nobody said."),
        Extra(
            "populations-required",
            "Populations required",
            "true: only people in one of the populations qualify; false: they are a focus; not_stated: nobody said.",
        ),
        Extra(
            "residency-required",
            "Residency required",
            "true: only people who live in a service area qualify; false: anyone may be served; not_stated: nobody "
            "said.",
        ),
        Extra(
            "last-verified-at", "Last verified", "When the agency last confirmed the listing (ISO 8601 date-time, UTC)."
        ),
        Extra("keywords", "Keywords", "Comma-separated words people search with."),
        Extra(
            "schedule-kind",
            "Schedule kind",
            "closure (on closures only): closed from valid_from to valid_to. Opening hours have freq WEEKLY.",
        ),
        Extra(
            "time-zone",
            "Time zone",
            "The IANA time zone of the schedule's opens_at and closes_at, like America/Denver.",
        ),
        Extra(
            "service-area-extent",
            "Service area extent",
            'The area as JSON: {"postal_codes": [...]}, {"counties": ["Denver County, CO"]} or '
            '{"center": [latitude, longitude], "radius_miles": 10}.',
        ),
        Extra("demo-record", "Fictional record", "true: the organization is part of a fictional demo network."),
        Extra("name-es", "Name in Spanish", "The term's name as the directory shows it in Spanish."),
        Extra("synonyms", "Synonyms", "Comma-separated words that mean the term, which search matches."),
        Extra(
            "synonyms-es",
            "Spanish synonyms",
            "Comma-separated Spanish words and phrases that mean the term, which search matches as Spanish.",
        ),
        Extra(
            "phone-extension",
            "Phone extension",
            "An extension that is not a plain number (12a, 0042); the phone's number ends with it (x12a), as HSDS "
            "types extension as a number.",
        ),
        Extra(
            "translations",
            "Translations",
            'The record\'s texts as its agency wrote them in other languages, as JSON: {"es": {"name": "...", '
            '"description": "..."}}, by language code, then by the HSDS field they translate. A text left out '
            "has no translation. Never machine-translated.",
        ),
        Extra("taxonomy-code", "Taxonomy code", "The directory's short name of the taxonomy, like categories."),
        Extra(
            "no-organization",
            "No organization",
            "true: the directory keeps the location without an organization (HSDS requires none); an import "
            "leaves it so instead of giving it the organization of a service there.",
        ),
    ]
}

# The most recorded changes a service's metadata carries: the latest ones.
HISTORY_LIMIT = 50

# How the directory's own term relations appear as attribute link types.
LINK_TYPES = {"categories": "category", "populations": "population", "insurance_accepted": "insurance"}


# ---- small helpers --------------------------------------------------------------------------------


def date_time(value: datetime.datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds, as HSDS's last_modified asks (2023-03-15T10:30:45.123Z)."""
    if value is None:
        return None
    return value.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _clock(value: datetime.time | None) -> str | None:
    """A time of day as HSDS writes it, HH:MM; with its seconds when it has some."""
    if value is None:
        return None
    return value.isoformat() if value.second or value.microsecond else value.isoformat("minutes")


def _id(value) -> str | None:
    return str(value) if value is not None else None


def _record(required: dict, **optional) -> dict:
    """Required fields always; optional ones only when they hold something (lists always)."""
    record = dict(required)
    for key, value in optional.items():
        if isinstance(value, list) or value not in (None, ""):
            record[key] = value
    return record


def _extra(record_id, entity: str, code: str, value: str) -> dict:
    extra = EXTRAS[code]
    record_id = str(record_id)
    return {
        "id": feed_uuid(f"{record_id}/{code}"),
        "link_id": record_id,
        "link_type": "directory_extra",
        "link_entity": entity,
        "taxonomy_term_id": extra.id,
        "value": value,
        "taxonomy_term": extra.taxonomy_term,
    }


def _term_attribute(record_id, entity: str, link_type: str, term: dict) -> dict:
    """``term``: the term as ``taxonomy_term_to_hsds(term, detail=False)`` gives it."""
    record_id = str(record_id)
    return {
        "id": feed_uuid(f"{record_id}/{link_type}/{term['id']}"),
        "link_id": record_id,
        "link_type": link_type,
        "link_entity": entity,
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }


def _metadata(resource_id, resource_type: str, action: str, when: datetime.datetime, field_name: str = "") -> dict:
    resource_id = str(resource_id)
    return {
        "id": feed_uuid(f"{resource_id}/metadata/{action}"),
        "resource_id": resource_id,
        "resource_type": resource_type,
        "last_action_date": date_time(when),
        "last_action_type": action,
        "field_name": field_name,
        "previous_value": "",
        "replacement_value": "",
        # The feed is public: who changed a listing stays in the directory.
        "updated_by": "",
    }


def _translations(record, record_id, entity: str) -> list[dict]:
    """The record's Spanish texts as a "translations" extra (none when it has none): see providers/hsds/README.md."""
    spanish = translations_of(record, entity)
    if not spanish:
        return []
    value = json.dumps({"es": spanish}, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return [_extra(record_id, entity, "translations", value)]


def _boolean(value: bool) -> str:
    return "true" if value else "false"


def _stated_boolean(value: bool | None) -> str:
    """true, false, or not_stated for a rule nobody stated (the import reads it back as such)."""
    return NOT_STATED if value is None else _boolean(value)


def _in_order(records: Iterable, ids: Sequence) -> list:
    """The records in the order of ``ids``; one deleted since its id was read is left out."""
    by_id = {record.pk: record for record in records}
    return [by_id[record_id] for record_id in ids if record_id in by_id]


# ---- the parts of a batch of records ----------------------------------------------------------------

# The fields each part's serializer reads. Parts are fetched as named tuples of these fields
# (values_list(named=True)), which read like model instances without the cost of building them.
LOCATION_FIELDS = (
    "id",
    "organization_id",
    "location_type",
    "url",
    "name",
    "alternate_name",
    "description",
    "transportation",
    "latitude",
    "longitude",
    "external_identifier",
    "external_identifier_type",
)
LINK_FIELDS = ("id", "service_id", "location_id", "description")
PHONE_OWNERS = ("organization_id", "service_id", "location_id", "service_at_location_id")
PHONE_FIELDS = ("id", *PHONE_OWNERS, "number", "extension", "type", "description")
LANGUAGE_OWNERS = ("service_id", "location_id", "phone_id")
LANGUAGE_FIELDS = ("id", *LANGUAGE_OWNERS, "name", "code", "note")
SCHEDULE_OWNERS = ("service_id", "location_id", "service_at_location_id")
SCHEDULE_FIELDS = (
    "id",
    *SCHEDULE_OWNERS,
    "kind",
    "weekday",
    "opens_at",
    "closes_at",
    "valid_from",
    "valid_to",
    "timezone",
    "description",
    "notes",
    "description_es",
    "notes_es",
)
AREA_FIELDS = (
    "id",
    "service_id",
    "service_at_location_id",
    "name",
    "description",
    "extent_type",
    "postal_codes",
    "counties",
    "center_latitude",
    "center_longitude",
    "radius_miles",
    "polygon",
)
COST_FIELDS = (
    "id",
    "service_id",
    "valid_from",
    "valid_to",
    "option",
    "currency",
    "amount",
    "amount_description",
    "option_es",
    "amount_description_es",
)
DOCUMENT_FIELDS = ("id", "service_id", "document", "uri", "document_es")
ADDRESS_FIELDS = (
    "id",
    "location_id",
    "attention",
    "address_1",
    "address_2",
    "city",
    "region",
    "state_province",
    "postal_code",
    "country",
    "address_type",
)
ACCESSIBILITY_FIELDS = ("id", "location_id", "feature", "description", "details", "url")
# HSDS 3.1
URL_FIELDS = ("id", "organization_id", "service_id", "label", "url")
CAPACITY_FIELDS = (
    "id",
    "service_id",
    "unit_id",
    "available",
    "maximum",
    "description",
    "updated_at",
    "unit__name",
    "unit__scheme",
    "unit__identifier",
    "unit__uri",
)

# How the directory's own term relations are stored (the many-to-many tables of Service).
TERM_RELATIONS = {relation: getattr(Service, relation).through for relation in LINK_TYPES}

# Every nested list comes in a fixed order, so that the same data always gives the same bytes.
# The order is the database's (ORDER BY), never Python's, whose string order differs from a collation.
TERM_ORDER = ("taxonomy__name", "name", "id")
PHONE_ORDER = ("number", "id")
LANGUAGE_ORDER = ("name", "id")
SCHEDULE_ORDER = ("kind", "weekday", "opens_at", "valid_from", "id")


class Parts:
    """The parts of a batch of records, fetched with one query per table for the whole batch.

    ``services`` get their phones, schedules, service areas, languages, costs, documents and terms,
    and with ``service_locations`` their service at locations; ``links`` (service at locations) get
    their phones, schedules and location; ``organizations`` get their phones, locations and services
    (listed ones, or all with ``every_service``; with ``full_service`` those services get their parts
    too); ``locations`` (ids) are fetched too; every location gets its languages, addresses,
    accessibility, phones and schedules.
    ``history`` adds the services' latest changes; the imported ``Attribute`` rows of every record
    that carries ``attributes`` come too (they point at records by id, so one look-up serves all).

    Each table's rows come in the feed's order and are grouped by the record they belong to (a row
    with several owners, like a phone of a service and a location, under each), so the serializers
    read plain lists: no queryset per record, as prefetch_related makes.
    """

    def __init__(
        self,
        *,
        services: Sequence[Service] = (),
        links: Sequence[ServiceAtLocation] = (),
        organizations: Sequence[Organization] = (),
        locations: Sequence = (),
        service_locations: bool = True,
        full_service: bool = False,
        every_service: bool = False,
        history: bool = False,
    ) -> None:
        self.groups: dict[tuple[str, str], dict] = defaultdict(lambda: defaultdict(list))
        self.locations: dict = {}
        self.attributes: dict = defaultdict(list)
        self.history: dict = defaultdict(list)
        organization_ids = [organization.pk for organization in organizations]
        services = list(services)
        history_ids = [service.pk for service in services] if history else []
        if organization_ids:
            listing = Service.objects.all() if every_service else Service.objects.listed()
            for service in listing.filter(organization__in=organization_ids).order_by("name", "id"):
                self.groups["services", "organization_id"][service.organization_id].append(service)
                if full_service:
                    services.append(service)
        service_ids = [service.pk for service in services]
        link_ids = [link.pk for link in links]
        location_ids = {link.location_id for link in links} | set(locations)
        if service_ids and service_locations:
            rows = ServiceAtLocation.objects.filter(service__in=service_ids).order_by("location__name", "id")
            for link in self._group("service_at_locations", rows, LINK_FIELDS, ["service_id"]):
                link_ids.append(link.id)
                location_ids.add(link.location_id)
        rows = Location.objects.filter(Q(organization__in=organization_ids) | Q(pk__in=location_ids))
        for location in self._group("locations", rows.order_by("name", "id"), LOCATION_FIELDS, ["organization_id"]):
            self.locations[location.id] = location
        location_ids = list(self.locations)

        def owned(owners: dict) -> Q:
            """Rows of any of the owners: {owner field: ids}."""
            return functools.reduce(Q.__or__, (Q(**{f"{field}__in": ids}) for field, ids in owners.items()))

        phones = Phone.objects.filter(
            owned(
                {
                    "organization_id": organization_ids,
                    "service_id": service_ids,
                    "location_id": location_ids,
                    "service_at_location_id": link_ids,
                }
            )
        )
        phone_ids = [phone.id for phone in self._group("phones", phones.order_by(*PHONE_ORDER), PHONE_FIELDS)]
        languages = Language.objects.filter(
            owned({"service_id": service_ids, "location_id": location_ids, "phone_id": phone_ids})
        )
        languages = self._group("languages", languages.order_by(*LANGUAGE_ORDER), LANGUAGE_FIELDS)
        schedules = Schedule.objects.filter(
            owned({"service_id": service_ids, "location_id": location_ids, "service_at_location_id": link_ids})
        )
        schedules = self._group("schedules", schedules.order_by(*SCHEDULE_ORDER), SCHEDULE_FIELDS)
        areas = ServiceArea.objects.filter(service__in=service_ids).order_by("name", "id")
        areas = self._group("service_areas", areas, AREA_FIELDS)
        costs = CostOption.objects.filter(service__in=service_ids).order_by("valid_from", "amount", "id")
        costs = self._group("cost_options", costs, COST_FIELDS)
        documents = RequiredDocument.objects.filter(service__in=service_ids).order_by("document", "id")
        documents = self._group("required_documents", documents, DOCUMENT_FIELDS)
        addresses = Address.objects.filter(location__in=location_ids).order_by("address_type", "id")
        addresses = self._group("addresses", addresses, ADDRESS_FIELDS)
        features = Accessibility.objects.filter(location__in=location_ids).order_by("description", "id")
        features = self._group("accessibility", features, ACCESSIBILITY_FIELDS)
        urls = AdditionalUrl.objects.filter(owned({"organization_id": organization_ids, "service_id": service_ids}))
        urls = self._group("urls", urls.order_by("label", "url", "id"), URL_FIELDS)
        capacities = ServiceCapacity.objects.filter(service__in=service_ids).order_by("unit__name", "id")
        capacities = self._group("capacities", capacities, CAPACITY_FIELDS, ["service_id"])
        self._fetch_terms(service_ids)
        if history_ids:
            self._fetch_history(history_ids)
        holders = [
            *organization_ids,
            *service_ids,
            *link_ids,
            *location_ids,
            *(schedule.id for schedule in schedules),
            *(area.id for area in areas),
            *(part.id for rows in (urls, capacities) for part in rows),
            *{capacity.unit_id for capacity in capacities},
            *phone_ids,
            *(part.id for rows in (languages, costs, documents, addresses, features) for part in rows),
        ]
        self.attributes = stored_attributes(holders)

    def of(self, part: str, owner_field: str, owner_id) -> list:
        """The ``part`` rows ("phones", "schedules" ...) whose ``owner_field`` is ``owner_id``, in feed order."""
        return self.groups[part, owner_field].get(owner_id, [])

    def _group(self, part: str, queryset: QuerySet, fields: tuple, owners: Iterable[str] | None = None) -> list:
        """Fetch ``fields`` of the rows; file each under every owner it has (``owners``: the ``*_id`` fields)."""
        rows = list(queryset.values_list(*fields, named=True))
        for owner in owners if owners is not None else [field for field in fields[1:] if field.endswith("_id")]:
            group = self.groups[part, owner]
            for row in rows:
                owner_id = getattr(row, owner)
                if owner_id is not None:
                    group[owner_id].append(row)
        return rows

    def _fetch_terms(self, service_ids: list) -> None:
        """The categories, populations and insurance of the services: term ids in term order, then the terms."""
        links = {}
        for relation, through in TERM_RELATIONS.items():
            rows = through.objects.filter(service__in=service_ids)
            order = [f"taxonomyterm__{field}" for field in TERM_ORDER]
            links[relation] = list(rows.order_by(*order).values_list("service_id", "taxonomyterm_id"))
        term_ids = {term_id for rows in links.values() for _, term_id in rows}
        terms = TaxonomyTerm.objects.filter(pk__in=term_ids).select_related("taxonomy")
        # One record per term for the whole batch: attributes nest it as it is (do not change it).
        records = {term.pk: taxonomy_term_to_hsds(term, detail=False) for term in terms}
        for relation, rows in links.items():
            group = self.groups[relation, "service_id"]
            for service_id, term_id in rows:
                group[service_id].append(records[term_id])

    def _fetch_history(self, service_ids: list) -> None:
        """The latest HISTORY_LIMIT changes of each service, in one query (a window function)."""
        recency = Window(RowNumber(), partition_by=F("service_id"), order_by=[F("changed_at").desc(), F("id")])
        changes = (
            ChangeRecord.objects.filter(service__in=service_ids)
            .select_related("changed_by")  # as_hsds_metadata reads it
            .annotate(recency=recency)
            .filter(recency__lte=HISTORY_LIMIT)
            .order_by("-changed_at", "id")
        )
        for change in changes:
            self.history[change.service_id].append(change)

    def attributes_of(self, record_id) -> list[dict]:
        """The imported attributes of a record, after the ones the serializer makes."""
        return self.attributes.get(record_id, [])


def stored_attributes(record_ids: Sequence) -> dict[uuid.UUID, list[dict]]:
    """The ``Attribute`` rows of the records (an import stores them), as HSDS attributes by record id (a query)."""
    attributes = defaultdict(list)
    if not record_ids:
        return attributes
    rows = Attribute.objects.filter(link_id__in=record_ids).select_related("taxonomy_term__taxonomy")
    for row in rows.order_by("link_entity", "taxonomy_term__name", "id"):
        attribute = _record(
            {"id": str(row.pk)},
            link_id=str(row.link_id),
            link_type=row.link_type,
            link_entity=row.link_entity,
            taxonomy_term_id=str(row.taxonomy_term_id),
            value=row.value,
        )
        attribute["taxonomy_term"] = taxonomy_term_to_hsds(row.taxonomy_term, detail=False)
        attributes[row.link_id].append(attribute)
    return attributes


# ---- taxonomies -----------------------------------------------------------------------------------


def taxonomy_to_hsds(taxonomy: Taxonomy, *, attributes: Sequence | None = None) -> dict:
    """A taxonomy; given its stored ``attributes`` (not when nested in a term), with them and its code as extras.

    HSDS 3.0 gives a taxonomy, as a term, no attributes: a list like every other record's (the schema allows it).
    """
    record = _record(
        {"id": str(taxonomy.pk), "name": taxonomy.name, "description": taxonomy.description},
        uri=taxonomy.uri,
        version=taxonomy.version,
    )
    if attributes is not None:
        record["attributes"] = [_extra(taxonomy.pk, "taxonomy", "taxonomy-code", taxonomy.code), *attributes]
    return record


def taxonomy_term_to_hsds(term: TaxonomyTerm, *, detail: bool = True, attributes: Sequence = ()) -> dict:
    """A term; ``detail`` adds its taxonomy as ``taxonomy_detail``, and its Spanish name, synonyms and stored
    ``attributes`` as attributes.

    Reads ``term.taxonomy`` (select it).
    """
    record = _record(
        {"id": str(term.pk), "name": term.name, "description": term.description},
        code=term.code,
        parent_id=_id(term.parent_id),
        taxonomy=term.taxonomy.name,
        taxonomy_id=str(term.taxonomy_id),
        term_uri=term.term_uri,
        language="en",
    )
    if detail:
        record["taxonomy_detail"] = taxonomy_to_hsds(term.taxonomy)
        # The 3.0 taxonomy_term has no attributes of its own: a list like every other record's (the schema
        # allows it), the rows of attributes.csv in the CSV package.
        extras = [("name-es", term.name_es), ("synonyms", term.synonyms), ("synonyms-es", term.synonyms_es)]
        record["attributes"] = [
            *(_extra(term.pk, "taxonomy_term", code, value) for code, value in extras if value),
            *attributes,
        ]
    return record


def taxonomies_to_hsds(ids: Sequence) -> list[dict]:
    """The taxonomies of ``ids``, in that order, with their attributes (two queries)."""
    taxonomies = _in_order(Taxonomy.objects.filter(pk__in=ids), ids)
    stored = stored_attributes([taxonomy.pk for taxonomy in taxonomies])
    return [taxonomy_to_hsds(taxonomy, attributes=stored.get(taxonomy.pk, [])) for taxonomy in taxonomies]


def taxonomy_terms_to_hsds(ids: Sequence) -> list[dict]:
    """The terms of ``ids``, in that order, with their taxonomies and attributes (two queries)."""
    terms = _in_order(TaxonomyTerm.objects.filter(pk__in=ids).select_related("taxonomy"), ids)
    stored = stored_attributes([term.pk for term in terms])
    return [taxonomy_term_to_hsds(term, attributes=stored.get(term.pk, [])) for term in terms]


# ---- organizations, locations and their parts -------------------------------------------------------


def organizations_to_hsds(
    ids: Sequence, *, full: bool = False, full_service: bool = False, every_service: bool = False
) -> list[dict]:
    """The organizations of ``ids``, in that order; see ``organization_to_hsds``.

    ``every_service`` nests every service of an organization, not only the listed ones (the export).
    """
    organizations = _in_order(Organization.objects.filter(pk__in=ids), ids)
    parts = Parts(organizations=organizations, full_service=full_service, every_service=every_service) if full else None
    return [
        organization_to_hsds(organization, full=full, full_service=full_service, parts=parts)
        for organization in organizations
    ]


def organization_to_hsds(
    organization: Organization, *, full: bool = False, full_service: bool = False, parts: Parts | None = None
) -> dict:
    """An organization: its own fields, or with ``full`` its phones, locations, services and extras.

    ``full_service`` nests each service fully instead of its one-to-one fields. ``full`` reads ``parts``
    (``Parts(organizations=..., full_service=...)``).
    """
    organization_id = str(organization.pk)
    record = _record(
        {"id": organization_id, "name": organization.name, "description": organization.description},
        alternate_name=organization.alternate_name,
        email=organization.email,
        website=organization.website,
        tax_status=organization.tax_status,
        tax_id=organization.tax_id,
        year_incorporated=organization.year_incorporated,
        legal_status=organization.legal_status,
        logo=organization.logo,
        uri=organization.uri,
        parent_organization_id=_id(organization.parent_organization_id),
    )
    if not full:
        return record
    record["phones"] = [_phone(phone, parts) for phone in parts.of("phones", "organization_id", organization.pk)]
    record["locations"] = [
        _location(location, full=True, parts=parts)
        for location in parts.of("locations", "organization_id", organization.pk)
    ]
    record["services"] = [
        service_to_hsds(service, full=full_service, organization=False, parts=parts)
        for service in parts.of("services", "organization_id", organization.pk)
    ]
    record["additional_websites"] = [_url(url, parts) for url in parts.of("urls", "organization_id", organization.pk)]
    attributes = []
    if organization.is_demo:
        attributes.append(_extra(organization_id, "organization", "demo-record", "true"))
    attributes += _translations(organization, organization_id, "organization")
    record["attributes"] = attributes + parts.attributes_of(organization.pk)
    record["metadata"] = [
        _metadata(organization_id, "organization", "create", organization.created_at),
        _metadata(organization_id, "organization", "update", organization.modified_at),
    ]
    return record


def _location(location, *, full: bool, parts: Parts | None = None) -> dict:
    """A location (a Location or a row of LOCATION_FIELDS); ``full`` adds its parts from ``parts``."""
    record = _record(
        {"id": str(location.id), "location_type": location.location_type},
        url=location.url,
        organization_id=str(location.organization_id) if location.organization_id else None,
        name=location.name,
        alternate_name=location.alternate_name,
        description=location.description,
        transportation=location.transportation,
        latitude=location.latitude,
        longitude=location.longitude,
        external_identifier=location.external_identifier,
        external_identifier_type=location.external_identifier_type,
    )
    if not full:
        return record
    record["languages"] = [_language(language, parts) for language in parts.of("languages", "location_id", location.id)]
    record["addresses"] = [
        _record(
            {
                "id": str(address.id),
                "address_1": address.address_1,
                "city": address.city,
                "state_province": address.state_province,
                "postal_code": address.postal_code,
                "country": address.country,
                "address_type": address.address_type,
            },
            location_id=str(address.location_id),
            attention=address.attention,
            address_2=address.address_2,
            region=address.region,
            attributes=parts.attributes_of(address.id),
        )
        for address in parts.of("addresses", "location_id", location.id)
    ]
    record["accessibility"] = [
        _record(
            {"id": str(feature.id)},
            location_id=str(feature.location_id),
            description=accessibility_description(feature.feature, feature.description),
            details=feature.details,
            url=feature.url,
            attributes=parts.attributes_of(feature.id),
        )
        for feature in parts.of("accessibility", "location_id", location.id)
    ]
    record["phones"] = [_phone(phone, parts) for phone in parts.of("phones", "location_id", location.id)]
    record["schedules"] = [_schedule(schedule, parts) for schedule in parts.of("schedules", "location_id", location.id)]
    apart = [] if location.organization_id else [_extra(location.id, "location", "no-organization", "true")]
    record["attributes"] = [*apart, *parts.attributes_of(location.id)]
    return record


def accessibility_description(feature: str, description: str) -> str:
    """A known feature goes by its English label (the import reads it back by that); others as described."""
    return Accessibility.english_label(feature) if feature else description


def _phone(phone, parts: Parts) -> dict:
    # HSDS types the extension as a number: one that is not a plain number (12a, 0042) stays with the number,
    # and goes as an extra too, from which the import gives it back.
    plain = phone.extension.isascii() and phone.extension.isdigit() and not phone.extension.startswith("0")
    number, extras = phone.number, []
    if phone.extension and not plain:
        number = f"{phone.number} x{phone.extension}"
        extras.append(_extra(phone.id, "phone", "phone-extension", phone.extension))
    return _record(
        {"id": str(phone.id), "number": number},
        organization_id=_id(phone.organization_id),
        service_id=_id(phone.service_id),
        location_id=_id(phone.location_id),
        service_at_location_id=_id(phone.service_at_location_id),
        extension=int(phone.extension) if plain else None,
        type=phone.type,
        description=phone.description,
        languages=[_language(language, parts) for language in parts.of("languages", "phone_id", phone.id)],
        attributes=[*extras, *parts.attributes_of(phone.id)],
    )


def _language(language, parts: Parts) -> dict:
    return _record(
        {"id": str(language.id)},
        service_id=_id(language.service_id),
        location_id=_id(language.location_id),
        phone_id=_id(language.phone_id),
        name=language.name,
        code=language.code,
        note=language.note,
        attributes=parts.attributes_of(language.id),
    )


def _schedule(schedule, parts: Parts) -> dict:
    """Opening hours as a weekly RRULE (freq WEEKLY, byday, opens_at/closes_at in local HH:MM).

    Times are local to the schedule's own time zone, which goes with it as a "time-zone" extra: a
    fixed UTC offset (HSDS ``timezone``) would be wrong for half the year under daylight saving time.
    """
    hours = schedule.kind == Schedule.Kind.HOURS
    schedule_id = str(schedule.id)
    record = _record(
        {"id": schedule_id},
        service_id=_id(schedule.service_id),
        location_id=_id(schedule.location_id),
        service_at_location_id=_id(schedule.service_at_location_id),
        valid_from=_date(schedule.valid_from),
        valid_to=_date(schedule.valid_to),
        freq="WEEKLY" if hours else None,
        wkst="MO" if hours else None,
        byday=schedule.weekday if hours else None,
        opens_at=_clock(schedule.opens_at) if hours else None,
        closes_at=_clock(schedule.closes_at) if hours else None,
        description=schedule.description,
        notes=schedule.notes,
    )
    record["attributes"] = [_extra(schedule_id, "schedule", "time-zone", schedule.timezone)]
    if not hours:
        record["attributes"].append(_extra(schedule_id, "schedule", "schedule-kind", schedule.kind))
    record["attributes"] += _translations(schedule, schedule_id, "schedule")
    record["attributes"] += parts.attributes_of(schedule.id)
    return record


def _url(url, parts: Parts) -> dict:
    """An HSDS 3.1 ``url``: an organization's additional website, a service's additional URL (or both)."""
    return _record(
        {"id": str(url.id), "url": url.url},
        label=url.label,
        organization_id=_id(url.organization_id),
        service_id=_id(url.service_id),
        attributes=parts.attributes_of(url.id),
    )


def _number(value: float | None) -> int | float | None:
    """A whole number without its ".0" (12, not 12.0), as the official examples write them."""
    return int(value) if value is not None and value.is_integer() else value


def _capacity(capacity, parts: Parts) -> dict:
    """An HSDS 3.1 ``service_capacity`` (a row of CAPACITY_FIELDS), with its unit nested as the schema requires."""
    unit = _record(
        {"id": str(capacity.unit_id), "name": capacity.unit__name},
        scheme=capacity.unit__scheme,
        identifier=capacity.unit__identifier,
        uri=capacity.unit__uri,
        attributes=parts.attributes_of(capacity.unit_id),
    )
    return _record(
        {
            "id": str(capacity.id),
            "unit": unit,
            "available": _number(capacity.available),
            "updated": date_time(capacity.updated_at),
        },
        service_id=str(capacity.service_id),
        unit_id=str(capacity.unit_id),
        maximum=_number(capacity.maximum),
        description=capacity.description,
        attributes=parts.attributes_of(capacity.id),
    )


def _service_area(area, parts: Parts) -> dict:
    if area.extent_type == ServiceArea.ExtentType.POLYGON:
        extent, extent_type, structured = json.dumps(area.polygon, separators=(",", ":")), "geojson", None
    elif area.extent_type == ServiceArea.ExtentType.POSTAL_CODES:
        structured = {"postal_codes": list(area.postal_codes)}
        extent, extent_type = "ZIP codes " + ", ".join(area.postal_codes), "text"
    elif area.extent_type == ServiceArea.ExtentType.COUNTIES:
        structured = {"counties": list(area.counties)}
        extent, extent_type = "; ".join(area.counties), "text"
    else:
        structured = {"center": [area.center_latitude, area.center_longitude], "radius_miles": area.radius_miles}
        extent = f"Within {area.radius_miles:g} miles of {area.center_latitude}, {area.center_longitude}"
        extent_type = "text"
    area_id = str(area.id)
    record = _record(
        {"id": area_id},
        service_id=str(area.service_id),
        service_at_location_id=_id(area.service_at_location_id),
        name=area.name,
        description=area.description,
        extent=extent,
        extent_type=extent_type,
    )
    record["attributes"] = (
        [_extra(area_id, "service_area", "service-area-extent", json.dumps(structured, separators=(",", ":")))]
        if structured
        else []
    )
    record["attributes"] += parts.attributes_of(area.id)
    return record


# ---- services -------------------------------------------------------------------------------------


def services_to_hsds(ids: Sequence, *, full: bool, minimal: bool = False, history: bool = False) -> list[dict]:
    """The services of ``ids``, in that order; see ``service_to_hsds``."""
    services = Service.objects.filter(pk__in=ids)
    if minimal:
        services = services.only("id", "name", "status", "modified_at")
    else:
        services = services.select_related("organization")
    services = _in_order(services, ids)
    parts = Parts(services=services, history=history) if full and not minimal else None
    return [service_to_hsds(service, full=full, minimal=minimal, history=history, parts=parts) for service in services]


def service_to_hsds(
    service: Service,
    *,
    full: bool,
    minimal: bool = False,
    organization: bool = True,
    service_at_locations: bool = True,
    history: bool = False,
    parts: Parts | None = None,
) -> dict:
    """A service: ``minimal`` (id, name, status, last_modified), its one-to-one fields, or ``full``.

    ``organization`` nests the organization's own fields (select it). ``full`` reads ``parts``
    (``Parts(services=..., history=...)``); ``history`` adds the listing's latest recorded changes
    (ChangeRecord) to ``metadata``.
    """
    service_id = str(service.pk)
    required = {"id": service_id, "name": service.name, "status": service.status}
    if minimal:
        return {**required, "last_modified": date_time(service.modified_at)}
    record = _record(
        required,
        organization_id=str(service.organization_id),
        alternate_name=service.alternate_name,
        description=service.description,
        url=service.url,
        email=service.email,
        interpretation_services=service.interpretation_services,
        application_process=service.application_process,
        fees_description=service.fees_description,
        wait_time=service.wait_time,
        accreditations=service.accreditations,
        eligibility_description=service.eligibility_description,
        minimum_age=service.minimum_age,
        maximum_age=service.maximum_age,
        assured_date=_date(service.last_verified_at.date()) if service.last_verified_at else None,
        licenses=service.licenses,
        alert=service.alert,
        last_modified=date_time(service.modified_at),
    )
    if organization:
        record["organization"] = organization_to_hsds(service.organization)
    if not full:
        return record
    pk = service.pk
    record["phones"] = [_phone(phone, parts) for phone in parts.of("phones", "service_id", pk)]
    record["schedules"] = [_schedule(schedule, parts) for schedule in parts.of("schedules", "service_id", pk)]
    record["service_areas"] = [_service_area(area, parts) for area in parts.of("service_areas", "service_id", pk)]
    if service_at_locations:
        record["service_at_locations"] = [
            service_at_location_to_hsds(link, full=True, service=False, parts=parts)
            for link in parts.of("service_at_locations", "service_id", pk)
        ]
    record["languages"] = [_language(language, parts) for language in parts.of("languages", "service_id", pk)]
    record["cost_options"] = [
        _record(
            {"id": str(option.id)},
            service_id=service_id,
            valid_from=_date(option.valid_from),
            valid_to=_date(option.valid_to),
            option=option.option,
            currency=option.currency,
            amount=float(option.amount) if option.amount is not None else None,
            amount_description=option.amount_description,
            attributes=[*_translations(option, option.id, "cost_option"), *parts.attributes_of(option.id)],
        )
        for option in parts.of("cost_options", "service_id", pk)
    ]
    record["required_documents"] = [
        _record(
            {"id": str(document.id)},
            service_id=service_id,
            document=document.document,
            uri=document.uri,
            attributes=[*_translations(document, document.id, "required_document"), *parts.attributes_of(document.id)],
        )
        for document in parts.of("required_documents", "service_id", pk)
    ]
    record["additional_urls"] = [_url(url, parts) for url in parts.of("urls", "service_id", pk)]
    record["capacities"] = [_capacity(capacity, parts) for capacity in parts.of("capacities", "service_id", pk)]
    record["attributes"] = _service_attributes(service, service_id, parts)
    record["metadata"] = _service_metadata(service, service_id)
    if history:
        record["metadata"] += [_change(change) for change in parts.history.get(pk, [])]
    return record


def _service_attributes(service: Service, service_id: str, parts: Parts) -> list[dict]:
    attributes = [
        _term_attribute(service_id, "service", link_type, term)
        for relation, link_type in LINK_TYPES.items()
        for term in parts.of(relation, "service_id", service.pk)
    ]
    extras = [
        ("capacity-status", service.capacity_status),
        ("capacity-updated-at", date_time(service.capacity_updated_at)),
        ("referral-method", service.referral_method),
        ("income-limit-percent-fpl", str(service.income_limit_percent_fpl or "")),
        ("gender", service.gender),
        ("populations-required", _stated_boolean(service.populations_required)),
        ("residency-required", _stated_boolean(service.residency_required)),
        ("last-verified-at", date_time(service.last_verified_at) or ""),
        ("keywords", service.keywords),
    ]
    attributes += [_extra(service_id, "service", code, value) for code, value in extras if value]
    attributes += _translations(service, service_id, "service")
    return attributes + parts.attributes_of(service.pk)


def _service_metadata(service: Service, service_id: str) -> list[dict]:
    metadata = [
        _metadata(service_id, "service", "create", service.created_at),
        _metadata(service_id, "service", "update", service.modified_at),
    ]
    if service.last_verified_at is not None:
        metadata.append(_metadata(service_id, "service", "verified", service.last_verified_at, "last_verified_at"))
    if service.capacity_updated_at is not None:
        metadata.append(_metadata(service_id, "service", "capacity", service.capacity_updated_at, "capacity_status"))
    return metadata


def _change(change: ChangeRecord) -> dict:
    metadata = change.as_hsds_metadata()
    # The feed is public: who changed a listing stays in the directory.
    metadata["updated_by"] = ""
    return metadata


def service_at_locations_to_hsds(ids: Sequence, *, full: bool) -> list[dict]:
    """The service at locations of ``ids``, in that order; see ``service_at_location_to_hsds``."""
    links = ServiceAtLocation.objects.filter(pk__in=ids).select_related("service__organization")
    if not full:
        links = links.select_related("location")
    links = _in_order(links, ids)
    parts = Parts(services=[link.service for link in links], links=links, service_locations=False) if full else None
    return [service_at_location_to_hsds(link, full=full, parts=parts) for link in links]


def service_at_location_to_hsds(link, *, full: bool, service: bool = True, parts: Parts | None = None) -> dict:
    """A service at a location: ids, description, its location and service; ``full`` nests them fully.

    ``link`` is a ServiceAtLocation (with its service, and its location unless ``full``) or, nested in a
    full service, a row of LINK_FIELDS. ``full`` reads ``parts``.
    """
    record = _record(
        {"id": str(link.id)},
        service_id=str(link.service_id),
        location_id=str(link.location_id),
        description=link.description,
    )
    if full:
        record["phones"] = [_phone(phone, parts) for phone in parts.of("phones", "service_at_location_id", link.id)]
        record["schedules"] = [
            _schedule(schedule, parts) for schedule in parts.of("schedules", "service_at_location_id", link.id)
        ]
        record["service_areas"] = [
            _service_area(area, parts) for area in parts.of("service_areas", "service_at_location_id", link.id)
        ]
        record["attributes"] = list(parts.attributes_of(link.id))
        record["location"] = _location(parts.locations[link.location_id], full=True, parts=parts)
    else:
        record["location"] = _location(link.location, full=False)
    if service:
        record["service"] = service_to_hsds(link.service, full=full, service_at_locations=False, parts=parts)
    return record


# ---- the records of each list, in feed order ------------------------------------------------------------


def services_for_feed() -> QuerySet[Service]:
    """Listed services (active or temporarily closed) in feed order (the index providers_service_feed_idx)."""
    return Service.objects.listed().order_by("name", "id")


def organizations_for_feed() -> QuerySet[Organization]:
    return Organization.objects.order_by("name", "id")


def locations_of_no_organization() -> QuerySet[Location]:
    """Locations the directory keeps without an organization (HSDS requires none), in name order."""
    return Location.objects.filter(organization__isnull=True).order_by("name", "id")


def locations_to_hsds(ids: Sequence) -> list[dict]:
    """The locations of ``ids`` in full (addresses, phones, schedules ...), in that order (a query per table)."""
    parts = Parts(locations=ids)
    return [_location(parts.locations[pk], full=True, parts=parts) for pk in ids if pk in parts.locations]


def service_at_locations_for_feed() -> QuerySet[ServiceAtLocation]:
    """The locations of listed services, in feed order."""
    return ServiceAtLocation.objects.filter(service__in=Service.objects.listed()).order_by(
        "service__name", "location__name", "id"
    )


def taxonomies_for_feed() -> QuerySet[Taxonomy]:
    return Taxonomy.objects.order_by("name", "id")


def taxonomy_terms_for_feed() -> QuerySet[TaxonomyTerm]:
    return TaxonomyTerm.objects.select_related("taxonomy").order_by("taxonomy__name", "name", "id")


def in_chunks(records: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
