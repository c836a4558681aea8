"""Run a search: text with synonyms and typo tolerance, filters, geography, eligibility, facets, ranking.

The configured backend (search/backends/: Whoosh or PostgreSQL) narrows the candidates (text,
category, population, language, cost, capacity, and coarse prefilters for distance, service area and
opening hours); Python then checks the exact distance, area and hours, evaluates eligibility against
the participant profile, counts facets and ranks, here, the same whichever backend found them.

Text (search/needs.py): the query is read as a need. Its words that matter (not function words, not the
filler of asking for help) are each searched in the English fields with English stems and, unless the
query is English, in the Spanish fields with Spanish stems; compound and split spellings meet; and the
taxonomy's phrases name categories whose services meet the need. Candidates have any of those words or
meet a need; each has a coverage, the share of the words it matched. A word that no candidate has is
tried again allowing typos (search.backends.base.typo_distance), at its nearest spellings only
(search.backends.base.typo_reach): expanding a word to its near spellings is the costly part, so only
when needed.

Ranking (the one place it is decided; ``RANKING`` names the steps, and the results page says the ones
a search uses, in this order: search.views.ORDER_STEPS): results are ordered by, in turn,
1. the name typed, when there is text: a service whose name, or whose organization's name, is the text
   (search.names.name_form: case, accents, punctuation, "&" for "and" and spaces aside) first; then one
   whose name is within a typo or two of it (search.names.typos_forgiven), or whose organization's and
   service's names together are the text; a case manager who types a name wants that service;
2. not eligible last, when a profile is given: a service the participant does not qualify for comes
   after every other (unless its name was typed), so none comes before one they qualify for or may.
   Only what the service requires counts: a language the staff do not speak (unless the participant
   speaks no other), or an area the service does not keep to its residents, is a note beside the
   verdict (search.eligibility), not a failure;
3. text match, when there is text: the share of the query's words that matter it matches, all before
   some (search/needs.py: filler and function words do not count; a need the query names, such as
   "light bill" for utility assistance, counts for the words of its phrase), a word found only in the
   description (or the agency's Spanish text) counting half, so that what labels a service (its name,
   keywords, organization, categories, populations) outweighs what its description happens to mention;
   among equal shares, a service that meets more of the needs the query names first (a category's
   services meet its parent's too: "shelter" names housing and emergency shelter, and a shelter meets
   both; a population's phrases name it too: "mi esposo me pega", survivors of domestic violence); then
   one whose name holds more of the words ("CDL" puts the CDL course before the welding course of the
   same category); then a strong match (at least a third of the best score) before a weak one; then a
   service for anyone before one for particular populations that neither the query nor the profile
   names (counseling for veterans comes after counseling for anyone, for "depression");
4. eligibility, when a profile is given: eligible before maybe (facts missing); after the text match, so
   that a service the participant surely qualifies for but that matches fewer of the words does not
   come before one that matches them all and needs a fact the profile does not give;
5. serving the participant's area, when a place is given: in the area (or no area) first;
6. capacity: accepting new clients, then waitlist, then not stated, then not accepting;
7. responsiveness (``responsiveness``): median answer within REFERRAL_RESPONSE_DAYS over 5+ referrals, unknown, slower;
8. distance to the nearest fitting location, nearest first (to a tenth of a mile), when a place is given;
9. text relevance, when there is text: the better match first (the backend's score), so that results
   alike in all of the above are never in alphabetical order;
10. name (A to Z), then the service id (so that the order does not depend on where documents sit in the
   index).
Bands rather than a weighted sum, so that an order can be explained in a sentence.
"""

import datetime
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from providers.hours import is_open_at
from providers.languages import language_name
from providers.models import NetworkSettings
from search.backends import get_backend
from search.backends.base import SearchRequest
from search.candidates import Candidates, Grouped, look_up
from search.documents import Brief
from search.eligibility import Area, Criteria, Eligibility, Outcome, Verdict, Verdicts, evaluate
from search.geography import distances_miles
from search.models import UnmetSearch
from search.names import name_matches
from search.needs import words_that_matter

