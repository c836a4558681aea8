"""What searches keep in memory from the Whoosh index, so that a search reads the disk for its page only.

A Whoosh segment never changes once written (only its set of deleted documents grows), so what is
read from it stays true while it lives. Each segment gets a ``SegmentCache`` in this process, kept
across searcher refreshes and forgotten when the segment is merged away:

- a term's documents as a bitset: a Python int whose bit n is set when document n has the term, so
  that filters combine with ``&`` and ``|`` at C speed however many documents they hold;
- a text term's postings (document numbers and weights, as Whoosh stored them), to score candidates;
- each document's Brief (search.documents), read once from the index's ``brief`` column, and their
  Columns (search.candidates), what ranking and facets read of them as arrays.

A ``View`` is one searcher's generation of the index: its segments with their live documents (the
deletions of that generation) and the filter bitsets made of several terms (a radius's grid cells),
kept until the index changes.
"""

import bisect
import pickle
import threading
from collections.abc import Iterable

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher

from search.candidates import Columns, collecting_no_garbage, freeze_if_large
from search.documents import BRIEF_VALUES, Brief, Briefs, brief_values

# Whoosh reads a segment's files (written apart: compound=False) by seek and read on one file object shared by
# the process's searcher: two threads reading at once (a threaded server: runserver, gthread workers) can each
# read the other's bytes and find a term missing or garbled. So one thread of a process reads at a time; a
# process per worker (gunicorn's sync workers) is not held back.
READS = threading.RLock()

MAX_TERM_BITSETS = 4096  # per segment: 50 MB at most at 100,000 documents (12.5 KB each)
MAX_TEXT_TERMS_BYTES = 64 * 1024 * 1024  # per segment: text terms' bitsets and postings
MAX_SPELLINGS = 100_000  # per segment: the spellings of words searched with typos
MAX_VIEW_FILTERS = 256  # per searcher: filters of several terms


