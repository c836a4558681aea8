"""What search asks of a backend: the request, the text stages, and the backend interface.

search/query.py runs a search and search/backends/ (Whoosh, PostgreSQL) answer it; both import what
they share from here, so each layer imports only downwards: query → backends → base.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from search.eligibility import Participant
from search.geography import Place

if TYPE_CHECKING:
    from search.candidates import Candidates

# Typo tolerance tries each word's nearest spellings only: what one search may cost, whatever it is asked.
MAX_NEAR_SPELLINGS = 50  # per word and text field
# Suggestions look at this many services whose name fits what was typed (search/suggestions.py).
MAX_NAME_MATCHES = 2000


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
    wheelchair_accessible: bool = False
    participant: Participant = field(default_factory=Participant)
    hide_ineligible: bool = False
    page: int = 1
    page_size: int = 20


class IndexMissing(Exception):
    """The index was never built (or was deleted): run `manage.py rebuild_search_index`."""


class SearchBackend(Protocol):
    name: str

    def candidates(self, request: SearchRequest, *, verified_since: datetime.datetime | None) -> "Candidates":
        """Return every document that matches the text and passes the prefilters: its Brief, text score and
        handle (the backend's own, for ``details``), best text match first.

        An empty text matches every document with score 1. Raises IndexMissing when there is no index.
        """

    def names_starting(
        self, words: list[str], prefix: str, limit: int, *, verified_since: datetime.datetime | None
    ) -> list:
        """Return the handles (for ``details``) of ``limit`` listed services whose name has every one of
        ``words`` and a word that starts with ``prefix``, each analysed as names are, shortest names first
        (among the first MAX_NAME_MATCHES found): what suggestions as one types offer (search/suggestions.py)."""

    def details(self, handles: list) -> list[dict | None]:
        """Return the stored ``data`` of these candidates (their handles), in the same order; None for a
        document deleted since it was found."""

    def write(self, service_ids: Iterable) -> int:
        """Re-read these services from the database; update or remove their documents. Returns how many written."""

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Make every document anew from the database; the old ones serve until then. Returns how many."""

    def document_count(self) -> int: ...

    def documents(self) -> dict[str, dict]:
        """Return every document's stored fields by service id (for tests and checks; reads them all)."""

    def describe(self) -> str:
        """Say where the documents are, for the rebuild command's summary."""


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


def typo_reach(word: str, spellings: Iterable[str], distance: int) -> int:
    """Return how many edits a misspelt word is tried within: the fewest at which the index has a spelling of it
    (other than itself), up to ``distance`` (typo_distance's). So "pregnent" meets "pregnant", one edit away,
    and not "prevent" as well, two edits away."""
    nearest = [edit_distance(word, spelling, distance) for spelling in spellings if spelling != word]
    return min([distance, *nearest])


def nearest_spellings(word: str, spellings: list[str], distance: int) -> list[str]:
    """Return the spellings within ``distance`` edits of ``word`` that a search tries: all of them, or the
    MAX_NEAR_SPELLINGS nearest (then in alphabetical order), in their order."""
    if len(spellings) <= MAX_NEAR_SPELLINGS:
        return spellings
    nearest = set(
        sorted(spellings, key=lambda spelling: (edit_distance(word, spelling, distance), spelling))[:MAX_NEAR_SPELLINGS]
    )
    return [spelling for spelling in spellings if spelling in nearest]


def edit_distance(a: str, b: str, limit: int) -> int:
    """Return the Levenshtein distance, or limit + 1 as soon as it is surely more.

    Plain Levenshtein, as Whoosh's FuzzyTerm matches (its automaton has no transpositions): a swap of
    two letters counts two edits with either backend.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[len(b)]
