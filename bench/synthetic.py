"""A deterministic synthetic directory of realistic shape, written as HSDS 3.0 and loaded by the importer.

Organizations with 1-5 services; services in every category with 1-3 locations; several metro areas
with dense cores (points drawn around real ZIP centroids, most near downtown); weekday, evening and
overnight hours in each metro's time zone; eligibility (ages, income limits, populations, residency),
county service areas, languages and ~60-word descriptions made of the demo network's sentences.

The directory is written as HSDS 3.0 JSON files (``organizations-NNNN.json``, each a list of nested
organization records, the shape ``export_hsds`` writes) and loaded with ``import_hsds``, the same
path a network's own data takes, with the search index following each import. The same ``seed`` and
``services`` always give the same records, but for the verification dates, which are counted back
from the day the files are written.
"""

import dataclasses
import datetime
import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import zipcodes
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from providers.demo import DEMO_NETWORK_PATH
from providers.hsds.importer import import_hsds
from providers.hsds.serialize import EXTRAS
from providers.models import Service, TaxonomyTerm

METROS = {
    # name: (state, downtown ZIP, time zone, share of services)
    "Denver": ("CO", "80202", "America/Denver", 0.30),
    "Phoenix": ("AZ", "85004", "America/Phoenix", 0.20),
    "Chicago": ("IL", "60602", "America/Chicago", 0.25),
    "Atlanta": ("GA", "30303", "America/New_York", 0.15),
    "Portland": ("OR", "97204", "America/Los_Angeles", 0.10),
}

LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("vi", "Vietnamese"),
    ("am", "Amharic"),
    ("ar", "Arabic"),
    ("ru", "Russian"),
]
NAME_PARTS = (
    ["Bright", "Harbor", "Summit", "Cedar", "Unity", "Pathways", "Horizon", "Keystone", "Mesa", "River", "Oak"],
    ["Community", "Family", "Neighborhood", "Metro", "Westside", "Eastside", "Northside", "Valley"],
    ["Center", "Services", "Alliance", "Network", "House", "Project", "Collective", "Partners"],
)
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]
HOURS = [(8, 17), (9, 18), (7, 19), (12, 20), (22, 6)]  # (22, 6): overnight, open past midnight
STREETS = ["Main", "Oak", "Colfax", "Federal", "Park"]
# Services per file, and so per import (one transaction each): as a network loads a large directory,
# in a few large files (an import this large is written to the index by worker processes).
PART_SIZE = 10_000


def sentence_pools() -> dict[str, list[str]]:
    """Return sentences of the demo network's descriptions by top category code ("" holds them all).

    Synthetic descriptions are made of real-sounding sentences about the same kind of help, so a
    word like "daycare" matches about as many services as it would in a real directory.
    """
    network = json.loads(DEMO_NETWORK_PATH.read_text(encoding="utf-8"))
    top = {
        term.code: (term.parent.code if term.parent else term.code)
        for term in TaxonomyTerm.objects.categories().select_related("parent")
    }
    pools: dict[str, list[str]] = {"": []}
    for organization in network["organizations"]:
        for service in organization.get("services", []):
            text = f"{service.get('description', '')} {service.get('eligibility_description', '')}"
            sentences = [sentence.strip() + "." for sentence in text.split(".") if len(sentence.split()) > 3]
            pools[""] += sentences
            for code in {top[code] for code in service["categories"] if code in top}:
                pools.setdefault(code, []).extend(sentences)
    return pools


def description(rng: random.Random, pools: dict[str, list[str]], top_code: str) -> str:
    """About 60 words: sentences about this kind of help, and one about anything."""
    own = pools.get(top_code) or pools[""]
    sentences = []
    while sum(len(sentence.split()) for sentence in sentences) < 55:
        sentences.append(rng.choice(own if rng.random() < 0.8 else pools[""]))
    return " ".join(sentences)


def metro_zips() -> dict[str, list[dict]]:
    """Return, per metro, the ZIP records within about 25 miles of downtown, nearest first."""
    # The package's full records (city, ZIP type), which search's compact gazetteer does not keep.
    table = {record["zip_code"]: record for record in zipcodes.list_all()}
    by_metro = {}
    for metro, (state, downtown, _zone, _share) in METROS.items():
        center = table[downtown]
        lat, lon = float(center["lat"]), float(center["long"])
        nearby = [
            record
            for record in table.values()
            if record["state"] == state
            and record["lat"]
            and record["zip_code_type"] == "STANDARD"
            and abs(float(record["lat"]) - lat) < 0.35
            and abs(float(record["long"]) - lon) < 0.45
        ]
        nearby.sort(key=lambda r: (float(r["lat"]) - lat) ** 2 + (float(r["long"]) - lon) ** 2)
        by_metro[metro] = nearby
    return by_metro


def pick_zip(rng: random.Random, zips: list[dict]) -> dict:
    # Dense cores: most services sit in the nearest third of the ZIPs.
    index = int(len(zips) * rng.random() ** 2.5)
    return zips[min(index, len(zips) - 1)]


