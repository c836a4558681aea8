"""The PostgreSQL backend (SEARCH_BACKEND=postgres): full-text search in the shared database.

Documents are rows of search.models.SearchDocument: search.documents.document_for's document as a
weighted tsvector (the ``english`` configuration: stems and stop words) and the same filter terms as
the Whoosh index, in jsonb lists with GIN indexes (migration 0002). Every web host reads the same rows,
so none keeps anything on its own disk.

- Text: every word exactly (``plainto_tsquery``); when that finds nothing, every word allowing typos;
  then any word allowing typos (search.query.text_stages). Typo tolerance needs no extension: the
  words of all documents are kept in a lexicon (search.models.SearchTerm), and a misspelt word is
  expanded to the lexicon words within search.query.typo_distance edits (Levenshtein), first letter
  kept, as Whoosh's FuzzyTerm does.
- Relevance: ``ts_rank`` with field weights tuned to fall like Whoosh's scores (``RANK_WEIGHTS``).
- Prefilters: jsonb ``?`` and ``?|`` on the same terms Whoosh holds (categories with their ancestors,
  populations, languages, grid cells for distance, service-area terms, hour slots).
- What is read: a search's SQL returns each match's id, version and score only. Each process keeps the
  Brief of every document and their Columns (``Known``), as the Whoosh backend keeps its segments', and
  reads again only the documents whose version it has not seen; the whole ``data`` is read for the page
  shown. Reading every match's ``data`` and making its Brief cost 30 times the SQL search at 100,000
  services (bench/RESULTS-postgres.md).
"""

import datetime
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import OperationalError, connection, transaction
from django.db.models import F, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from providers.models import Service
from search.backends import IndexMissing
from search.candidates import NONE, Candidates, Columns, collecting_no_garbage, freeze_if_large
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
from search.models import DataEncoder, SearchDocument, SearchTerm
from search.query import SearchRequest, text_stages, typo_distance

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
# Smaller reads are joined to what the process holds; after this many, the next read is of everything,
# which also lets go of the Briefs of rewritten and deleted documents.
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
        documents = documents.annotate(id=Cast("service_id", TextField()))
        text = request.text.strip()
        if not text:
            found = [(service_id, version, 1.0) for service_id, version in documents.values_list("id", "version")]
        else:
            found = _text_candidates(documents, text)
        if not found and not SearchDocument.objects.exists() and Service.objects.listed().exists():
            raise IndexMissing(EMPTY_TABLE)
        return self.known.candidates(found)

    def details(self, handles: list) -> list[dict | None]:
        datas = dict(SearchDocument.objects.filter(service_id__in=handles).values_list("service_id", "data"))
        return [datas.get(uuid.UUID(service_id)) for service_id in handles]

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
        return {str(row["service_id"]): row for row in SearchDocument.objects.values(*fields)}

    def describe(self) -> str:
        return f"PostgreSQL table {SearchDocument._meta.db_table}"


# --- What each process keeps -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Held:
    """Briefs and their Columns by entry, and the entry of each document: one state, replaced whole."""

    briefs: list[Brief]
    columns: Columns
    entries: dict[str, tuple[int, int]]  # service id → (version, entry)
    reads: int  # small reads joined since the last read of everything


