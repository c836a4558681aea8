"""Request bodies an attacker or a broken client sends: every POST of /api/v1/ answers 400 with a message, never 500.

Deep nesting used to exhaust Python's recursion limit inside the JSON parser (a 500 and a traceback);
the API's parser (directory/parsers.py) refuses JSON nested deeper than ``jsonlimits.MAX_DEPTH`` and
bodies larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``, and the numbers JSON has no room for.
"""

import uuid

import pytest
from drf_spectacular.generators import SchemaGenerator

from directory import jsonlimits
from referrals.models import Participant


def post_paths(consent, referral) -> list[str]:
    """Every POST operation of the API's OpenAPI document, with real ids in place of its path parameters."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    paths = []
    for template, operations in document["paths"].items():
        if "post" not in operations:
            continue
        if "{action_name}" in template:
            actions = next(
                parameter["schema"]["enum"]
                for parameter in operations["post"]["parameters"]
                if parameter["name"] == "action_name"
            )
        else:
            actions = [""]
        record = consent.pk if template.startswith("/api/v1/consents/") else referral.pk
        for action in actions:
            paths.append(template.replace("{id}", str(record)).replace("{action_name}", action))
    return paths


@pytest.fixture
def endpoints(consent, referral) -> list[str]:
    paths = post_paths(consent, referral)
    # Creates, lifecycle moves, outcome, consent withdrawal, webhook registration: none may be left out.
    assert len(paths) >= 12
    return paths


def test_it_refuses_deeply_nested_json_on_every_post_endpoint(program_api, endpoints):
    """100,000 nested arrays, or objects, to each POST: 400 saying how deep JSON may nest; nothing is created."""
    participants = Participant.objects.count()
    for body in ("[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000):
        for path in endpoints:
            response = program_api.generic("POST", path, body, content_type="application/json")
            assert response.status_code == 400, (path, response.status_code)
            assert response.json()["detail"] == (
                f"JSON parse error - JSON may nest at most {jsonlimits.MAX_DEPTH} levels deep."
            ), path
    assert Participant.objects.count() == participants


def test_it_refuses_deep_nesting_with_an_idempotency_key_too(program_api):
    """The retried-request path reads the body first; it still answers 400, and the key stays unused."""
    body = "[" * 100_000
    headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    for _ in range(2):
        response = program_api.generic(
            "POST", "/api/v1/participants/", body, content_type="application/json", **headers
        )
        assert response.status_code == 400
        assert "nest at most" in response.json()["detail"]


def test_it_reads_json_nested_up_to_the_limit(program_api):
    """Nesting at the limit is parsed: the answer is the serializer's, which names the field."""
    depth = jsonlimits.MAX_DEPTH - 1  # the object around it is one level
    body = '{"display_name": ' + "[" * depth + "]" * depth + "}"
    response = program_api.generic("POST", "/api/v1/participants/", body, content_type="application/json")
    assert response.status_code == 400
    assert "display_name" in response.json()


def test_it_refuses_a_body_larger_than_the_limit(program_api, settings):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 400 naming the limit, with or without an Idempotency-Key."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"display_name": "' + "x" * 2000 + '"}'
    for headers in ({}, {"HTTP_IDEMPOTENCY_KEY": "big-body"}):
        response = program_api.generic(
            "POST", "/api/v1/participants/", body, content_type="application/json", **headers
        )
        assert response.status_code == 400
        assert response.json()["detail"] == "The request body is larger than 1,000 bytes."
    assert not Participant.objects.exists()


@pytest.mark.parametrize(
    "number",
    ["NaN", "-Infinity", "1e999", "-1e400", "9" * 5000],
)
def test_it_refuses_numbers_json_cannot_hold(program_api, number):
    """NaN, infinities and numbers too large to read are a parse error naming the problem, not a value."""
    body = '{"display_name": "M. R.", "zip_code": ' + number + "}"
    response = program_api.generic("POST", "/api/v1/participants/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error - ")
    assert not Participant.objects.exists()


def test_it_refuses_a_malformed_body_even_where_no_body_is_read(program_api, consent):
    """Withdrawing a consent takes no body; a broken one is still a 400, and the consent is not withdrawn."""
    response = program_api.generic(
        "POST", f"/api/v1/consents/{consent.pk}/revoke/", "[" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400
    consent.refresh_from_db()
    assert consent.revoked_at is None
