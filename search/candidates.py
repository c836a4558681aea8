"""A backend's candidates as search/query.py ranks and counts them: Briefs, text scores and columns.

A text search can match a tenth of a large directory. Checks, ranking and facet counts read a few
values of every candidate, so those values are kept as numpy arrays (``Columns``), one entry per
document, and measured, sorted and counted in C; what many services share (area sets, hours,
eligibility keys, facet codes) is worked out once per distinct value (``Grouped``). A Python tuple
per candidate cost more than everything else a search does. The Whoosh backend keeps the Columns of
the whole index (search/backends/whoosh/segments.py) and the PostgreSQL backend those of the whole table
(search.backends.postgres.Known); both point their candidates at their entries.
"""

import contextlib
import gc
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from providers.models import Service
from search.documents import Brief
from search.eligibility import CHECKS
from search.needs import CATEGORIES, Need

# A waitlist is a way in that the provider stated; capacity nobody stated may be any of the three.
CAPACITY_ORDER = {
    Service.Capacity.ACCEPTING: 0,
    Service.Capacity.WAITLIST: 1,
    Service.Capacity.NOT_STATED: 2,
    Service.Capacity.NOT_ACCEPTING: 3,
}
NEVER_VERIFIED = np.iinfo(np.int64).min
FACET_PARTS = 4  # Brief.facets: categories, populations, languages, (capacity,)
DESCRIBED_ONLY = 0.5  # what a word found only outside LABEL_FIELDS counts for in TextMatch.labelled
FREEZE_FROM = 5000  # Briefs read at once: from here they are left out of garbage collection


@dataclass(frozen=True)
class Grouped:
    """A value many Briefs share (an area set, eligibility keys, opening hours, facet codes), as each one's
    position in ``values``, the distinct values: a search works out what it needs once per value."""

    numbers: np.ndarray  # int32
    values: tuple

    @classmethod
    def of(cls, values: Sequence, *, by_identity: bool = True) -> "Grouped":
        """Group equal values: the same object (``by_identity``: Briefs share equal parts), or equal ones."""
        positions: dict = {}
        distinct = []
        numbers = np.empty(len(values), np.int32)
        for number, value in enumerate(values):
            key = id(value) if by_identity else value
            position = positions.get(key)
            if position is None:
                position = positions[key] = len(distinct)
                distinct.append(value)
            numbers[number] = position
        return cls(numbers, tuple(distinct))

    def take(self, positions: np.ndarray) -> "Grouped":
        return Grouped(self.numbers[positions], self.values)

    @classmethod
    def joined(cls, parts: Sequence["Grouped"]) -> "Grouped":
        offsets = np.cumsum([0] + [len(part.values) for part in parts[:-1]])
        return cls(
            np.concatenate([part.numbers + offset for part, offset in zip(parts, offsets, strict=True)]),
            tuple(value for part in parts for value in part.values),
        )


@dataclass(frozen=True)
class Places:
    """Where each Brief may be found: its locations, or when it has none, the service itself (no point),
    each with its opening hours. Brief n's places are ``start[n]`` to ``start[n + 1]``."""

    start: np.ndarray  # int64, one more than the Briefs
    latitude: np.ndarray  # NaN: no point
    longitude: np.ndarray
    location: np.ndarray  # the location's index in data["locations"]; -1: the service itself
    hours: Grouped

    @classmethod
    def of(cls, briefs: Sequence[Brief]) -> "Places":
        latitude, longitude, location, hours = [], [], [], []
        start = [0]
        for brief in briefs:
            if brief.points:
                for index, point in enumerate(brief.points):
                    latitude.append(math.nan if point is None else point[0])
                    longitude.append(math.nan if point is None else point[1])
                    location.append(index)
            else:
                latitude.append(math.nan)
                longitude.append(math.nan)
                location.append(-1)
            hours += brief.hours
            start.append(len(location))
        return cls(
            np.array(start, np.int64),
            np.array(latitude, np.float64),
            np.array(longitude, np.float64),
            np.array(location, np.int32),
            Grouped.of(hours),
        )

    def owners(self) -> np.ndarray:
        """Return the Brief of each place (its position)."""
        return np.repeat(np.arange(len(self.start) - 1), np.diff(self.start))

    def take(self, positions: np.ndarray) -> "Places":
        counts = self.start[positions + 1] - self.start[positions]
        start = np.concatenate(([0], np.cumsum(counts)))
        flat = np.repeat(self.start[positions] - start[:-1], counts) + np.arange(start[-1])
        return Places(start, self.latitude[flat], self.longitude[flat], self.location[flat], self.hours.take(flat))

    @classmethod
    def joined(cls, parts: Sequence["Places"]) -> "Places":
        offsets = np.cumsum([0] + [part.start[-1] for part in parts[:-1]])
        return cls(
            np.concatenate([[0]] + [part.start[1:] + offset for part, offset in zip(parts, offsets, strict=True)]),
            np.concatenate([part.latitude for part in parts]),
            np.concatenate([part.longitude for part in parts]),
            np.concatenate([part.location for part in parts]),
            Grouped.joined([part.hours for part in parts]),
        )


