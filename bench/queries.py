"""The searches a benchmark runs: four kinds, each a list of varied parameter sets for /api/v1/search/.

Words people type at a desk (with a typo among them), categories and populations from the reference
taxonomies, and ZIP codes near the dense cores of the synthetic metros (or of the demo network).
"""

import random
from urllib.parse import urlencode

SEARCH_PATH = "/api/v1/search/"
SUGGEST_PATH = "/api/v1/search/suggest/"
TEXTS = [
    "daycare",
    "child care",
    "rent help",
    "eviction",
    "bus pass",
    "ride to work",
    "car repair",
    "counseling",
    "therapy",
    "lawyer",
    "record expungement",
    "food pantry",
    "groceries",
    "job training",
    "resume",
    "GED",
    "english classes",
    "dental",
    "clinic",
    "shelter",
    "utility bill",
    "depression",
    "immigration",
    "babysiting",  # a typo: the search allows it, at a cost
]
CATEGORIES = ["child-care", "housing", "transportation", "legal", "mental-health", "food", "employment", "health"]
POPULATIONS = ["veterans", "youth", "families-with-children", "immigrants-refugees", "unemployed"]
DEMO_ZIPS = ["80219", "80204", "80010", "80012", "80221", "80229", "80110", "80226", "80205", "80203"]

TEXT_ONLY = "text only"
TEXT_CATEGORY_POPULATION = "text + category + population"
TEXT_RADIUS = "text + 10-mile radius"
CASE_MANAGER = "case manager (text + filters + profile + facets)"
KINDS = (TEXT_ONLY, TEXT_CATEGORY_POPULATION, TEXT_RADIUS, CASE_MANAGER)


def zips(demo: bool) -> list[str]:
    """ZIP codes participants search from: the demo network's, or 15 near each synthetic metro's downtown."""
    if demo:
        return DEMO_ZIPS
    from bench.synthetic import metro_zips

    return [record["zip_code"] for records in metro_zips().values() for record in records[:15]]


def searches(rng: random.Random, zip_codes: list[str], count: int) -> dict[str, list[dict]]:
    """Return ``count`` parameter sets of each kind, the i-th of every kind with the same words."""
    kinds: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    for _ in range(count):
        text, zip_code = rng.choice(TEXTS), rng.choice(zip_codes)
        kinds[TEXT_ONLY].append({"q": text})
        kinds[TEXT_CATEGORY_POPULATION].append(
            {"q": text, "category": rng.choice(CATEGORIES), "population": rng.choice(POPULATIONS)}
        )
        kinds[TEXT_RADIUS].append({"q": text, "zip": zip_code, "radius": 10})
        kinds[CASE_MANAGER].append(
            {
                "q": text,
                "zip": zip_code,
                "radius": 25,
                "accepting": "true",
                "age": rng.randint(18, 64),
                "household_size": rng.randint(1, 6),
                "annual_income": rng.randint(8000, 70000),
                "speaks": rng.choice(["en", "es", "en,es", "vi"]),
            }
        )
    return kinds


def url(params: dict) -> str:
    return f"{SEARCH_PATH}?{urlencode(params)}"
