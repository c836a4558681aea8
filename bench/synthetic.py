"""A deterministic synthetic directory of realistic shape, for benchmarks (not for tests or demos).

Organizations with 1-5 services; services in every category with 1-3 locations; several metro areas
with dense cores (points drawn around real ZIP centroids, most near downtown); weekday, evening and
overnight hours; eligibility, service areas, languages and ~60-word descriptions from a vocabulary.
The same ``seed`` and ``services`` always give the same directory. Rows go in with bulk_create,
with the search index upkeep off; rebuild the index afterwards.
"""

import datetime
import json
import random
import uuid

from django.db import transaction
from django.utils import timezone

from providers.demo import DEMO_NETWORK_PATH
from providers.models import (
    Address,
    CostOption,
    Language,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from search.geography import _zip_table

METROS = {
    # name: (state, downtown ZIP, share of services)
    "Denver": ("CO", "80202", 0.30),
    "Phoenix": ("AZ", "85004", 0.20),
    "Chicago": ("IL", "60602", 0.25),
    "Atlanta": ("GA", "30303", 0.15),
    "Portland": ("OR", "97204", 0.10),
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
STREETS = ["Main", "Oak", "Colfax", "Federal", "Park"]


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
    table = _zip_table()
    by_metro = {}
    for metro, (state, downtown, _share) in METROS.items():
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


def generate(*, services: int, seed: int = 2026, progress=None) -> int:
    """Create about ``services`` services; return the number created."""
    rng = random.Random(seed)
    namespace = uuid.UUID(int=seed)
    categories = list(TaxonomyTerm.objects.categories().filter(parent__isnull=False).select_related("parent"))
    pools = sentence_pools()
    populations = list(TaxonomyTerm.objects.populations())
    zips_by_metro = metro_zips()
    now = timezone.now()
    created = 0
    while created < services:
        rows = {
            model: []
            for model in (
                Organization,
                Service,
                Location,
                Address,
                ServiceAtLocation,
                Schedule,
                Language,
                CostOption,
                ServiceArea,
            )
        }
        m2m_categories, m2m_populations = [], []
        batch_end = min(created + 500, services)
        while created < batch_end:
            metro = rng.choices(list(METROS), weights=[share for _s, _z, share in METROS.values()])[0]
            zips = zips_by_metro[metro]
            org_id = uuid.uuid5(namespace, f"org-{created}")
            organization = Organization(
                id=org_id,
                name=f"{rng.choice(NAME_PARTS[0])} {rng.choice(NAME_PARTS[1])} {rng.choice(NAME_PARTS[2])} {metro}",
                description=description(rng, pools, "")[:300],
            )
            rows[Organization].append(organization)
            locations = []
            for number in range(rng.choice([1, 1, 1, 2, 2, 3])):
                record = pick_zip(rng, zips)
                location = Location(
                    id=uuid.uuid5(org_id, f"location-{number}"),
                    organization_id=org_id,
                    name=f"{organization.name} {record['city']}",
                    latitude=float(record["lat"]) + rng.uniform(-0.01, 0.01),
                    longitude=float(record["long"]) + rng.uniform(-0.01, 0.01),
                )
                locations.append((location, record))
                rows[Location].append(location)
                rows[Address].append(
                    Address(
                        id=uuid.uuid5(location.id, "address"),
                        location_id=location.id,
                        address_1=f"{rng.randint(100, 9999)} {rng.choice(STREETS)} St",
                        city=record["city"],
                        state_province=record["state"],
                        postal_code=record["zip_code"],
                    )
                )
                for weekday in WEEKDAYS:
                    opens, closes = rng.choice([(8, 17), (9, 18), (7, 19), (12, 20), (22, 6)])
                    rows[Schedule].append(
                        Schedule(
                            id=uuid.uuid5(location.id, weekday),
                            location_id=location.id,
                            weekday=weekday,
                            opens_at=datetime.time(opens),
                            closes_at=datetime.time(closes),
                        )
                    )
            for number in range(rng.randint(1, 5)):
                if created >= batch_end:
                    break
                service_id = uuid.uuid5(org_id, f"service-{number}")
                category = rng.choice(categories)
                minimum_age = rng.choice([None, None, 18, 16, 60])
                rows[Service].append(
                    Service(
                        id=service_id,
                        organization_id=org_id,
                        name=f"{category.name} – {organization.name}",
                        description=description(rng, pools, category.parent.code),
                        keywords=category.synonyms.split(",")[0].strip(),
                        capacity_status=rng.choices(
                            [Service.Capacity.ACCEPTING, Service.Capacity.WAITLIST, Service.Capacity.NOT_ACCEPTING],
                            weights=[80, 15, 5],
                        )[0],
                        referral_method=rng.choice(list(Service.ReferralMethod)),
                        last_verified_at=now - datetime.timedelta(days=rng.randint(0, 400)),
                        minimum_age=minimum_age,
                        maximum_age=rng.choice([None, 24, 64]) if minimum_age in (None, 16, 18) else None,
                        income_limit_percent_fpl=rng.choice([None, None, 100, 150, 200, 250]),
                        populations_required=rng.random() < 0.1,
                        residency_required=rng.random() < 0.2,
                    )
                )
                m2m_categories.append(Service.categories.through(service_id=service_id, taxonomyterm_id=category.pk))
                if rng.random() < 0.3:
                    m2m_populations.append(
                        Service.populations.through(service_id=service_id, taxonomyterm_id=rng.choice(populations).pk)
                    )
                for location, _record in rng.sample(locations, rng.randint(1, len(locations))):
                    rows[ServiceAtLocation].append(
                        ServiceAtLocation(
                            id=uuid.uuid5(service_id, str(location.id)), service_id=service_id, location_id=location.id
                        )
                    )
                for code, name in [LANGUAGES[0], *rng.sample(LANGUAGES[1:], rng.choice([0, 1, 1, 2]))]:
                    rows[Language].append(
                        Language(id=uuid.uuid5(service_id, code), service_id=service_id, code=code, name=name)
                    )
                rows[CostOption].append(
                    CostOption(
                        id=uuid.uuid5(service_id, "cost"),
                        service_id=service_id,
                        amount=rng.choice([0, 0, 0, 10, 25]),
                        option="Fee",
                    )
                )
                if rng.random() < 0.5:
                    _location, record = locations[0]
                    rows[ServiceArea].append(
                        ServiceArea(
                            id=uuid.uuid5(service_id, "area"),
                            service_id=service_id,
                            extent_type=ServiceArea.ExtentType.COUNTIES,
                            counties=[f"{record['county']}, {record['state']}"],
                        )
                    )
                created += 1
        with transaction.atomic():
            for model, objects in rows.items():
                model.objects.bulk_create(objects, batch_size=1000)
            Service.categories.through.objects.bulk_create(m2m_categories, batch_size=1000)
            Service.populations.through.objects.bulk_create(m2m_populations, batch_size=1000)
        if progress:
            progress(created, services)
    return created
