"""The PostgreSQL backend (SEARCH_BACKEND=postgres): full-text search in the shared database.

Documents are rows of search.models.SearchDocument: search.documents.document_for's document as a
weighted tsvector (the ``english`` configuration: stems and stop words) and the same filter terms as
the Whoosh index, in jsonb lists with GIN indexes (migration 0002). Every web host reads the same rows,
so none keeps anything on its own disk.

- Text: every word exactly (``plainto_tsquery``); when that finds nothing, every word allowing typos;
  then any word allowing typos (search.backends.base.text_stages). Typo tolerance needs no extension: the
  words of all documents are kept in a lexicon (search.models.SearchTerm), and a misspelt word is
  expanded to the lexicon words within search.backends.base.typo_distance edits (Levenshtein), first letter
  kept, as Whoosh's FuzzyTerm does.
- Relevance: ``ts_rank`` with field weights tuned to fall like Whoosh's scores (``RANK_WEIGHTS``).
- Prefilters: jsonb ``?`` and ``?|`` on the same terms Whoosh holds (categories with their ancestors,
  populations, languages, grid cells for distance, service-area terms, hour slots).
- What is read: a search's SQL returns each match's version and score only. Each process keeps the
  Brief of every document and their Columns (``Known``), as the Whoosh backend keeps its segments', and
  reads again only the documents whose version it has not seen; the whole ``data`` is read for the page
  shown. Reading every match's ``data`` and making its Brief cost 30 times the SQL search at 100,000
  services (bench/RESULTS-postgres.md). Data and Briefs are kept apart from the searched rows
  (search.models.SearchDocumentData), which halves the rows a search scans.
"""

import datetime
import heapq
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import OperationalError, connection, transaction
from django.db.models import F, FloatField, Q, QuerySet, Value
from django.utils import timezone

from providers.models import Service
from search.backends.base import (
    MAX_NAME_MATCHES,
    IndexMissing,
    SearchRequest,
    edit_distance,
    nearest_spellings,
    text_stages,
    typo_distance,
)
from search.candidates import NONE, Candidates, Columns, Picked, collecting_no_garbage, freeze_if_large, look_up
from search.documents import (
    AREA_KINDS_CHECKED_LATER,
    Brief,
    Briefs,
    TermTree,
    brief_from_json,
    brief_values,
    cells_within,
    changed_since,
    county_term,
    document_for,
    listed_service_ids,
    services_to_index,
    slot_terms,
)
from search.models import DataDecoder, DataEncoder, SearchDocument, SearchDocumentData, SearchTerm

logger = logging.getLogger(__name__)

CONFIG = "english"
BATCH_SIZE = 500
LOCK_TIMEOUT = "2s"
LOCK_NOT_AVAILABLE = "55P03"  # SQLSTATE of a lock_timeout
# Which text goes to which tsvector weight, and ts_rank's weight for each (given for D, C, B, A). The
# weights follow what Whoosh's BM25F scores on the same documents: a word in the short, boosted name
# counts about five times one in the category names, and one in a long description much less. So the
# relevance bands in search/query.py (a third of the best score) fall alike with either backend.
WEIGHTED_FIELDS = {
    "A": ("name",),
    "B": ("keywords", "categories_text", "populations_text"),
    "C": ("organization",),
    "D": ("description",),
}
RANK_WEIGHTS = [0.1, 0.4, 0.2, 1.0]
VERSIONS = "search_document_version"  # the sequence each write takes a document's version from (migration 0003)
# A search that meets this many documents its process has not seen (or not in their latest version: after
# a rebuild, all of them) reads the whole table's Briefs at once; so does the first search of a process.
READ_ALL_FROM = 1000
# Smaller reads are joined to what the process holds; every this many, its Columns are made again as one
# (0.4 s more at 100,000, against 70 ms), so that the values parts share stay counted once. The Briefs of
# rewritten and deleted documents (under 1 KB each) stay until the next read of everything.
MAX_READS = 64
EMPTY_TABLE = (
    "The PostgreSQL search table is empty while listed services exist: run `python manage.py rebuild_search_index`."
)


class Lexemes(SearchQuery):
    """A tsquery written out of lexemes that are already stemmed: cast as it is, not parsed into words again."""

    template = "(%(expressions)s)::tsquery"


