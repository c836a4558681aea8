"""The Whoosh index of listed services (SEARCH_BACKEND=whoosh, the default), and the one path that writes to it.

The index lives in a folder on this host (settings.SEARCH_INDEX_DIR); it can be deleted at any time and
rebuilt from the database. Its documents are search.documents.document_for's, with the term lists
joined into keyword fields; ``data`` is stored as it is. search/backends/whoosh/backend.py queries it.

``write`` re-reads changed services from the database (upkeep after commit, search/backends/); a
rolled-back change is never written, and re-reading makes every write idempotent. ``rebuild`` makes
the whole index anew beside the old one and swaps it in.
"""

import datetime
import logging
import os
import pickle
import random
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import whoosh.util
from django.conf import settings
from whoosh import columns
from whoosh import index as whoosh_index
from whoosh.codec import whoosh3
from whoosh.fields import BOOLEAN, COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from search.backends.base import IndexMissing
from search.backends.whoosh.segments import View
from search.documents import (
    BATCH_SIZE,
    TermTree,
    brief_values,
    changed_since,
    document_for,
    listed_service_ids,
    services_to_index,
)
from search.needs import ENGLISH_ANALYZER, SPANISH_ANALYZER

logger = logging.getLogger(__name__)

# Whoosh names segment files with the global `random`. Tests (Hypothesis) reseed it, after which two
# writers can pick the same name and the write lock is never released. OS entropy cannot be reseeded.
whoosh.util.random = random.SystemRandom()


def _cached_reader(self, fieldname, column, _original=whoosh3.W3PerDocReader._cached_reader):
    """Whoosh's, remembering a missing column too: it looked for the file on disk for every posting of a
    field without lengths (keywords), which was a third of a rebuild. A segment's files never change."""
    if fieldname in self._readers:
        return self._readers[fieldname]
    reader = _original(self, fieldname, column)
    if reader is None:
        self._readers[fieldname] = None
    return reader


whoosh3.W3PerDocReader._cached_reader = _cached_reader

# English text as Whoosh's StemmingAnalyzer reads it, accents folded; Spanish text as Spanish (search/needs.py).
ANALYZER = ENGLISH_ANALYZER
SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    # phrase=False: no word positions (no phrase queries here); the same weights and scores, written faster.
    name=TEXT(analyzer=ANALYZER, field_boost=3.0, phrase=False),
    organization=TEXT(analyzer=ANALYZER, field_boost=1.5, phrase=False),
    description=TEXT(analyzer=ANALYZER, phrase=False),
    keywords=TEXT(analyzer=ANALYZER, field_boost=2.0, phrase=False),
    categories_text=TEXT(analyzer=ANALYZER, field_boost=2.0, phrase=False),
    populations_text=TEXT(analyzer=ANALYZER, phrase=False),
    categories_text_es=TEXT(analyzer=SPANISH_ANALYZER, field_boost=2.0, phrase=False),
    text_es=TEXT(analyzer=SPANISH_ANALYZER, phrase=False),
    categories=KEYWORD(commas=True),
    populations=KEYWORD(commas=True),
    languages=KEYWORD(commas=True),
    free=BOOLEAN,
    capacity=ID,
    electronic_referral=BOOLEAN,
    cells=KEYWORD,  # search.documents.cell_terms: the "within N miles" prefilter
    area_zips=KEYWORD,
    area_counties=KEYWORD(commas=True),
    area_kinds=KEYWORD,
    # "<zone>|<weekday>|<hour>" for each local slot of hours the service is open in: the "open at"
    # prefilter (search.documents.slot_terms).
    hour_slots=KEYWORD,
    accessibility=KEYWORD,  # providers.models.Accessibility.Feature codes of the service's places
    timezones=KEYWORD(commas=True),
    last_verified=DATETIME,
    data=STORED,
    # search.documents.brief_values, pickled (BRIEF_PICKLE): what a search checks for every candidate,
    # read for a whole segment at once without ``data`` (search/backends/whoosh/segments.py).
    brief=COLUMN(columns.VarBytesColumn()),
)

PARALLEL_FROM = 2 * BATCH_SIZE  # documents: a rebuild this large is written by worker processes
MAX_WRITER_PROCESSES = 4
BRIEF_PICKLE = 5  # plain values: fast to read back
WRITER_MEMORY_MB = 256  # postings a writer sorts in memory before it spills to disk
# Writers leave a segment's files apart (compound=False): Whoosh copies each file of a compound segment
# into memory when a searcher opens it (twice the memory per web process at 10,000 documents).
# Filter fields are term lists in a document; these Whoosh fields hold them joined by their separator.
KEYWORD_SEPARATORS = {
    "categories": ",",
    "populations": ",",
    "languages": ",",
    "cells": " ",
    "area_zips": " ",
    "area_counties": ",",
    "area_kinds": " ",
    "hour_slots": " ",
    "accessibility": " ",
    "timezones": ",",
}


def whoosh_document(document: dict) -> dict:
    """Return a search document (search.documents.document_for) as the fields of SCHEMA."""
    fields = {name: value for name, value in document.items() if name != "last_verified"}
    for name, separator in KEYWORD_SEPARATORS.items():
        fields[name] = separator.join(document[name])
    if document["last_verified"] is not None:
        fields["last_verified"] = document["last_verified"]
    fields["brief"] = pickle.dumps(brief_values(document["data"]), protocol=BRIEF_PICKLE)
    return fields


