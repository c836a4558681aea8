"""The feed's own OpenAPI document (its HSDS profile) describes what the feed does, 400s and 404s included.

schemathesis reads the document the feed serves (the official record schemas are embedded in it) and
calls every operation with generated requests: valid ones (positive mode) must get a documented status
and a body valid against the documented schema; invalid ones (negative mode: out-of-range pages, unknown
formats, malformed ids, unknown parameters ...) must be refused with a documented 4xx.
"""

import hypothesis
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from providers.hsds import openapi
from tests.providers.hsds.feed.conftest import FEED

pytestmark = pytest.mark.django_db

BASE_URL = "http://localhost" + FEED.rstrip("/")
SCHEMA = schemathesis.openapi.from_dict(openapi.document(BASE_URL))  # as served: self-contained
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
DOCUMENTED = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def run(operation, mode: GenerationMode, app, checks: list) -> None:
    @hypothesis.settings(
        max_examples=8,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.generate],
    )
    @hypothesis.given(case=operation.as_strategy(mode))
    def call(case) -> None:
        case.call_and_validate(base_url=BASE_URL, app=app, checks=checks)

    call()


def test_it_is_a_valid_openapi_document():
    """schemathesis accepts the document as OpenAPI 3.1 and finds every path of the feed in it."""
    SCHEMA.validate()
    assert {operation.path for operation in OPERATIONS} == {
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


@pytest.mark.parametrize("operation", OPERATIONS, ids=[operation.path for operation in OPERATIONS])
def test_it_answers_generated_requests_as_documented(wsgi_app, operation):
    """Valid requests, random ids included, get a documented status (200, 400, 404) and body."""
    run(operation, GenerationMode.POSITIVE, wsgi_app, DOCUMENTED)


# Operations with query parameters: a path id is any string, so it has no invalid values to generate.
WITH_QUERY = [operation for operation in OPERATIONS if list(operation.query)]


@pytest.mark.parametrize("operation", WITH_QUERY, ids=[operation.path for operation in WITH_QUERY])
def test_it_refuses_generated_invalid_requests(wsgi_app, operation):
    """Invalid requests are refused with a documented 4xx, never answered as if they were fine."""
    run(operation, GenerationMode.NEGATIVE, wsgi_app, [*DOCUMENTED, negative_data_rejection])