class PostgresBackend:
    name = "postgres"

    def __init__(self) -> None:
        self.known = Known()

    def candidates(self, request: SearchRequest, *, verified_since: datetime.datetime | None) -> Candidates:
        documents = _filtered(request, verified_since)
        if documents is None:
            return NONE
        text = request.text.strip()
        if not text:
            versions, scores = _matches(documents.annotate(score=Value(1.0, FloatField())))
        else:
            versions, scores = _text_candidates(documents, text)
        if not len(versions) and not SearchDocument.objects.exists() and Service.objects.listed().exists():
            raise IndexMissing(EMPTY_TABLE)
        return self.known.candidates(versions, scores)

    def details(self, handles: list) -> list[dict | None]:
    def names_starting(
        self, words: list[str], prefix: str, limit: int, *, verified_since: datetime.datetime | None
    ) -> list:
        # Weight A is the name (WEIGHTED_FIELDS); to_tsquery stems each word as the documents' were, and
        # drops stop words. ":*A": a lexeme of the name that starts with the last word's stem.
        query = " & ".join([*(f"{_quoted(word)}:A" for word in words), f"{_quoted(prefix)}:*A"])
        documents = SearchDocument.objects.all()
        if verified_since is not None:
            documents = documents.filter(last_verified_at__gte=verified_since)
        sql, params = documents.values_list("version").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"{sql} {'AND' if ' WHERE ' in sql else 'WHERE'} vector @@ to_tsquery(%s::regconfig, %s) LIMIT %s",
                [*params, CONFIG, query, MAX_NAME_MATCHES],
            )
            versions = np.array([version for (version,) in cursor.fetchall()], np.int64)
        briefs = list(self.known.briefs(versions))
        return heapq.nsmallest(limit, briefs, key=lambda brief: (len(brief.name_key), brief.name_key))

        """A candidate's handle is its Brief: its id names the service."""
        ids = [brief.id for brief in handles]
        datas = dict(SearchDocumentData.objects.filter(service_id__in=ids).values_list("service_id", "data"))
        return [datas.get(uuid.UUID(service_id)) for service_id in ids]

    def write(self, service_ids: Iterable) -> int:
        ids = {str(service_id) for service_id in service_ids}
        if not ids:
            return 0
        tree = TermTree()
        documents = [document_for(service, tree) for service in services_to_index(ids)]
        try:
            with transaction.atomic():
                # A rebuild holds every row until it commits; an edit saved meanwhile does not wait for it
                # (the rebuild writes the services changed while it ran once it is done).
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
                for start in range(0, len(documents), BATCH_SIZE):
                    _save(documents[start : start + BATCH_SIZE])
                gone = ids - {document["id"] for document in documents}
                SearchDocument.objects.filter(service_id__in=gone).delete()
                SearchDocumentData.objects.filter(service_id__in=gone).delete()
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            logger.warning("Search table busy (a rebuild?); %d changed services wait for it.", len(ids))
            return 0
        return len(documents)

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Write every document anew in one transaction: searches see the old rows until it commits.

        Services changed while it ran are written again afterwards, so no edit is lost.
        """
        started = timezone.now()
        ids = listed_service_ids()
        total = len(ids)
        tree = TermTree()
        written = 0
        with transaction.atomic():
            # Not TRUNCATE: its lock would make every search wait for the whole rebuild.
            SearchDocument.objects.all().delete()
            SearchDocumentData.objects.all().delete()
            SearchTerm.objects.all().delete()
            batch = []
            for service in services_to_index(ids):
                batch.append(document_for(service, tree))
                if len(batch) == BATCH_SIZE:
                    written += _save(batch)
                    batch = []
                    if progress:
                        progress(written, total)
            written += _save(batch)
        if progress and (total == 0 or written % BATCH_SIZE):
            progress(written, total)
        self.write(changed_since(started))
        return written

    def document_count(self) -> int:
        return SearchDocument.objects.count()

    def documents(self) -> dict[str, dict]:
        # Not the version: it counts writes, so a rebuild of the same documents changes it.
        fields = [field.name for field in SearchDocument._meta.fields if field.name != "version"]
        documents = {str(row["service_id"]): row for row in SearchDocument.objects.values(*fields)}
        for row in SearchDocumentData.objects.values("service_id", "data", "brief"):
            documents.setdefault(str(row["service_id"]), {}).update(row)
        return documents

    def describe(self) -> str:
        return f"PostgreSQL table {SearchDocument._meta.db_table}"


# --- What each process keeps -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Held:
    """Briefs and their Columns by entry, and the entry of each version read: one state, replaced whole."""

    briefs: list[Brief]
    columns: Columns
    versions: np.ndarray  # int64, in increasing order
    entries: np.ndarray  # int64: the entry of each of ``versions``
    reads: int  # small reads joined since the Columns were last made as one

    def find(self, versions: np.ndarray) -> np.ndarray:
        """Return the entry of each of these versions; -1 for one not read."""
        return look_up(self.versions, self.entries, versions, -1)


class Known:
    """The Brief of every search document and their Columns, kept in this process.

    A document's row is known by its version, a new number each time it is written (never reused): a
    search's SQL returns the versions that match, and the Briefs of versions this process has not read
    are read then. A version rewritten or deleted is never met again; its Brief goes at the next read of
    everything (a rebuild, or a new process).
    """

    def __init__(self) -> None:
        self._held = _Held([], Columns.of([]), np.empty(0, np.int64), np.empty(0, np.int64), 0)
        self._shared = Briefs()  # equal parts are one object: less memory, and checks worked out per value
        self._lock = threading.Lock()

    def candidates(self, versions: np.ndarray, scores: np.ndarray) -> Candidates:
        """Return the Candidates of a search's matches: their versions and text scores."""
        held = self._held
        held, entries = self._entries(versions)
        # -1: rewritten or deleted since the search matched it (the next search finds its new version).
        kept = entries >= 0
        briefs = Picked(held.briefs, entries[kept])
        return Candidates(briefs, scores[kept], briefs, held.columns, entries[kept])

    def briefs(self, versions: np.ndarray) -> Picked:
        """Return the Briefs of these versions (those still there)."""
        held, entries = self._entries(versions)
        return Picked(held.briefs, entries[entries >= 0])

    def _entries(self, versions: np.ndarray) -> tuple[_Held, np.ndarray]:
        """Return what is held, with the entry of each of these versions there (-1: gone), read if need be."""
        entries = held.find(versions)
        unseen = versions[entries < 0]
        if len(unseen):
            held = self._read(unseen)
            entries = held.find(versions)
        return held, entries

    def _read(self, unseen: np.ndarray) -> _Held:
        with self._lock:
            held = self._held
            if not len(held.versions) or len(unseen) >= READ_ALL_FROM:
                self._shared = Briefs()
                with collecting_no_garbage():
                    versions, briefs = self._briefs(None)
                    held = _Held(briefs, Columns.of(briefs), *_sorted(versions, np.arange(len(briefs))), 0)
                freeze_if_large(len(briefs))
            else:
                versions, read = self._briefs(unseen)
                briefs = held.briefs + read
                reads = (held.reads + 1) % MAX_READS
                columns = Columns.joined([held.columns, Columns.of(read)]) if reads else Columns.of(briefs)
                entries = np.concatenate([held.entries, len(held.briefs) + np.arange(len(read))])
                held = _Held(briefs, columns, *_sorted(np.concatenate([held.versions, versions]), entries), reads)
            self._held = held
        return held

    def _briefs(self, versions: np.ndarray | None) -> tuple[np.ndarray, list[Brief]]:
        """Read the Briefs of the documents in these versions (None: every document)."""
        where = "" if versions is None else "WHERE s.version = ANY(%s::bigint[])"
        with connection.cursor() as cursor:
            cursor.execute(
                # The data only where there is no brief: written before the column existed (until a rebuild).
                "SELECT s.version, d.brief, CASE WHEN d.brief IS NULL THEN d.data END "
                f"FROM {SearchDocument._meta.db_table} AS s "
                f"JOIN {SearchDocumentData._meta.db_table} AS d ON d.service_id = s.service_id {where}",
                [] if versions is None else [versions.tolist()],
            )
            make = self._shared.make
            numbers, briefs = [], []
            # A batch of rows at a time: with the JSON of 100,000 Briefs read at once a process kept 440 MB, not 280.
            while rows := cursor.fetchmany(BATCH_SIZE):
                for version, brief, data in rows:
                    numbers.append(version)
                    briefs.append(make(_brief_values(brief, data)))
        return np.array(numbers, np.int64), briefs


