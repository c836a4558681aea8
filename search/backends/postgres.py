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
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import OperationalError, connection, transaction
from django.db.models import BooleanField, F, FloatField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from providers.models import Accessibility, Service
from search.backends.base import (
    MAX_NAME_MATCHES,
    IndexMissing,
    SearchRequest,
    edit_distance,
    nearest_spellings,
    typo_distance,
    typo_reach,
)
from search.candidates import (
    NONE,
    Candidates,
    Columns,
    Picked,
    TextMatch,
    collecting_no_garbage,
    freeze_if_large,
    look_up,
)
from search.documents import (
    AREA_KINDS_CHECKED_LATER,
    BRIEF_VALUES,
    SPANISH_TEXT_FIELDS,
    TEXT_FIELDS,
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
from search.needs import Understood, fold, spanish_terms, understand

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
# The weights of search.documents.LABEL_FIELDS (the name, keywords, categories, populations, organization)
# and NAME_FIELDS: where a word was found weighs in ranking (search.candidates.TextMatch).
LABEL_WEIGHTS = "ABC"
NAME_WEIGHTS = "A"
QUOTED_LEXEME = re.compile(r"'(?:[^']|'')*'")
# Spanish text (search/needs.py): its Spanish terms (SPANISH_ANALYZER, as the Whoosh index's Spanish fields),
# each marked with SPANISH_MARK and kept as they are ('simple' configuration), in the same vector. The mark
# keeps a Spanish stem from meeting the same letters as an English one ("care" is "car" in Spanish): no
# English lexeme holds it, as English text is folded (search.needs.fold: no ñ).
SPANISH_WEIGHTED_FIELDS = {"B": ("categories_text_es",), "D": ("text_es",)}
SPANISH_MARK = "ñ"
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
            match, populations = None, frozenset()
        else:
            understood = understand(text)
            versions, scores, match = _text_candidates(documents, understood)
            populations = understood.populations
        if not len(versions) and not SearchDocument.objects.exists() and Service.objects.listed().exists():
            raise IndexMissing(EMPTY_TABLE)
        return replace(self.known.candidates(versions, scores, match), named_populations=populations)

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

    def details(self, handles: list) -> list[dict | None]:
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

    def candidates(
        self,
        versions: np.ndarray,
        scores: np.ndarray,
        match: TextMatch | None = None,
    ) -> Candidates:
        """Return the Candidates of a search's matches: their versions, text scores and how they matched the
        text (None: every word matched, no need named)."""
        held, entries = self._entries(versions)
        # -1: rewritten or deleted since the search matched it (the next search finds its new version).
        kept = entries >= 0
        briefs = Picked(held.briefs, entries[kept])
        text = [None] * 4
        if match is not None:
            text = [match.coverage[kept], match.meets_need[kept], match.labelled[kept], match.in_name[kept]]
        return Candidates(briefs, scores[kept], briefs, held.columns, entries[kept], *text)

    def briefs(self, versions: np.ndarray) -> Picked:
        """Return the Briefs of these versions (those still there)."""
        held, entries = self._entries(versions)
        return Picked(held.briefs, entries[entries >= 0])

    def _entries(self, versions: np.ndarray) -> tuple[_Held, np.ndarray]:
        """Return what is held, with the entry of each of these versions there (-1: gone), read if need be."""
        held = self._held
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
                # The data only where there is no brief, or an older one: written before the column existed, or
                # before a Brief held what it holds now (until a rebuild).
                "SELECT s.version, d.brief, "
                "CASE WHEN d.brief IS NULL OR jsonb_array_length(d.brief) <> %s THEN d.data END "
                f"FROM {SearchDocument._meta.db_table} AS s "
                f"JOIN {SearchDocumentData._meta.db_table} AS d ON d.service_id = s.service_id {where}",
                [BRIEF_VALUES] if versions is None else [BRIEF_VALUES, versions.tolist()],
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
    """Return a Brief's values from the stored JSON, or from the data where there is none (or an older one)."""
    if data is not None:
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
    "accessibility": "jsonb",
}


def _spanish_lexemes(text: str) -> str:
    """Return a Spanish text as the lexemes the vector holds for it: its Spanish terms, each marked."""
    return " ".join(SPANISH_MARK + term for term in spanish_terms(text))


