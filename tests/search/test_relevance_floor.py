"""Search answers the judged queries of bench/relevance/ on the demo network at least as well as it did.

Per class of query and overall: nDCG@10, P@5 and the share of queries whose first result is relevant stay
at or above their floors, and no more covered needs find nothing, or are recorded as unmet, than did;
needs the network does not cover are recorded as unmet often enough. The figures are
bench/relevance/measure.py's, the same that ``make bench-relevance`` prints. Whoosh always; PostgreSQL
full-text search on a PostgreSQL database.
"""

import dataclasses

import pytest
from django.db import connection
from django.test import override_settings

from bench.relevance.measure import Figures, load_queries, run_queries, stale_judgements, summarise
from providers.models import Service
from search.backends import get_backend

pytestmark = pytest.mark.django_db


@dataclasses.dataclass(frozen=True)
class Floor:
    ndcg: float
    precision: float
    first_relevant: float
    zero_results: int  # at most this many covered needs may find nothing
    unmet: int  # at most this many covered needs may be recorded as unmet (nothing relevant found)


# The figures measured on 8 December 2026 after issue 18's search work (whoosh: nDCG@10 0.896 overall, first
# relevant 0.966; postgres 0.891 and 0.966; before it, at 51ecf60: whoosh 0.701 and 0.681) less 0.02, no more
# zero-result queries, and no more covered needs recorded as unmet. They ratchet up: raise them to the new
# figures less 0.02 when ranking improves.
FLOORS = {
    "whoosh": {
        "keyword": Floor(0.894, 0.894, 0.980, 0, 0),
        "sentence": Floor(0.842, 0.833, 0.906, 0, 5),
        "spanish": Floor(0.857, 0.872, 0.962, 0, 0),
        "misspelling": Floor(0.829, 0.816, 0.949, 0, 0),
        "exact-name": Floor(0.972, 0.980, 0.980, 0, 0),
        "profile": Floor(0.803, 0.783, 0.780, 0, 0),
        "overall": Floor(0.876, 0.876, 0.946, 0, 5),
    },
    "postgres": {
        "keyword": Floor(0.892, 0.898, 0.980, 0, 0),
        "sentence": Floor(0.836, 0.833, 0.906, 0, 5),
        "spanish": Floor(0.856, 0.869, 0.980, 0, 0),
        "misspelling": Floor(0.806, 0.804, 0.918, 0, 0),
        "exact-name": Floor(0.973, 0.980, 0.980, 0, 0),
        "profile": Floor(0.778, 0.693, 0.780, 0, 0),
        "overall": Floor(0.871, 0.873, 0.946, 0, 5),
    },
}
# Of the needs the network does not cover, at least this share must be recorded as unmet (measured: 42%).
UNCOVERED_RECORDED_UNMET = {"whoosh": 0.4, "postgres": 0.4}


@pytest.fixture(scope="module", params=list(FLOORS))
def measured(request, demo_network, django_db_blocker, tmp_path_factory):
    """The demo network indexed once in the backend, every judged query run: (backend, figures, uncovered)."""
    backend = request.param
    if backend == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL search backend runs only on a PostgreSQL database (DATABASE_URL=postgres://...)")
    index_dir = tmp_path_factory.mktemp("relevance-index")
    with (
        django_db_blocker.unblock(),
        override_settings(SEARCH_BACKEND=backend, SEARCH_INDEX_DIR=index_dir, SEARCH_INDEX_UPKEEP=False),
    ):
        get_backend().rebuild()
        by_class, uncovered = summarise(run_queries(load_queries()))
    return backend, by_class, uncovered


@pytest.mark.parametrize("klass", list(FLOORS["whoosh"]))
def test_it_keeps_each_class_of_query_at_its_floor(measured, klass):
    """A change that ranks worse for a class of query (keywords, sentences, Spanish ...) fails here."""
    backend, by_class, _uncovered = measured
    figures: Figures = by_class[klass]
    floor = FLOORS[backend][klass]

    assert figures.ndcg >= floor.ndcg, f"nDCG@10 of {klass}: {figures.ndcg:.3f}"
    assert figures.precision >= floor.precision, f"P@5 of {klass}: {figures.precision:.3f}"
    assert figures.first_relevant >= floor.first_relevant, f"first relevant of {klass}: {figures.first_relevant:.3f}"
    assert len(figures.zero_results) <= floor.zero_results, f"{klass} found nothing for {figures.zero_results}"
    assert len(figures.unmet) <= floor.unmet, f"{klass} recorded as unmet: {figures.unmet}"


def test_it_records_needs_the_network_does_not_cover_as_unmet(measured):
    """Needs the demo network does not meet ("hearing aids") are mostly recorded as unmet: what a search finds
    for them matches too few of their words to count as relevant."""
    backend, _by_class, uncovered = measured

    assert uncovered.recorded_unmet >= UNCOVERED_RECORDED_UNMET[backend]


def test_it_judges_services_the_demo_network_lists(demo_network):
    """Every judged service is listed under the name it was judged by: a changed demo file cannot skew the figures."""
    listed = {
        str(service.pk): f"{service.organization.name} / {service.name}"
        for service in Service.objects.listed().select_related("organization")
    }

    assert stale_judgements(load_queries(), listed) == []
