"""schemathesis, positive mode, against the official HSDS 3.0 OpenAPI document (openapi.local-refs.json).

Every operation of the official document is called through the WSGI app with generated requests, and
each answer goes through schemathesis' checks: no server error, a documented status code and content
type, a body valid against the official response schema, and positive data accepted.

The official document is a template: it documents only 200 answers and leaves the inputs open
(``page`` any integer, ``format`` any string, ids any string). Generated values outside what this
feed's profile accepts would rightly get a 400 or a 404, which the official file cannot expect, so
before each call ``within_profile`` brings them inside the profile's documented domain; the 400 and
404 answers have their own tests (test_errors.py, test_paging.py). Free text (``search``) and the
booleans go out as generated.

Known upstream defect: the official file declares ``GET /service_at_locations/{id}`` as a service.
That operation runs every check but the response-schema one, and its body is validated against
compiled/service_at_location.json instead (the test also proves that the official check would fail).
"""

import datetime
import hashlib
import uuid

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from providers.models import Organization, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from tests.providers.hsds.feed.conftest import FEED, OPENAPI_PATH

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    positive_data_acceptance,
]
DEMO_ZIP_CODES = ["80219", "80204", "80010", "80903", "80012"]
SCHEMA = schemathesis.openapi.from_path(OPENAPI_PATH)
OPERATIONS = {
    (operation.method.upper(), operation.path): operation
    for operation in (result.ok() for result in SCHEMA.get_all_operations())
}


def record_ids() -> dict[str, list[str]]:
    """Real ids for the path parameter of each detail operation (the official file documents no 404)."""
    listed = Service.objects.listed()
    return {
        "/services/{id}": [str(pk) for pk in listed.values_list("pk", flat=True)],
        "/organizations/{id}": [str(pk) for pk in Organization.objects.values_list("pk", flat=True)],
        "/service_at_locations/{id}": [
            str(pk) for pk in ServiceAtLocation.objects.filter(service__in=listed).values_list("pk", flat=True)
        ],
        "/taxonomies/{id}": [str(pk) for pk in Taxonomy.objects.values_list("pk", flat=True)],
        "/taxonomy_terms/{id}": [str(pk) for pk in TaxonomyTerm.objects.values_list("pk", flat=True)],
    }


def pick(options: list, seed) -> str:
    """A value chosen from ``options`` by the generated value, so that different inputs reach different records."""
    digest = hashlib.sha256(repr(seed).encode()).digest()
    return options[int.from_bytes(digest[:4]) % len(options)]


def within_profile(query: dict, ids: dict[str, list[str]]) -> dict:
    """Bring generated query values the profile would refuse (400) inside its documented domain."""
    query = dict(query or {})
    if "page" in query:
        query["page"] = 1  # a page past the last is a 400: paging has its own tests
    if "per_page" in query:
        query["per_page"] = 1 + abs(int(query["per_page"])) % 500
    if "format" in query:
        query["format"] = "json"  # ndjson is not the application/json the official file documents
    if "modified_after" in query:
        try:
            datetime.datetime.fromisoformat(str(query["modified_after"]))
        except ValueError:
            query["modified_after"] = pick(["2000-01-01T00:00:00Z", "2026-11-01", "2030-01-01T00:00:00-07:00"], query)
    for name, options in (
        ("taxonomy_term_id", ids["/taxonomy_terms/{id}"]),
        ("taxonomy_id", ids["/taxonomies/{id}"]),
        ("organization_id", ids["/organizations/{id}"]),
        ("parent_id", ids["/taxonomy_terms/{id}"]),
    ):
        if name in query and not _is_uuid(query[name]):
            query[name] = pick(options, query[name])
    if "postcode" in query and not (str(query["postcode"]).isdigit() and len(str(query["postcode"])) == 5):
        query["postcode"] = pick(DEMO_ZIP_CODES, query["postcode"])
    if "proximity" in query:
        query.setdefault("postcode", pick(DEMO_ZIP_CODES, query["proximity"]))
        query["proximity"] = pick(["500", "5000", "25000.5", "1000000"], query["proximity"])
    if "postcode" in query and query["postcode"] not in DEMO_ZIP_CODES:
        query["postcode"] = pick(DEMO_ZIP_CODES, query["postcode"])
    return query


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def run_operation(operation, ids: dict[str, list[str]], app, *, checks: list, inspect=None) -> int:
    """Call ``operation`` with generated positive requests; return how many were made."""
    strategy = operation.as_strategy(GenerationMode.POSITIVE)
    if "{id}" in operation.path:
        strategy = strategies.sampled_from(ids[operation.path]).flatmap(
            lambda record_id: operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"id": record_id})
        )
    calls = []

    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.generate],
    )
    @hypothesis.given(case=strategy)
    def call(case) -> None:
        case.query = within_profile(case.query, ids)
        response = case.call_and_validate(base_url="http://localhost" + FEED.rstrip("/"), app=app, checks=checks)
        calls.append(response.status_code)
        if inspect is not None:
            inspect(case, response)

    call()
    return len(calls)


@pytest.mark.parametrize("path", [path for method, path in OPERATIONS if path != "/service_at_locations/{id}"])
def test_it_passes_schemathesis_on_every_official_operation(wsgi_app, path):
    """Generated requests to each operation get documented statuses and bodies valid per the official file."""
    assert run_operation(OPERATIONS[("GET", path)], record_ids(), wsgi_app, checks=CHECKS) > 0


def test_it_passes_schemathesis_on_service_at_location_with_the_right_schema(wsgi_app, official):
    """/service_at_locations/{id} passes every check; its body is a valid compiled/service_at_location.json."""
    operation = OPERATIONS[("GET", "/service_at_locations/{id}")]
    checks = [check for check in CHECKS if check is not response_schema_conformance]

    def inspect(case, response) -> None:
        body = response.json()
        assert official.errors(official.for_path("/service_at_locations/{id}"), body) == []
        assert body["id"] == case.path_parameters["id"]

    assert run_operation(operation, record_ids(), wsgi_app, checks=checks, inspect=inspect) > 0


def test_it_shows_the_upstream_defect_on_service_at_location(wsgi_app):
    """The official file's schema for /service_at_locations/{id} (a service) rejects a right answer.

    Were this to pass, upstream would have fixed the file and the exception above could go.
    """
    operation = OPERATIONS[("GET", "/service_at_locations/{id}")]
    with pytest.raises(FailureGroup):
        run_operation(operation, record_ids(), wsgi_app, checks=[response_schema_conformance])
