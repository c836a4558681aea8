"""Query parameters of the referral API's lists: a value that is empty, given twice or out of range is a 400
naming the parameter (never ignored), and the OpenAPI document says so."""

import json
import uuid

import pytest
from drf_spectacular.generators import SchemaGenerator

from referrals import services
from referrals.models import WebhookEndpoint

FILTERS = [
    ("/api/v1/participants/", "external_id"),
    ("/api/v1/consents/", "participant"),
    ("/api/v1/referrals/", "status"),
    ("/api/v1/referrals/", "service"),
    ("/api/v1/referrals/", "organization"),
    ("/api/v1/referrals/", "updated_since"),
    ("/api/v1/feedback/", "referral"),
    ("/api/v1/feedback/", "answered_since"),
]
LISTS = sorted({url for url, _name in FILTERS} | {"/api/v1/webhooks/"})


@pytest.mark.parametrize(("url", "name"), FILTERS)
@pytest.mark.parametrize("value", ["", "   "])
def test_it_refuses_an_empty_filter(program_api, referral, url, name, value):
    """``?status=`` is not "any status": it is a 400 that names the parameter."""
    response = program_api.get(url, {name: value})
    assert response.status_code == 400
    assert list(response.json()) == [name]


@pytest.mark.parametrize(("url", "name"), [*FILTERS, *((url, "page") for url in LISTS)])
def test_it_refuses_a_parameter_given_twice(program_api, referral, url, name):
    """Which of two values would count is anyone's guess: a 400 naming the parameter."""
    value = {
        "external_id": "FRWP-1",
        "participant": str(referral.participant_id),
        "status": "sent",
        "service": str(referral.service_id),
        "organization": str(referral.receiving_organization_id),
        "updated_since": "2026-01-01T00:00:00Z",
        "referral": str(referral.pk),
        "answered_since": "2026-01-01T00:00:00Z",
        "page": "1",
    }[name]
    response = program_api.get(f"{url}?{name}={value}&{name}={value}")
    assert response.status_code == 400
    assert list(response.json()) == [name]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("page", ""),
        ("page", "0"),
        ("page", "-1"),
        ("page", "two"),
        ("page", "1.5"),
        ("page_size", ""),
        ("page_size", "0"),
        ("page_size", "201"),
        ("page_size", "null"),
        ("page_size", "1e2"),
    ],
)
def test_it_refuses_a_bad_page_or_page_size(program_api, referral, url, name, value):
    """page is a whole number from 1; page_size from 1 to 200. Anything else: 400 naming it (was ignored)."""
    response = program_api.get(url, {name: value})
    assert response.status_code == 400
    assert list(response.json()) == [name]


def test_it_answers_the_pages_in_range(program_api, referral):
    """page_size 200 is allowed; a page past the last is the documented 404."""
    assert program_api.get("/api/v1/referrals/", {"page_size": "200"}).json()["count"] == 1
    assert program_api.get("/api/v1/referrals/", {"page": "2"}).status_code == 404


def test_it_checks_the_deliveries_paging_too(agency_api):
    """The deliveries of a webhook endpoint page the same way."""
    endpoint = WebhookEndpoint.objects.create(
        client=agency_api.client_system, url="https://cms.example.org/hooks", event_types=["referral.created"]
    )
    url = f"/api/v1/webhooks/{endpoint.pk}/deliveries/"
    assert agency_api.get(url, {"page_size": "10"}).status_code == 200
    assert agency_api.get(url, {"page_size": "0"}).status_code == 400


@pytest.mark.parametrize(("url", "name"), [("/api/v1/consents/", "participant"), ("/api/v1/feedback/", "referral")])
def test_it_filters_by_a_record_it_cannot_see_to_an_empty_list(program_api, outsider_api, referral, carol, url, name):
    """Another organization's record, or none at all, gives an empty list: the filter does not tell which exist."""
    referral.status = "completed"
    referral.save(update_fields=["status"])
    services.outcome_record(referral_id=referral.pk, actor=carol, need_met="fully")
    record_id = str(referral.participant_id if name == "participant" else referral.pk)
    for asked in (record_id, str(uuid.uuid4())):
        response = outsider_api.get(url, {name: asked})
        assert response.status_code == 200
        assert response.json()["count"] == 0
    assert program_api.get(url, {name: record_id}).json()["count"] == 1


def test_it_documents_the_rules(db):
    """The document gives page and page_size their range and no filter an empty value, and says what is a 400."""
    document = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
    for url in LISTS:
        operation = document["paths"][url]["get"]
        parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
        assert parameters["page"]["schema"] == {"type": "integer", "minimum": 1}
        assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}
        for name, parameter in parameters.items():
            schema = parameter["schema"]
            assert schema.get("minLength") == 1 or "format" in schema or "enum" in schema or "minimum" in schema, name
            assert "400" in parameter["description"], (url, name)
            assert parameter["allowEmptyValue"] is False, (url, name)