def _upsert_sql() -> str:
    """One statement writes a batch into both tables: the searched row and the data read beside it."""
    table = SearchDocument._meta.db_table
    text_names = [name for names in WEIGHTED_FIELDS.values() for name in names]
    text_names += [name for names in SPANISH_WEIGHTED_FIELDS.values() for name in names]
    vector = " || ".join(
        [
            f"setweight(to_tsvector(%(config)s::regconfig, concat_ws(' ', {', '.join(f'd.{n}' for n in names)})), "
            f"'{weight}')"
            for weight, names in WEIGHTED_FIELDS.items()
        ]
        + [
            f"setweight(to_tsvector('simple', concat_ws(' ', {', '.join(f'd.{n}' for n in names)})), '{weight}')"
            for weight, names in SPANISH_WEIGHTED_FIELDS.items()
        ]
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
            **{name: fold(document[name]) for name in TEXT_FIELDS},
            **{name: _spanish_lexemes(document[name]) for name in SPANISH_TEXT_FIELDS},
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
    if request.wheelchair_accessible:
        documents = documents.filter(accessibility__has_any_keys=sorted(Accessibility.WHEELCHAIR_FEATURES))
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


def _text_candidates(documents: QuerySet, understood: Understood) -> tuple[np.ndarray, np.ndarray, TextMatch | None]:
    """Return the versions, scores and text match (search.candidates.TextMatch) of the documents that have any
    content word in any of its forms or meet a need the query names (search/needs.py), as the Whoosh
    backend finds them. A word no document has is tried again with typos. Two queries; four with typos."""
    if not understood.words:
        return np.empty(0, np.int64), np.empty(0), None
    words = _word_forms(understood)  # a query
    found = _matching(documents, understood, [" | ".join([*stems, *compounds]) for stems, compounds in words])
    missing = [number for number in range(len(words)) if not found[3][:, number].any()]
    near = _near_words([stem for number in missing for stem in words[number][0]])  # a query
    if any(len(spellings) > 1 for spellings in near.values()):
        alternatives = []
        for number, (stems, compounds) in enumerate(words):
            if number in missing:
                stems = [spelling for stem in stems for spelling in sorted(near.get(stem, {stem}))]
            alternatives.append(" | ".join([*stems, *compounds]))
        found = _matching(documents, understood, alternatives)
    versions, scores, match, _words_found = found
    return versions, scores, match


def _word_forms(understood: Understood) -> list[tuple[list[str], list[str]]]:
    """Return each content word's forms as tsquery text: its stems (the English lexemes of the ``english``
    configuration, and unless the query is English its marked Spanish stem), then its compounds (written
    together with the word before or after it; cut in two, both halves). A query."""
    texts = sorted(
        {word.text for word in understood.words}
        | {text for _first, text in understood.joined}
        | {half for word in understood.words for split in word.splits for half in split}
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT texts.text, array_agg(words.lexeme ORDER BY words.lexeme) "
            "FROM unnest(%s::text[]) AS texts(text), unnest(to_tsvector(%s::regconfig, texts.text)) AS words "
            "GROUP BY texts.text",
            [texts, CONFIG],
        )
        lexemes = dict(cursor.fetchall())

    def quoted(text: str) -> str:
        return " & ".join(_quoted(lexeme) for lexeme in lexemes[text])

    forms = []
    for number, word in enumerate(understood.words):
        stems = [quoted(word.text)] if word.text in lexemes else []
        if understood.spanish:
            stems.append(_quoted(SPANISH_MARK + word.spanish))
        compounds = [
            quoted(text) for first, text in understood.joined if number in (first, first + 1) and text in lexemes
        ]
        compounds += [
            f"({quoted(left)} & {quoted(right)})" for left, right in word.splits if left in lexemes and right in lexemes
        ]
        forms.append((stems, compounds))
    return forms


def _matching(
    documents: QuerySet, understood: Understood, words: list[str]
) -> tuple[np.ndarray, np.ndarray, TextMatch, np.ndarray]:
    """Return the documents that have any of these words (each tsquery text) or meet a need: their versions
    and ts_rank scores, best first, how they matched (which words each has, anywhere, in the weights that
    label a service (LABEL_WEIGHTS) and in its name, and which needs it meets), and which words each has."""
    searched = [f"({word})" for word in words if word]
    query = Lexemes(" | ".join(searched)) if searched else None
    needs = understood.needs
    nothing = np.empty((0, len(words)), bool)
    if query is None and not needs:  # only stop words of the english configuration: nothing to match
        match = TextMatch.of(nothing, nothing, nothing, np.empty((0, 0), bool), ())
        return np.empty(0, np.int64), np.empty(0), match, nothing
    condition = Q(pk__in=[])
    if query is not None:
        condition |= Q(vector=query)
    for need in needs:
        condition |= Q(**{f"{need.field}__has_key": need.code})
    score = SearchRank(F("vector"), query, weights=RANK_WEIGHTS) if query is not None else Value(0.0, FloatField())
    table = SearchDocument._meta.db_table
    flags = {}
    for kind, weights in (("word", ""), ("label", LABEL_WEIGHTS), ("name", NAME_WEIGHTS)):
        flags |= {
            f"{kind}_{number}": RawSQL(
                f'"{table}"."vector" @@ %s::tsquery', [_weighted(word, weights)], output_field=BooleanField()
            )
            if word
            else Value(False, BooleanField())
            for number, word in enumerate(words)
        }
    flags |= {
        f"need_{number}": RawSQL(
            f'jsonb_exists("{table}"."{need.field}", %s)', [need.code], output_field=BooleanField()
        )
        for number, need in enumerate(needs)
    }
    matches = documents.filter(condition).annotate(score=score, **flags).values_list("version", "score", *flags)
    sql, params = matches.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    table_of = np.array(rows, dtype=object).reshape(len(rows), 2 + len(flags))
    versions = table_of[:, 0].astype(np.int64)
    scores = table_of[:, 1].astype(np.float64)
    order = np.argsort(-scores, kind="stable")
    count = len(words)
    parts = [table_of[order, 2 + count * part : 2 + count * (part + 1)].astype(bool) for part in range(3)]
    needs_met = table_of[order, 2 + 3 * count :].astype(bool)
    match = TextMatch.of(*parts, needs_met, needs)
    return versions[order], scores[order], match, parts[0]


def _weighted(word: str, weights: str) -> str:
    """Return the tsquery text with each of its lexemes restricted to these weights ("": any)."""
    return QUOTED_LEXEME.sub(lambda lexeme: f"{lexeme.group(0)}:{weights}", word) if weights else word


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


def _near_words(stems: list[str]) -> dict[str, set[str]]:
    """Return each of these quoted lexemes (a word's stems; one with ``&`` is left as it is) with the
    lexicon's lexemes within its typo distance, each quoted.

    One query: each lexeme with the lexicon words of the same first letter (after SPANISH_MARK, for a
    Spanish stem) and a length within two; the edit distances are checked here.
    """
    lexemes = sorted({_unquoted(stem) for stem in stems if " & " not in stem})
    if not lexemes:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT words.lexeme, terms.term "
            f"FROM unnest(%s::text[]) AS words(lexeme) LEFT JOIN {SearchTerm._meta.db_table} AS terms "
            "ON terms.kind = %s "
            "AND left(terms.term, 1 + (left(words.lexeme, 1) = %s)::int) "
            "= left(words.lexeme, 1 + (left(words.lexeme, 1) = %s)::int) "
            "AND length(terms.term) BETWEEN length(words.lexeme) - 2 AND length(words.lexeme) + 2",
            [lexemes, SearchTerm.Kind.WORD.value, SPANISH_MARK, SPANISH_MARK],
        )
        rows = cursor.fetchall()
    near: dict[str, set[str]] = {}
    for word, term in rows:
        terms = near.setdefault(word, {word})
        limit = typo_distance(word.removeprefix(SPANISH_MARK))
        if term is not None and term != word and limit and edit_distance(word, term, limit) <= limit:
            terms.add(term)
    found = {}
    for word, terms in near.items():
        reach = typo_reach(word, terms, typo_distance(word.removeprefix(SPANISH_MARK)))
        nearest = sorted(term for term in terms - {word} if edit_distance(word, term, reach) <= reach)
        found[_quoted(word)] = {_quoted(spelling) for spelling in [word, *nearest_spellings(word, nearest, reach)]}
    return found


def _unquoted(quoted: str) -> str:
    """_quoted's lexeme."""
    return quoted[1:-1].replace("''", "'").replace("\\\\", "\\")


def _quoted(lexeme: str) -> str:
    """Quote a lexeme for tsquery input: inside quotes, a quote or a backslash is doubled."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