@dataclass(frozen=True)
class Columns:
    """What checks, ranking and facets read of each Brief, as arrays in the Briefs' order.

    Names and ids are UTF-8 bytes: bytes compare as their text's code points do, as Python's ``str``
    comparisons, so numpy sorts them as ``sorted`` would. Ranking sorts by their ranks (integers sort
    faster than strings); a subset of entries keeps their order, so ``take`` keeps the ranks.
    """

    name: np.ndarray  # Brief.name_key, UTF-8
    organization: np.ndarray  # Brief.organization_key, UTF-8
    name_length: np.ndarray  # Brief.name_key's length in characters (search.names compares lengths first)
    organization_length: np.ndarray  # Brief.organization_key's
    id: np.ndarray  # Brief.id, UTF-8
    name_rank: np.ndarray  # the name's place among the distinct names
    id_rank: np.ndarray  # the id's place among the ids
    capacity: np.ndarray  # CAPACITY_ORDER of Brief.capacity
    verified: np.ndarray  # Brief.verified; NEVER_VERIFIED for None
    areas: Grouped  # Brief.areas
    checks: tuple[Grouped, ...]  # each of Brief.checks (search.eligibility.check_keys)
    places: Places
    facets: tuple[Grouped, ...]  # each part of Brief.facets

    @classmethod
    def of(cls, briefs: Sequence[Brief]) -> "Columns":
        count = len(briefs)
        name = np.array([brief.name_key.encode() for brief in briefs], dtype="S")
        ids = np.array([brief.id.encode() for brief in briefs], dtype="S")
        return cls(
            name=name,
            organization=np.array([brief.organization_key.encode() for brief in briefs], dtype="S"),
            name_length=np.fromiter((len(brief.name_key) for brief in briefs), np.int32, count),
            organization_length=np.fromiter((len(brief.organization_key) for brief in briefs), np.int32, count),
            id=ids,
            name_rank=_ranks(name),
            id_rank=_ranks(ids),
            capacity=np.fromiter(
                (CAPACITY_ORDER.get(brief.capacity, CAPACITY_ORDER[Service.Capacity.NOT_STATED]) for brief in briefs),
                np.int8,
                count,
            ),
            verified=np.fromiter(
                (NEVER_VERIFIED if brief.verified is None else brief.verified for brief in briefs), np.int64, count
            ),
            areas=Grouped.of([brief.areas for brief in briefs]),
            checks=tuple(Grouped.of([brief.checks[number] for brief in briefs]) for number in range(len(CHECKS))),
            places=Places.of(briefs),
            # By value: a Brief's capacity is not shared (facets are, as a whole), and counts are per code.
            facets=tuple(
                Grouped.of([brief.facets[part] for brief in briefs], by_identity=False) for part in range(FACET_PARTS)
            ),
        )

    @classmethod
    def joined(cls, parts: Sequence["Columns"]) -> "Columns":
        """The parts one after the other (the Whoosh backend's segments)."""
        if not parts:
            return cls.of([])
        if len(parts) == 1:
            return parts[0]
        name = np.concatenate([part.name for part in parts])
        ids = np.concatenate([part.id for part in parts])
        return Columns(
            name,
            np.concatenate([part.organization for part in parts]),
            np.concatenate([part.name_length for part in parts]),
            np.concatenate([part.organization_length for part in parts]),
            ids,
            _ranks(name),
            _ranks(ids),
            np.concatenate([part.capacity for part in parts]),
            np.concatenate([part.verified for part in parts]),
            Grouped.joined([part.areas for part in parts]),
            tuple(Grouped.joined([part.checks[number] for part in parts]) for number in range(len(CHECKS))),
            Places.joined([part.places for part in parts]),
            tuple(Grouped.joined([part.facets[number] for part in parts]) for number in range(FACET_PARTS)),
        )

    def verified_since(self, since: int | None) -> np.ndarray | None:
        """Return which entries were verified at ``since`` or later (None: no such filter)."""
        return None if since is None else self.verified >= since


@contextlib.contextmanager
def collecting_no_garbage() -> Iterator[None]:
    """Leave garbage collection off meanwhile: while many long-lived objects are read (the Briefs of a
    whole index), each allocation round otherwise starts a collection over all of them (reading 100,000
    Briefs from PostgreSQL took 8 s with it, 4 s without)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze_if_large(count: int) -> None:
    """After reading ``count`` Briefs to keep: when they are many, leave them out of garbage collection.

    Hundreds of thousands of long-lived objects made each full garbage collection cost a third of a
    second at 100,000 documents, in whichever search triggered it. Briefs hold no reference cycles (freed
    by reference counting when they go): leave them, and what the process holds now, out of the
    collector's rounds.
    """
    if count >= FREEZE_FROM:
        gc.freeze()


def look_up(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray, missing: int) -> np.ndarray:
    """Return the value of each wanted key: ``keys`` in increasing order, ``values`` beside them; ``missing``
    for a key not among them."""
    if not len(keys):
        return np.full(len(wanted), missing, values.dtype)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, values[at], missing)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Return each value's place among the distinct values, in order (equal values, equal places)."""
    return np.unique(values, return_inverse=True)[1].astype(np.int32)


