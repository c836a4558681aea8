"""The search backend comes from SEARCH_BACKEND; the PostgreSQL one finds what Whoosh finds, in the same order."""

import datetime
import json
import os
import subprocess
import sys
import zoneinfo

import numpy as np
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.module_loading import import_string

from providers.models import Service
from search import backends
from search.backends import postgres
from search.backends.base import SearchRequest
from search.backends.postgres import edit_distance
from search.documents import TermTree, brief_from_json, brief_values, document_for, services_to_index
from search.eligibility import Participant
from search.geography import place_for_zip
from search.models import SearchDocument, SearchDocumentData
from search.query import search

from .conftest import make_service

# These run on PostgreSQL only (skipped elsewhere by conftest.pytest_runtest_setup).
postgres_only = pytest.mark.parametrize("search_backend", ["postgres"], indirect=True)
WESTWOOD = place_for_zip("80219")
FRIDAY_NOON = datetime.datetime(2026, 11, 27, 12, tzinfo=zoneinfo.ZoneInfo("America/Denver"))


def start_django(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DEBUG": "True", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_uses_the_backend_the_setting_names(taxonomy, search_backend, settings):
    """get_backend() follows settings.SEARCH_BACKEND."""
    assert backends.get_backend() is search_backend
    assert search_backend.name == settings.SEARCH_BACKEND


def test_it_refuses_an_unknown_backend_and_postgres_search_without_postgresql():
    """Start-up stops with a message naming the setting: a typo, or SEARCH_BACKEND=postgres on SQLite."""
    unknown = start_django({"SEARCH_BACKEND": "elastic"})
    assert unknown.returncode != 0
    assert "Unexpected value SEARCH_BACKEND=elastic, use one of: whoosh, postgres" in unknown.stderr
    on_sqlite = start_django({"SEARCH_BACKEND": "postgres", "DATABASE_URL": "sqlite:////tmp/search-backend.sqlite3"})
    assert on_sqlite.returncode != 0
    assert "SEARCH_BACKEND=postgres searches the database: set DATABASE_URL=postgres://" in on_sqlite.stderr


@pytest.mark.parametrize(
    ("word", "other", "distance"),
    [("daycar", "daycar", 0), ("daycr", "daycar", 1), ("chlid", "child", 2), ("evicton", "evict", 2), ("ab", "xy", 2)],
)
def test_it_counts_typos_as_whoosh_does(word, other, distance):
    """Levenshtein, as Whoosh's fuzzy terms: an insertion, a deletion or a change is one edit; a swap is two."""
    assert edit_distance(word, other, limit=2) == distance
    assert edit_distance("babysiting", "child", limit=2) == 3  # more than the limit: limit + 1


@pytest.fixture
def both_indexed(taxonomy, settings):
    """A varied directory, indexed by both backends."""
    make_service("Westwood Little Learners", languages=("en", "es"), description="Bilingual early learning.")
    make_service(
        "Flatirons Kids Care", point=(40.0150, -105.2705), zip_code="80302", free=False, income_limit_percent_fpl=100
    )
    make_service(
        "RTD Pass Partners", category="bus-passes", point=(39.7392, -104.9903), zip_code="80202", populations=["youth"]
    )
    make_service(
        "Aurora Home Keepers",
        category="housing",
        point=(39.7294, -104.8319),
        zip_code="80010",
        languages=("en", "vi"),
        description="Eviction defense and rent help.",
        capacity_status="waitlist",
        populations=["veterans"],
        area={"extent_type": "counties", "counties": ["Arapahoe County, CO"]},
    )
    make_service("Night Shelter", category="housing", hours=[("FR", "22:00", "06:00")], keywords="beds overnight")
    make_service(
        "Downtown Tots",
        point=(39.7392, -104.9903),
        zip_code="80202",
        area={"extent_type": "postal_codes", "postal_codes": ["80202", "80219"]},
    )
    for name in ("whoosh", "postgres"):
        settings.SEARCH_BACKEND = name
        backends.get_backend().rebuild()


REQUESTS = [
    {"text": "daycare"},
    {"text": "day care", "place": WESTWOOD},
    {"text": "babysiting"},
    {"text": "evicton"},
    {"text": "shelter rent"},
    {"text": "overnight"},
    {"text": "the"},
    {"text": "helicopter"},
    {"category": "child-care", "place": WESTWOOD, "radius_miles": 12},
    {"population": "veterans"},
    {"language": "es"},
    {"free": True, "accepting": True},
    {"place": WESTWOOD, "serves_me": True},
    {"open_at": FRIDAY_NOON},
    {"open_at": FRIDAY_NOON + datetime.timedelta(hours=14)},
    {"text": "daycare", "participant": Participant(household_size=3, annual_income=31000), "hide_ineligible": True},
]


def found_with_each_backend(settings, **request_fields) -> dict:
    found = {}
    for name in ("whoosh", "postgres"):
        settings.SEARCH_BACKEND = name
        results = search(SearchRequest(**request_fields), log_unmet=False)
        found[name] = ([result.data["name"] for result in results.results], results.facets)
    return found


@postgres_only  # the test switches between both itself
@pytest.mark.parametrize("request_fields", REQUESTS, ids=[str(number) for number in range(len(REQUESTS))])
def test_it_finds_the_same_services_in_the_same_order_with_either_backend(both_indexed, settings, request_fields):
    """Synonyms, typos, every filter, eligibility and the ranking: the same results and facets from both."""
    found = found_with_each_backend(settings, **request_fields)
    assert found["postgres"] == found["whoosh"]


@postgres_only
def test_it_may_band_weak_matches_differently(both_indexed, settings):
    """Known difference: ts_rank and Whoosh's BM25F score alike but not equally, so a match near a third of
    the best score can fall in the other relevance band. The services found and the facets are the same."""
    found = found_with_each_backend(settings, text="chlid care transportaton")
    assert sorted(found["postgres"][0]) == sorted(found["whoosh"][0])
    assert found["postgres"][1] == found["whoosh"][1]


@postgres_only
def test_it_keeps_each_document_as_it_was_built(taxonomy, settings):
    """The stored data comes back with its dates and times, as the Whoosh index keeps it (tuples become lists)."""
    service = make_service("Westwood Little Learners", last_verified_at=FRIDAY_NOON)
    backends.get_backend().rebuild()
    built = document_for(next(services_to_index([service.pk])), TermTree())["data"]
    stored = SearchDocumentData.objects.get(service_id=service.pk).data
    assert stored["last_verified_at"] == FRIDAY_NOON
    assert stored["locations"][0]["schedules"][0] == list(built["locations"][0]["schedules"][0])
    assert stored["locations"][0]["schedules"][0][2] == datetime.time(8)


@postgres_only
def test_it_writes_an_import_to_the_configured_backend(taxonomy, settings):
    """settings.HSDS_REINDEX writes to PostgreSQL when it is the backend; a service gone is removed."""
    kept = make_service("Westwood Little Learners")
    gone = make_service("Downtown Tots")
    backends.get_backend().rebuild()
    Service.objects.filter(pk=gone.pk).update(status=Service.Status.INACTIVE)
    assert import_string(settings.HSDS_REINDEX)([kept.pk, gone.pk]) == 1
    assert list(SearchDocument.objects.values_list("service_id", flat=True)) == [kept.pk]
    assert list(SearchDocumentData.objects.values_list("service_id", flat=True)) == [kept.pk]


@postgres_only
def test_it_indexes_the_postgres_documents_with_gin(db):
    """The migration made the GIN indexes the PostgreSQL search uses (text, category, distance)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'search_searchdocument'")
        definitions = [row[0] for row in cursor.fetchall()]
    for column in ("vector", "categories", "cells"):
        assert any(f"USING gin ({column})" in definition for definition in definitions), definitions


def found_names(text: str) -> list[str]:
    return [result.data["name"] for result in search(SearchRequest(text=text), log_unmet=False).results]


def briefs_read(context: CaptureQueriesContext) -> list[str]:
    """The queries that read documents' Briefs (the rest read matches and the page's data)."""
    return [query["sql"] for query in context.captured_queries if "d.brief" in query["sql"]]


@postgres_only
def test_it_reads_again_only_the_documents_written_since(taxonomy, settings):
    """Each process keeps every document's Brief: after an edit the next search reads that document's
    Brief (and shows the edit), not the whole table; a search with nothing new reads no Brief."""
    edited = make_service("Westwood Little Learners")
    make_service("Downtown Tots Daycare")
    backend = backends.get_backend()
    backend.rebuild()
    assert found_names("learners") == ["Westwood Little Learners"]
    with CaptureQueriesContext(connection) as unchanged:
        assert found_names("learners") == ["Westwood Little Learners"]
    assert briefs_read(unchanged) == []

    Service.objects.filter(pk=edited.pk).update(
        name="Westwood Early Learners", capacity_status=Service.Capacity.WAITLIST
    )
    backend.write([edited.pk])
    with CaptureQueriesContext(connection) as after_edit:
        results = search(SearchRequest(text="learners"), log_unmet=False)
    assert [result.data["name"] for result in results.results] == ["Westwood Early Learners"]
    assert results.facets["capacity"] == {Service.Capacity.WAITLIST: 1}
    (read,) = briefs_read(after_edit)
    versions = dict(SearchDocument.objects.values_list("service_id", "version"))
    assert f"= ANY('{{{versions[edited.pk]}}}'::" in read, read


@postgres_only
def test_it_keeps_finding_edits_as_it_makes_its_columns_again(taxonomy, settings, monkeypatch):
    """Edit after edit, each search reads the changed Brief; every MAX_READS reads the Columns are made again as
    one. Results and facets stay those of the table as it is, never of an older version."""
    monkeypatch.setattr(postgres, "MAX_READS", 2)
    services = [make_service(f"Learners Center {number}") for number in range(3)]
    backend = backends.get_backend()
    monkeypatch.setattr(backend, "known", postgres.Known())  # as a new process: nothing read yet
    backend.rebuild()
    assert search(SearchRequest(text="learners"), log_unmet=False).facets["capacity"] == {"accepting": 3}
    for edits, service in enumerate(services, start=1):
        Service.objects.filter(pk=service.pk).update(capacity_status=Service.Capacity.WAITLIST)
        backend.write([service.pk])
        counts = {"waitlist": edits, "accepting": 3 - edits}
        facets = search(SearchRequest(text="learners"), log_unmet=False).facets
        assert facets["capacity"] == {code: count for code, count in counts.items() if count}
        assert backend.known._held.reads == edits % 2
    assert len(backend.known._held.briefs) == 6  # the rewritten versions' Briefs stay until a read of everything


@postgres_only
def test_it_reads_every_brief_at_once_after_a_rebuild(taxonomy, settings, monkeypatch):
    """Many documents not seen in their latest version (a rebuild writes them all anew): one read of the whole
    table rather than of each; and the same results as before the rebuild."""
    monkeypatch.setattr(postgres, "READ_ALL_FROM", 3)
    for number in range(4):
        make_service(f"Learners Center {number}")
    backend = backends.get_backend()
    backend.rebuild()
    before = found_names("learners")
    backend.rebuild()
    with CaptureQueriesContext(connection) as after_rebuild:
        assert found_names("learners") == before
    (read,) = briefs_read(after_rebuild)
    assert "WHERE" not in read
    assert len(before) == 4


@postgres_only
def test_it_leaves_out_a_service_deleted_after_it_matched(taxonomy, settings, monkeypatch):
    """A document deleted between the search's match and reading its page (another host's edit, committed in
    between) is left out of the page rather than failing the search; so is a version matched but rewritten
    before its Brief was read (the next search finds the new one)."""
    kept = make_service("Westwood Little Learners")
    gone = make_service("Downtown Learners")
    backend = backends.get_backend()
    backend.rebuild()
    assert sorted(found_names("learners")) == ["Downtown Learners", "Westwood Little Learners"]
    matched = backend.known.candidates

    def deleted_meanwhile(versions, scores, *found):
        candidates = matched(versions, scores, *found)
        SearchDocument.objects.filter(service_id=gone.pk).delete()
        SearchDocumentData.objects.filter(service_id=gone.pk).delete()
        return candidates

    monkeypatch.setattr(backend.known, "candidates", deleted_meanwhile)
    assert found_names("learners") == ["Westwood Little Learners"]
    monkeypatch.undo()

    versions = np.array([SearchDocument.objects.get(service_id=kept.pk).version, 10**15], np.int64)
    known = backend.known.candidates(versions, np.array([1.0, 1.0]))
    assert [brief.id for brief in known.briefs] == [str(kept.pk)]


@postgres_only
def test_it_searches_documents_written_before_briefs_were_kept(taxonomy, settings):
    """Rows written before the brief column existed (no brief) are read from their data: the same results as
    once rebuilt."""
    make_service("Westwood Little Learners")
    make_service("Downtown Learners", capacity_status=Service.Capacity.WAITLIST)
    backend = backends.get_backend()
    backend.rebuild()
    rebuilt = search(SearchRequest(text="learners"), log_unmet=False)
    SearchDocumentData.objects.update(brief=None)
    with connection.cursor() as cursor:  # as migration 0003 left them: new versions, no brief
        cursor.execute("UPDATE search_searchdocument SET version = nextval('search_document_version')")
    old = search(SearchRequest(text="learners"), log_unmet=False)
    assert [result.data for result in old.results] == [result.data for result in rebuilt.results]
    assert old.facets == rebuilt.facets


@pytest.mark.parametrize("search_backend", ["whoosh"], indirect=True)  # no backend involved: once
def test_it_reads_a_brief_back_from_json_as_it_was(taxonomy):
    """The PostgreSQL table keeps each Brief's values as JSON: read back, they equal the values made from the
    document (tuples again), with every kind of part: areas of each extent, eligibility, several languages,
    hours overnight."""
    square = [[-105.1, 39.6], [-104.9, 39.6], [-104.9, 39.8], [-105.1, 39.8], [-105.1, 39.6]]
    areas = [
        {"extent_type": "postal_codes", "postal_codes": ["80219", "80204"]},
        {"extent_type": "counties", "counties": ["Denver County, CO"]},
        {"extent_type": "radius", "center_latitude": 39.74, "center_longitude": -104.99, "radius_miles": 6},
        {"extent_type": "geojson", "polygon": {"type": "Polygon", "coordinates": [square]}},
        None,
    ]
    for number, area in enumerate(areas):
        make_service(
            f"Center {number}",
            area=area,
            languages=("en", "es"),
            hours=[("FR", "22:00", "06:00")],
            minimum_age=18,
            income_limit_percent_fpl=200,
            populations=("veterans",),
        )
    values = [
        brief_values(document_for(service, TermTree())["data"])
        for service in services_to_index(Service.objects.values_list("pk", flat=True))
    ]
    assert len(values) == len(areas)
    assert [brief_from_json(json.loads(json.dumps(value))) for value in values] == values
