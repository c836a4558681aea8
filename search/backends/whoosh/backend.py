"""The Whoosh backend (SEARCH_BACKEND=whoosh, the default): queries the index in search/backends/whoosh/index.py.

Whoosh narrows the candidates: text in any text field (exactly, then with typos, see
search.backends.base.text_stages) and the coarse prefilters (category, population, language, cost,
capacity, grid cells for distance, service-area terms, hour slots, last verified).

A search is answered from what the process keeps of the index (search/backends/whoosh/segments.py) rather than by
Whoosh's matchers, which visit every document that has the words before a filter can drop it: the
filters are bitsets made of cached term bitsets, the words' documents too, and only the documents that
pass both are scored, with Whoosh's BM25F on Whoosh's own postings, term by term: the scores of
Whoosh's search for the same query (summed in another order, so equal to the last digit or so), typos
included (``_word_terms``). Whoosh's own search (``_whoosh_search``) serves a searcher with another
weighting model, and the tests that compare the two.
"""

import datetime
import heapq
import itertools
from collections.abc import Callable, Iterable

import numpy as np
from whoosh import query as q
from whoosh.scoring import BM25F

from search.backends.base import MAX_NAME_MATCHES, SearchRequest, nearest_spellings, text_stages, typo_distance
from search.backends.whoosh import index
from search.backends.whoosh.segments import Leaf, View, members
from search.candidates import NONE, Candidates, Picked
from search.documents import (
    AREA_KINDS_CHECKED_LATER,
    TEXT_FIELDS,
    cells_within,
    county_term,
    microseconds_since_epoch,
    slot_terms,
)


class WhooshBackend:
    name = "whoosh"

    def candidates(self, request: SearchRequest, *, verified_since: datetime.datetime | None) -> Candidates:
        view = index.view()
        verified_since = microseconds_since_epoch(verified_since)
        filters = _filters(view, request)  # per leaf, or None: no filter
        if not view.leaves or (filters is not None and not any(filters)):
            return NONE
        text = request.text.strip()
        if not text:
            return _every(view, filters, verified_since)
        words = [token.text for token in index.ANALYZER(request.text)]
        search = _matches if _scores_like_whoosh(view) else _whoosh_search
        for fuzzy, every in text_stages(words):
            found = search(view, words, fuzzy, every, filters, verified_since)
            if len(found):
                return found
        return NONE

    def names_starting(
        self, words: list[str], prefix: str, limit: int, *, verified_since: datetime.datetime | None
    ) -> list:
        view = index.view()
        analysed = [token.text for token in index.ANALYZER(" ".join(words))]
        stems = [token.text for token in index.ANALYZER(prefix)]
        if not stems:  # a stop word
            return []
        # The last word may be whole ("services": stem "servic") or begun ("servi"): its stem begins both.
        beginnings = list(itertools.islice(view.searcher.reader().expand_prefix("name", stems[0]), MAX_NAME_MATCHES))
        verified_since = microseconds_since_epoch(verified_since)
        found = []  # (name length, name, handle)
        for leaf in view.leaves:
            bits = leaf.live
            for word in analysed:
                bits &= leaf.term_bits("name", view.field_bytes("name", word))
            begun = 0
            for beginning in beginnings:
                begun |= leaf.term_bits("name", view.field_bytes("name", beginning))
            briefs = leaf.briefs()
            for docnum in members(bits & begun).tolist()[: MAX_NAME_MATCHES - len(found)]:
                brief = briefs[docnum]
                if verified_since is None or (brief.verified is not None and brief.verified >= verified_since):
                    found.append((len(brief.name_key), brief.name_key, (view.searcher, leaf.offset + docnum)))
        return [handle for _length, _name, handle in heapq.nsmallest(limit, found, key=lambda item: item[:2])]

    def details(self, handles: list) -> list[dict]:
        return [searcher.stored_fields(docnum)["data"] for searcher, docnum in handles]

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


# --- Filters --------------------------------------------------------------------------------------


