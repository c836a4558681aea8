"""Turn listings into Open Referral HSDS 3.0 records (plain dicts, ready for JSON).

Pure functions over model instances, plus the querysets that prefetch what they read, so that a
page of records costs the same few queries whatever its size. The feed (views.py) and the export
command use the same functions, so what a consumer reads and what a file holds never differ.

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
import json
import uuid
from collections.abc import Iterable, Iterator

from django.db.models import Prefetch, QuerySet

from providers.models import (
    Accessibility,
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
    Taxonomy,
    TaxonomyTerm,
)

HSDS_VERSION = "3.0"

# Ids of records that exist only in the feed (extras terms, attribute links, metadata) are uuid5 of
# this namespace and a stable name, so they stay the same from one request (and machine) to the next.
FEED_NAMESPACE = uuid.UUID("5d8f3f0e-2b7c-4c1e-9a51-3f1f6a0f7c42")


def feed_uuid(name: str) -> str:
    return str(uuid.uuid5(FEED_NAMESPACE, name))


# ---- the "directory-extras" taxonomy -----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Extra:
    code: str
    name: str
    description: str

    @property
    def id(self) -> str:
        return feed_uuid(f"{EXTRAS_TAXONOMY_CODE}/{self.code}")


EXTRAS_TAXONOMY_CODE = "directory-extras"
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
            "Whether the service takes new clients: accepting, waitlist or not_accepting.",
        ),
        Extra("capacity-updated-at", "Capacity updated", "When the capacity was last set (ISO 8601 date-time, UTC)."),
        Extra(
            "referral-method",
            "Referral method",
            "electronic: referrals are sent in the network; contact: call or visit.",
        ),
        Extra(
            "income-limit-percent-fpl",
            "Income limit",
            "Household income limit, in percent of the federal poverty guideline.",
        ),
        Extra("gender", "Gender served", "any, women or men."),
        Extra(
            "populations-required",
            "Populations required",
            "true: only people in one of the populations qualify; false: they are a focus.",
        ),
        Extra("residency-required", "Residency required", "true: only people who live in a service area qualify."),
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
    return {
        "id": feed_uuid(f"{record_id}/{code}"),
        "link_id": str(record_id),
        "link_type": "directory_extra",
        "link_entity": entity,
        "taxonomy_term_id": extra.id,
        "value": value,
        "taxonomy_term": {
            "id": extra.id,
            "code": extra.code,
            "name": extra.name,
            "description": extra.description,
            "taxonomy": EXTRAS_TAXONOMY["name"],
            "taxonomy_id": EXTRAS_TAXONOMY["id"],
            "taxonomy_detail": dict(EXTRAS_TAXONOMY),
            "language": "en",
        },
    }


def _term_attribute(record_id, entity: str, link_type: str, term: TaxonomyTerm) -> dict:
    return {
        "id": feed_uuid(f"{record_id}/{link_type}/{term.pk}"),
        "link_id": str(record_id),
        "link_type": link_type,
        "link_entity": entity,
        "taxonomy_term_id": str(term.pk),
        "taxonomy_term": taxonomy_term_to_hsds(term, detail=False),
    }


def _metadata(resource_id, resource_type: str, action: str, when: datetime.datetime, field_name: str = "") -> dict:
    return {
        "id": feed_uuid(f"{resource_id}/metadata/{action}"),
        "resource_id": str(resource_id),
        "resource_type": resource_type,
        "last_action_date": date_time(when),
        "last_action_type": action,
        "field_name": field_name,
        "previous_value": "",
        "replacement_value": "",
        # The feed is public: who changed a listing stays in the directory.
        "updated_by": "",
    }


def _boolean(value: bool) -> str:
    return "true" if value else "false"


# ---- taxonomies -----------------------------------------------------------------------------------


def taxonomy_to_hsds(taxonomy: Taxonomy) -> dict:
    return _record(
        {"id": str(taxonomy.pk), "name": taxonomy.name, "description": taxonomy.description},
        uri=taxonomy.uri,
        version=taxonomy.version,
    )


def taxonomy_term_to_hsds(term: TaxonomyTerm, *, detail: bool = True) -> dict:
    """A term; ``detail`` adds its taxonomy as ``taxonomy_detail``. Reads ``term.taxonomy`` (select it)."""
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
    return record


# ---- organizations, locations and their parts -------------------------------------------------------


def organization_to_hsds(
    organization: Organization, *, full: bool = False, full_service: bool = False, generic_attributes: bool = True
) -> dict:
    """An organization: its own fields, or with ``full`` its phones, locations, services and extras.

    ``full_service`` nests each listed service fully instead of its one-to-one fields. Reads the
    prefetches of ``organizations_for_feed(full=True)``.
    """
    record = _record(
        {"id": str(organization.pk), "name": organization.name, "description": organization.description},
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
    record["phones"] = [_phone(phone) for phone in organization.phones.all()]
    record["locations"] = [_location(location, full=True) for location in organization.locations.all()]
    record["services"] = [
        service_to_hsds(service, full=full_service, generic_attributes=False, organization=False)
        for service in _listed_services(organization)
    ]
    attributes = []
    if organization.is_demo:
        attributes.append(_extra(organization.pk, "organization", "demo-record", "true"))
    record["attributes"] = attributes
    record["metadata"] = [
        _metadata(organization.pk, "organization", "create", organization.created_at),
        _metadata(organization.pk, "organization", "update", organization.modified_at),
    ]
    if generic_attributes:
        attach_generic_attributes([record])
    return record


def _listed_services(organization: Organization) -> list[Service]:
    prefetched = getattr(organization, "feed_services", None)
    if prefetched is not None:
        return prefetched
    return list(Service.objects.listed().filter(organization=organization).order_by("name", "id"))


def _location(location: Location, *, full: bool) -> dict:
    record = _record(
        {"id": str(location.pk), "location_type": location.location_type},
        url=location.url,
        organization_id=str(location.organization_id),
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
    record["languages"] = [_language(language) for language in location.languages.all()]
    record["addresses"] = [
        _record(
            {
                "id": str(address.pk),
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
        )
        for address in location.addresses.all()
    ]
    record["accessibility"] = [
        _record(
            {"id": str(feature.pk)},
            location_id=str(feature.location_id),
            description=feature.description,
            details=feature.details,
            url=feature.url,
        )
        for feature in location.accessibility.all()
    ]
    record["phones"] = [_phone(phone) for phone in location.phones.all()]
    record["schedules"] = [_schedule(schedule) for schedule in location.schedules.all()]
    record["attributes"] = []
    return record


def _phone(phone) -> dict:
    # HSDS types the extension as a number; one that is not all digits stays with the number.
    extension = int(phone.extension) if phone.extension.isdigit() else None
    number = phone.number if extension is not None or not phone.extension else f"{phone.number} x{phone.extension}"
    return _record(
        {"id": str(phone.pk), "number": number},
        organization_id=_id(phone.organization_id),
        service_id=_id(phone.service_id),
        location_id=_id(phone.location_id),
        service_at_location_id=_id(phone.service_at_location_id),
        extension=extension,
        type=phone.type,
        description=phone.description,
        languages=[_language(language) for language in phone.languages.all()],
    )


def _language(language) -> dict:
    return _record(
        {"id": str(language.pk)},
        service_id=_id(language.service_id),
        location_id=_id(language.location_id),
        phone_id=_id(language.phone_id),
        name=language.name,
        code=language.code,
        note=language.note,
    )


def _schedule(schedule: Schedule) -> dict:
    """Opening hours as a weekly RRULE (freq WEEKLY, byday, opens_at/closes_at in local HH:MM).

    Times are local to the schedule's own time zone, which goes with it as a "time-zone" extra: a
    fixed UTC offset (HSDS ``timezone``) would be wrong for half the year under daylight saving time.
    """
    hours = schedule.kind == Schedule.Kind.HOURS
    record = _record(
        {"id": str(schedule.pk)},
        service_id=_id(schedule.service_id),
        location_id=_id(schedule.location_id),
        service_at_location_id=_id(schedule.service_at_location_id),
        valid_from=_date(schedule.valid_from),
        valid_to=_date(schedule.valid_to),
        freq="WEEKLY" if hours else None,
        wkst="MO" if hours else None,
        byday=schedule.weekday if hours else None,
        opens_at=f"{schedule.opens_at:%H:%M}" if hours and schedule.opens_at else None,
        closes_at=f"{schedule.closes_at:%H:%M}" if hours and schedule.closes_at else None,
        description=schedule.description,
        notes=schedule.notes,
    )
    record["attributes"] = [_extra(schedule.pk, "schedule", "time-zone", schedule.timezone)]
    if not hours:
        record["attributes"].append(_extra(schedule.pk, "schedule", "schedule-kind", schedule.kind))
    return record


def _service_area(area: ServiceArea) -> dict:
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
    record = _record(
        {"id": str(area.pk)},
        service_id=str(area.service_id),
        name=area.name,
        description=area.description,
        extent=extent,
        extent_type=extent_type,
    )
    record["attributes"] = (
        [_extra(area.pk, "service_area", "service-area-extent", json.dumps(structured, separators=(",", ":")))]
        if structured
        else []
    )
    return record


# ---- services -------------------------------------------------------------------------------------


def service_to_hsds(
    service: Service,
    *,
    full: bool,
    minimal: bool = False,
    generic_attributes: bool = True,
    organization: bool = True,
    service_at_locations: bool = True,
    history: bool = False,
) -> dict:
    """A service: ``minimal`` (id, name, status, last_modified), its one-to-one fields, or ``full``.

    Reads the prefetches of ``services_for_feed(full=..., history=...)``. ``generic_attributes`` looks
    up the imported attributes of every nested record (a query; pass False and call
    ``attach_generic_attributes`` once for a whole page instead). ``history`` adds the listing's latest
    recorded changes (ChangeRecord) to ``metadata``.
    """
    required = {"id": str(service.pk), "name": service.name, "status": service.status}
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
    record["phones"] = [_phone(phone) for phone in service.phones.all()]
    record["schedules"] = [_schedule(schedule) for schedule in service.schedules.all()]
    record["service_areas"] = [_service_area(area) for area in service.service_areas.all()]
    if service_at_locations:
        record["service_at_locations"] = [
            service_at_location_to_hsds(link, full=True, service=False, generic_attributes=False)
            for link in service.service_at_locations.all()
        ]
    record["languages"] = [_language(language) for language in service.languages.all()]
    record["cost_options"] = [
        _record(
            {"id": str(option.pk)},
            service_id=str(option.service_id),
            valid_from=_date(option.valid_from),
            valid_to=_date(option.valid_to),
            option=option.option,
            currency=option.currency,
            amount=float(option.amount) if option.amount is not None else None,
            amount_description=option.amount_description,
        )
        for option in service.cost_options.all()
    ]
    record["required_documents"] = [
        _record(
            {"id": str(document.pk)}, service_id=str(document.service_id), document=document.document, uri=document.uri
        )
        for document in service.required_documents.all()
    ]
    record["attributes"] = _service_attributes(service)
    record["metadata"] = _service_metadata(service)
    if history:
        record["metadata"] += [_change(change) for change in _latest_changes(service)]
    if generic_attributes:
        attach_generic_attributes([record])
    return record


def _service_attributes(service: Service) -> list[dict]:
    attributes = [
        _term_attribute(service.pk, "service", link_type, term)
        for relation, link_type in LINK_TYPES.items()
        for term in getattr(service, relation).all()
    ]
    extras = [
        ("capacity-status", service.capacity_status),
        ("capacity-updated-at", date_time(service.capacity_updated_at)),
        ("referral-method", service.referral_method),
        ("income-limit-percent-fpl", str(service.income_limit_percent_fpl or "")),
        ("gender", service.gender),
        ("populations-required", _boolean(service.populations_required)),
        ("residency-required", _boolean(service.residency_required)),
        ("last-verified-at", date_time(service.last_verified_at) or ""),
        ("keywords", service.keywords),
    ]
    attributes += [_extra(service.pk, "service", code, value) for code, value in extras if value]
    return attributes


def _service_metadata(service: Service) -> list[dict]:
    metadata = [
        _metadata(service.pk, "service", "create", service.created_at),
        _metadata(service.pk, "service", "update", service.modified_at),
    ]
    if service.last_verified_at is not None:
        metadata.append(_metadata(service.pk, "service", "verified", service.last_verified_at, "last_verified_at"))
    if service.capacity_updated_at is not None:
        metadata.append(_metadata(service.pk, "service", "capacity", service.capacity_updated_at, "capacity_status"))
    return metadata


def _latest_changes(service: Service) -> list[ChangeRecord]:
    prefetched = getattr(service, "feed_history", None)
    if prefetched is not None:
        return prefetched
    return list(service.change_records.select_related(None).order_by("-changed_at", "id")[:HISTORY_LIMIT])


def _change(change: ChangeRecord) -> dict:
    metadata = change.as_hsds_metadata()
    # The feed is public: who changed a listing stays in the directory.
    metadata["updated_by"] = ""
    return metadata


def service_at_location_to_hsds(
    link: ServiceAtLocation, *, full: bool, service: bool = True, generic_attributes: bool = True
) -> dict:
    """A service at a location: ids, description, its location and service; ``full`` nests them fully.

    Reads the prefetches of ``service_at_locations_for_feed(full=...)``.
    """
    record = _record(
        {"id": str(link.pk)},
        service_id=str(link.service_id),
        location_id=str(link.location_id),
        description=link.description,
    )
    if full:
        record["phones"] = [_phone(phone) for phone in link.phones.all()]
        record["schedules"] = [_schedule(schedule) for schedule in link.schedules.all()]
        record["attributes"] = []
    record["location"] = _location(link.location, full=full)
    if service:
        record["service"] = service_to_hsds(
            link.service, full=full, generic_attributes=False, service_at_locations=False
        )
    if generic_attributes:
        attach_generic_attributes([record])
    return record


# ---- imported attributes ------------------------------------------------------------------------------


def attach_generic_attributes(records: list[dict]) -> None:
    """Add the stored ``Attribute`` rows to every nested record that has an ``attributes`` list (a query).

    Attribute rows point at any record by id (HSDS ``link_id``), so they cannot be prefetched through
    a relation; one look-up over all the ids of a page costs a single query.
    """
    holders: dict[str, list[dict]] = {}

    def collect(value) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("attributes"), list) and "id" in value:
                holders.setdefault(value["id"], []).append(value)
            for item in value.values():
                if isinstance(item, dict | list):
                    collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(records)
    if not holders:
        return
    rows = Attribute.objects.filter(link_id__in=list(holders)).select_related("taxonomy_term__taxonomy")
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
        for holder in holders[str(row.link_id)]:
            holder["attributes"].append(attribute)


# ---- querysets --------------------------------------------------------------------------------------

# Every nested list comes in a fixed order, so that the same data always gives the same bytes.
_TERMS = TaxonomyTerm.objects.select_related("taxonomy").order_by("taxonomy__name", "name", "id")
_PHONES = Phone.objects.order_by("number", "id")
_LANGUAGES = Language.objects.order_by("name", "id")
_SCHEDULES = Schedule.objects.order_by("kind", "weekday", "opens_at", "valid_from", "id")


def _location_prefetches(prefix: str) -> list:
    return [
        Prefetch(f"{prefix}languages", queryset=_LANGUAGES),
        Prefetch(f"{prefix}addresses", queryset=Address.objects.order_by("address_type", "id")),
        Prefetch(f"{prefix}accessibility", queryset=Accessibility.objects.order_by("description", "id")),
        Prefetch(f"{prefix}phones", queryset=_PHONES),
        Prefetch(f"{prefix}phones__languages", queryset=_LANGUAGES),
        Prefetch(f"{prefix}schedules", queryset=_SCHEDULES),
    ]


def _service_prefetches(prefix: str = "", *, service_at_locations: bool = True) -> list:
    lookups = [
        Prefetch(f"{prefix}phones", queryset=_PHONES),
        Prefetch(f"{prefix}phones__languages", queryset=_LANGUAGES),
        Prefetch(f"{prefix}schedules", queryset=_SCHEDULES),
        Prefetch(f"{prefix}service_areas", queryset=ServiceArea.objects.order_by("name", "id")),
        Prefetch(f"{prefix}languages", queryset=_LANGUAGES),
        Prefetch(f"{prefix}cost_options", queryset=CostOption.objects.order_by("valid_from", "amount", "id")),
        Prefetch(f"{prefix}required_documents", queryset=RequiredDocument.objects.order_by("document", "id")),
        Prefetch(f"{prefix}categories", queryset=_TERMS),
        Prefetch(f"{prefix}populations", queryset=_TERMS),
        Prefetch(f"{prefix}insurance_accepted", queryset=_TERMS),
    ]
    if service_at_locations:
        lookups += [
            Prefetch(
                f"{prefix}service_at_locations",
                queryset=ServiceAtLocation.objects.select_related("location").order_by("location__name", "id"),
            ),
            Prefetch(f"{prefix}service_at_locations__phones", queryset=_PHONES),
            Prefetch(f"{prefix}service_at_locations__phones__languages", queryset=_LANGUAGES),
            Prefetch(f"{prefix}service_at_locations__schedules", queryset=_SCHEDULES),
            *_location_prefetches(f"{prefix}service_at_locations__location__"),
        ]
    return lookups


def services_for_feed(*, full: bool = True, history: bool = False) -> QuerySet[Service]:
    """Listed services (active or temporarily closed) in feed order, with what ``service_to_hsds`` reads."""
    services = Service.objects.listed().select_related("organization").order_by("name", "id")
    if not full:
        return services
    services = services.prefetch_related(*_service_prefetches())
    if history:
        # A sliced prefetch: the latest changes of each service, in one query (a window function).
        latest = ChangeRecord.objects.order_by("-changed_at", "id")[:HISTORY_LIMIT]
        services = services.prefetch_related(Prefetch("change_records", queryset=latest, to_attr="feed_history"))
    return services


def organizations_for_feed(*, full: bool = True, full_service: bool = False) -> QuerySet[Organization]:
    """All organizations in feed order; ``full`` prefetches phones, locations and listed services."""
    organizations = Organization.objects.order_by("name", "id")
    if not full:
        return organizations
    services = Service.objects.listed().select_related("organization").order_by("name", "id")
    return organizations.prefetch_related(
        Prefetch("phones", queryset=_PHONES),
        Prefetch("phones__languages", queryset=_LANGUAGES),
        Prefetch("locations", queryset=Location.objects.order_by("name", "id")),
        *_location_prefetches("locations__"),
        Prefetch("services", queryset=services, to_attr="feed_services"),
        *(_service_prefetches("feed_services__") if full_service else []),
    )


def service_at_locations_for_feed(*, full: bool = True) -> QuerySet[ServiceAtLocation]:
    """The locations of listed services, in feed order."""
    links = (
        ServiceAtLocation.objects.filter(service__in=Service.objects.listed())
        .select_related("service__organization", "location")
        .order_by("service__name", "location__name", "id")
    )
    if not full:
        return links
    return links.prefetch_related(
        Prefetch("phones", queryset=_PHONES),
        Prefetch("phones__languages", queryset=_LANGUAGES),
        Prefetch("schedules", queryset=_SCHEDULES),
        *_location_prefetches("location__"),
        *_service_prefetches("service__", service_at_locations=False),
    )


def taxonomies_for_feed() -> QuerySet[Taxonomy]:
    return Taxonomy.objects.order_by("name", "id")


def taxonomy_terms_for_feed() -> QuerySet[TaxonomyTerm]:
    return TaxonomyTerm.objects.select_related("taxonomy").order_by("taxonomy__name", "name", "id")


def iterate(queryset: QuerySet, *, chunk_size: int = 200) -> Iterator:
    """Yield a queryset's records with their prefetches, in constant memory (a few queries per chunk)."""
    return queryset.iterator(chunk_size=chunk_size)


def in_chunks(records: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
