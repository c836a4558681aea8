"""The Whoosh backend (SEARCH_BACKEND=whoosh, the default): queries the index in search/index.py.

Whoosh narrows the candidates: text in any text field (exactly, then with typos, see
search.query.text_stages) and the coarse prefilters as term queries (category, population, language,
cost, capacity, grid cells for distance, service-area terms, hour slots, last verified).
"""

import datetime
from collections.abc import Callable, Iterable

from whoosh import query as q
from whoosh.searching import Searcher

from search import index
from search.documents import AREA_KINDS_CHECKED_LATER, TEXT_FIELDS, cells_within, county_term, slot_term
from search.query import SearchRequest, text_stages, typo_distance


class WhooshBackend:
    name = "whoosh"

    def candidates(
        self, request: SearchRequest, *, verified_since: datetime.datetime | None
    ) -> list[tuple[dict, float]]:
        searcher = index.searcher()
        filters = _filter_query(searcher, request, verified_since)
        if not request.text.strip():
            hits = searcher.search(q.Every(), filter=filters, limit=None, scored=False)
            return [(hit["data"], 1.0) for hit in hits]
        words = [token.text for token in index.ANALYZER(request.text)]
        for fuzzy, every in text_stages(words):
            parts = [_word_query(word, fuzzy=fuzzy) for word in words]
            hits = searcher.search(q.And(parts) if every else q.Or(parts), filter=filters, limit=None)
            if not hits.is_empty():
                return [(hit["data"], hit.score) for hit in hits]
        return []

    def write(self, service_ids: Iterable) -> int:
        return index.write(service_ids)

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        return index.rebuild(progress=progress)

    def document_count(self) -> int:
        return index.document_count()

    def documents(self) -> dict[str, dict]:
        return {fields["id"]: fields for fields in index.searcher().all_stored_fields()}

    def describe(self) -> str:
        return str(index.index_dir())


def _word_query(word: str, *, fuzzy: bool) -> q.Query:
    """Match a word exactly in any text field, or also with a typo or two when it is long enough."""
    alternatives = [q.Term(name, word) for name in TEXT_FIELDS]
    distance = typo_distance(word) if fuzzy else 0
    if distance:
        alternatives += [q.FuzzyTerm(name, word, maxdist=distance, prefixlength=1, boost=0.5) for name in TEXT_FIELDS]
    return q.Or(alternatives)


def _filter_query(
    searcher: Searcher, request: SearchRequest, verified_since: datetime.datetime | None
) -> q.Query | None:
    parts = []
    if verified_since is not None:
        parts.append(q.DateRange("last_verified", verified_since, None))
    if request.category:
        parts.append(q.Term("categories", request.category))
    if request.population:
        parts.append(q.Term("populations", request.population))
    if request.language:
        parts.append(q.Term("languages", request.language))
    if request.free:
        parts.append(q.Term("free", True))
    if request.accepting:
        parts.append(q.Term("capacity", "accepting"))
    if request.place is not None and request.radius_miles:
        parts.append(q.Or([q.Term("cells", cell) for cell in cells_within(request.place, request.radius_miles)]))
    if request.serves_me and request.place is not None:
        place = request.place
        parts.append(
            q.Or(
                [q.Term("area_kinds", kind) for kind in AREA_KINDS_CHECKED_LATER]
                + [q.Term("area_zips", place.zip_code), q.Term("area_counties", county_term(place.county))]
            )
        )
    if request.open_at is not None:
        slots = []
        for zone in searcher.lexicon("timezones"):
            zone_name = zone.decode() if isinstance(zone, bytes) else zone
            slots.append(q.Term("hour_slots", slot_term(zone_name, request.open_at)))
        parts.append(q.Or(slots) if slots else q.NullQuery)
    return q.And(parts) if parts else None
