"""Request bodies are read with the JSON types and limits the OpenAPI document gives: a number where a string is
documented, or "yes" where a boolean is, is a 400 naming the field, never quietly converted; and every limit the
API enforces on a field is in the document."""

import json
import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from directory import dates
from referrals import services
from referrals.models import Consent, Participant, Referral, WebhookEndpoint

NEW_PARTICIPANT = {"display_name": "J. D.", "zip_code": "80219", "external_id": "CMS-17"}


@pytest.mark.parametrize(
    "change",
    [
        {"display_name": 5},
        {"external_id": 0},
        {"zip_code": 80219},
        {"phone": 3035550100, "contact_preference": "phone"},
        {"display_name": True},
    ],
)
def test_it_refuses_a_number_for_a_text_field(program_api, change):
    """A JSON number or boolean for a documented string: 400 naming the field, nothing saved (DRF took 0 for "0")."""
    response = program_api.post("/api/v1/participants/", {**NEW_PARTICIPANT, **change})
    assert response.status_code == 400
    assert list(response.json()) == list(change)[:1]
    assert not Participant.objects.exists()


@pytest.mark.parametrize("share_contact", ["yes", "true", 1, 0, "on"])
def test_it_refuses_a_boolean_that_is_not_true_or_false(program_api, participant, carol, service_a, share_contact):
    """share_contact is true or false; "yes" or 1 is a 400 naming it, no referral sent (true itself is fine)."""
    services.consent_record(participant=participant, recorded_by=carol, scope=Consent.Scope.REFERRAL_AND_CONTACT)
    body = {"participant": str(participant.pk), "service": str(service_a.pk), "need": "child-care"}
    response = program_api.post("/api/v1/referrals/", {**body, "share_contact": share_contact})
    assert response.status_code == 400
    assert list(response.json()) == ["share_contact"]
    assert not Referral.objects.exists()
    assert program_api.post("/api/v1/referrals/", {**body, "share_contact": True}).status_code == 201


def test_it_refuses_a_nested_number_for_text(program_api, participant, service_a):
    """The inline consent is read as strictly as the referral: a number for its scope is a 400."""
    body = {"participant": str(participant.pk), "service": str(service_a.pk), "need": "child-care"}
    response = program_api.post("/api/v1/referrals/", {**body, "consent": {"scope": 1}})
    assert response.status_code == 400
    assert "consent" in response.json()


@pytest.mark.parametrize("reason", ["x" * 31, "whatever", 7])
def test_it_refuses_a_reason_that_is_none_of_the_reasons(agency_api, referral, reason):
    """A move's reason is one of the decline or not-completed reasons (or empty): anything else is a 400, no move."""
    response = agency_api.post(f"/api/v1/referrals/{referral.pk}/accept/", {"reason": reason})
    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_it_refuses_a_webhook_without_event_types_or_http(program_api):
    """event_types needs one at least; the URL is http(s): both 400s, nothing saved."""
    for body in (
        {"url": "https://cms.example.org/hooks", "event_types": []},
        {"url": "mailto:ops@example.org", "event_types": ["referral.created"]},
    ):
        assert program_api.post("/api/v1/webhooks/", body).status_code == 400
    assert not WebhookEndpoint.objects.exists()


@pytest.fixture
def schemas(db) -> dict:
    document = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
    return document["components"]["schemas"]


def test_it_documents_the_limits_it_enforces(schemas):
    """What the API refuses, the document says: at least one event type, an http(s) URL, the reasons there are."""
    endpoint = schemas["WebhookEndpointRequest"]["properties"]
    assert endpoint["event_types"]["minItems"] == 1
    assert endpoint["url"]["pattern"] == "^[Hh][Tt][Tt][Pp][Ss]?://"
    reason = schemas["MoveRequest"]["properties"]["reason"]
    reasons = set(Referral.DeclineReason.values) | set(Referral.NotCompletedReason.values)
    enums = [schemas[ref["$ref"].rsplit("/", 1)[1]]["enum"] for ref in reason.get("oneOf", reason.get("allOf", []))]
    assert set().union(*enums) == reasons | {""}


def test_it_names_a_missing_consent_scope(program_api, participant):
    """A consent without its scope is a 400 naming scope, as the document says it is required (it was a 500)."""
    response = program_api.post("/api/v1/consents/", {"participant": str(participant.pk)})
    assert response.status_code == 400
    assert list(response.json()) == ["scope"]
    assert not Consent.objects.exists()


def test_it_documents_the_consent_scope_as_required(schemas):
    """The scope is the participant's choice: the document requires it."""
    assert "scope" in schemas["ConsentRequest"]["required"]


def test_it_documents_the_years_an_appointment_may_have(schemas):
    """appointment_at is refused outside the years 1900 to 2999 (directory/dates.py): the document says which it
    takes whatever the offset, 1901 to 2998, and names the rule."""
    appointment = schemas["MoveRequest"]["properties"]["appointment_at"]
    pattern = re.compile(appointment["pattern"])
    assert appointment["format"] == "date-time"
    first, last = dates.YEARS
    assert all(pattern.search(f"{year:04}-06-01T09:00:00Z") for year in (first + 1, 1999, 2026, last - 1))
    assert not any(pattern.search(f"{year:04}-06-01T09:00:00Z") for year in (32, first - 1, first, last, last + 1))
    assert "1900" in appointment["description"]