def extra(owner_id: uuid.UUID, code: str, value: str) -> dict:
    """An attribute carrying one of the directory's extras (providers/hsds/serialize.py EXTRAS)."""
    return {"id": str(uuid.uuid5(owner_id, f"extra/{code}")), "taxonomy_term_id": EXTRAS[code].id, "value": value}


def term(owner_id: uuid.UUID, link_type: str, term_id) -> dict:
    """An attribute linking a service to one of the reference taxonomies' terms."""
    return {
        "id": str(uuid.uuid5(owner_id, f"{link_type}/{term_id}")),
        "taxonomy_term_id": str(term_id),
        "link_type": link_type,
    }


def organizations(*, services: int, seed: int = 2026) -> Iterator[tuple[dict, int]]:
    """Yield (HSDS 3.0 organization record with its locations and services, services in it) until ``services``."""
    rng = random.Random(seed)
    namespace = uuid.UUID(int=seed)
    categories = list(
        TaxonomyTerm.objects.categories().filter(parent__isnull=False).select_related("parent").order_by("code")
    )
    populations = list(TaxonomyTerm.objects.populations().order_by("code"))
    pools = sentence_pools()
    zips_by_metro = metro_zips()
    today = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    metros = list(METROS)
    weights = [share for _state, _zip, _zone, share in METROS.values()]
    created = 0
    number = 0
    while created < services:
        metro = rng.choices(metros, weights=weights)[0]
        zone = METROS[metro][2]
        zips = zips_by_metro[metro]
        org_id = uuid.uuid5(namespace, f"org-{number}")
        number += 1
        name = f"{rng.choice(NAME_PARTS[0])} {rng.choice(NAME_PARTS[1])} {rng.choice(NAME_PARTS[2])} {metro}"
        locations = []
        for index in range(rng.choice([1, 1, 1, 2, 2, 3])):
            record = pick_zip(rng, zips)
            location_id = uuid.uuid5(org_id, f"location-{index}")
            schedules = []
            for weekday in WEEKDAYS:
                opens, closes = rng.choice(HOURS)
                schedule_id = uuid.uuid5(location_id, weekday)
                schedules.append(
                    {
                        "id": str(schedule_id),
                        "freq": "WEEKLY",
                        "wkst": "MO",
                        "byday": weekday,
                        "opens_at": f"{opens:02d}:00",
                        "closes_at": f"{closes:02d}:00",
                        "attributes": [extra(schedule_id, "time-zone", zone)],
                    }
                )
            locations.append(
                (
                    {
                        "id": str(location_id),
                        "location_type": "physical",
                        "name": f"{name} {record['city']}",
                        "latitude": round(float(record["lat"]) + rng.uniform(-0.01, 0.01), 6),
                        "longitude": round(float(record["long"]) + rng.uniform(-0.01, 0.01), 6),
                        "addresses": [
                            {
                                "id": str(uuid.uuid5(location_id, "address")),
                                "address_1": f"{rng.randint(100, 9999)} {rng.choice(STREETS)} St",
                                "city": record["city"],
                                "state_province": record["state"],
                                "postal_code": record["zip_code"],
                                "country": "US",
                                "address_type": "physical",
                            }
                        ],
                        "schedules": schedules,
                    },
                    record,
                )
            )
        organization_services = []
        for index in range(rng.randint(1, 5)):
            if created >= services:
                break
            organization_services.append(
                service_record(rng, org_id, index, name, categories, populations, pools, locations, today)
            )
            created += 1
        yield (
            {
                "id": str(org_id),
                "name": name,
                "description": description(rng, pools, "")[:300],
                "locations": [location for location, _record in locations],
                "services": organization_services,
            },
            len(organization_services),
        )


