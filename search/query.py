"""Run a search: text with synonyms and typo tolerance, filters, geography, eligibility, facets, ranking.

The configured backend (search/backends/: Whoosh or PostgreSQL) narrows the candidates (text,
category, population, language, cost, capacity, and coarse prefilters for distance, service area and
opening hours); Python then checks the exact distance, area and hours, evaluates eligibility against
the participant profile, counts facets and ranks, here, the same whichever backend found them.

Text: every word exactly; when that finds nothing, every word allowing typos; then any word allowing
typos (``text_stages``, ``typo_distance``). Typo tolerance only when needed: expanding every word to
its near spellings is the costly part.

Ranking (the one place it is decided): results are ordered by, in turn,
1. text relevance band: a strong match (at least a third of the best score) before a weak one;
2. eligibility verdict, when a profile is given: eligible, then maybe, then not eligible;
3. serving the participant's area, when a place is given: in the area (or no area) first;
4. capacity: accepting new clients, then waitlist, then not accepting;
5. responsiveness (``responsiveness``): median answer within REFERRAL_RESPONSE_DAYS over 5+ referrals, unknown, slower;
6. distance to the nearest fitting location, nearest first;
7. name.
Bands rather than a weighted sum, so that an order can be explained in a sentence.
"""

import datetime
import math
import time
from collections import Counter
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from providers.hours import Hours, is_open_at
from providers.languages import language_name
from providers.models import NetworkSettings, Service
from search.backends import get_backend
from search.eligibility import Area, Criteria, Eligibility, Participant, Verdict, evaluate
from search.geography import Place, distance_miles
from search.models import UnmetSearch

STRONG_MATCH = 1 / 3
VERDICT_ORDER = {Verdict.ELIGIBLE: 0, Verdict.MAYBE: 1, Verdict.NOT_ELIGIBLE: 2}
CAPACITY_ORDER = {Service.Capacity.ACCEPTING: 0, Service.Capacity.WAITLIST: 1, Service.Capacity.NOT_ACCEPTING: 2}
UNKNOWN_RESPONSIVENESS = 1
RESPONSIVENESS_SECONDS = 300
_responsiveness_cache: dict = {"expires": -math.inf, "bands": {}}


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    category: str = ""
    population: str = ""
    language: str = ""
    place: Place | None = None
    radius_miles: float | None = None
    serves_me: bool = False
    open_at: datetime.datetime | None = None
    accepting: bool = False
    free: bool = False
    participant: Participant = field(default_factory=Participant)
    hide_ineligible: bool = False
    page: int = 1
    page_size: int = 20


@dataclass
class Result:
    service_id: str
    data: dict
    location: dict | None
    distance_miles: float | None
    open_now: bool | None
    eligibility: Eligibility | None
    serves_area: bool | None
    relevance: float
    sort_key: tuple = ()


@dataclass
class SearchResults:
    request: SearchRequest
    count: int
    results: list[Result]
    facets: dict[str, dict[str, int]]
    page_count: int


def responsiveness(service_id: str) -> int:
    """Return the service's responsiveness band: 0 answers quickly, 1 unknown (too few referrals), 2 slowly.

    The bands come from the function settings.SEARCH_RESPONSIVENESS names ({service id: band}, without
    the unknown ones), so that search need not import referrals; without it every service is unknown.
    Each process keeps them for RESPONSIVENESS_SECONDS (a query then, none in between): referral
    figures change slowly, and a ranking a few minutes behind them ranks as well.
    """
    cache = _responsiveness_cache
    if time.monotonic() >= cache["expires"]:
        path = getattr(settings, "SEARCH_RESPONSIVENESS", "")
        bands = import_string(path)() if path else {}
        cache["bands"] = {str(key): band for key, band in bands.items()}
        cache["expires"] = time.monotonic() + RESPONSIVENESS_SECONDS
    return cache["bands"].get(str(service_id), UNKNOWN_RESPONSIVENESS)


def forget_responsiveness() -> None:
    """Read the bands afresh at the next search (tests, and after loading a history of referrals)."""
    _responsiveness_cache["expires"] = -math.inf


def search(request: SearchRequest, *, log_unmet: bool = True) -> SearchResults:
    """Return one page of ranked results with facet counts. Raises IndexMissing without an index."""
    candidates = get_backend().candidates(request, verified_since=verified_since())
    now = timezone.now()
    results = [result for hit_data, score in candidates if (result := _result(hit_data, score, request)) is not None]
    if request.hide_ineligible:
        results = [r for r in results if r.eligibility is None or r.eligibility.verdict != Verdict.NOT_ELIGIBLE]
    _rank(results, request)
    facets = _facets(results)
    count = len(results)
    if count == 0 and log_unmet:
        _log_unmet(request)
    start = (request.page - 1) * request.page_size
    page = results[start : start + request.page_size]
    for result in page:
        if result.open_now is None:  # without an "open at" filter, only the shown results need their hours
            result.open_now = is_open_at(_hours_at(result.data, result.location), now)
    page_count = max(1, math.ceil(count / request.page_size))
    return SearchResults(request, count, page, facets, page_count)