class Bounded:
    """A dict that forgets its least recently used entries once their total cost passes ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.cost = 0
        self._items: dict = {}
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._items.pop(key, None)
            if entry is None:
                return None
            self._items[key] = entry  # most recently used last
            return entry[0]

    def put(self, key, value, cost: int = 1):
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.cost -= old[1]
            self._items[key] = (value, cost)
            self.cost += cost
            while self.cost > self.limit and len(self._items) > 1:
                _key, (_value, forgotten) = next(iter(self._items.items()))
                del self._items[_key]
                self.cost -= forgotten
        return value


# --- Bitsets ------------------------------------------------------------------------------------


def bitset(numbers: Iterable[int], size: int) -> int:
    """Return the bitset (an int) with these document numbers set."""
    buffer = bytearray((size + 7) // 8)
    for number in numbers:
        buffer[number >> 3] |= 1 << (number & 7)
    return int.from_bytes(buffer, "little")


def members(bits: int) -> np.ndarray:
    """Return the document numbers set in a bitset, in increasing order."""
    packed = np.frombuffer(bits.to_bytes((bits.bit_length() + 7) // 8, "little"), np.uint8)
    return np.flatnonzero(np.unpackbits(packed, bitorder="little"))


# --- Segments -----------------------------------------------------------------------------------


class SegmentCache:
    """What searches read from one segment, kept while the segment lives."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.all = (1 << size) - 1
        self.bitsets = Bounded(MAX_TERM_BITSETS)
        self.postings = Bounded(MAX_TEXT_TERMS_BYTES)
        self.spellings = Bounded(MAX_SPELLINGS)
        self.lengths: dict[str, np.ndarray] = {}
        self.briefs: list[Brief] | None = None
        self.columns: Columns | None = None
        self.shared = Briefs()  # equal parts are one object: less memory, and checks memoized per search
        self._lock = threading.Lock()

    def term_bits(self, reader, fieldname: str, btext: bytes) -> int:
        key = (fieldname, btext)
        bits = self.bitsets.get(key)
        if bits is None:
            bits = bitset(self._term_postings(reader, fieldname, btext)[0], self.size)
            self.bitsets.put(key, bits)
        return bits

    def text_term(self, reader, fieldname: str, btext: bytes) -> tuple[int, np.ndarray, np.ndarray]:
        """Return a text term's documents as a bitset, and its postings: document numbers and weights
        (as Whoosh stored them: 32-bit floats)."""
        key = (fieldname, btext)
        term = self.postings.get(key)
        if term is None:
            numbers, weights = self._term_postings(reader, fieldname, btext)
            term = (bitset(numbers, self.size), np.array(numbers, np.int64), np.array(weights, np.float32))
            self.postings.put(key, term, self.size // 8 + 12 * len(numbers))
        return term

    def load_briefs(self, reader) -> list[Brief]:
        """Read every document's Brief from the ``brief`` column (from ``data`` where there is none, or an older
        one: an index written before the column existed, or before a Brief held what it holds now; slower but
        the same)."""
        with READS, self._lock:  # READS first, as a search holding it may load the briefs
            if self.briefs is None:
                make = self.shared.make
                stored = "brief" in reader.schema and reader.has_column("brief")
                values = iter(reader.column_reader("brief")) if stored else iter(())
                briefs = []
                with collecting_no_garbage():
                    for docnum in range(self.size):
                        pickled = next(values, b"")
                        stored_values = pickle.loads(pickled) if pickled else ()
                        if len(stored_values) != BRIEF_VALUES:
                            stored_values = brief_values(reader.stored_fields(docnum)["data"])
                        briefs.append(make(stored_values))
                    self.columns = Columns.of(briefs)
                self.briefs = briefs
                freeze_if_large(self.size)
        return self.briefs

    def terms_within(self, reader, fieldname: str, word: str, distance: int) -> list:
        """Return the field's spellings within ``distance`` edits of ``word``, first letter kept (FuzzyTerm's)."""
        key = (fieldname, word, distance)
        spellings = self.spellings.get(key)
        if spellings is None:
            spellings = [text for text in reader.terms_within(fieldname, word, distance, prefix=1) if text]
            self.spellings.put(key, spellings, len(spellings) or 1)
        return spellings

    def _term_postings(self, reader, fieldname: str, btext: bytes) -> tuple[list[int], list[float]]:
        """Read a term's postings: document numbers and weights. Deleted documents may be among them: every
        search keeps to the live ones (``Leaf.live``)."""
        numbers, weights = [], []
        if (fieldname, btext) not in reader:
            return numbers, weights
        matcher = reader.postings(fieldname, btext)
        if isinstance(matcher, FilterMatcher):  # leaving out the deleted documents, one by one
            matcher = matcher.child
        if isinstance(matcher, W3LeafMatcher):
            # A block (up to 128 postings) at a time: what Whoosh's matcher reads, without a call per posting.
            while matcher.is_active():
                matcher._read_ids()
                matcher._read_weights()
                numbers += matcher._ids
                weights += matcher._weights
                matcher._next_block()
            return numbers, weights
        is_active, number, weight, advance = matcher.is_active, matcher.id, matcher.weight, matcher.next
        add_number, add_weight = numbers.append, weights.append
        while is_active():
            add_number(number())
            add_weight(weight())
            advance()
        return numbers, weights

    def field_lengths(self, reader, fieldname: str, docnums: np.ndarray) -> np.ndarray:
        """Return these documents' lengths in a field as Whoosh scores them (byte-encoded, so rounded),
        each read from the index the first time it is needed."""
        lengths = self.lengths.get(fieldname)
        if lengths is None:
            lengths = self.lengths[fieldname] = np.zeros(self.size, np.uint32)  # 0: not read yet
        found = lengths[docnums]
        unread = docnums[found == 0]
        if len(unread):
            for docnum in unread.tolist():
                lengths[docnum] = reader.doc_field_length(docnum, fieldname, 1) or 0
            found = lengths[docnums]
        return found


_segments: dict[tuple[str, str], SegmentCache] = {}
_segments_lock = threading.Lock()


def segment_cache(path: str, reader) -> SegmentCache:
    key = (path, reader.segment().segment_id())
    cache = _segments.get(key)
    if cache is None:
        with _segments_lock:
            cache = _segments.setdefault(key, SegmentCache(reader.doc_count_all()))
    return cache


def forget_segments(path: str, keep: set[str]) -> None:
    """Forget the caches of this index's segments that are gone (merged, or the index rebuilt)."""
    with _segments_lock:
        for key in [key for key in _segments if key[0] == path and key[1] not in keep]:
            del _segments[key]


class Leaf:
    """One segment as a searcher sees it: its reader, where its documents start, and which are live."""

    def __init__(self, path: str, reader, offset: int) -> None:
        self.reader = reader
        self.offset = offset
        self.cache = segment_cache(path, reader)
        self.live = self.cache.all
        if reader.has_deletions():
            self.live &= ~bitset(reader.segment().deleted_docs(), self.cache.size)

    def term_bits(self, fieldname: str, btext: bytes) -> int:
        return self.cache.term_bits(self.reader, fieldname, btext)

    def briefs(self) -> list[Brief]:
        """Return the segment's Briefs by document number: all read the first time (faster than one by one)."""
        briefs = self.cache.briefs
        if briefs is None:
            briefs = self.cache.load_briefs(self.reader)
        return briefs

    def columns(self) -> Columns:
        """Return the Columns of the segment's Briefs, by document number."""
        if self.cache.columns is None:
            self.cache.load_briefs(self.reader)
        return self.cache.columns


class View:
    """One generation of the index as the shared searcher sees it: its leaves and its multi-term filters."""

    def __init__(self, path: str, searcher) -> None:
        self.searcher = searcher
        self.leaves = [
            Leaf(path, reader, offset)
            for reader, offset in searcher.reader().leaf_readers()
            if reader.segment() is not None  # an empty index has a reader without segments
        ]
        self._offsets = [leaf.offset for leaf in self.leaves]
        self.filters = Bounded(MAX_VIEW_FILTERS)
        self.size = searcher.doc_count_all()
        self._spellings = Bounded(MAX_VIEW_FILTERS)
        self._briefs: list[Brief] | None = None
        self._columns: Columns | None = None
        self._averages: dict[str, float] = {}
        forget_segments(path, {leaf.reader.segment().segment_id() for leaf in self.leaves})

    def briefs(self) -> list[Brief]:
        """Return every document's Brief, by (the searcher's) document number."""
        if self._briefs is None:
            self._briefs = [brief for leaf in self.leaves for brief in leaf.briefs()]
        return self._briefs

    def columns(self) -> Columns:
        """Return the Columns of every document, by document number."""
        if self._columns is None:
            self._columns = Columns.joined([leaf.columns() for leaf in self.leaves])
        return self._columns

    def average_length(self, fieldname: str) -> float:
        """Return the field's average length in the index (Whoosh's searcher sums it over the segments each time)."""
        average = self._averages.get(fieldname)
        if average is None:
            average = self._averages[fieldname] = self.searcher.avg_field_length(fieldname)
        return average

    def leaf_of(self, global_docnum: int) -> Leaf:
        return self.leaves[bisect.bisect_right(self._offsets, global_docnum) - 1]

    def field_bytes(self, fieldname: str, value) -> bytes:
        return self.searcher.schema[fieldname].to_bytes(value)

    def spellings(self, fieldname: str, word: str, distance: int) -> list:
        """Return the spellings in the field, in any segment, within ``distance`` edits of ``word`` with its
        first letter (Whoosh's FuzzyTerm's), in a fixed order."""
        key = (fieldname, word, distance)
        found = self._spellings.get(key)
        if found is None:
            found = sorted(
                {
                    text
                    for leaf in self.leaves
                    for text in leaf.cache.terms_within(leaf.reader, fieldname, word, distance)
                }
            )
            self._spellings.put(key, found)
        return found

    def any_of(self, fieldname: str, values: Iterable) -> list[int]:
        """Return, for each leaf, the documents having any of these terms (kept for this generation)."""
        btexts = tuple(sorted({self.field_bytes(fieldname, value) for value in values}))
        key = (fieldname, btexts)
        found = self.filters.get(key)
        if found is None:
            found = []
            for leaf in self.leaves:
                bits = 0
                for btext in btexts:
                    bits |= leaf.term_bits(fieldname, btext)
                found.append(bits)
            self.filters.put(key, found)
        return found
