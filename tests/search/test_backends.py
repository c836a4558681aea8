"""The search backend comes from SEARCH_BACKEND; the PostgreSQL one finds what Whoosh finds, in the same order."""

import datetime
import os
import subprocess
import sys
import zoneinfo

import pytest
from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

from providers.models import Service
from search import backends
from search.backends.postgres import edit_distance
from search.documents import TermTree, document_for, services_to_index
from search.eligibility import Participant
from search.geography import place_for_zip
from search.models import SearchDocument
from search.query import SearchRequest, search

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
    stored = SearchDocument.objects.get(service_id=service.pk).data
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


@postgres_only
def test_it_indexes_the_postgres_documents_with_gin(db):
    """The migration made the GIN indexes the PostgreSQL search uses (text, category, distance)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'search_searchdocument'")
        definitions = [row[0] for row in cursor.fetchall()]
    for column in ("vector", "categories", "cells"):
        assert any(f"USING gin ({column})" in definition for definition in definitions), definitions
