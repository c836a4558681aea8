"""What search knows about a listed service: one document per service, the same for every backend.

A document is a *service*, not a service-at-location: a referral goes to a service, and a service's
several locations are alternatives for the same help. One document per location would list the same
service several times and count it several times in the facets. The document carries every
location's point and hours, so a search still finds the nearest location that fits and says
whether it is open.

Everything a search needs to filter, rank and explain is in the document (``data``, stored), so a
search reads the database only for the page of results it shows. Each backend (search/backends/)
keeps these documents its own way: the Whoosh index turns the lists into keyword fields, the
PostgreSQL table into jsonb columns and a weighted tsvector.
"""

import datetime
import functools
import zoneinfo
from collections.abc import Iterable, Iterator
from types import SimpleNamespace
from typing import NamedTuple

from providers.hours import WEEKDAYS, Hours, applicable_schedules
from providers.models import (
    Accessibility,
    Address,
    CostOption,
    Language,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from providers.translations import TRANSLATED_FIELDS, spanish_field, spanish_search_text
from search.eligibility import Area, Criteria, check_keys, hashable
from search.geography import Place, bounding_box
from search.names import name_form

BATCH_SIZE = 500  # services read from the database at a time
FINE_CELL = 0.1  # degrees: about 7 by 5 miles in Denver
COARSE_CELL = 1.0
# The most cells a search prefilters on. A 30-mile circle in Denver touches 120 fine cells, one in
# northern Alaska 280; near a pole a circle spans every longitude (36,000 fine cells, 720 coarse), and
# then no cell prefilter is cheaper: the exact distance check over arrays does the work.
MAX_CELLS = 400
# Searched in any of them. Backends weigh them differently but alike: the name most, then keywords and
# category names (with their synonyms: "daycare" finds child care), then the organization.
TEXT_FIELDS = ("name", "organization", "description", "keywords", "categories_text", "populations_text")
# Text in Spanish, analysed as Spanish (search.needs.SPANISH_ANALYZER): category names and Spanish
# synonyms, and the agency's Spanish texts of the listing.
SPANISH_TEXT_FIELDS = ("categories_text_es", "text_es")
# Where a word of the query was found weighs in ranking (search/query.py): the service's name, then what
# labels the service (its keywords, its organization's name, its categories' and populations' names and
# synonyms, in either language), then the rest (the description, the agency's Spanish texts).
NAME_FIELDS = ("name",)
LABEL_FIELDS = ("name", "organization", "keywords", "categories_text", "populations_text", "categories_text_es")


# --- Coarse terms the backends prefilter on -------------------------------------------------------


def cell_terms(latitude: float, longitude: float) -> list[str]:
    """Return the grid cells of a point: a cheap prefilter for "within N miles" before exact distances."""
    return [cell_name(latitude, longitude, FINE_CELL), cell_name(latitude, longitude, COARSE_CELL)]


def cell_name(latitude: float, longitude: float, size: float) -> str:
    return f"{size:g}:{int(latitude // size)}:{_wrapped(int(longitude // size), size)}"


def _wrapped(column: int, size: float) -> int:
    """Return a longitude cell's number as the point's cell at that longitude around the globe names it:
    from -180 (included) to 180 (left out), so that 180.05 is -179.95 and 180 itself is -180."""
    around = round(360 / size)
    return (column + around // 2) % around - around // 2


def cells_within(place: Place, radius_miles: float) -> list[str] | None:
    """Return every grid cell that the circle around ``place`` touches, across the antimeridian too; None
    when that would be more than MAX_CELLS even with coarse cells (a circle around a pole), for no cell
    prefilter. Costs the same whatever the place: the cells are counted before they are listed."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(place.point, radius_miles)
    for size in (FINE_CELL, COARSE_CELL) if radius_miles <= 30 else (COARSE_CELL,):
        rows = range(int(min_lat // size), int(max_lat // size) + 1)
        first_column = int(min_lon // size)
        columns = min(int(max_lon // size) - first_column + 1, round(360 / size))
        if len(rows) * columns <= MAX_CELLS:
            return [
                f"{size:g}:{row}:{_wrapped(first_column + number, size)}" for row in rows for number in range(columns)
            ]
    return None


# Service areas a term cannot prefilter: no area (serves anyone who can reach it), a radius, a polygon.
# "Serves me" keeps them, and a ZIP or county match, for the exact check after.
AREA_KINDS_CHECKED_LATER = ("none", "radius", "geojson")


def county_term(county: str) -> str:
    """'Denver County, CO' → 'denver-county-co' (one word, no commas)."""
    return "-".join(county.lower().replace(",", " ").split())


# The "open at" prefilter's slots: SLOT_HOURS local hours of a weekday, named by the first ("...|TU|08" is
# Tuesday 8:00-11:59). Wider than an hour so that a document holds fewer terms (they were 40% of the
# index's postings one hour wide); the exact hours are checked after it.
SLOT_HOURS = 4


def slot_terms(zone: str, moment: datetime.datetime) -> list[str]:
    """Return the "<zone>|<weekday>|<hour>" terms of a moment in a time zone: the "open at" prefilter.

    Its slot's, and its hour's, which documents written before slots were SLOT_HOURS wide hold instead
    (no harm to newer ones: they hold slot terms only, and an hour that starts a slot is its term).
    """
    try:
        local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    except OverflowError:  # off the calendar in that zone (year 0 or 10000): no hours there are open then
        return []
    day = WEEKDAYS[local.weekday()]
    return [f"{zone}|{day}|{local.hour - local.hour % SLOT_HOURS:02d}", f"{zone}|{day}|{local.hour:02d}"]


def hour_slots(schedules: Iterable[Schedule]) -> set[str]:
    """Return every local (zone, weekday, slot) the weekly hours touch, past midnight included."""
    slots = set()
    for schedule in schedules:
        if schedule.kind == Schedule.Kind.HOURS:
            slots |= _slots_of(schedule.weekday, schedule.opens_at, schedule.closes_at, schedule.timezone)
    return slots


@functools.lru_cache(maxsize=4096)
def _slots_of(weekday: str, opens_at: datetime.time, closes_at: datetime.time, zone: str) -> frozenset[str]:
    """The slots of one day's hours: worked out once per distinct hours (a rebuild meets the same few
    thousand times over)."""
    slots = set()
    day = WEEKDAYS.index(weekday)
    start = opens_at.hour
    end_minutes = closes_at.hour * 60 + closes_at.minute
    if closes_at < opens_at:
        end_minutes += 24 * 60  # past midnight
    if closes_at == datetime.time(23, 59):
        end_minutes = 24 * 60
    for hour in range(start, (end_minutes + 59) // 60):
        local_hour = hour % 24
        slot = local_hour - local_hour % SLOT_HOURS
        slots.add(f"{zone}|{WEEKDAYS[(day + hour // 24) % 7]}|{slot:02d}")
    return frozenset(slots)


# --- Reading services -----------------------------------------------------------------------------


SCHEDULE_FIELDS = Hours._fields  # what document_for reads of a schedule
AREA_FIELDS = (
    "extent_type",
    "postal_codes",
    "counties",
    "center_latitude",
    "center_longitude",
    "radius_miles",
    "polygon",
)
ADDRESS_FIELDS = ("address_1", "city", "state_province", "postal_code")  # what str(address) shows
TERM_FIELDS = ("pk", "code", "name", "name_es", "synonyms", "synonyms_es", "parent_id")
SCHEDULE_ORDER = ("kind", "weekday", "opens_at")
# What document_for and spanish_search_text read of a service and of its organization.
SERVICE_FIELDS = (
    "pk",
    "name",
    "description",
    "keywords",
    "capacity_status",
    "referral_method",
    "last_verified_at",
    "minimum_age",
    "maximum_age",
    "income_limit_percent_fpl",
    "gender",
    "populations_required",
    "residency_required",
    "interpretation_services",
    *(spanish_field(name) for name in TRANSLATED_FIELDS["service"]),
)
ORGANIZATION_FIELDS = ("name", *(spanish_field(name) for name in TRANSLATED_FIELDS["organization"]))


class Row(SimpleNamespace):
    """A related row as document_for reads it: its fields as attributes, without a model instance (a
    rebuild reads hundreds of thousands; making a model instance of each cost more than the queries)."""


class AddressRow(Row):
    __str__ = Address.__str__  # the address as the directory writes it


def listed_service_ids() -> list:
    """Return the ids of every listed service, in id order (a query): what a rebuild writes."""
    return list(Service.objects.listed().order_by("pk").values_list("pk", flat=True))


def services_to_index(service_ids: Iterable) -> Iterator[Row]:
    """Yield the listed services among these ids, in id order, with everything document_for reads.

    Read a batch of BATCH_SIZE services at a time, in a fixed number of queries per batch. The services
    (with their organization as ``organization``) and their related rows come as plain Rows, not model
    instances: a rebuild spent more making Service and Organization instances than reading them. The
    related rows are attached as ``indexed_*`` lists. A service's locations are read with its
    services-at-location (a join): 1,000 locations in one prefetch expression were more than SQLite takes.
    """
    ids = sorted({str(service_id) for service_id in service_ids})
    for start in range(0, len(ids), BATCH_SIZE):
        yield from _read_batch(ids[start : start + BATCH_SIZE])


def _read_batch(ids: list[str]) -> list[Row]:
    organization_fields = [f"organization__{name}" for name in ORGANIZATION_FIELDS]
    rows = Service.objects.listed().filter(pk__in=ids).order_by("pk").values_list(*SERVICE_FIELDS, *organization_fields)
    services = []
    for values in rows:
        service = Row(**dict(zip(SERVICE_FIELDS, values[: len(SERVICE_FIELDS)], strict=True)))
        service.organization = Row(**dict(zip(ORGANIZATION_FIELDS, values[len(SERVICE_FIELDS) :], strict=True)))
        # Service.accepts_electronic_referrals, a property of the model
        service.accepts_electronic_referrals = service.referral_method == Service.ReferralMethod.ELECTRONIC
        services.append(service)
    if not services:
        return []
    ids = [service.pk for service in services]

    def by(key_field: str, queryset, fields: tuple, row=Row) -> dict:
        """Rows of ``queryset`` grouped by ``key_field``, in the queryset's order."""
        grouped: dict = {}
        for key, *values in queryset.values_list(key_field, *fields):
            grouped.setdefault(key, []).append(row(**dict(zip(fields, values, strict=True))))
        return grouped

    terms = TaxonomyTerm.objects.all()
    schedules = Schedule.objects.order_by(*SCHEDULE_ORDER)
    categories = by("category_services", terms.filter(category_services__in=ids), TERM_FIELDS)
    populations = by("population_services", terms.filter(population_services__in=ids), TERM_FIELDS)
    insurance = by("insurance_services", terms.filter(insurance_services__in=ids), TERM_FIELDS)
    languages = by("service_id", Language.objects.filter(service__in=ids), ("code", "name"))
    costs = by("service_id", CostOption.objects.filter(service__in=ids), ("amount",))
    areas = by("service_id", ServiceArea.objects.filter(service__in=ids), AREA_FIELDS)
    service_schedules = by("service_id", schedules.filter(service__in=ids), SCHEDULE_FIELDS)
    links = ServiceAtLocation.objects.filter(service__in=ids).values_list(
        "service_id", "pk", "location_id", "location__name", "location__latitude", "location__longitude"
    )
    locations: dict = {}
    service_links: dict = {}
    for service_id, link_id, location_id, name, latitude, longitude in links:
        location = locations.get(location_id)
        if location is None:
            location = locations[location_id] = Row(pk=location_id, name=name, latitude=latitude, longitude=longitude)
        service_links.setdefault(service_id, []).append(Row(pk=link_id, location=location))
    addresses = by("location_id", Address.objects.filter(location__in=list(locations)), ADDRESS_FIELDS, AddressRow)
    location_schedules = by("location_id", schedules.filter(location__in=list(locations)), SCHEDULE_FIELDS)
    known_features = Accessibility.objects.filter(location__in=list(locations)).exclude(feature="")
    features = by("location_id", known_features, ("feature",))
    link_ids = [link.pk for found in service_links.values() for link in found]
    link_schedules = by("service_at_location_id", schedules.filter(service_at_location__in=link_ids), SCHEDULE_FIELDS)
    for location_id, location in locations.items():
        location.indexed_addresses = addresses.get(location_id, [])
        location.indexed_schedules = location_schedules.get(location_id, [])
        location.indexed_accessibility = [row.feature for row in features.get(location_id, [])]
    for service in services:
        pk = service.pk
        service.indexed_categories = categories.get(pk, [])
        service.indexed_populations = populations.get(pk, [])
        service.indexed_insurance = insurance.get(pk, [])
        service.indexed_languages = languages.get(pk, [])
        service.indexed_costs = costs.get(pk, [])
        service.indexed_areas = areas.get(pk, [])
        service.indexed_schedules = service_schedules.get(pk, [])
        service.indexed_locations = service_links.get(pk, [])
        for link in service.indexed_locations:
            link.indexed_schedules = link_schedules.get(link.pk, [])
    return services


def changed_since(moment: datetime.datetime) -> list:
    """Return the ids of the services changed since ``moment`` (a query): what a rebuild writes again."""
    return list(Service.objects.filter(modified_at__gte=moment).values_list("pk", flat=True))


class TermTree:
    """All taxonomy terms by id, loaded once per batch, to walk up to the ancestors without queries."""

    def __init__(self):
        self.terms = {term.pk: term for term in TaxonomyTerm.objects.all()}

    def with_ancestors(self, terms: Iterable[TaxonomyTerm]) -> list[TaxonomyTerm]:
        seen = {}
        for term in terms:
            current = self.terms.get(term.pk, term)
            while current is not None and current.pk not in seen:
                seen[current.pk] = current
                current = self.terms.get(current.parent_id)
        return list(seen.values())


def document_for(service: Row, tree: TermTree) -> dict:
    """Return the search document of a listed service read by services_to_index (no queries: all read).

    Text fields are strings; filter fields are sorted lists of terms; ``data`` is what a search reads
    back to check, explain and show a hit.
    """
    categories = tree.with_ancestors(service.indexed_categories)
    populations = service.indexed_populations
    languages = service.indexed_languages
    service_schedules = service.indexed_schedules
    locations = []
    slots = set()
    for sal in service.indexed_locations:
        location = sal.location
        schedules = applicable_schedules(
            service_schedules=service_schedules,
            location_schedules=location.indexed_schedules,
            sal_schedules=sal.indexed_schedules,
        )
        slots |= hour_slots(schedules)
        address = next(iter(location.indexed_addresses), None)
        locations.append(
            {
                "id": str(location.pk),
                "name": location.name,
                "latitude": location.latitude,
                "longitude": location.longitude,
                "address": str(address) if address else "",
                "zip_code": address.postal_code if address else "",
                "schedules": [tuple(Hours.of(s)) for s in schedules],
            }
        )
    if not locations:
        slots |= hour_slots(service_schedules)
    areas = service.indexed_areas
    costs = service.indexed_costs
    return {
        "id": str(service.pk),
        "name": service.name,
        "organization": service.organization.name,
        "description": service.description,
        "keywords": service.keywords,
        # Names and synonyms of the service's categories and all their ancestors: "daycare" → child care.
        "categories_text": " ".join(f"{term.name} {term.synonyms.replace(',', ' ')}" for term in categories),
        "categories_text_es": " ".join(f"{term.name_es} {term.synonyms_es.replace(',', ' ')}" for term in categories),
        # What the agency wrote in Spanish (name, description, eligibility, how to apply, fees ...), Spanish analysis.
        "text_es": spanish_search_text(service),
        "populations_text": " ".join(f"{term.name} {term.synonyms.replace(',', ' ')}" for term in populations),
        "categories": [term.code for term in categories],  # with ancestors: a parent includes its children
        "populations": [term.code for term in populations],
        "languages": sorted({language.code for language in languages}),
        "free": not any(cost.amount for cost in costs),
        "capacity": service.capacity_status,
        "electronic_referral": service.accepts_electronic_referrals,
        "cells": sorted(
            {
                cell
                for location in locations
                if location["latitude"] is not None
                for cell in cell_terms(location["latitude"], location["longitude"])
            }
        ),
        # The service area as terms, for the "serves me" prefilter; radius and polygon are checked exactly later.
        "area_zips": sorted({z for area in areas for z in area.postal_codes}),
        "area_counties": sorted({county_term(c) for area in areas for c in area.counties}),
        "area_kinds": sorted({area.extent_type for area in areas}) or ["none"],
        "hour_slots": sorted(slots),
        # Known accessibility features of any of its places: the "wheelchair accessible" prefilter.
        "accessibility": sorted(
            {code for sal in service.indexed_locations for code in sal.location.indexed_accessibility}
        ),
        "timezones": sorted({slot.split("|")[0] for slot in slots}),
        "last_verified": service.last_verified_at,
        "data": {
            "id": str(service.pk),
            "name": service.name,
            "organization": service.organization.name,
            "capacity": service.capacity_status,
            "last_verified_at": service.last_verified_at,
            "categories": [term.code for term in categories],
            "top_category": next((term.code for term in categories if term.parent_id is None), ""),
            "populations": {term.code: (term.name, term.name_es) for term in populations},
            "languages": {language.code: language.name for language in languages},
            "insurance": {term.code: (term.name, term.name_es) for term in service.indexed_insurance},
            "minimum_age": service.minimum_age,
            "maximum_age": service.maximum_age,
            "income_limit_percent": service.income_limit_percent_fpl,
            "gender": service.gender,
            "populations_required": service.populations_required,
            "residency_required": service.residency_required,
            "interpretation": bool(service.interpretation_services),
            "areas": [
                {
                    "postal_codes": list(area.postal_codes),
                    "counties": list(area.counties),
                    "center": [area.center_latitude, area.center_longitude]
                    if area.center_latitude is not None
                    else None,
                    "radius_miles": area.radius_miles,
                    "polygon": area.polygon,
                }
                for area in areas
            ],
            "locations": locations,
            "service_schedules": [tuple(Hours.of(s)) for s in service_schedules] if not locations else [],
        },
    }


# --- What a search checks for every candidate -------------------------------------------------------


class Brief(NamedTuple):
    """What a search checks, ranks and counts for every candidate (search/query.py); the whole ``data``
    is read for the page shown only.

    Small and made of shared parts (Briefs), so that the Whoosh backend can keep one per document in
    memory (search/backends/whoosh/segments.py), and so does the PostgreSQL backend (search.backends.postgres.Known).
    """

    id: str
    name_key: str  # the name in search.names.name_form: matched with the text, and the last ranking key but the id
    capacity: str
    verified: int | None  # last_verified_at as microseconds since the epoch (microseconds_since_epoch)
    categories: tuple[str, ...]  # codes, with ancestors, as data["categories"]
    populations: tuple[str, ...]  # codes, in data["populations"] order
    languages: tuple[str, ...]  # codes, in data["languages"] order
    points: tuple[tuple[float, float] | None, ...]  # each of data["locations"], in order (None: no point)
    hours: tuple[tuple[Hours, ...], ...]  # each location's hours; without locations, the service's own (one)
    areas: tuple[Area, ...]  # the service areas
    checks: tuple  # search.eligibility.check_keys of its criteria: what each eligibility check reads
    facets: tuple  # (categories, populations, languages, (capacity,)): what search/query.py counts
    organization_key: str  # the organization's name in search.names.name_form: matched with the text


BRIEF_VALUES = 11  # how many values brief_values returns: a Brief stored with fewer is made again from ``data``


def brief_values(data: dict) -> tuple:
    """Return a Brief's values from a document's ``data``, in plain types only (strings, numbers, tuples):
    the Whoosh index stores them beside each document (pickled), the PostgreSQL table as JSON
    (brief_from_json), and both read them back fast."""
    locations = data["locations"]
    return (
        data["id"],
        name_form(data["name"]),
        data["capacity"],
        microseconds_since_epoch(data["last_verified_at"]),
        tuple(data["categories"]),
        tuple(data["populations"]),
        tuple(data["languages"]),
        tuple(
            (location["latitude"], location["longitude"]) if location["latitude"] is not None else None
            for location in locations
        ),
        tuple(_plain_hours(location["schedules"]) for location in locations)
        if locations
        else (_plain_hours(data["service_schedules"]),),
        (
            data["minimum_age"],
            data["maximum_age"],
            data["income_limit_percent"],
            data["gender"],
            tuple(data["populations"]),
            data["populations_required"],
            data["residency_required"],
            tuple(
                (
                    tuple(area["postal_codes"]),
                    tuple(area["counties"]),
                    tuple(area["center"]) if area["center"] else None,
                    area["radius_miles"],
                    area["polygon"],
                )
                for area in data["areas"]
            ),
            tuple(data["languages"]),
            data["interpretation"],
            tuple(data["insurance"]),
        ),
        name_form(data["organization"]),
    )


def brief_from_json(values: list) -> tuple:
    """Return brief_values's tuple from its JSON, which reads every tuple back as a list (the PostgreSQL
    table keeps it so: search.models.SearchDocumentData.brief)."""
    (service_id, name_key, capacity, verified, categories, populations, languages, points, hours, criteria,
     organization_key) = values  # fmt: skip
    (minimum_age, maximum_age, income, gender, criteria_populations, required, residency, areas, criteria_languages,
     interpretation, insurance) = criteria  # fmt: skip
    return (
        service_id,
        name_key,
        capacity,
        verified,
        tuple(categories),
        tuple(populations),
        tuple(languages),
        tuple(None if point is None else tuple(point) for point in points),
        tuple(tuple(tuple(plain) for plain in place) for place in hours),
        (
            minimum_age,
            maximum_age,
            income,
            gender,
            tuple(criteria_populations),
            required,
            residency,
            tuple(
                (tuple(postal_codes), tuple(counties), None if center is None else tuple(center), radius, polygon)
                for postal_codes, counties, center, radius, polygon in areas
            ),
            tuple(criteria_languages),
            interpretation,
            tuple(insurance),
        ),
        organization_key,
    )


def microseconds_since_epoch(moment: datetime.datetime | None) -> int | None:
    """Return an aware datetime as whole microseconds since 1970 (exact, and compared as fast as an int)."""
    if moment is None:
        return None
    return (moment - EPOCH) // datetime.timedelta(microseconds=1)


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _plain_hours(schedules: Iterable) -> tuple:
    """Hours (search.documents.document_for's tuples) with their times and dates as ISO strings."""
    return tuple(
        tuple(value.isoformat() if hasattr(value, "isoformat") else value for value in hours) for hours in schedules
    )


class Briefs:
    """Make Briefs from their values, sharing equal parts between them: a few hundred distinct opening
    hours, area sets and eligibility keys among thousands of services. So the Whoosh backend keeps one
    Brief per document in under a kilobyte, and a search checks each area set and key once."""

    def __init__(self) -> None:
        self._shared: dict = {}

    def make(self, values: tuple) -> Brief:
        (service_id, name_key, capacity, verified, categories, populations, languages, points, hours, criteria,
         organization_key) = values  # fmt: skip
        categories = self._share("terms", categories)
        populations = self._share("terms", populations)
        languages = self._share("terms", languages)
        criteria = self._criteria(criteria)
        return Brief(
            service_id,
            name_key,
            capacity,
            verified,
            categories,
            populations,
            languages,
            points,
            tuple(self._share("hours", tuple(self._hours(plain) for plain in place)) for place in hours),
            criteria.areas,
            self._share("checks", tuple(self._share("check", key) for key in check_keys(criteria))),
            self._share("facets", (categories, populations, languages, (capacity,))),
            self._share("organization", organization_key),  # an organization's services share it
        )

    def _share(self, kind: str, value, make=None):
        key = (kind, hashable(value))
        shared = self._shared.get(key)
        if shared is None:
            shared = self._shared[key] = value if make is None else make()
        return shared

    def _hours(self, plain: tuple) -> Hours:
        kind, weekday, opens_at, closes_at, valid_from, valid_to, zone = plain
        return self._share(
            "hour",
            plain,
            lambda: Hours(
                kind,
                weekday,
                datetime.time.fromisoformat(opens_at) if opens_at else None,
                datetime.time.fromisoformat(closes_at) if closes_at else None,
                datetime.date.fromisoformat(valid_from) if valid_from else None,
                datetime.date.fromisoformat(valid_to) if valid_to else None,
                zone,
            ),
        )

    def _criteria(self, values: tuple) -> Criteria:
        """Return the Criteria of these values, names being codes (kept only for its check keys and areas)."""
        (minimum_age, maximum_age, income, gender, populations, required, residency, areas, languages,
         interpretation, insurance) = values  # fmt: skip
        return Criteria(
            minimum_age=minimum_age,
            maximum_age=maximum_age,
            income_limit_percent=income,
            gender=gender,
            populations={code: code for code in populations},
            populations_required=required,
            residency_required=residency,
            areas=self._share(
                "areas",
                areas,
                lambda: tuple(
                    Area(
                        postal_codes=frozenset(postal_codes),
                        counties=frozenset(counties),
                        center=center,
                        radius_miles=radius,
                        polygon=polygon,
                    )
                    for postal_codes, counties, center, radius, polygon in areas
                ),
            ),
            languages={code: code for code in languages},
            interpretation=interpretation,
            insurance={code: code for code in insurance},
        )