if TYPE_CHECKING:
    from search.visitors import Visitor

# Where the populations' check (search.eligibility.check_keys) sits in Columns.checks.
POPULATIONS_CHECK = 3

STRONG_MATCH = 1 / 3
# The steps of the ranking, in order (the module's docstring says each): which of them a search uses is
# ranking_steps'.
RANKING = (
    "name_typed",
    "not_eligible_last",
    "text_match",
    "verdict",
    "area",
    "capacity",
    "responsiveness",
    "distance",
    "relevance",
    "name",
)
RELEVANT_COVERAGE = 1 / 2  # a result relevant to a query matches more than this share of its words (_found_relevant)
# What one search may cost, whatever it is asked: the form refuses more words that matter (search.forms;
# filler and function words are not searched); other callers' text (the HSDS feed's) is cut to them.
MAX_WORDS = 10
WORD = re.compile(r"\w+")
VERDICT_ORDER = {Verdict.ELIGIBLE: 0, Verdict.MAYBE: 1, Verdict.NOT_ELIGIBLE: 2}
UNKNOWN_RESPONSIVENESS = 1
RESPONSIVENESS_SECONDS = 300
_responsiveness_cache: dict = {"expires": -math.inf, "bands": {}}


@dataclass(slots=True)
class Result:
    """A service that fits the search. ``data``, ``location`` and ``eligibility`` (the verdict's reasons) are
    filled for the page shown only; ranking and facets need only the Brief."""

    service_id: str
    brief: Brief
    relevance: float
    distance_miles: float | None
    open_now: bool | None
    serves_area: bool | None
    verdict: str | None  # None without a participant profile
    location_index: int | None  # the nearest fitting location in data["locations"]; None without locations
    handle: object = None  # the backend's, to read ``data``
    data: dict | None = None
    location: dict | None = None
    eligibility: Eligibility | None = None


@dataclass
class SearchResults:
    request: SearchRequest
    count: int
    results: list[Result]
    facets: dict[str, dict[str, int]]
    page_count: int
    unmet: bool = False  # nothing relevant found (_found_relevant): what the unmet-needs report records


def ranking_steps(request: SearchRequest) -> list[str]:
    """Return the steps of RANKING that order this search's results: those that tell results apart (the
    verdict needs a profile, the area and distance a place, the text steps text)."""
    text = bool(request.text.strip())
    uses = {
        "name_typed": text,
        "not_eligible_last": not request.participant.is_empty,
        "text_match": text,
        "verdict": not request.participant.is_empty,
        "area": request.place is not None,
        "distance": request.place is not None,
        "relevance": text,
    }
    return [step for step in RANKING if uses.get(step, True)]


def responsiveness(service_id: str) -> int:
    """Return the service's responsiveness band: 0 answers quickly, 1 unknown (too few referrals), 2 slowly.

    The bands come from the function settings.SEARCH_RESPONSIVENESS names ({service id: band}, without
    the unknown ones), so that search need not import referrals; without it every service is unknown.
    Each process keeps them for RESPONSIVENESS_SECONDS (a query then, none in between): referral
    figures change slowly, and a ranking a few minutes behind them ranks as well.
    """
    return _responsiveness_bands().get(str(service_id), UNKNOWN_RESPONSIVENESS)


def _responsiveness_bands() -> dict[str, int]:
    cache = _responsiveness_cache
    if time.monotonic() >= cache["expires"]:
        path = getattr(settings, "SEARCH_RESPONSIVENESS", "")
        bands = import_string(path)() if path else {}
        cache["bands"] = {str(key): band for key, band in bands.items()}
        known = sorted(cache["bands"])
        cache["ids"] = np.array([key.encode() for key in known], dtype="S")
        cache["values"] = np.array([cache["bands"][key] for key in known], np.int8)
        cache["expires"] = time.monotonic() + RESPONSIVENESS_SECONDS
    return cache["bands"]