# --- Opening the index and the shared searcher ----------------------------------------------


_write_lock = threading.Lock()
_searcher_lock = threading.Lock()
_view: View | None = None
_view_dir: Path | None = None


def index_dir() -> Path:
    return Path(settings.SEARCH_INDEX_DIR)


def open_index(path: Path | None = None):
    path = path or index_dir()
    if not whoosh_index.exists_in(str(path)):
        raise IndexMissing(f"No search index in {path}: run `python manage.py rebuild_search_index`.")
    index = whoosh_index.open_dir(str(path))
    if set(index.schema.names()) != set(SCHEMA.names()):
        # Built by an earlier version, without a field this one writes and filters on: as good as none.
        raise IndexMissing(
            f"The search index in {path} was built by an earlier version: run `python manage.py rebuild_search_index`."
        )
    return index


def view() -> View:
    """Return the process's shared searcher with what searches keep from it (search.backends.whoosh.segments.View),
    opened anew only when the index changed on disk.

    Opening a searcher costs ~45 ms at 100k documents; checking that it is current is cheap. What was
    read from the segments it shares with the previous one is kept (segments never change).
    """
    global _view, _view_dir
    with _searcher_lock:
        path = index_dir()
        if _view is not None and _view_dir == path:
            try:
                if _view.searcher.up_to_date():
                    return _view
            except (OSError, whoosh_index.EmptyIndexError):
                pass  # the folder was deleted or replaced: open it again below
            # Not Searcher.refresh(): it reuses segment readers that miss new deletions. The old
            # searcher is not closed: another thread may still be reading it; it closes when collected.
        _view = View(str(path), open_index(path).searcher())
        _view_dir = path
        return _view


def searcher():
    """Return the process's shared searcher (see ``view``)."""
    return view().searcher


def reset_searcher() -> None:
    global _view
    with _searcher_lock:
        _view = None


# --- Writing ---------------------------------------------------------------------------------


def write(service_ids: Iterable) -> int:
    """Re-read these services from the database and update or remove their documents.

    The only function that writes to an existing index. Returns the number of documents written.
    A missing index is left alone: a rebuild will include these services.
    """
    ids = {str(service_id) for service_id in service_ids}
    if not ids:
        return 0
    try:
        index = open_index()
    except IndexMissing:
        logger.warning("Search index missing; %d changed services wait for a rebuild.", len(ids))
        return 0
    tree = TermTree()
    if len(ids) <= BATCH_SIZE:  # an edit: read before taking the lock, so that other writers wait less
        documents = [whoosh_document(document_for(service, tree)) for service in services_to_index(ids)]
    else:  # an import: a batch at a time, not all in memory
        documents = (whoosh_document(document_for(service, tree)) for service in services_to_index(ids))
    written = set()
    with _write_lock:
        writer = _writer(index, len(ids), timeout=30)
        try:
            for document in documents:
                writer.update_document(**document)
                written.add(document["id"])
            for gone in ids - written:
                writer.delete_by_term("id", gone)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
    return len(written)


def rebuild(progress: Callable[[int, int], None] | None = None) -> int:
    """Build a new index from the database beside the old one, then swap it in.

    Services changed while the build ran are written again after the swap, so no edit is lost.
    Returns the number of documents.
    """
    target = index_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(target.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    started = datetime.datetime.now(tz=datetime.UTC)
    index = whoosh_index.create_in(str(building), SCHEMA)
    ids = listed_service_ids()
    total = len(ids)
    tree = TermTree()
    written = 0
    with _write_lock:
        writer = _writer(index, total)
        try:
            for service in services_to_index(ids):
                writer.add_document(**whoosh_document(document_for(service, tree)))
                written += 1
                if progress and (written % BATCH_SIZE == 0 or written == total):
                    progress(written, total)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        old = target.with_name(target.name + f".old-{time.time_ns()}")
        if target.exists():
            target.rename(old)
        building.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    reset_searcher()
    write(changed_since(started))
    if progress and total == 0:
        progress(0, 0)
    return written


def _writer(index, documents: int, **options):
    """Return a writer for this many documents: for many (a rebuild, a large import), Whoosh's multi-process
    writer, which analyzes and writes them in worker processes (a segment each, not merged) while this
    process reads the database and builds the documents; for fewer, worker processes cost more than they save."""
    processes = min(os.cpu_count() or 1, MAX_WRITER_PROCESSES)
    if documents < PARALLEL_FROM or processes < 2:
        return index.writer(limitmb=WRITER_MEMORY_MB, compound=False, **options)
    return index.writer(
        procs=processes, multisegment=True, limitmb=WRITER_MEMORY_MB // processes, compound=False, **options
    )


def document_count() -> int:
    return searcher().doc_count()


def indexed_ids() -> set[str]:
    return {fields["id"] for fields in searcher().all_stored_fields()}


def ids_matching(query) -> set[str]:
    """Return the ids of the documents that match a Whoosh query (for tests and checks)."""
    found = searcher().search(query, limit=None)
    return {hit["id"] for hit in found}
