"""A backend's candidates as search/query.py ranks and counts them: Briefs, text scores and columns.

A text search can match a tenth of a large directory. Ranking and facet counts read a few values of
every candidate, so those values are kept as numpy arrays (``Columns``), one entry per candidate,
and sorted and counted in C: a Python tuple per candidate cost more than everything else a search
does. The Whoosh backend keeps the Columns of each index segment (search/segments.py) and takes the
candidates' entries from them; the PostgreSQL backend makes them from its candidates' Briefs.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from providers.models import Service
from search.documents import Brief

CAPACITY_ORDER = {Service.Capacity.ACCEPTING: 0, Service.Capacity.WAITLIST: 1, Service.Capacity.NOT_ACCEPTING: 2}
NEVER_VERIFIED = np.iinfo(np.int64).min
FACET_PARTS = 4  # Brief.facets: categories, populations, languages, (capacity,)


@dataclass(frozen=True)
class Columns:
    """What ranking and facets read of each Brief, as arrays in the Briefs' order.

    Names and ids are UTF-8 bytes: bytes compare as their text's code points do, as Python's ``str``
    comparisons, so numpy sorts them as ``sorted`` would.
    """

    name: np.ndarray  # Brief.name_key, UTF-8
    id: np.ndarray  # Brief.id, UTF-8
    capacity: np.ndarray  # CAPACITY_ORDER of Brief.capacity
    verified: np.ndarray  # Brief.verified; NEVER_VERIFIED for None
    facets: tuple[np.ndarray, ...]  # for each part of Brief.facets, the position of its codes in ``facet_groups``
    facet_groups: tuple[tuple[tuple[str, ...], ...], ...]  # for each part of Brief.facets, its distinct codes

    @classmethod
    def of(cls, briefs: Sequence[Brief]) -> "Columns":
        count = len(briefs)
        facets, facet_groups = [], []
        for part in range(FACET_PARTS):
            groups: dict[tuple, int] = {}
            facets.append(
                np.fromiter((groups.setdefault(brief.facets[part], len(groups)) for brief in briefs), np.int32, count)
            )
            facet_groups.append(tuple(groups))
        return cls(
            name=np.array([brief.name_key.encode() for brief in briefs], dtype="S"),
            id=np.array([brief.id.encode() for brief in briefs], dtype="S"),
            capacity=np.fromiter((CAPACITY_ORDER.get(brief.capacity, 0) for brief in briefs), np.int8, count),
            verified=np.fromiter(
                (NEVER_VERIFIED if brief.verified is None else brief.verified for brief in briefs), np.int64, count
            ),
            facets=tuple(facets),
            facet_groups=tuple(facet_groups),
        )

    def take(self, positions: np.ndarray) -> "Columns":
        return Columns(
            self.name[positions],
            self.id[positions],
            self.capacity[positions],
            self.verified[positions],
            tuple(groups[positions] for groups in self.facets),
            self.facet_groups,
        )

    @classmethod
    def joined(cls, parts: Sequence["Columns"]) -> "Columns":
        """The parts one after the other (the Whoosh backend's segments)."""
        if not parts:
            return cls.of([])
        if len(parts) == 1:
            return parts[0]
        facets, facet_groups = [], []
        for number in range(FACET_PARTS):
            offset = 0
            numbers = []
            for part in parts:
                numbers.append(part.facets[number] + offset)
                offset += len(part.facet_groups[number])
            facets.append(np.concatenate(numbers))
            facet_groups.append(tuple(group for part in parts for group in part.facet_groups[number]))
        return Columns(
            np.concatenate([part.name for part in parts]),
            np.concatenate([part.id for part in parts]),
            np.concatenate([part.capacity for part in parts]),
            np.concatenate([part.verified for part in parts]),
            tuple(facets),
            tuple(facet_groups),
        )

    def verified_since(self, since: int | None) -> np.ndarray | None:
        """Return which entries were verified at ``since`` or later (None: no such filter)."""
        return None if since is None else self.verified >= since


@dataclass(frozen=True)
class Candidates:
    """The documents a backend found: a Brief, a text score and the backend's handle (for ``details``) each,
    best text match first, and their Columns."""

    briefs: Sequence[Brief]
    scores: np.ndarray  # float64
    handles: Sequence
    columns: Columns

    @classmethod
    def of(cls, briefs: list[Brief], scores: Sequence[float], handles: Sequence) -> "Candidates":
        return cls(briefs, np.asarray(scores, dtype=np.float64), handles, Columns.of(briefs))

    def __len__(self) -> int:
        return len(self.briefs)


NONE = Candidates.of([], [], [])