def _responsiveness_of(ids: np.ndarray, entries: np.ndarray) -> np.ndarray:
    """Return the responsiveness band of each of these entries of the service ids (UTF-8, as Columns.id)."""
    _responsiveness_bands()  # read afresh when due
    cache = _responsiveness_cache
    return look_up(cache["ids"], cache["values"], ids[entries], UNKNOWN_RESPONSIVENESS)


def forget_responsiveness() -> None:
    """Read the bands afresh at the next search (tests, and after loading a history of referrals)."""
    _responsiveness_cache["expires"] = -math.inf


def search(
    request: SearchRequest, *, log_unmet: bool = True, details: bool = True, visitor: "Visitor | None" = None
) -> SearchResults:
    """Return one page of ranked results with facet counts. Raises IndexMissing without an index.

    Every candidate is checked, ranked and counted from its Brief and Columns; the page's results then get
    their ``data``, location, reasons and hours. ``details=False`` leaves those out (ids in order, for the
    HSDS feed). A search that finds nothing relevant (_found_relevant) is recorded as an unmet need, once a
    day per ``visitor`` (search.visitors.visitor_of; None: every time).
    """
    backend = get_backend()
    request = replace(request, text=bounded_text(request.text))
    candidates = backend.candidates(request, verified_since=verified_since())
    now = timezone.now()
    fits = _Checks(request).fits(candidates)
    order, strong = _rank(candidates, fits, request.text, request.participant.populations)
    facets = _facets(candidates, fits, order)
    count = len(order)
    unmet = not _found_relevant(candidates, fits)
    if log_unmet and unmet:
        _log_unmet(request, visitor)
    start = (request.page - 1) * request.page_size
    page = [_result(candidates, fits, fit, strong) for fit in order[start : start + request.page_size].tolist()]
    if details:
        # A service unlisted since its document matched (the PostgreSQL backend reads the page afresh) is left out.
        found = [
            (result, data)
            for result, data in zip(page, backend.details([result.handle for result in page]), strict=True)
            if data is not None
        ]
        page = [result for result, _data in found]
        _explain(page, [data for _result, data in found], request, now)
    page_count = max(1, math.ceil(count / request.page_size))
    return SearchResults(request, count, page, facets, page_count, unmet)


def verified_since() -> datetime.datetime | None:
    """Return the oldest confirmation a listing may have to be found, when the network hides older ones (a query).

    The network hides listings nobody confirmed for this long: left out of the results, never deleted,
    back as soon as they are confirmed. Never verified counts as unverified (Service.is_stale).
    """
    hide_after_days = NetworkSettings.load().hide_unverified_after_days
    if not hide_after_days:
        return None
    return timezone.now() - datetime.timedelta(days=hide_after_days)


def bounded_text(text: str) -> str:
    """Return the text as it is with up to MAX_WORDS words that matter (search.needs.words_that_matter: filler
    and function words are not searched, so not counted); else its words up to the MAX_WORDS-th that matters."""
    if len(words_that_matter(text)) <= MAX_WORDS:
        return text
    words = WORD.findall(text)
    kept = MAX_WORDS
    while kept < len(words) and len(words_that_matter(" ".join(words[: kept + 1]))) <= MAX_WORDS:
        kept += 1
    return " ".join(words[:kept])


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


UNKNOWN = -1  # in _Fits' arrays: None (not asked, or no answer)
VERDICTS = {order: verdict for verdict, order in VERDICT_ORDER.items()}


@dataclass
class _Fits:
    """The candidates that fit the search and what the checks found, as arrays in the same order:
    ``positions`` in the Candidates; in the others UNKNOWN stands for None."""

    positions: np.ndarray
    distance: np.ndarray  # miles to the nearest fitting location, rounded; inf: none
    location: np.ndarray | None  # that location's index in data["locations"]; None: not checked, the first of each
    open_now: np.ndarray  # 1 or 0; UNKNOWN unless the search asks (the page's are worked out later)
    serves_area: np.ndarray  # 1 or 0; UNKNOWN without a place
    verdict: np.ndarray  # VERDICT_ORDER; UNKNOWN without a profile


