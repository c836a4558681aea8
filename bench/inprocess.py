"""Measures taken inside this process, through Django's test client and the same middleware as production.

Search is measured side by side: for the i-th query of every kind, in turn, the search API, the raw
Whoosh searcher for the same words and filters, and a naive ORM search, so that a slow moment of a
shared machine slows all three alike and the ratios stay fair.
"""

import math
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Prefetch, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.queries import SEARCH_PATH, SUGGEST_PATH
from bench.urls import FLOOR_API_PATH, FLOOR_PATH
from providers.models import Service, ServiceAtLocation
from providers.poverty import percent_of_guideline
from search.geography import distance_miles, place_for_zip

Progress = Callable[[int, int], None] | None
PAGE = 20


def summary(samples_ms: list[float]) -> dict:
    """Median, p95 (nearest rank), mean and extremes of timings in milliseconds."""
    ordered = sorted(samples_ms)
    if not ordered:
        return {"n": 0}

    def rank(percent: float) -> float:
        return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]

    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(rank(95), 2),
        "p99_ms": round(rank(99), 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
        "min_ms": round(ordered[0], 2),
        "max_ms": round(ordered[-1], 2),
    }


def timed(function: Callable, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, value


# --- The three ways to search -------------------------------------------------------------------------


def api_search(client: Client, params: dict) -> int:
    response = client.get(SEARCH_PATH, params)
    if response.status_code != 200:
        raise RuntimeError(f"{SEARCH_PATH} {params} answered {response.status_code}: {response.content[:300]!r}")
    return response.json()["count"]


class RawWhoosh:
    """What a program using Whoosh directly would do for the same words and filters: no ranking rules,
    no exact distance, no eligibility, no facets. The same typo stages as the search (exact words,
    then typos allowed, then any word), since a search for a misspelt word must find something.
    """

    def __init__(self) -> None:
        from search.query import verified_since

        self.verified_since = verified_since()  # once: a network setting, read by the search per request

    def search(self, params: dict, *, limit: int | None) -> int:
        from whoosh import query as q

        from search.backends.whoosh import index
        from search.documents import TEXT_FIELDS, cells_within

        searcher = index.searcher()
        filters = []
        if self.verified_since is not None:
            filters.append(q.DateRange("last_verified", self.verified_since, None))
        if params.get("category"):
            filters.append(q.Term("categories", params["category"]))
        if params.get("population"):
            filters.append(q.Term("populations", params["population"]))
        if params.get("accepting"):
            filters.append(q.Term("capacity", "accepting"))
        if params.get("radius"):
            place = place_for_zip(params["zip"])
            filters.append(q.Or([q.Term("cells", cell) for cell in cells_within(place, params["radius"])]))
        words = [token.text for token in index.ANALYZER(params["q"])]
        stages = [(False, True), (True, True)] + ([(True, False)] if len(words) > 1 else [])
        for fuzzy, every in stages:
            parts = []
            for word in words:
                alternatives = [q.Term(name, word) for name in TEXT_FIELDS]
                distance = (0 if len(word) < 4 else 2 if len(word) >= 7 else 1) if fuzzy else 0
                if distance:
                    alternatives += [
                        q.FuzzyTerm(name, word, maxdist=distance, prefixlength=1, boost=0.5) for name in TEXT_FIELDS
                    ]
                parts.append(q.Or(alternatives))
            hits = searcher.search(
                q.And(parts) if every else q.Or(parts), filter=q.And(filters) if filters else None, limit=limit
            )
            if not hits.is_empty():
                return len([hit["data"] for hit in hits])  # a program reads what it shows
        return 0


def naive_search(params: dict) -> dict:
    """The search one would write first: ``icontains`` over name and description, then Python distances.

    Each word must appear in the name or the description; category (with its subcategories),
    population and capacity as ORM filters; distances to every location in Python; for a participant,
    age and income checked in Python; sorted (eligible first, then nearest) and facets counted.
    """
    services = Service.objects.listed()
    for word in params["q"].split():
        services = services.filter(Q(name__icontains=word) | Q(description__icontains=word))
    if params.get("category"):
        services = services.filter(
            Q(categories__code=params["category"]) | Q(categories__parent__code=params["category"])
        )
    if params.get("population"):
        services = services.filter(populations__code=params["population"])
    if params.get("accepting"):
        services = services.filter(capacity_status=Service.Capacity.ACCEPTING)
    services = services.distinct().select_related("organization")
    services = services.prefetch_related(
        Prefetch("service_at_locations", queryset=ServiceAtLocation.objects.select_related("location")),
        "categories",
    )
    place = place_for_zip(params["zip"]) if params.get("zip") else None
    results = []
    for service in services:
        distance = math.inf
        if place is not None:
            for link in service.service_at_locations.all():
                if link.location.latitude is not None:
                    point = (link.location.latitude, link.location.longitude)
                    distance = min(distance, distance_miles(place.point, point))
        if params.get("radius") and distance > params["radius"]:
            continue
        eligible = True
        if "age" in params:
            age = params["age"]
            eligible = (service.minimum_age is None or age >= service.minimum_age) and (
                service.maximum_age is None or age <= service.maximum_age
            )
            if service.income_limit_percent_fpl is not None:
                percent = percent_of_guideline(
                    annual_income=params["annual_income"], household_size=params["household_size"]
                )
                eligible = eligible and percent <= service.income_limit_percent_fpl
        results.append((not eligible, distance, service.name, service))
    results.sort(key=lambda item: item[:3])
    return {
        "count": len(results),
        "facets": Counter(term.code for *_key, service in results for term in service.categories.all()),
        "page": [(service.name, service.organization.name) for *_key, service in results[:PAGE]],
    }


# --- Search, side by side -------------------------------------------------------------------------------


SLOW_BASELINES = ("naive", "raw_whoosh_all")


def search_side_by_side(
    kinds: dict[str, list[dict]],
    *,
    warmup: int,
    raw: bool,
    naive: bool,
    baseline_rounds: int | None = None,
    progress: Progress = None,
) -> dict:
    """Time every kind of search through the API, raw Whoosh (top 20 and all matches) and naive ORM.

    The slow baselines (naive ORM, raw Whoosh reading every match: seconds each at 100,000 services)
    run in the first ``baseline_rounds`` rounds only, when given; the rest in every round.
    """
    client = Client()
    whoosh = RawWhoosh() if raw else None
    ways: dict[str, Callable[[dict], object]] = {"api": lambda params: api_search(client, params)}
    if whoosh is not None:
        ways["raw_whoosh_top20"] = lambda params: whoosh.search(params, limit=PAGE)
        ways["raw_whoosh_all"] = lambda params: whoosh.search(params, limit=None)
    if naive:
        ways["naive"] = naive_search
    for params_list in kinds.values():  # warm-up: caches, the shared searcher, the database's pages
        for params in params_list[:warmup]:
            for way in ways.values():
                way(params)
    timings = {kind: {name: [] for name in ways} for kind in kinds}
    found = {kind: [] for kind in kinds}
    rounds = min(len(params_list) for params_list in kinds.values())
    for number in range(rounds):
        for kind, params_list in kinds.items():
            params = params_list[number]
            for name, way in ways.items():
                if name in SLOW_BASELINES and baseline_rounds is not None and number >= baseline_rounds:
                    continue
                elapsed, count = timed(way, params)
                timings[kind][name].append(elapsed)
                if name == "api":
                    found[kind].append(count)
        if progress:
            progress(number + 1, rounds)
    results = {}
    for kind, params_list in kinds.items():
        with CaptureQueriesContext(connection) as queries:
            for params in params_list[:10]:
                api_search(client, params)
        results[kind] = {
            **{name: summary(samples) for name, samples in timings[kind].items()},
            "api_queries_per_search": round(len(queries) / min(10, len(params_list)), 1),
            "mean_results": round(statistics.fmean(found[kind]), 1),
        }
    return results


# --- The floor ---------------------------------------------------------------------------------------------


def floor(count: int, *, warmup: int) -> dict:
    """A trivial JSON view, plain Django and through DRF, behind the same middleware (bench/urls.py)."""
    client = Client()
    for _ in range(warmup):
        client.get(FLOOR_PATH)
        client.get(FLOOR_API_PATH)
    plain, drf = [], []
    for _ in range(count):
        elapsed, response = timed(client.get, FLOOR_PATH)
        assert response.status_code == 200, response.status_code
        plain.append(elapsed)
        elapsed, response = timed(client.get, FLOOR_API_PATH)
        assert response.status_code == 200, response.status_code
        drf.append(elapsed)
    return {"django": summary(plain), "drf": summary(drf)}


def suggest_latency(count: int, *, warmup: int, seed: int = 11) -> dict:
    """GET /api/v1/search/suggest/ with what people type: the first 2 to 6 letters of a word of a listed
    service's or a category's name, sometimes after a whole first word ("child ca")."""
    from providers.models import TaxonomyTerm

    chooser = random.Random(seed)
    names = list(Service.objects.listed().order_by("?").values_list("name", flat=True)[:500])
    names += list(TaxonomyTerm.objects.categories().values_list("name", flat=True))
    typed = []
    for _ in range(count + warmup):
        words = [word for word in chooser.choice(names).split() if word.isalpha()] or ["care"]
        start = chooser.randrange(len(words))
        prefix = words[start][: chooser.randint(2, 6)]
        typed.append(f"{words[start - 1]} {prefix}" if start and chooser.random() < 0.3 else prefix)
    client = Client()
    for text in typed[:warmup]:
        client.get(SUGGEST_PATH, {"q": text})
    samples = []
    for text in typed[warmup:]:
        elapsed, response = timed(client.get, SUGGEST_PATH, {"q": text})
        assert response.status_code == 200, response.content
        samples.append(elapsed)
    return summary(samples)


# --- The index ---------------------------------------------------------------------------------------------


def rebuild(progress: Progress = None) -> dict:
    """Rebuild the configured backend's documents from the database, as rebuild_search_index does."""
    from search.backends import get_backend

    started = time.perf_counter()
    documents = get_backend().rebuild(progress=progress)
    seconds = time.perf_counter() - started
    return {"documents": documents, "seconds": round(seconds, 1), "documents_per_second": round(documents / seconds)}


def edit_latency(count: int, *, progress: Progress = None) -> dict:
    """Time from an edit's commit until the search API finds it, over ``count`` edits of different services.

    Each edit adds a new word to a service's keywords and saves it through the model in a transaction,
    as the portal does; the index upkeep runs after the commit, in the same request. ``commit_ms`` is
    how long the commit itself took (the editor waits for it), ``visible_ms`` until a search finds
    the word. The keywords are put back afterwards.
    """
    client = Client()
    ids = list(Service.objects.listed().order_by("id").values_list("pk", flat=True))
    chosen = ids[:: max(1, len(ids) // count)][:count]
    services = [Service.objects.get(pk=pk) for pk in chosen]
    originals = {service.pk: service.keywords for service in services}
    commit, visible = [], []
    try:
        for number, service in enumerate(services):
            word = f"zqbench{number:04d}x"
            with transaction.atomic():
                service.keywords = f"{originals[service.pk]}, {word}".strip(", ")
                service.full_clean()
                service.save()
                started = time.perf_counter()
            committed = time.perf_counter()
            while api_search(client, {"q": word}) < 1:
                if time.perf_counter() - started > 30:
                    raise RuntimeError(f"An edit was still not searchable 30 s after its commit ({word}).")
                time.sleep(0.005)
            visible.append((time.perf_counter() - started) * 1000)
            commit.append((committed - started) * 1000)
            if progress:
                progress(number + 1, len(services))
    finally:
        for service in services:
            with transaction.atomic():
                service.keywords = originals[service.pk]
                service.save()
    return {"commit": summary(commit), "visible": summary(visible)}


# --- The HSDS feed ------------------------------------------------------------------------------------------


def hsds_pages(count: int, *, warmup: int, progress: Progress = None) -> dict:
    """Time ``/api/hsds/services?per_page=100&full=true`` on pages all through the feed; count queries."""
    client = Client()
    path = "/api/hsds/services"
    first = client.get(path, {"per_page": 100, "full": "true"})
    assert first.status_code == 200, first.content[:300]
    pages = first.json()["total_pages"]
    rng = random.Random(11)
    numbers = [rng.randint(1, pages) for _ in range(count + warmup)]
    for number in numbers[:warmup]:
        client.get(path, {"per_page": 100, "full": "true", "page": number})
    timings = []
    for done, number in enumerate(numbers[warmup:], start=1):
        elapsed, response = timed(client.get, path, {"per_page": 100, "full": "true", "page": number})
        assert response.status_code == 200, response.content[:300]
        timings.append(elapsed)
        if progress:
            progress(done, count)
    queries = {}
    for per_page in (10, 100):
        counts = []
        last = math.ceil(first.json()["total_items"] / per_page)
        for page in (1, max(1, last // 2)):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path, {"per_page": per_page, "full": "true", "page": page})
            assert response.status_code == 200, response.content[:300]
            counts.append(len(captured))
        queries[per_page] = max(counts)
    return {
        "per_page_100": summary(timings),
        "pages": pages,
        "queries_per_page_10": queries[10],
        "queries_per_page_100": queries[100],
    }