def verified_since() -> datetime.datetime | None:
    """Return the oldest confirmation a listing may have to be found, when the network hides older ones (a query).

    The network hides listings nobody confirmed for this long: left out of the results, never deleted,
    back as soon as they are confirmed. Never verified counts as unverified (Service.is_stale).
    """
    hide_after_days = NetworkSettings.load().hide_unverified_after_days
    if not hide_after_days:
        return None
    return timezone.now() - datetime.timedelta(days=hide_after_days)


def text_stages(words: list[str]) -> list[tuple[bool, bool]]:
    """Return the (fuzzy, every word) matches a backend tries in turn, stopping at the first that finds anything."""
    if not words:
        return []
    stages = [(False, True), (True, True)]
    if len(words) > 1:
        stages.append((True, False))
    return stages


def typo_distance(word: str) -> int:
    """Return how many edits (Levenshtein, first letter kept) a word may be from the words it matches.

    Index terms are stems ("eviction" → "evict"), so a misspelt word is often two edits away.
    """
    if len(word) < 4:
        return 0
    return 2 if len(word) >= 7 else 1


def criteria_for(data: dict) -> Criteria:
    """Rebuild a service's criteria from its stored document, with names in the active language."""
    spanish = get_language() == "es"

    def names(terms: dict) -> dict:
        return {code: (name_es if spanish and name_es else name) for code, (name, name_es) in terms.items()}

    return Criteria(
        minimum_age=data["minimum_age"],
        maximum_age=data["maximum_age"],
        income_limit_percent=data["income_limit_percent"],
        gender=data["gender"],
        populations=names(data["populations"]),
        populations_required=data["populations_required"],
        residency_required=data["residency_required"],
        areas=tuple(
            Area(
                postal_codes=frozenset(area["postal_codes"]),
                counties=frozenset(area["counties"]),
                center=tuple(area["center"]) if area["center"] else None,
                radius_miles=area["radius_miles"],
                polygon=area["polygon"],
            )
            for area in data["areas"]
        ),
        languages={code: language_name(code, name) for code, name in data["languages"].items()},
        interpretation=data["interpretation"],
        insurance=names(data["insurance"]),
    )


def _hours_at(data: dict, location: dict | None) -> list[Hours]:
    return [Hours(*values) for values in (location["schedules"] if location is not None else data["service_schedules"])]


def _result(data: dict, score: float, request: SearchRequest) -> Result | None:
    """Check a candidate exactly (distance, area, hours) and explain it; None when it does not fit."""
    criteria = criteria_for(data)
    serves_area = criteria.serves(request.place) if request.place is not None else None
    if request.serves_me and request.place is not None and not serves_area:
        return None
    fitting = []
    for location in data["locations"] or [None]:
        distance = None
        if location is not None and request.place is not None and location["latitude"] is not None:
            distance = distance_miles(request.place.point, (location["latitude"], location["longitude"]))
        if request.radius_miles and (distance is None or distance > request.radius_miles):
            continue
        open_now = None  # worked out for the shown page only, unless the search asks for it
        if request.open_at is not None:
            open_now = is_open_at(_hours_at(data, location), request.open_at)
            if not open_now:
                continue
        fitting.append((distance if distance is not None else math.inf, location, open_now))
    if not fitting:
        return None
    distance, location, open_now = min(fitting, key=lambda item: item[0])
    eligibility = None if request.participant.is_empty else evaluate(criteria, request.participant)
    return Result(
        service_id=data["id"],
        data=data,
        location=location,
        distance_miles=None if distance == math.inf else round(distance, 1),
        open_now=open_now,
        eligibility=eligibility,
        serves_area=serves_area,
        relevance=score,
    )


def _rank(results: list[Result], request: SearchRequest) -> None:
    best = max((result.relevance for result in results), default=0) or 1
    for result in results:
        result.sort_key = (
            0 if result.relevance >= best * STRONG_MATCH else 1,
            VERDICT_ORDER[result.eligibility.verdict] if result.eligibility else 0,
            0 if result.serves_area in (True, None) else 1,
            CAPACITY_ORDER.get(result.data["capacity"], 0),
            responsiveness(result.service_id),
            result.distance_miles if result.distance_miles is not None else math.inf,
            result.data["name"].lower(),
        )
    results.sort(key=lambda result: result.sort_key)


def _facets(results: list[Result]) -> dict[str, dict[str, int]]:
    categories, populations, languages, capacity = Counter(), Counter(), Counter(), Counter()
    for result in results:
        categories.update(result.data["categories"])
        populations.update(result.data["populations"].keys())
        languages.update(result.data["languages"].keys())
        capacity[result.data["capacity"]] += 1
    return {
        "category": dict(categories.most_common()),
        "population": dict(populations.most_common()),
        "language": dict(languages.most_common()),
        "capacity": dict(capacity.most_common()),
    }


def _log_unmet(request: SearchRequest) -> None:
    """Record what was looked for and where, never who: the network's unmet needs."""
    filters = {
        "population": request.population,
        "language": request.language,
        "radius_miles": request.radius_miles,
        "serves_me": request.serves_me,
        "open_at": request.open_at.isoformat() if request.open_at else None,
        "accepting": request.accepting,
        "free": request.free,
    }
    UnmetSearch.objects.create(
        query=request.text[:200],
        category=request.category,
        filters={key: value for key, value in filters.items() if value},
        zip_code=request.place.zip_code if request.place else "",
        county=request.place.county if request.place else "",
    )


def with_page(request: SearchRequest, page: int) -> SearchRequest:
    return replace(request, page=page)