def _result(candidates: Candidates, fits: _Fits, fit: int, strong: float) -> Result:
    """Return a fit as a Result; ``strong`` is the least relevance of a strong match (_rank's)."""
    position = int(fits.positions[fit])
    brief = candidates.briefs[position]
    distance = float(fits.distance[fit])
    location = (0 if brief.points else None) if fits.location is None else int(fits.location[fit])
    open_now, serves_area, verdict = (int(fits.open_now[fit]), int(fits.serves_area[fit]), int(fits.verdict[fit]))
    return Result(
        service_id=brief.id,
        brief=brief,
        relevance=float(candidates.scores[position]),
        distance_miles=None if distance == math.inf else distance,
        open_now=None if open_now == UNKNOWN else bool(open_now),
        serves_area=None if serves_area == UNKNOWN else bool(serves_area),
        verdict=VERDICTS.get(verdict),
        location_index=None if location == UNKNOWN else location,
        handle=candidates.handles[position],
    )


class _Checks:
    """Check candidates against one search: exact distance, area and hours, and the eligibility verdict.

    Briefs share equal area sets, opening hours and eligibility check keys (search.documents.Briefs), so a
    search works out whether an area set holds the place, whether hours are open, and each verdict once
    per distinct value (search.candidates.Grouped); distances are measured over arrays.
    """

    def __init__(self, request: SearchRequest) -> None:
        self.request = request
        self.verdicts = None if request.participant.is_empty else Verdicts(request.participant)

    def fits(self, candidates: Candidates) -> _Fits:
        request = self.request
        place = request.place
        columns = candidates.columns
        if place is None and request.open_at is None and self.verdicts is None:
            # Nothing to check; but a distance from nowhere: nothing is within it.
            count = 0 if request.radius_miles else len(candidates)
            unknown = np.full(count, UNKNOWN, np.int8)
            return _Fits(np.arange(count), np.full(count, math.inf), None, unknown, unknown, unknown)
        serves_area = np.full(len(candidates), UNKNOWN, np.int8)
        if place is not None:
            areas = columns.areas.take(candidates.entries)
            serves_area = _outcomes(areas, lambda areas: Criteria(areas=areas).serves(place))
        places = columns.places.take(candidates.entries)
        owners = places.owners()
        fit = serves_area[owners] != 0 if request.serves_me else np.ones(len(owners), bool)
        miles = np.full(len(owners), math.inf)
        if place is not None:
            miles = distances_miles(place.point, places.latitude, places.longitude)
        if request.radius_miles:
            fit &= miles <= request.radius_miles  # no point (NaN): not within it
        miles[np.isnan(miles)] = math.inf
        open_now = np.full(len(owners), UNKNOWN, np.int8)  # worked out for the shown page only, unless asked
        if request.open_at is not None:
            open_now = _outcomes(places.hours, lambda hours: is_open_at(hours, request.open_at))
            fit &= open_now == 1
        # Each candidate's nearest fitting place, the first of equals (as min() picks).
        fitting = np.flatnonzero(fit)
        fitting = fitting[np.lexsort((fitting, miles[fitting], owners[fitting]))]
        positions, first = np.unique(owners[fitting], return_index=True)
        best = fitting[first]
        verdict = np.full(len(positions), UNKNOWN, np.int8)
        if self.verdicts is not None:
            verdict = self._verdicts(candidates, positions)
            if request.hide_ineligible:
                eligible = verdict != VERDICT_ORDER[Verdict.NOT_ELIGIBLE]
                positions, best, verdict = positions[eligible], best[eligible], verdict[eligible]
        return _Fits(
            positions,
            np.array([round(distance, 1) for distance in miles[best].tolist()]),
            places.location[best],
            open_now[best],
            serves_area[positions],
            verdict,
        )

    def _verdicts(self, candidates: Candidates, positions: np.ndarray) -> np.ndarray:
        """Return the verdicts (VERDICT_ORDER) of the candidates at these positions: each criterion's outcome
        worked out once per distinct value, then combined as search.eligibility.Verdicts.verdict does."""
        not_met = np.zeros(len(positions), bool)
        unknown = np.zeros(len(positions), bool)
        entries = candidates.entries[positions]
        for number, keys in enumerate(candidates.columns.checks):
            _distinct, first, inverse = np.unique(keys.numbers[entries], return_index=True, return_inverse=True)
            outcomes = []
            for position in positions[first].tolist():
                brief = candidates.briefs[position]
                outcome = self.verdicts.outcome(number, brief.checks, brief.areas)
                outcomes.append(2 if outcome == Outcome.NOT_MET else 1 if outcome == Outcome.UNKNOWN else 0)
            outcomes = np.array(outcomes, np.int8)[inverse]
            not_met |= outcomes == 2
            unknown |= outcomes == 1
        verdict = np.where(unknown, VERDICT_ORDER[Verdict.MAYBE], VERDICT_ORDER[Verdict.ELIGIBLE])
        return np.where(not_met, VERDICT_ORDER[Verdict.NOT_ELIGIBLE], verdict).astype(np.int8)