def _brief_values(brief: str | None, data: str | None) -> tuple:
    """Return a Brief's values from the stored JSON, or from the data where there is none."""
    if brief is None:
        return brief_values(json.loads(data, cls=DataDecoder))
    return brief_from_json(json.loads(brief))


def _sorted(versions: np.ndarray, entries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(versions, kind="stable")
    return versions[order], entries[order]


# --- Writing --------------------------------------------------------------------------------------


# The columns a document fills, with their SQL types: one statement reads a batch of documents as
# JSON rows (jsonb_to_recordset), which costs far less than Django compiling an INSERT per row.
FILTER_COLUMNS = {
    "categories": "jsonb",
    "populations": "jsonb",
    "languages": "jsonb",
    "free": "boolean",
    "capacity": "text",
    "cells": "jsonb",
    "area_zips": "jsonb",
    "area_counties": "jsonb",
    "area_kinds": "jsonb",
    "hour_slots": "jsonb",
}


def _upsert_sql() -> str:
    """One statement writes a batch into both tables: the searched row and the data read beside it."""
    table = SearchDocument._meta.db_table
    text_names = [name for names in WEIGHTED_FIELDS.values() for name in names]
    vector = " || ".join(
        f"setweight(to_tsvector(%(config)s::regconfig, concat_ws(' ', {', '.join(f'd.{n}' for n in names)})), "
        f"'{weight}')"
        for weight, names in WEIGHTED_FIELDS.items()
    )
    record = ", ".join(
        ["id uuid", *(f"{name} text" for name in text_names)]
        + [f"{name} {kind}" for name, kind in FILTER_COLUMNS.items()]
        + ["last_verified timestamptz", "data jsonb", "brief jsonb"]
    )
    columns = ["vector", *FILTER_COLUMNS, "last_verified_at", "version"]
    stored = ["data", "brief"]
    return (
        f"WITH d AS (SELECT * FROM jsonb_to_recordset(%(documents)s::jsonb) AS d({record})), "
        f"searched AS (INSERT INTO {table} (service_id, {', '.join(columns)}) "
        f"SELECT d.id, {vector}, {', '.join(f'd.{name}' for name in FILTER_COLUMNS)}, d.last_verified, "
        f"nextval('{VERSIONS}') FROM d "
        f"ON CONFLICT (service_id) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in columns)}) "
        f"INSERT INTO {SearchDocumentData._meta.db_table} (service_id, {', '.join(stored)}) "
        f"SELECT d.id, {', '.join(f'd.{name}' for name in stored)} FROM d "
        f"ON CONFLICT (service_id) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in stored)}"
    )


def _save(documents: list[dict]) -> int:
    """Insert or replace these documents and add their words and time zones to the lexicon (3 queries)."""
    if not documents:
        return 0
    rows = [
        {
            **document,
            "last_verified": document["last_verified"].isoformat() if document["last_verified"] else None,
            "brief": brief_values(document["data"]),
            "timezones": None,
        }
        for document in documents
    ]
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), {"config": CONFIG, "documents": json.dumps(rows, cls=DataEncoder)})
        cursor.execute(
            f"INSERT INTO {SearchTerm._meta.db_table} (kind, term) "
            f"SELECT DISTINCT %s, words.lexeme FROM {SearchDocument._meta.db_table}, unnest(vector) AS words "
            # In order, so that two writers adding the same new words cannot deadlock.
            "WHERE service_id = ANY(%s) ORDER BY words.lexeme ON CONFLICT (kind, term) DO NOTHING",
            [SearchTerm.Kind.WORD.value, [uuid.UUID(document["id"]) for document in documents]],
        )
    zones = {zone for document in documents for zone in document["timezones"]}
    SearchTerm.objects.bulk_create(
        [SearchTerm(kind=SearchTerm.Kind.TIME_ZONE, term=zone) for zone in sorted(zones)], ignore_conflicts=True
    )
    return len(documents)


