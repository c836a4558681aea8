"""The Whoosh index of listed services, and the one path that writes to it.

A document is a *service*, not a service-at-location: a referral goes to a service, and a service's
several locations are alternatives for the same help. One document per location would list the same
service several times and count it several times in the facets. The document carries every
location's point and hours, so a search still finds the nearest location that fits and says
whether it is open.

Everything a search needs to filter, rank and explain is in the document (``data``, stored), so a
search reads the database only for the page of results it shows.

Upkeep: providers.signals.services_changed → ``queue`` → after the transaction commits, one batched
write that re-reads those services from the database. A rolled-back change is never written, and
re-reading makes every write idempotent. ``rebuild`` makes the whole index anew from the database.
"""

import datetime
import logging
import random
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import whoosh.util
from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from whoosh import index as whoosh_index
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from providers.hours import WEEKDAYS, Hours, applicable_schedules
from providers.models import Location, Schedule, Service, ServiceAtLocation, TaxonomyTerm

logger = logging.getLogger(__name__)

# Whoosh names segment files with the global `random`. Tests (Hypothesis) reseed it, after which two
# writers can pick the same name and the write lock is never released. OS entropy cannot be reseeded.
whoosh.util.random = random.SystemRandom()

ANALYZER = StemmingAnalyzer()
SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    name=TEXT(analyzer=ANALYZER, field_boost=3.0),
    organization=TEXT(analyzer=ANALYZER, field_boost=1.5),
    description=TEXT(analyzer=ANALYZER),
    keywords=TEXT(analyzer=ANALYZER, field_boost=2.0),
    # Names and synonyms of the service's categories and all their ancestors: "daycare" → child care.
    categories_text=TEXT(analyzer=ANALYZER, field_boost=2.0),
    populations_text=TEXT(analyzer=ANALYZER),
    categories=KEYWORD(commas=True),  # codes, with ancestors: a parent includes its children
    populations=KEYWORD(commas=True),
    languages=KEYWORD(commas=True),
    free=BOOLEAN,
    capacity=ID,
    electronic_referral=BOOLEAN,
    # Coarse grid cells of the locations: a cheap prefilter for "within N miles".
    cells=KEYWORD,
    # Service area as terms, for the "serves me" prefilter; radius and polygon are checked exactly later.
    area_zips=KEYWORD,
    area_counties=KEYWORD(commas=True),
    area_kinds=KEYWORD,
    # "<zone>|<weekday>|<hour>" for each local hour the service is open: the "open at" prefilter.
    hour_slots=KEYWORD,
    timezones=KEYWORD(commas=True),
    last_verified=DATETIME,
    data=STORED,
)

FINE_CELL = 0.1  # degrees: about 7 by 5 miles in Denver
COARSE_CELL = 1.0
BATCH_SIZE = 500


class IndexMissing(Exception):
    """The index folder is missing or empty: run `manage.py rebuild_search_index`."""


def cell_terms(latitude: float, longitude: float) -> list[str]:
    return [cell_name(latitude, longitude, FINE_CELL), cell_name(latitude, longitude, COARSE_CELL)]


def cell_name(latitude: float, longitude: float, size: float) -> str:
    return f"{size:g}:{int(latitude // size)}:{int(longitude // size)}"


def county_term(county: str) -> str:
    """'Denver County, CO' → 'denver-county-co' (no commas: the field splits on them)."""
    return "-".join(county.lower().replace(",", " ").split())


# --- Reading services for the index ------------------------------------------------------------


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