def _outcomes(grouped: Grouped, outcome: Callable[[object], bool | None]) -> np.ndarray:
    """Return ``outcome`` of each entry's value (1, 0 or UNKNOWN for None), worked out once per distinct value."""
    table = np.full(len(grouped.values), UNKNOWN, np.int8)
    for number in np.unique(grouped.numbers).tolist():
        answer = outcome(grouped.values[number])
        table[number] = UNKNOWN if answer is None else int(answer)
    return table[grouped.numbers]


def _explain(page: list[Result], datas: list[dict], request: SearchRequest, now: datetime.datetime) -> None:
    """Give the page's results their data, location, reasons (in the active language) and hours."""
    for result, data in zip(page, datas, strict=True):
        result.data = data
        result.location = None if result.location_index is None else data["locations"][result.location_index]
        if not request.participant.is_empty:
            result.eligibility = evaluate(criteria_for(data), request.participant)
        if result.open_now is None:  # without an "open at" filter, only the shown results need their hours
            result.open_now = is_open_at(result.brief.hours[result.location_index or 0], now)


def _rank(
    candidates: Candidates, fits: _Fits, text: str, request_populations: frozenset[str] = frozenset()
) -> tuple[np.ndarray, float]:
    """Order the fits by the bands of the module's docstring (``text``: the words searched for): return
    their order (indices into the fits) and the least relevance of a strong match."""
    positions = fits.positions
    relevance = candidates.scores[positions]
    best = (relevance.max() if len(relevance) else 0) or 1
    strong = float(best * STRONG_MATCH)
    columns = candidates.columns
    entries = candidates.entries[positions]
    keys = (  # the last first, as np.lexsort takes them
        columns.id_rank[entries],  # ties: the service id, whatever the index's layout
        columns.name_rank[entries],
        -relevance,  # the better text match before the name: no A to Z among matches of unequal strength
        fits.distance,
        _responsiveness_of(columns.id, entries),
        columns.capacity[entries],
        fits.serves_area == 0,  # in the area, or no area, or no place given, first
        np.maximum(fits.verdict, 0),  # eligible before maybe (no profile: all alike)
        _for_others(candidates, entries, request_populations, text),  # then for anyone before for others only
        relevance < strong,  # then a strong match (a third of the best score) before a weak one
        -candidates.in_name[positions],  # then more of the words in the service's name (a share of them)
        -candidates.meets_need[positions],  # within a share: meeting more of the needs named (the most specific)
        -candidates.labelled[positions],  # all the words that matter before some, those only described counting half
        fits.verdict == VERDICT_ORDER[Verdict.NOT_ELIGIBLE],  # not eligible after all the others
        name_matches(columns, entries, text),  # first: the service or organization whose name was typed
    )
    return np.lexsort(keys), strong


