"""The feed's own OpenAPI document (its HSDS profile) describes what the feed does, 400s and 404s included.

schemathesis reads the document the feed serves at openapi.json (the official record schemas are embedded
in it) and calls every operation through the WSGI app with generated requests, and every answer goes
through all of schemathesis' checks: no server error; a documented status, content type, headers and
body; valid requests (positive mode) accepted; invalid ones (negative mode: out-of-range pages, unknown
formats, malformed ids ...) refused with a documented 4xx. Valid requests use the records and ZIP codes
the demo network has, for what a schema cannot say: a page past the last and an unknown ZIP code are
400s (tests in test_paging.py and test_filters.py). Hypothesis runs derandomized, 8 examples an operation.
"""

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies
from schemathesis import GenerationMode

from providers.hsds import openapi
from tests.providers.hsds.feed.conftest import FEED
from tests.providers.hsds.feed.test_schemathesis import DEMO_ZIP_CODES, pick, record_ids

pytestmark = pytest.mark.django_db

BASE_URL = "http://localhost" + FEED.rstrip("/")
# The operations, to name the tests; each test reads the document as the feed serves it.
PATHS = [result.ok().path for result in schemathesis.openapi.from_dict(openapi.document(BASE_URL)).get_all_operations()]
WITH_QUERY = [
    result.ok().path
    for result in schemathesis.openapi.from_dict(openapi.document(BASE_URL)).get_all_operations()
    if list(result.ok().query)
]


@pytest.fixture
def served(wsgi_app):
    """The document as the feed serves it, bound to the app."""
    return schemathesis.openapi.from_wsgi(FEED + "openapi.json", wsgi_app)


def within_the_feed(case) -> None:
    """A valid request about what the feed has: page 1, a ZIP code it knows, a proximity with its postcode."""
    query = dict(case.query or {})
    if "page" in query:
        query["page"] = 1
    if "postcode" in query or "proximity" in query:
        query["postcode"] = pick(DEMO_ZIP_CODES, query.get("postcode", query.get("proximity")))
    if query != (case.query or {}):
        case.query = query


def run(operation, mode: GenerationMode) -> list[int]:
    strategy = operation.as_strategy(mode)
    if mode is GenerationMode.POSITIVE and "{id}" in operation.path:  # records of the feed, as well as 404s
        ids = record_ids()[operation.path] + ["not-a-record"]
        strategy = strategies.sampled_from(ids).flatmap(
            lambda record_id: operation.as_strategy(mode, path_parameters={"id": record_id})
        )
    statuses = []

    @hypothesis.settings(
        max_examples=8,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.generate],
    )
    @hypothesis.given(case=strategy)
    def call(case) -> None:
        if mode is GenerationMode.POSITIVE:
            within_the_feed(case)
        statuses.append(case.call_and_validate().status_code)

    call()
    return statuses


def test_it_is_a_valid_openapi_document(served):
    """schemathesis accepts the served document as OpenAPI 3.1 and finds every path of the feed in it."""
    served.validate()
    assert {result.ok().path for result in served.get_all_operations()} == {
        "/",
        "/services",
        "/services/{id}",
        "/service_at_locations",
        "/service_at_locations/{id}",
        "/organizations",
        "/organizations/{id}",
        "/taxonomies",
        "/taxonomies/{id}",
        "/taxonomy_terms",
        "/taxonomy_terms/{id}",
    }


@pytest.mark.parametrize("path", PATHS)
def test_it_answers_generated_requests_as_documented(served, path):
    """Valid requests get a documented 2xx (or a 404 for an id that is no record's) and body, all checks passing."""
    statuses = run(served[path]["GET"], GenerationMode.POSITIVE)
    assert 200 in statuses


@pytest.mark.parametrize("path", WITH_QUERY)
def test_it_refuses_generated_invalid_requests(served, path):
    """Invalid requests are refused with a documented 4xx, never answered as if they were fine."""
    statuses = run(served[path]["GET"], GenerationMode.NEGATIVE)
    assert statuses and all(400 <= status < 500 for status in statuses)