# --- Searching ------------------------------------------------------------------------------------


def _filtered(request: SearchRequest, verified_since: datetime.datetime | None) -> QuerySet | None:
    """Return the documents that pass the request's prefilters, or None when none can (no query yet)."""
    documents = SearchDocument.objects.all()
    if verified_since is not None:
        documents = documents.filter(last_verified_at__gte=verified_since)
    if request.category:
        documents = documents.filter(categories__has_key=request.category)
    if request.population:
        documents = documents.filter(populations__has_key=request.population)
    if request.language:
        documents = documents.filter(languages__has_key=request.language)
    if request.free:
        documents = documents.filter(free=True)
    if request.accepting:
        documents = documents.filter(capacity=Service.Capacity.ACCEPTING)
    cells = cells_within(request.place, request.radius_miles) if request.place and request.radius_miles else None
    if cells is not None:  # None: too many cells to be worth it (around a pole); the distance check decides
        documents = documents.filter(cells__has_any_keys=cells)
    if request.serves_me and request.place is not None:
        place = request.place
        documents = documents.filter(
            Q(area_kinds__has_any_keys=list(AREA_KINDS_CHECKED_LATER))
            | Q(area_zips__has_key=place.zip_code)
            | Q(area_counties__has_key=county_term(place.county))
        )
    if request.open_at is not None:
        zones = SearchTerm.objects.filter(kind=SearchTerm.Kind.TIME_ZONE).values_list("term", flat=True)  # a query
        slots = [term for zone in zones for term in slot_terms(zone, request.open_at)]
        if not slots:
            return None
        documents = documents.filter(hour_slots__has_any_keys=slots)
    return documents


