"""The OpenAPI document of /api/v1/ (drf-spectacular): complete, served with local docs pages, and true.

schemathesis calls every operation of our own document through the WSGI app as an authenticated
client system, with generated requests, and checks each answer: no server error, a documented status
and content type, and a body valid against the documented schema.
"""

import hashlib
import io
import json

import hypothesis
import pytest
import schemathesis
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from hypothesis import strategies
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from referrals import services
from referrals.models import WebhookEndpoint
from tests.referrals.conftest import move

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 8


@pytest.fixture
def document(db) -> dict:
    # Through JSON, as a client would read it (drf-spectacular leaves lazy translation objects in place).
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


def test_it_documents_every_operation_with_its_errors(document):
    """Every referral API operation documents 401 and 429; creates document 400; named records 404."""
    paths = document["paths"]
    assert {
        "/api/v1/participants/",
        "/api/v1/consents/{id}/revoke/",
        "/api/v1/referrals/{id}/{action_name}/",
        "/api/v1/referrals/{id}/outcome/",
        "/api/v1/feedback/{referral}/",
        "/api/v1/webhooks/{id}/deliveries/",
        "/api/v1/search/",
    } <= set(paths)
    assert not any(path.startswith("/api/hsds") for path in paths)
    for path, operations in paths.items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if path == "/api/v1/search/":
                assert {"200", "400", "503"} <= codes
                continue
            assert {"401", "429"} <= codes, (method, path)
            if method == "post":
                assert "400" in codes, path
            if "{" in path:
                assert "404" in codes, path
    actions = paths["/api/v1/referrals/{id}/{action_name}/"]["post"]["parameters"]
    assert sorted(next(p for p in actions if p["name"] == "action_name")["schema"]["enum"]) == sorted(
        [
            "receive",
            "accept",
            "decline",
            "schedule",
            "complete",
            "not-complete",
            "cancel",
            "close",
        ]
    )


def test_it_serves_the_docs_from_local_files(client, db):
    """Swagger UI and Redoc, linked from every page's footer, load only this site's files: no CDN, no inline script."""
    footer = client.get("/").content.decode()
    assert 'href="/api/v1/docs/"' in footer and 'href="/api/v1/redoc/"' in footer
    for url in ("/api/v1/docs/", "/api/v1/redoc/"):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "https://" not in html and "http://" not in html
        assert "<script>" not in html
        assert "script-src 'self';" in response["Content-Security-Policy"]
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/v1/referrals/" in schema.json()["paths"]


def pick(options: list, seed) -> str:
    digest = hashlib.sha256(repr(seed).encode()).digest()
    return options[int.from_bytes(digest[:4]) % len(options)]


@pytest.fixture
def records(referral, alice, carol, agency_api, consent) -> dict[str, list[str]]:
    """Real ids for each path parameter, so generated requests reach real records as well as 404s."""
    move(referral, alice, "declined", reason="no_capacity")
    services.outcome_record(referral_id=referral.pk, actor=carol, need_met="not")
    call_command("rebuild_search_index", stdout=io.StringIO())  # the search API answers 503 without an index
    WebhookEndpoint.objects.create(
        client=agency_api.client_system, url="https://cms.example.org/hooks", event_types=["referral.created"]
    )
    return {
        "participants": [str(referral.participant_id)],
        "consents": [str(consent.pk)],
        "referrals": [str(referral.pk)],
        "feedback": [str(referral.pk)],
        "webhooks": [str(pk) for pk in WebhookEndpoint.objects.values_list("pk", flat=True)],
    }


@pytest.mark.parametrize("persona", ["program", "agency"])
def test_it_passes_schemathesis_on_every_operation(
    document, wsgi_app, settings, records, program_api, agency_api, persona
):
    """Generated requests to every operation, as the referring and as the receiving client, break nothing."""
    settings.API_THROTTLE_RATE = "100000/min"
    api = {"program": program_api, "agency": agency_api}[persona]
    schema = schemathesis.openapi.from_dict(document)
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        resource = operation.path.split("/")[3]
        strategy = operation.as_strategy(GenerationMode.POSITIVE)
        if "{" in operation.path and resource in records:
            name = "referral" if resource == "feedback" else "id"
            strategy = strategies.sampled_from(records[resource]).flatmap(
                lambda record_id, name=name, operation=operation: operation.as_strategy(
                    GenerationMode.POSITIVE, path_parameters={name: record_id}
                )
            )

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
            nonlocal calls
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {api.token}"}
            case.call_and_validate(base_url="http://localhost", app=wsgi_app, checks=CHECKS)
            calls += 1

        call()
    assert calls > 50