class Known:
    """The Brief of every search document and their Columns, kept in this process.

    A document is known by its version (a new number each time it is written, never reused): a search
    reads again the documents it meets in a version it has not seen. A document deleted from the table
    is never met again; its Brief goes at the next read of everything.
    """

    def __init__(self) -> None:
        self._held = _Held([], Columns.of([]), {}, 0)
        self._shared = Briefs()  # equal parts are one object: less memory, and checks worked out per value
        self._lock = threading.Lock()

    def candidates(self, found: list[tuple[str, int, float]]) -> Candidates:
        """Return the Candidates of a search's matches: (service id, version, text score) each."""
        held = self._held
        entries = held.entries
        unseen = [service_id for service_id, version, _score in found if entries.get(service_id, (None,))[0] != version]
        if unseen:
            held = self._read(unseen)
        entries, scores, handles = [], [], []
        for service_id, _version, score in found:
            known = held.entries.get(service_id)
            if known is not None:  # None: deleted since the search matched it
                entries.append(known[1])
                scores.append(score)
                handles.append(service_id)
        briefs = [held.briefs[entry] for entry in entries]
        return Candidates(briefs, np.array(scores, np.float64), handles, held.columns, np.array(entries, np.int64))

    def _read(self, unseen: list[str]) -> _Held:
        with self._lock:
            held = self._held
            if not held.entries or len(unseen) >= READ_ALL_FROM or held.reads >= MAX_READS:
                self._shared = Briefs()
                with collecting_no_garbage():
                    rows = self._rows(SearchDocument.objects.all())
                    briefs = [brief for _service_id, _version, brief in rows]
                    entries = {service_id: (version, entry) for entry, (service_id, version, _brief) in enumerate(rows)}
                    held = _Held(briefs, Columns.of(briefs), entries, 0)
                freeze_if_large(len(briefs))
            else:
                rows = self._rows(SearchDocument.objects.filter(service_id__in=unseen))
                briefs = [brief for _service_id, _version, brief in rows]
                entries = dict(held.entries)
                for service_id in unseen:
                    entries.pop(service_id, None)  # deleted, unless read again just below
                start = len(held.briefs)
                entries.update(
                    {service_id: (version, start + number) for number, (service_id, version, _brief) in enumerate(rows)}
                )
                columns = Columns.joined([held.columns, Columns.of(briefs)])
                held = _Held(held.briefs + briefs, columns, entries, held.reads + 1)
            self._held = held
        return held

    def _rows(self, documents: QuerySet) -> list[tuple[str, int, Brief]]:
        """Read these documents' Briefs: (service id, version, Brief) each."""
        make = self._shared.make
        rows = list(documents.annotate(id=Cast("service_id", TextField())).values_list("id", "version", "brief"))
        # Written before the brief column existed: made from the whole data (until the next rebuild).
        without = [service_id for service_id, _version, brief in rows if brief is None]
        datas = dict(SearchDocument.objects.filter(service_id__in=without).values_list("service_id", "data"))
        return [
            (
                service_id,
                version,
                make(brief_values(datas[uuid.UUID(service_id)]) if brief is None else brief_from_json(brief)),
            )
            for service_id, version, brief in rows
        ]


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
    columns = ["vector", *FILTER_COLUMNS, "last_verified_at", "data", "brief", "version"]
    return (
        f"INSERT INTO {table} (service_id, {', '.join(columns)}) "
        f"SELECT d.id, {vector}, {', '.join(f'd.{name}' for name in FILTER_COLUMNS)}, d.last_verified, d.data, "
        f"d.brief, nextval('{VERSIONS}') "
        f"FROM jsonb_to_recordset(%(documents)s::jsonb) AS d({record}) "
        f"ON CONFLICT (service_id) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in columns)}"
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
    if request.place is not None and request.radius_miles:
        documents = documents.filter(cells__has_any_keys=cells_within(request.place, request.radius_miles))
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


def _text_candidates(documents: QuerySet, text: str) -> list[tuple[str, int, float]]:
    # The exact stage straight from the text (no query to split it first): the common case costs one query.
    found = _matching(documents, SearchQuery(text, config=CONFIG))
    if found:
        return found
    near = _near_words(text)  # a query, only when the exact words found nothing
    words = list(near)
    for _fuzzy, every in text_stages(words)[1:]:  # the stages after the exact one all allow typos
        joiner = " & " if every else " | "
        query = joiner.join("(" + " | ".join(_quoted(term) for term in sorted(near[word])) + ")" for word in words)
        found = _matching(documents, Lexemes(query))
        if found:
            return found
    return []


def _matching(documents: QuerySet, query: SearchQuery) -> list[tuple[str, int, float]]:
    """Return the matches' service ids, versions and scores."""
    rank = SearchRank(F("vector"), query, weights=RANK_WEIGHTS)
    return list(documents.filter(vector=query).annotate(score=rank).values_list("id", "version", "score"))


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
        if term is not None and limit and edit_distance(word, term, limit) <= limit:
            terms.add(term)
    return near


def _quoted(lexeme: str) -> str:
    """Quote a lexeme for tsquery input: inside quotes, a quote or a backslash is doubled."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


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
