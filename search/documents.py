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
import math
import zoneinfo
from collections.abc import Iterable

from django.db.models import Prefetch

from providers.hours import WEEKDAYS, Hours, applicable_schedules
from providers.models import Location, Schedule, Service, ServiceAtLocation, TaxonomyTerm
from search.geography import Place, bounding_box

FINE_CELL = 0.1  # degrees: about 7 by 5 miles in Denver
COARSE_CELL = 1.0
# Searched in any of them. Backends weigh them differently but alike: the name most, then keywords and
# category names (with their synonyms: "daycare" finds child care), then the organization.
TEXT_FIELDS = ("name", "organization", "description", "keywords", "categories_text", "populations_text")


# --- Coarse terms the backends prefilter on -------------------------------------------------------


def cell_terms(latitude: float, longitude: float) -> list[str]:
    """Return the grid cells of a point: a cheap prefilter for "within N miles" before exact distances."""
    return [cell_name(latitude, longitude, FINE_CELL), cell_name(latitude, longitude, COARSE_CELL)]


def cell_name(latitude: float, longitude: float, size: float) -> str:
    return f"{size:g}:{int(latitude // size)}:{int(longitude // size)}"


def cells_within(place: Place, radius_miles: float) -> list[str]:
    """Return every grid cell that the circle around ``place`` touches."""
    size = FINE_CELL if radius_miles <= 30 else COARSE_CELL
    min_lat, max_lat, min_lon, max_lon = bounding_box(place.point, radius_miles)
    cells = []
    latitude_cell = math.floor(min_lat / size)
    while latitude_cell * size <= max_lat:
        longitude_cell = math.floor(min_lon / size)
        while longitude_cell * size <= max_lon:
            cells.append(f"{size:g}:{latitude_cell}:{longitude_cell}")
            longitude_cell += 1
        latitude_cell += 1
    return cells


# Service areas a term cannot prefilter: no area (serves anyone who can reach it), a radius, a polygon.
# "Serves me" keeps them, and a ZIP or county match, for the exact check after.
AREA_KINDS_CHECKED_LATER = ("none", "radius", "geojson")


def county_term(county: str) -> str:
    """'Denver County, CO' → 'denver-county-co' (one word, no commas)."""
    return "-".join(county.lower().replace(",", " ").split())


def slot_term(zone: str, moment: datetime.datetime) -> str:
    """Return the "<zone>|<weekday>|<hour>" term of a moment in a time zone: the "open at" prefilter."""
    local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{zone}|{WEEKDAYS[local.weekday()]}|{local.hour:02d}"


def hour_slots(schedules: Iterable[Schedule]) -> set[str]:
    """Return every local (zone, weekday, hour) the weekly hours touch, past midnight included."""
    slots = set()
    for schedule in schedules:
        if schedule.kind != Schedule.Kind.HOURS:
            continue
        day = WEEKDAYS.index(schedule.weekday)
        start = schedule.opens_at.hour
        end_minutes = schedule.closes_at.hour * 60 + schedule.closes_at.minute
        if schedule.closes_at < schedule.opens_at:
            end_minutes += 24 * 60  # past midnight
        if schedule.closes_at == datetime.time(23, 59):
            end_minutes = 24 * 60
        for hour in range(start, (end_minutes + 59) // 60):
            slots.add(f"{schedule.timezone}|{WEEKDAYS[(day + hour // 24) % 7]}|{hour % 24:02d}")
    return slots


# --- Reading services -----------------------------------------------------------------------------


def services_for_index():
    """Return listed services with everything a document needs, in a fixed number of queries."""
    schedules = Schedule.objects.order_by("kind", "weekday", "opens_at")
    locations = Location.objects.prefetch_related("addresses", Prefetch("schedules", queryset=schedules))
    return (
        Service.objects.listed()
        .select_related("organization")
        .prefetch_related(
            "categories",
            "populations",
            "insurance_accepted",
            "languages",
            "cost_options",
            "service_areas",
            Prefetch("schedules", queryset=schedules),
            Prefetch(
                "service_at_locations",
                queryset=ServiceAtLocation.objects.prefetch_related(
                    Prefetch("location", queryset=locations), Prefetch("schedules", queryset=schedules)
                ),
            ),
        )
        .order_by("pk")
    )


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


def document_for(service: Service, tree: TermTree) -> dict:
    """Return the search document of a listed service (no queries: everything is prefetched).

    Text fields are strings; filter fields are sorted lists of terms; ``data`` is what a search reads
    back to check, explain and show a hit.
    """
    categories = tree.with_ancestors(service.categories.all())
    populations = list(service.populations.all())
    languages = list(service.languages.all())
    service_schedules = list(service.schedules.all())
    locations = []
    slots = set()
    for sal in service.service_at_locations.all():
        location = sal.location
        schedules = applicable_schedules(
            service_schedules=service_schedules,
            location_schedules=list(location.schedules.all()),
            sal_schedules=list(sal.schedules.all()),
        )
        slots |= hour_slots(schedules)
        address = next(iter(location.addresses.all()), None)
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
    areas = list(service.service_areas.all())
    costs = list(service.cost_options.all())
    return {
        "id": str(service.pk),
        "name": service.name,
        "organization": service.organization.name,
        "description": service.description,
        "keywords": service.keywords,
        # Names and synonyms of the service's categories and all their ancestors: "daycare" → child care.
        "categories_text": " ".join(
            f"{term.name} {term.name_es} {term.synonyms.replace(',', ' ')}" for term in categories
        ),
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
            "insurance": {term.code: (term.name, term.name_es) for term in service.insurance_accepted.all()},
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
