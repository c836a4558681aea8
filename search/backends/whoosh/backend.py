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
from dataclasses import dataclass, replace

import numpy as np
from whoosh import query as q
from whoosh.scoring import BM25F

from providers.models import Accessibility
from search.backends.base import MAX_NAME_MATCHES, SearchRequest, nearest_spellings, typo_distance, typo_reach
from search.backends.whoosh import index
from search.backends.whoosh.segments import READS, Leaf, View, members
from search.candidates import NONE, Candidates, Picked, TextMatch
from search.documents import (
    AREA_KINDS_CHECKED_LATER,
    LABEL_FIELDS,
    NAME_FIELDS,
    SPANISH_TEXT_FIELDS,
    TEXT_FIELDS,
    cells_within,
    county_term,
    microseconds_since_epoch,
    slot_terms,
)
from search.needs import Understood, english_stem, understand


class WhooshBackend:
    name = "whoosh"

    def candidates(self, request: SearchRequest, *, verified_since: datetime.datetime | None) -> Candidates:
        with READS:
            return self._candidates(request, verified_since=verified_since)

    def _candidates(self, request: SearchRequest, *, verified_since: datetime.datetime | None) -> Candidates:
        view = index.view()
        verified_since = microseconds_since_epoch(verified_since)
        filters = _filters(view, request)  # per leaf, or None: no filter
        if not view.leaves or (filters is not None and not any(filters)):
            return NONE
        text = request.text.strip()
        if not text:
            return _every(view, filters, verified_since)
        understood = understand(text)  # a query: the taxonomy's phrases
        if not understood.words:
            return NONE
        allowed = _allowed(view, filters, verified_since)
        search = _matches if _scores_like_whoosh(view) else _whoosh_search
        return replace(search(view, understood, allowed), named_populations=understood.populations)

    def names_starting(
        self, words: list[str], prefix: str, limit: int, *, verified_since: datetime.datetime | None
    ) -> list:
        with READS:
            return self._names_starting(words, prefix, limit, verified_since=verified_since)

    def _names_starting(
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
        with READS:
            return [searcher.stored_fields(docnum)["data"] for searcher, docnum in handles]

    def write(self, service_ids: Iterable) -> int:
        return index.write(service_ids)

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        return index.rebuild(progress=progress)

    def document_count(self) -> int:
        return index.document_count()

    def documents(self) -> dict[str, dict]:
        with READS:
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
    if request.wheelchair_accessible:
        parts.append(view.any_of("accessibility", sorted(Accessibility.WHEELCHAIR_FEATURES)))
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
    found = [members(bits) for bits in _allowed(view, filters, verified_since)]
    return _candidates(view, found, [np.ones(len(docnums)) for docnums in found], None)


def _allowed(view: View, filters: list[int] | None, verified_since: int | None) -> list[int]:
    """Return, for each leaf, the live documents that pass the filters and were verified since ``verified_since``."""
    allowed = [leaf.live if filters is None else filters[number] for number, leaf in enumerate(view.leaves)]
    verified = view.columns().verified_since(verified_since)
    if verified is None:
        return allowed
    return [
        bits
        & int.from_bytes(
            np.packbits(verified[leaf.offset : leaf.offset + leaf.cache.size], bitorder="little"), "little"
        )
        for bits, leaf in zip(allowed, view.leaves, strict=True)
    ]


def _candidates(
    view: View, docnums: list[np.ndarray], scores: list[np.ndarray], matches: list[TextMatch] | None
) -> Candidates:
    """Return these documents of each leaf, with their scores and how they matched the text (None: no text), as
    Candidates: best score first, then in index order (as Whoosh orders hits)."""
    numbers = np.concatenate([found + leaf.offset for leaf, found in zip(view.leaves, docnums, strict=True)])
    scores = np.concatenate(scores)
    order = np.argsort(-scores, kind="stable")
    numbers, scores = numbers[order], scores[order]
    if matches is None:
        text = [None] * 4
    else:
        text = [
            np.concatenate([getattr(match, name) for match in matches])[order]
            for name in ("coverage", "meets_need", "labelled", "in_name")
        ]
    return Candidates(
        Picked(view.briefs(), numbers), scores, _Handles(view.searcher, numbers), view.columns(), numbers, *text
    )


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

    def __init__(
        self,
        terms: list[tuple[str, bytes, int, np.ndarray, np.ndarray]],
        boost: float | None = 1.0,
        only: int | None = None,
    ) -> None:
        self.terms = terms  # (fieldname, btext, bits, document numbers, weights)
        self.boost = boost  # None: a constant 1 (Whoosh's unscored union of a typo's spellings)
        self.only = only  # scored in these documents only (both halves of a split word: Whoosh's And)
        self.bits = 0
        for term in terms:
            self.bits |= term[2]
        if only is not None:
            self.bits &= only

    def add(self, scores: np.ndarray, slots: np.ndarray, view: View, leaf: Leaf) -> None:
        """Add the term's score to ``scores``: document n's at ``slots[n]`` (-1: not scored)."""
        if self.boost is None:
            having = np.concatenate([slots[term[3]] for term in self.terms])
            scores[np.unique(having[having >= 0])] += 1.0
            return
        sums = np.zeros(len(scores))
        for term in self.terms:
            _add_bm25(sums, slots, term, view, leaf)
        if self.only is not None:
            at = slots[members(self.only)] if self.only else np.empty(0, np.int64)
            inside = np.zeros(len(scores), bool)
            inside[at[at >= 0]] = True
            sums[~inside] = 0.0
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


def _word_terms(view: View, leaf: Leaf, word: str, fields: tuple[str, ...], *, fuzzy: bool) -> list[_Term]:
    """What a stem matches in these fields of one segment (_stem_queries), scored as Whoosh scores it in an
    index of one segment.

    The word in each field; with typos allowed, also each field's spellings within the typo
    distance (Whoosh's FuzzyTerm, boost 0.5): one spelling scores as a plain term, several as their
    sum times 0.5, except in an index of 5,000 documents or fewer where more than two spellings score a
    constant 1 (Whoosh then preloads an unscored union). The spellings are the whole index's: Whoosh
    finds them segment by segment, so that its scores would depend on how the index happens to be
    split (a rebuild writes several segments at once, edits add small ones); these do not.
    """
    cache, reader = leaf.cache, leaf.reader
    found = []
    for fieldname in fields:
        btext = view.field_bytes(fieldname, word)
        term = cache.text_term(reader, fieldname, btext)
        if term[0]:
            found.append(_Term([(fieldname, btext, *term)]))
    distance = _reach(view, word, fields) if fuzzy else 0
    if distance:
        for fieldname in fields:
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


def _reach(view: View, word: str, fields: tuple[str, ...]) -> int:
    """Return how many edits a stem is tried within in these fields (search.backends.base.typo_reach)."""
    distance = typo_distance(word)
    if not distance:
        return 0
    return typo_reach(word, (text for name in fields for text in view.spellings(name, word, distance)), distance)


@dataclass(frozen=True)
class _Forms:
    """How one content word of the query (search.needs.Word) is matched in the index."""

    stems: tuple[tuple[tuple[str, ...], str], ...]  # (fields, stem): the word as typed, typos allowed when needed
    joined: tuple[str, ...]  # English stems of it written together with the word before or after it
    splits: tuple[tuple[str, str], ...]  # English stems of two words it may be written as


def _forms(understood: Understood) -> list[_Forms]:
    forms = []
    for number, word in enumerate(understood.words):
        stems = [(TEXT_FIELDS, word.english)] if word.english else []
        if understood.spanish:
            stems.append((SPANISH_TEXT_FIELDS, word.spanish))
        joined = tuple(
            stem
            for first, text in understood.joined
            if number in (first, first + 1)
            for stem in [english_stem(text)]
            if stem
        )
        splits = tuple(
            (english_stem(left), english_stem(right))
            for left, right in word.splits
            if english_stem(left) and english_stem(right)
        )
        forms.append(_Forms(tuple(stems), joined, splits))
    return forms


@dataclass
class _WordMatch:
    """The documents of one segment that have a content word in any of its forms: anywhere, in the fields
    that label a service (LABEL_FIELDS), in its name; and the word's terms, to score them."""

    bits: int
    labels: int
    names: int
    terms: list[_Term]


def _word_match(view: View, leaf: Leaf, forms: _Forms, *, fuzzy: bool) -> _WordMatch:
    """Return the documents of one segment that have a content word in any of its forms, and its terms."""
    terms = []
    for fields, stem in forms.stems:
        terms += _word_terms(view, leaf, stem, fields, fuzzy=fuzzy)
    for stem in forms.joined:
        terms += _word_terms(view, leaf, stem, TEXT_FIELDS, fuzzy=False)
    labels, names = _bits_of(terms, LABEL_FIELDS), _bits_of(terms, NAME_FIELDS)
    for left, right in forms.splits:
        halves = [_word_terms(view, leaf, stem, TEXT_FIELDS, fuzzy=False) for stem in (left, right)]
        both = _bits_of(halves[0]) & _bits_of(halves[1])
        if both:
            terms.append(_Term([term for half in halves for found in half for term in found.terms], only=both))
            labels |= _bits_of(halves[0], LABEL_FIELDS) & _bits_of(halves[1], LABEL_FIELDS)
            names |= _bits_of(halves[0], NAME_FIELDS) & _bits_of(halves[1], NAME_FIELDS)
    return _WordMatch(_bits_of(terms), labels, names, terms)


def _bits_of(terms: list[_Term], fields: tuple[str, ...] | None = None) -> int:
    """Return the documents that have any of these terms (in these fields only, when given)."""
    bits = 0
    for term in terms:
        if fields is None:
            bits |= term.bits
        else:
            for fieldname, _btext, term_bits, _numbers, _weights in term.terms:
                if fieldname in fields:
                    bits |= term_bits
    return bits


def _matches(view: View, understood: Understood, allowed: list[int]) -> Candidates:
    """The allowed documents that have any content word in any of its forms or meet a need the query
    names, each scored as Whoosh would score _whoosh_search's query (the sum of the BM25F scores of
    the terms it has; 0 for a document that only meets a need), with its coverage, best first.

    A word is tried with typos (search.backends.base.typo_distance) when no allowed document has it.
    """
    forms = _forms(understood)
    matched = [[_word_match(view, leaf, word, fuzzy=False) for word in forms] for leaf in view.leaves]
    for number, word in enumerate(forms):
        if not any(leaf_matches[number].bits & bits for leaf_matches, bits in zip(matched, allowed, strict=True)):
            for leaf, leaf_matches in zip(view.leaves, matched, strict=True):
                leaf_matches[number] = _word_match(view, leaf, word, fuzzy=True)
    need_bits = [view.any_of(need.field, [need.code]) for need in understood.needs]
    found, scores, matches = [], [], []
    for number, leaf in enumerate(view.leaves):
        words = matched[number]
        needs = [bits[number] & allowed[number] for bits in need_bits]
        matching = 0
        for bits in [word.bits & allowed[number] for word in words] + needs:
            matching |= bits
        docnums = members(matching) if matching else np.empty(0, np.int64)
        slots = np.full(leaf.cache.size, -1, np.int64)
        slots[docnums] = np.arange(len(docnums))
        leaf_scores = np.zeros(len(docnums))
        for word in words:
            for term in word.terms:
                term.add(leaf_scores, slots, view, leaf)
        found.append(docnums)
        scores.append(leaf_scores)
        matches.append(
            TextMatch.of(
                _having([word.bits for word in words], slots, len(docnums)),
                _having([word.labels for word in words], slots, len(docnums)),
                _having([word.names for word in words], slots, len(docnums)),
                _having(needs, slots, len(docnums)),
                understood.needs,
            )
        )
    return _candidates(view, found, scores, matches)


def _having(bitsets: list[int], slots: np.ndarray, count: int) -> np.ndarray:
    """Return which of the ``count`` matching documents (document n at ``slots[n]``) are in each bitset: one
    row per document, one column per bitset."""
    table = np.zeros((count, len(bitsets)), bool)
    for column, bits in enumerate(bitsets):
        at = slots[members(bits)] if bits else np.empty(0, np.int64)
        table[at[at >= 0], column] = True
    return table


# --- Whoosh's own search: for another weighting model ----------------------------------------------------


def _whoosh_search(view: View, understood: Understood, allowed: list[int]) -> Candidates:
    """_matches with Whoosh's own matchers and weighting: the documents that match any word's query
    (_word_query) or meet a need, with Whoosh's score of their Or."""
    searcher = view.searcher
    permitted = {
        leaf.offset + docnum
        for leaf, bits in zip(view.leaves, allowed, strict=True)
        for docnum in members(bits).tolist()
    }

    def documents(query: q.Query) -> set[int]:
        return {docnum for docnum in query.docs(searcher) if docnum in permitted}

    queries, fuzzy = [], []
    for word in _forms(understood):
        query = _word_query(view, word, fuzzy=False)
        fuzzy.append(not documents(query))
        queries.append(_word_query(view, word, fuzzy=True) if fuzzy[-1] else query)
    words = [documents(query) for query in queries]
    labels, names = (
        [
            documents(_word_query(view, word, fuzzy=typos, within=fields))
            for word, typos in zip(_forms(understood), fuzzy, strict=True)
        ]
        for fields in (LABEL_FIELDS, NAME_FIELDS)
    )
    needs = [documents(q.Term(need.field, need.code)) for need in understood.needs]
    scores = dict(searcher.search(q.Or(queries), filter=permitted, limit=None).items())
    found = sorted(set().union(*words, *needs))
    found.sort(key=lambda docnum: -scores.get(docnum, 0.0))

    def having(sets: list[set[int]]) -> np.ndarray:
        return np.array([[docnum in docs for docs in sets] for docnum in found], bool).reshape(len(found), len(sets))

    match = TextMatch.of(having(words), having(labels), having(names), having(needs), understood.needs)
    briefs = view.briefs()
    return Candidates.of(
        [briefs[docnum] for docnum in found],
        [scores.get(docnum, 0.0) for docnum in found],
        [(searcher, docnum) for docnum in found],
        match.coverage,
        match.meets_need,
        match.labelled,
        match.in_name,
    )


def _word_query(view: View, word: _Forms, *, fuzzy: bool, within: tuple[str, ...] | None = None) -> q.Query:
    """Match a content word in any of its forms (_Forms); its stems also with a typo or two when allowed
    and long enough. ``within``: in these fields only."""

    def kept(fields: tuple[str, ...]) -> tuple[str, ...]:
        return fields if within is None else tuple(name for name in fields if name in within)

    alternatives = []
    for fields, stem in word.stems:
        alternatives += [q.Term(name, stem) for name in kept(fields)]
        distance = _reach(view, stem, fields) if fuzzy else 0
        if distance:
            alternatives += [
                q.FuzzyTerm(name, stem, maxdist=distance, prefixlength=1, boost=0.5) for name in kept(fields)
            ]
    for stem in word.joined:
        alternatives += [q.Term(name, stem) for name in kept(TEXT_FIELDS)]
    for halves in word.splits:
        alternatives.append(q.And([q.Or([q.Term(name, stem) for name in kept(TEXT_FIELDS)]) for stem in halves]))
    return q.Or(alternatives)
