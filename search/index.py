"""The Whoosh index of listed services (SEARCH_BACKEND=whoosh, the default), and the one path that writes to it.

The index lives in a folder on this host (settings.SEARCH_INDEX_DIR); it can be deleted at any time and
rebuilt from the database. Its documents are search.documents.document_for's, with the term lists
joined into keyword fields; ``data`` is stored as it is. search/backends/whoosh.py queries it.

``write`` re-reads changed services from the database (upkeep after commit, search/backends/); a
rolled-back change is never written, and re-reading makes every write idempotent. ``rebuild`` makes
the whole index anew beside the old one and swaps it in.
"""

import datetime
import logging
import random
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import whoosh.util
from django.conf import settings
from whoosh import index as whoosh_index
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from search.backends import IndexMissing
from search.documents import TermTree, changed_since, document_for, services_for_index

logger = logging.getLogger(__name__)

# Whoosh names segment files with the global `random`. Tests (Hypothesis) reseed it, after which two
# writers can pick the same name and the write lock is never released. OS entropy cannot be reseeded.
whoosh.util.random = random.SystemRandom()

ANALYZER = StemmingAnalyzer()
SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    name=TEXT(analyzer=ANALYZER, field_boost=3.0),
    organization=TEXT(analyzer=ANALYZER, field_boost=1.5),
    description=TEXT(analyzer=ANALYZER),
    keywords=TEXT(analyzer=ANALYZER, field_boost=2.0),
    categories_text=TEXT(analyzer=ANALYZER, field_boost=2.0),
    populations_text=TEXT(analyzer=ANALYZER),
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
    # "<zone>|<weekday>|<hour>" for each local hour the service is open: the "open at" prefilter.
    hour_slots=KEYWORD,
    timezones=KEYWORD(commas=True),
    last_verified=DATETIME,
    data=STORED,
)

BATCH_SIZE = 500
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
    "timezones": ",",
}


def whoosh_document(document: dict) -> dict:
    """Return a search document (search.documents.document_for) as the fields of SCHEMA."""
    fields = {name: value for name, value in document.items() if name != "last_verified"}
    for name, separator in KEYWORD_SEPARATORS.items():
        fields[name] = separator.join(document[name])
    if document["last_verified"] is not None:
        fields["last_verified"] = document["last_verified"]
    return fields


# --- Opening the index and the shared searcher ----------------------------------------------


_write_lock = threading.Lock()
_searcher_lock = threading.Lock()
_searcher = None
_searcher_dir = None


def index_dir() -> Path:
    return Path(settings.SEARCH_INDEX_DIR)


def open_index(path: Path | None = None):
    path = path or index_dir()
    if not whoosh_index.exists_in(str(path)):
        raise IndexMissing(f"No search index in {path}: run `python manage.py rebuild_search_index`.")
    return whoosh_index.open_dir(str(path))


def searcher():
    """Return the process's shared searcher, opened anew only when the index changed on disk.

    Opening a searcher costs ~45 ms at 100k documents; checking that it is current is cheap.
    """
    global _searcher, _searcher_dir
    with _searcher_lock:
        path = index_dir()
        if _searcher is not None and _searcher_dir == path:
            try:
                if _searcher.up_to_date():
                    return _searcher
            except (OSError, whoosh_index.EmptyIndexError):
                pass  # the folder was deleted or replaced: open it again below
            # Not Searcher.refresh(): it reuses segment readers that miss new deletions. The old
            # searcher is not closed: another thread may still be reading it; it closes when collected.
        _searcher = open_index(path).searcher()
        _searcher_dir = path
        return _searcher


def reset_searcher() -> None:
    global _searcher
    with _searcher_lock:
        _searcher = None


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
    services = list(services_for_index().filter(pk__in=ids))
    with _write_lock:
        writer = index.writer(timeout=30)
        try:
            for service in services:
                writer.update_document(**whoosh_document(document_for(service, tree)))
            for gone in ids - {str(service.pk) for service in services}:
                writer.delete_by_term("id", gone)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
    return len(services)


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
    services = services_for_index()
    total = services.count()
    tree = TermTree()
    written = 0
    with _write_lock:
        writer = index.writer(limitmb=256)
        try:
            for service in services.iterator(chunk_size=BATCH_SIZE):
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


def document_count() -> int:
    return searcher().doc_count()


def indexed_ids() -> set[str]:
    return {fields["id"] for fields in searcher().all_stored_fields()}


def ids_matching(query) -> set[str]:
    """Return the ids of the documents that match a Whoosh query (for tests and checks)."""
    found = searcher().search(query, limit=None)
    return {hit["id"] for hit in found}