def document_for(service: Service, tree: TermTree) -> dict:
    """Return the Whoosh document of a listed service (no queries: everything is prefetched)."""
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
    document = {
        "id": str(service.pk),
        "name": service.name,
        "organization": service.organization.name,
        "description": service.description,
        "keywords": service.keywords,
        "categories_text": " ".join(
            f"{term.name} {term.name_es} {term.synonyms.replace(',', ' ')}" for term in categories
        ),
        "populations_text": " ".join(f"{term.name} {term.synonyms.replace(',', ' ')}" for term in populations),
        "categories": ",".join(term.code for term in categories),
        "populations": ",".join(term.code for term in populations),
        "languages": ",".join(sorted({language.code for language in languages})),
        "free": not any(cost.amount for cost in costs),
        "capacity": service.capacity_status,
        "electronic_referral": service.accepts_electronic_referrals,
        "cells": " ".join(
            sorted(
                {
                    cell
                    for location in locations
                    if location["latitude"] is not None
                    for cell in cell_terms(location["latitude"], location["longitude"])
                }
            )
        ),
        "area_zips": " ".join(sorted({z for area in areas for z in area.postal_codes})),
        "area_counties": ",".join(sorted({county_term(c) for area in areas for c in area.counties})),
        "area_kinds": " ".join(sorted({area.extent_type for area in areas})) or "none",
        "hour_slots": " ".join(sorted(slots)),
        "timezones": ",".join(sorted({slot.split("|")[0] for slot in slots})),
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
    if service.last_verified_at:
        document["last_verified"] = service.last_verified_at
    return document


# --- Opening the index and the shared searcher ----------------------------------------------


_write_lock = threading.Lock()
_searcher_lock = threading.Lock()
_searcher = None
_searcher_dir = None


def index_dir() -> Path:
    return Path(settings.SEARCH_INDEX_DIR)


def open_index(path: Path | None = None):
    path = path or index_dir()
    if not whoosh_index.exists_in(str(path)):
        raise IndexMissing(f"No search index in {path}: run `python manage.py rebuild_search_index`.")
    return whoosh_index.open_dir(str(path))


def searcher():
    """Return the process's shared searcher, opened anew only when the index changed on disk.

    Opening a searcher costs ~45 ms at 100k documents; checking that it is current is cheap.
    """
    global _searcher, _searcher_dir
    with _searcher_lock:
        path = index_dir()
        if _searcher is not None and _searcher_dir == path:
            try:
                if _searcher.up_to_date():
                    return _searcher
            except (OSError, whoosh_index.EmptyIndexError):
                pass  # the folder was deleted or replaced: open it again below
            # Not Searcher.refresh(): it reuses segment readers that miss new deletions. The old
            # searcher is not closed: another thread may still be reading it; it closes when collected.
        _searcher = open_index(path).searcher()
        _searcher_dir = path
        return _searcher


def reset_searcher() -> None:
    global _searcher
    with _searcher_lock:
        _searcher = None


# --- Writing ---------------------------------------------------------------------------------


def write(service_ids: Iterable) -> int:
    """Re-read these services from the database and update or remove their documents.

    The only function that writes to an existing index. Returns the number of documents written.
    A missing index is left alone: a rebuild will include these services.
    """
    ids = {str(service_id) for service_id in service_ids}
    if not ids:
        return 0
    try:
        index = open_index()
    except IndexMissing:
        logger.warning("Search index missing; %d changed services wait for a rebuild.", len(ids))
        return 0
    tree = TermTree()
    services = list(services_for_index().filter(pk__in=ids))
    with _write_lock:
        writer = index.writer(timeout=30)
        try:
            for service in services:
                writer.update_document(**document_for(service, tree))
            for gone in ids - {str(service.pk) for service in services}:
                writer.delete_by_term("id", gone)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
    return len(services)


_pending = threading.local()


def queue(service_ids: Iterable) -> None:
    """Index these services once the current transaction commits (batched; immediately outside one)."""
    if not settings.SEARCH_INDEX_UPKEEP:
        return
    pending = getattr(_pending, "ids", None)
    if pending is None:
        pending = _pending.ids = set()
    pending.update(service_ids)
    # Registered per change, but the first callback takes the whole batch and the rest find it empty.
    # After a rollback the ids stay pending and are written (from the database) with the next commit.
    # robust: an index failure is logged and never turns a saved change into an error page; a
    # rebuild catches the index up.
    transaction.on_commit(flush, robust=True)


def flush() -> None:
    ids = getattr(_pending, "ids", None)
    if ids:
        _pending.ids = set()
        write(ids)


def rebuild(progress: Callable[[int, int], None] | None = None) -> int:
    """Build a new index from the database beside the old one, then swap it in.

    Services changed while the build ran are written again after the swap, so no edit is lost.
    Returns the number of documents.
    """
    target = index_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(target.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    started = datetime.datetime.now(tz=datetime.UTC)
    index = whoosh_index.create_in(str(building), SCHEMA)
    services = services_for_index()
    total = services.count()
    tree = TermTree()
    written = 0
    with _write_lock:
        writer = index.writer(limitmb=256)
        try:
            for service in services.iterator(chunk_size=BATCH_SIZE):
                writer.add_document(**document_for(service, tree))
                written += 1
                if progress and (written % BATCH_SIZE == 0 or written == total):
                    progress(written, total)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        old = target.with_name(target.name + f".old-{time.time_ns()}")
        if target.exists():
            target.rename(old)
        building.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    reset_searcher()
    changed = Service.objects.filter(modified_at__gte=started).values_list("pk", flat=True)
    write(changed)
    if progress and total == 0:
        progress(0, 0)
    return written


def document_count() -> int:
    return searcher().doc_count()


def indexed_ids() -> set[str]:
    return {fields["id"] for fields in searcher().all_stored_fields()}


def ids_matching(query) -> set[str]:
    """Return the ids of the documents that match a Whoosh query (for tests and checks)."""
    found = searcher().search(query, limit=None)
    return {hit["id"] for hit in found}