def _filters(view: View, request: SearchRequest) -> list[int] | None:
    """Return, for each leaf, the live documents that pass the request's prefilters (None: no prefilter)."""
    parts: list[list[int]] = []

    def term(fieldname: str, value) -> None:
        btext = view.field_bytes(fieldname, value)
        parts.append([leaf.term_bits(fieldname, btext) for leaf in view.leaves])

    if request.category:
        term("categories", request.category)
    if request.population:
        term("populations", request.population)
    if request.language:
        term("languages", request.language)
    if request.free:
        term("free", True)
    if request.accepting:
        term("capacity", "accepting")
    cells = cells_within(request.place, request.radius_miles) if request.place and request.radius_miles else None
    if cells is not None:  # None: too many cells to be worth it (around a pole); the distance check decides
        parts.append(view.any_of("cells", cells))
    if request.serves_me and request.place is not None:
        place = request.place
        ways = [
            view.any_of("area_kinds", AREA_KINDS_CHECKED_LATER),
            view.any_of("area_zips", [place.zip_code]),
            view.any_of("area_counties", [county_term(place.county)]),
        ]
        parts.append([kinds | zips | counties for kinds, zips, counties in zip(*ways, strict=True)])
    if request.open_at is not None:
        zones = [zone.decode() if isinstance(zone, bytes) else zone for zone in view.searcher.lexicon("timezones")]
        parts.append(view.any_of("hour_slots", [term for zone in zones for term in slot_terms(zone, request.open_at)]))
    if not parts:
        return None
    found = []
    for number, leaf in enumerate(view.leaves):
        bits = leaf.live
        for part in parts:
            bits &= part[number]
        found.append(bits)
    return found


def _every(view: View, filters: list[int] | None, verified_since: int | None) -> Candidates:
    """No text: every live document that passes the filters, in index order, each with score 1."""
    found = [members(leaf.live if filters is None else filters[number]) for number, leaf in enumerate(view.leaves)]
    return _candidates(view, found, [np.ones(len(docnums)) for docnums in found], verified_since)


def _candidates(
    view: View, docnums: list[np.ndarray], scores: list[np.ndarray], verified_since: int | None
) -> Candidates:
    """Return these documents of each leaf, with their scores, as Candidates: best first, then in index order
    (as Whoosh orders hits), leaving out those not verified since ``verified_since``."""
    numbers = np.concatenate([found + leaf.offset for leaf, found in zip(view.leaves, docnums, strict=True)])
    scores = np.concatenate(scores)
    columns = view.columns()
    verified = columns.verified_since(verified_since)
    if verified is not None:
        keep = verified[numbers]
        numbers, scores = numbers[keep], scores[keep]
    order = np.argsort(-scores, kind="stable")
    numbers, scores = numbers[order], scores[order]
    return Candidates(Picked(view.briefs(), numbers), scores, _Handles(view.searcher, numbers), columns, numbers)


class _Handles:
    """A candidate's handle: the searcher and its document number there."""

    def __init__(self, searcher, docnums: np.ndarray) -> None:
        self.searcher = searcher
        self.docnums = docnums

    def __getitem__(self, position: int) -> tuple:
        return (self.searcher, int(self.docnums[position]))


# --- The text, from the segments' caches ----------------------------------------------------------


def _scores_like_whoosh(view: View) -> bool:
    """True when _matches can score as Whoosh would: the searcher weighs with BM25F (its default)."""
    return type(view.searcher.weighting) is BM25F


class _Term:
    """A term's share of a document's score: BM25F of the term (``boost`` applied to the sum of ``terms``)."""

    def __init__(self, terms: list[tuple[str, bytes, int, np.ndarray, np.ndarray]], boost: float | None = 1.0) -> None:
        self.terms = terms  # (fieldname, btext, bits, document numbers, weights)
        self.boost = boost  # None: a constant 1 (Whoosh's unscored union of a typo's spellings)
        self.bits = 0
        for term in terms:
            self.bits |= term[2]

    def add(self, scores: np.ndarray, slots: np.ndarray, view: View, leaf: Leaf) -> None:
        """Add the term's score to ``scores``: document n's at ``slots[n]`` (-1: not scored)."""
        if self.boost is None:
            having = np.concatenate([slots[term[3]] for term in self.terms])
            scores[np.unique(having[having >= 0])] += 1.0
            return
        sums = np.zeros(len(scores))
        for term in self.terms:
            _add_bm25(sums, slots, term, view, leaf)
        scores += sums if self.boost == 1.0 else sums * self.boost  # + 0.0 where a document has none: the same


def _add_bm25(scores: np.ndarray, slots: np.ndarray, term: tuple, view: View, leaf: Leaf) -> None:
    """Add a term's BM25F score to ``scores`` (document n's at ``slots[n]``, -1: not scored) for each scored
    document that has it, computed as Whoosh's scorer (whoosh.scoring.bm25) does, operation by operation
    (so to the last bit): the term's idf and the field's average length from the whole index, its weight
    and the document's field length from the segment."""
    fieldname, btext, _bits, numbers, weights = term
    at = slots[numbers]
    having = at >= 0
    if not having.any():
        return
    searcher = view.searcher
    weighting = searcher.weighting
    idf = searcher.idf(fieldname, btext)
    average = view.average_length(fieldname) or 1
    b = weighting._field_B.get(fieldname, weighting.B)
    k1 = weighting.K1
    tf = weights[having].astype(np.float64)
    length = leaf.cache.field_lengths(leaf.reader, fieldname, numbers[having]).astype(np.float64)
    scores[at[having]] += idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * length / average)))