@dataclass(frozen=True)
class Candidates:
    """The documents a backend found: a Brief, a text score and the backend's handle (for ``details``) each,
    best text match first, and where their Columns are: ``columns`` may hold more documents (the Whoosh
    backend's are the whole index's), each candidate's at ``entries``, so that a search reads the values
    it needs of the candidates only."""

    briefs: Sequence[Brief]
    scores: np.ndarray  # float64
    handles: Sequence
    columns: Columns
    entries: np.ndarray
    # The share of the query's content words each matched (search/needs.py: a need it meets counts for the
    # words its phrase covered), and how many of the needs the query names it meets (a category's services
    # meet its parent's too). Not given: every word matched (a search without text), no need named.
    coverage: np.ndarray | None = None  # float64
    meets_need: np.ndarray | None = None  # int16
    # Where the words were found (TextMatch): the share of the words, one found only in the description or the
    # agency's Spanish texts counting half; and how many of them the service's name holds. Not given: as
    # coverage, and none.
    labelled: np.ndarray | None = None  # float64
    in_name: np.ndarray | None = None  # float64
    # The populations the query names (search.needs.Need): a service for other populations comes after those for
    # anyone, or for these (search/query.py).
    named_populations: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.coverage is None:
            object.__setattr__(self, "coverage", np.ones(len(self.briefs)))
        if self.meets_need is None:
            object.__setattr__(self, "meets_need", np.zeros(len(self.briefs), np.int16))
        if self.labelled is None:
            object.__setattr__(self, "labelled", self.coverage)
        if self.in_name is None:
            object.__setattr__(self, "in_name", np.zeros(len(self.briefs)))

    @classmethod
    def of(
        cls,
        briefs: list[Brief],
        scores: Sequence[float],
        handles: Sequence,
        coverage: Sequence[float] | None = None,
        meets_need: Sequence[int] | None = None,
        labelled: Sequence[float] | None = None,
        in_name: Sequence[int] | None = None,
    ) -> "Candidates":
        """Candidates with their own Columns."""
        scores = np.asarray(scores, dtype=np.float64)
        coverage = None if coverage is None else np.asarray(coverage, dtype=np.float64)
        meets_need = None if meets_need is None else np.asarray(meets_need, dtype=np.int16)
        labelled = None if labelled is None else np.asarray(labelled, dtype=np.float64)
        in_name = None if in_name is None else np.asarray(in_name, dtype=np.float64)
        return cls(
            briefs, scores, handles, Columns.of(briefs), np.arange(len(briefs)), coverage, meets_need, labelled, in_name
        )

    def __len__(self) -> int:
        return len(self.briefs)


@dataclass(frozen=True)
class TextMatch:
    """How each of a backend's matches met the query's content words (search/needs.py), as ranking reads it."""

    coverage: np.ndarray  # float64: the share of the words it has, or that a need it meets covers
    meets_need: np.ndarray  # int16: how many of the categories the query names it meets
    labelled: np.ndarray  # float64: as coverage, a word found only in what does not label it counting half
    in_name: np.ndarray  # float64: the share of the words its name holds

    @classmethod
    def of(
        cls,
        anywhere: np.ndarray,
        labels: np.ndarray,
        names: np.ndarray,
        needs_met: np.ndarray,
        needs: Sequence[Need],
    ) -> "TextMatch":
        """Work it out from which words each match has (a row per match, a column per word, booleans): in any
        text field, in search.documents.LABEL_FIELDS, in its name; and which of the query's ``needs`` it meets
        (a column per need), each covering its words (search.needs.Need.words): those count as labels. What a
        service does is counted in ``meets_need``: the categories named, not the populations (whom it serves)."""
        anywhere, labels = anywhere.copy(), labels.copy()
        for number, need in enumerate(needs):
            for word in need.words:
                anywhere[:, word] |= needs_met[:, number]
                labels[:, word] |= needs_met[:, number]
        count = anywhere.shape[1] or 1
        categories = [number for number, need in enumerate(needs) if need.field == CATEGORIES]
        return cls(
            anywhere.sum(axis=1) / count,
            needs_met[:, categories].sum(axis=1).astype(np.int16),
            (labels.sum(axis=1) + (anywhere & ~labels).sum(axis=1) * DESCRIBED_ONLY) / count,
            names.sum(axis=1) / count,
        )


class Picked(Sequence):
    """Some of a backend's Briefs, by entry: each read where it is needed (a search reads few of them)."""

    def __init__(self, briefs: Sequence[Brief], entries: np.ndarray) -> None:
        self.briefs = briefs
        self.entries = entries

    def __getitem__(self, position: int) -> Brief:
        return self.briefs[self.entries[position]]

    def __len__(self) -> int:
        return len(self.entries)


NONE = Candidates.of([], [], [])