def service_record(
    rng: random.Random,
    org_id: uuid.UUID,
    index: int,
    organization_name: str,
    categories: list[TaxonomyTerm],
    populations: list[TaxonomyTerm],
    pools: dict[str, list[str]],
    locations: list[tuple[dict, dict]],
    today: datetime.datetime,
) -> dict:
    service_id = uuid.uuid5(org_id, f"service-{index}")
    category = rng.choice(categories)
    minimum_age = rng.choice([None, None, 18, 16, 60])
    maximum_age = rng.choice([None, 24, 64]) if minimum_age in (None, 16, 18) else None
    # Every synthetic listing states its capacity and referral method (the same draws as before "not stated").
    stated = [Service.Capacity.ACCEPTING, Service.Capacity.WAITLIST, Service.Capacity.NOT_ACCEPTING]
    capacity = rng.choices(stated, weights=[80, 15, 5])[0]
    attributes = [
        term(service_id, "category", category.pk),
        extra(service_id, "capacity-status", capacity),
        extra(
            service_id,
            "referral-method",
            rng.choice([Service.ReferralMethod.ELECTRONIC, Service.ReferralMethod.CONTACT]),
        ),
        extra(service_id, "keywords", category.synonyms.split(",")[0].strip()),
        extra(service_id, "populations-required", "true" if rng.random() < 0.1 else "false"),
        extra(service_id, "residency-required", "true" if rng.random() < 0.2 else "false"),
        extra(
            service_id,
            "last-verified-at",
            (today - datetime.timedelta(days=rng.randint(0, 400))).astimezone(datetime.UTC).isoformat(),
        ),
    ]
    income_limit = rng.choice([None, None, 100, 150, 200, 250])
    if income_limit is not None:
        attributes.append(extra(service_id, "income-limit-percent-fpl", str(income_limit)))
    if rng.random() < 0.3:
        attributes.append(term(service_id, "population", rng.choice(populations).pk))
    record = {
        "id": str(service_id),
        "name": f"{category.name} – {organization_name}",
        "status": "active",
        "description": description(rng, pools, category.parent.code),
        "service_at_locations": [
            {"id": str(uuid.uuid5(service_id, location["id"])), "location_id": location["id"]}
            for location, _record in rng.sample(locations, rng.randint(1, len(locations)))
        ],
        "languages": [
            {"id": str(uuid.uuid5(service_id, code)), "code": code, "name": name}
            for code, name in [LANGUAGES[0], *rng.sample(LANGUAGES[1:], rng.choice([0, 1, 1, 2]))]
        ],
        "cost_options": [
            {
                "id": str(uuid.uuid5(service_id, "cost")),
                "option": "Fee",
                "currency": "USD",
                "amount": float(rng.choice([0, 0, 0, 10, 25])),
            }
        ],
        "service_areas": [],
        "attributes": attributes,
    }
    if minimum_age is not None:
        record["minimum_age"] = minimum_age
    if maximum_age is not None:
        record["maximum_age"] = maximum_age
    if rng.random() < 0.5:
        _location, place = locations[0]
        area_id = uuid.uuid5(service_id, "area")
        county = f"{place['county']}, {place['state']}"
        record["service_areas"].append(
            {
                "id": str(area_id),
                "extent": county,
                "extent_type": "text",
                "attributes": [extra(area_id, "service-area-extent", json.dumps({"counties": [county]}))],
            }
        )
    return record


def write(folder: Path, *, services: int, seed: int = 2026, progress: Callable[[int, int], None] | None = None) -> int:
    """Write the directory to ``folder`` as files of about PART_SIZE services; return the services written."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("organizations-*.json"):
        old.unlink()
    part, in_part, written = [], 0, 0
    number = 0

    def flush() -> None:
        nonlocal part, in_part, number
        number += 1
        path = folder / f"organizations-{number:04d}.json"
        path.write_text(json.dumps(part, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        part, in_part = [], 0

    for record, count in organizations(services=services, seed=seed):
        part.append(record)
        in_part += count
        written += count
        if in_part >= PART_SIZE:
            flush()
            if progress:
                progress(written, services)
    if part:
        flush()
    if progress:
        progress(written, services)
    return written


# --- Loading through the importer -----------------------------------------------------------------


@dataclasses.dataclass
class LoadResult:
    services: int = 0
    records: int = 0
    import_seconds: float = 0.0  # import_hsds in all, the index writes after each commit included
    index_seconds: float = 0.0  # of which: writing the imported services to the search index
    warnings: int = 0
    parts: int = 0

    @property
    def services_per_second(self) -> float:
        return self.services / self.import_seconds if self.import_seconds else 0.0


_reindex = {"seconds": 0.0, "path": ""}


def timed_reindex(service_ids) -> int:
    """settings.HSDS_REINDEX while loading: the project's own reindex, timed."""
    started = time.perf_counter()
    try:
        return import_string(_reindex["path"])(service_ids)
    finally:
        _reindex["seconds"] += time.perf_counter() - started


def load(folder: Path, *, progress: Callable[[str, int, int], None] | None = None) -> LoadResult:
    """Import every file written by ``write`` with ``import_hsds``, one import per file; raise on any error.

    The search index must exist: each import writes its services to it after it commits, as it does
    for a network's own import, so the time is that of "import + index". ``progress`` gets the file
    ("2/20") and the importer's own progress through it (records done, records in the file).
    """
    result = LoadResult()
    paths = sorted(folder.glob("organizations-*.json"))
    _reindex["path"], _reindex["seconds"] = settings.HSDS_REINDEX, 0.0
    settings.HSDS_REINDEX = f"{__name__}.timed_reindex"
    try:
        for number, path in enumerate(paths, start=1):
            label = f"{number}/{len(paths)}"
            started = time.perf_counter()
            report = import_hsds(
                path,
                source="bench",
                progress=(lambda done, total, label=label: progress(label, done, total)) if progress else None,
            )
            result.import_seconds += time.perf_counter() - started
            if report.errors or report.rolled_back:
                problems = "\n".join(str(problem) for problem in report.errors[:10])
                raise RuntimeError(f"The import of {path} failed:\n{problems}")
            for kind, tally in report.tallies.items():
                done = tally.created + tally.updated + tally.unchanged
                result.records += done
                if kind == "service":
                    result.services += done
            result.warnings += len(report.warnings)
            result.parts += 1
            result.index_seconds = _reindex["seconds"]
    finally:
        settings.HSDS_REINDEX = _reindex["path"]
    return result