def _word_terms(view: View, leaf: Leaf, word: str, *, fuzzy: bool) -> list[_Term]:
    """What _word_query(word) matches in one segment, scored as Whoosh scores it in an index of one segment.

    The word in each text field; with typos allowed, also each field's spellings within the typo
    distance (Whoosh's FuzzyTerm, boost 0.5): one spelling scores as a plain term, several as their
    sum times 0.5, except in an index of 5,000 documents or fewer where more than two spellings score a
    constant 1 (Whoosh then preloads an unscored union). The spellings are the whole index's: Whoosh
    finds them segment by segment, so that its scores would depend on how the index happens to be
    split (a rebuild writes several segments at once, edits add small ones); these do not.
    """
    cache, reader = leaf.cache, leaf.reader
    found = []
    for fieldname in TEXT_FIELDS:
        btext = view.field_bytes(fieldname, word)
        term = cache.text_term(reader, fieldname, btext)
        if term[0]:
            found.append(_Term([(fieldname, btext, *term)]))
    distance = typo_distance(word) if fuzzy else 0
    if distance:
        for fieldname in TEXT_FIELDS:
            spellings = nearest_spellings(word, view.spellings(fieldname, word, distance), distance)
            terms = []
            for spelling in spellings:
                btext = view.field_bytes(fieldname, spelling)
                term = cache.text_term(reader, fieldname, btext)
                if term[0]:
                    terms.append((fieldname, btext, *term))
            if not terms:
                continue
            if len(spellings) == 1:
                found.append(_Term(terms))
            elif len(spellings) == 2 or view.size > 5000:
                found.append(_Term(terms, boost=0.5))
            else:
                found.append(_Term(terms, boost=None))
    return found


def _matches(
    view: View,
    words: list[str],
    fuzzy: bool,
    every: bool,
    filters: list[int] | None,
    verified_since: int | None,
) -> Candidates:
    """The documents that have every word (or any word) in some text field, scored as Whoosh would score
    _word_query's And (or Or), best first.

    A document's score is the sum of its terms' BM25F scores (search.backends.whoosh._word_terms): what
    Whoosh's matchers add up for the same query, added in another order.
    """
    found, scores = [], []
    for number, leaf in enumerate(view.leaves):
        allowed = leaf.live if filters is None else filters[number]
        terms: list[_Term] = []
        matching = None
        for word in words:
            word_terms = _word_terms(view, leaf, word, fuzzy=fuzzy)
            word_bits = 0
            for term in word_terms:
                word_bits |= term.bits
            terms += word_terms
            if matching is None:
                matching = word_bits
            elif every:
                matching &= word_bits
            else:
                matching |= word_bits
        matching = (matching or 0) & allowed
        docnums = members(matching)
        leaf_scores = np.zeros(len(docnums))
        if matching:
            slots = np.full(leaf.cache.size, -1, np.int64)
            slots[docnums] = np.arange(len(docnums))
            for term in terms:
                term.add(leaf_scores, slots, view, leaf)
        found.append(docnums)
        scores.append(leaf_scores)
    return _candidates(view, found, scores, verified_since)


# --- Whoosh's own search: for another weighting model ----------------------------------------------------


def _whoosh_search(
    view: View,
    words: list[str],
    fuzzy: bool,
    every: bool,
    filters: list[int] | None,
    verified_since: int | None,
) -> Candidates:
    searcher = view.searcher
    allowed = None
    if filters is not None:
        allowed = {
            leaf.offset + docnum
            for leaf, bits in zip(view.leaves, filters, strict=True)
            for docnum in members(bits).tolist()
        }
    parts = [_word_query(word, fuzzy=fuzzy) for word in words]
    hits = searcher.search(q.And(parts) if every else q.Or(parts), filter=allowed, limit=None)
    briefs, scores, handles = [], [], []
    for docnum, score in hits.items():
        leaf: Leaf = view.leaf_of(docnum)
        brief = leaf.briefs()[docnum - leaf.offset]
        if verified_since is None or (brief.verified is not None and brief.verified >= verified_since):
            briefs.append(brief)
            scores.append(score)
            handles.append((searcher, docnum))
    return Candidates.of(briefs, scores, handles)


def _word_query(word: str, *, fuzzy: bool) -> q.Query:
    """Match a word exactly in any text field, or also with a typo or two when it is long enough."""
    alternatives = [q.Term(name, word) for name in TEXT_FIELDS]
    distance = typo_distance(word) if fuzzy else 0
    if distance:
        alternatives += [q.FuzzyTerm(name, word, maxdist=distance, prefixlength=1, boost=0.5) for name in TEXT_FIELDS]
    return q.Or(alternatives)