def _text_candidates(documents: QuerySet, text: str) -> tuple[np.ndarray, np.ndarray]:
    # The exact stage straight from the text (no query to split it first): the common case costs one query.
    found = _matching(documents, SearchQuery(text, config=CONFIG))
    if len(found[0]):
        return found
    near = _near_words(text)  # a query, only when the exact words found nothing
    words = list(near)
    for _fuzzy, every in text_stages(words)[1:]:  # the stages after the exact one all allow typos
        joiner = " & " if every else " | "
        query = joiner.join("(" + " | ".join(_quoted(term) for term in sorted(near[word])) + ")" for word in words)
        found = _matching(documents, Lexemes(query))
        if len(found[0]):
            return found
    return found


def _matching(documents: QuerySet, query: SearchQuery) -> tuple[np.ndarray, np.ndarray]:
    rank = SearchRank(F("vector"), query, weights=RANK_WEIGHTS)
    return _matches(documents.filter(vector=query).annotate(score=rank))


def _matches(documents: QuerySet) -> tuple[np.ndarray, np.ndarray]:
    """Return the documents' versions and scores (annotated) as arrays.

    Read straight from the cursor: Django's row-by-row conversion took half as long as the SQL itself for
    a search matching 10,000 services.
    """
    sql, params = documents.values_list("version", "score").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = np.array(rows, dtype=[("version", np.int64), ("score", np.float64)])
    return found["version"], found["score"]


def _near_words(text: str) -> dict[str, set[str]]:
    """Return each word of the text as the index stems it, with the lexicon's words within its typo distance.

    One query: the text's lexemes, each with the lexicon words of the same first letter and a length
    within two; the edit distances are checked here.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT words.lexeme, terms.term "
            f"FROM unnest(to_tsvector(%s::regconfig, %s)) AS words LEFT JOIN {SearchTerm._meta.db_table} AS terms "
            "ON terms.kind = %s AND left(terms.term, 1) = left(words.lexeme, 1) "
            "AND length(terms.term) BETWEEN length(words.lexeme) - 2 AND length(words.lexeme) + 2",
            [CONFIG, text, SearchTerm.Kind.WORD.value],
        )
        rows = cursor.fetchall()
    near: dict[str, set[str]] = {}
    for word, term in rows:
        terms = near.setdefault(word, {word})
        limit = typo_distance(word)
        if term is not None and term != word and limit and edit_distance(word, term, limit) <= limit:
            terms.add(term)
    return {
        word: {word, *nearest_spellings(word, sorted(terms - {word}), typo_distance(word))}
        for word, terms in near.items()
    }


def _quoted(lexeme: str) -> str:
    """Quote a lexeme for tsquery input: inside quotes, a quote or a backslash is doubled."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