def _for_others(candidates: Candidates, entries: np.ndarray, populations: frozenset[str], text: str) -> np.ndarray:
    """Return which of these entries are services for particular populations, none of them named by the query
    or the participant's profile (``populations``): veterans' counseling for "depression" comes after the
    counseling for anyone; a daycare that welcomes families with children but serves anyone does not. A text
    match's rule (band 3): without text, none (a list by place is nearest first)."""
    if not text.strip():
        return np.zeros(len(entries), bool)
    grouped = candidates.columns.checks[POPULATIONS_CHECK]  # (populations, whether only they are served)
    named = populations | candidates.named_populations
    others = np.array(
        [bool(codes) and only is not False and not named.intersection(codes) for codes, only in grouped.values], bool
    )
    return others[grouped.numbers[entries]] if len(others) else np.zeros(len(entries), bool)


def _found_relevant(candidates: Candidates, fits: _Fits) -> bool:
    """Whether the search found something relevant, or else counts as an unmet need (UnmetSearch).

    A result is relevant when it matches more than half of the query's words that matter (all of them for
    one or two words; every result of a search without text), a need the query names counting for the
    words of its phrase (search/needs.py); or when it meets a need the query names and matches half of
    them ("I'm hungry and my kids need lunch": food, named by "hungry"). So a sentence that found only
    passing matches of one of its words ("my dog ate my homework": a homework club) is an unmet need, and
    a sentence whose need the taxonomy's phrases name ("estoy triste todo el tiempo") is not.
    """
    coverage = candidates.coverage[fits.positions]
    named = candidates.meets_need[fits.positions] > 0
    return bool(((coverage > RELEVANT_COVERAGE) | (named & (coverage >= RELEVANT_COVERAGE))).any())


def _facets(candidates: Candidates, fits: _Fits, order: np.ndarray) -> dict[str, dict[str, int]]:
    """Count categories, populations, languages and capacity over all the fits, most common first (ties in
    the order of the ranking, as Counter.most_common)."""
    columns = candidates.columns
    ranked = candidates.entries[fits.positions[order]]
    return {
        name: _most_common(columns.facets[part].numbers[ranked], columns.facets[part].values)
        for part, name in enumerate(("category", "population", "language", "capacity"))
    }


def _most_common(groups: np.ndarray, codes: tuple[tuple[str, ...], ...]) -> dict[str, int]:
    """Counter.most_common over the codes of ``groups`` (positions in ``codes``, in the ranking's order):
    counted per distinct group, then per code, so the same counts, with a code first seen where it was
    first seen before."""
    present, first = np.unique(groups, return_index=True)
    times = np.bincount(groups)
    counts: dict[str, int] = {}
    for group in present[np.argsort(first)].tolist():
        for code in codes[group]:
            counts[code] = counts.get(code, 0) + int(times[group])
    return dict(sorted(counts.items(), key=itemgetter(1), reverse=True))


def _log_unmet(request: SearchRequest, visitor: "Visitor | None") -> None:
    """Record what was looked for and where, never who: the network's unmet needs (two queries at most).

    A visitor's need once a day (search.models.UnmetSearch's constraint), and an anonymous visitor's first
    SEARCH_ANON_UNMET_PER_DAY needs of the day only: made-up searches cannot fill the report.
    """
    # A visitor's key is new each day: its rows are today's.
    if (
        visitor is not None
        and visitor.anonymous
        and (UnmetSearch.objects.filter(visitor=visitor.key).count() >= settings.SEARCH_ANON_UNMET_PER_DAY)
    ):
        return
    filters = {
        "population": request.population,
        "language": request.language,
        "radius_miles": request.radius_miles,
        "serves_me": request.serves_me,
        "open_at": request.open_at.isoformat() if request.open_at else None,
        "accepting": request.accepting,
        "free": request.free,
        "accessible": request.wheelchair_accessible,
    }
    need = UnmetSearch(
        query=" ".join(request.text.split())[:200],
        category=request.category,
        filters={key: value for key, value in filters.items() if value},
        zip_code=request.place.zip_code if request.place else "",
        county=request.place.county if request.place else "",
        visitor=visitor.key if visitor is not None else "",
    )
    UnmetSearch.objects.bulk_create([need], ignore_conflicts=True)  # the visitor's need today: already counted


def with_page(request: SearchRequest, page: int) -> SearchRequest:
    return replace(request, page=page)
