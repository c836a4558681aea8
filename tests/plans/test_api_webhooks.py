"""plan.step_changed and plan.help_requested: a client system subscribes to them like to the referral events; they
go to the participant's organization's endpoints only (not to the provider a step's referral went to), and carry
ids, statuses and dates, never the plan's words."""

import io
import json

import pytest
from django.core.management import call_command

from plans import services as plan_services
from referrals import services
from referrals.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.referrals.webhooks_support import Receiver

pytestmark = pytest.mark.django_db

PLAN_EVENTS = ["plan.step_changed", "plan.help_requested"]


def subscribe(api, url: str, event_types=PLAN_EVENTS) -> WebhookEndpoint:
    response = api.post("/api/v1/webhooks/", {"url": url, "event_types": event_types})
    assert response.status_code == 201, response.json()
    assert response.json()["event_types"] == event_types
    return WebhookEndpoint.objects.get(pk=response.json()["id"])


def test_a_client_subscribes_to_the_plan_events(program_api):
    endpoint = subscribe(program_api, "https://cms.example.org/plans")
    assert endpoint.event_types == PLAN_EVENTS


@pytest.fixture
def referral_for_step(find_care, consent, service_a, carol, categories):
    referral = services.referral_send(
        participant=find_care.barrier.plan.participant,
        service=service_a,
        need=find_care.barrier.category,
        referred_by=carol,
    )
    plan_services.referral_attach(step=find_care, referral=referral, actor=carol)
    return referral


def test_a_step_moved_through_the_api_reaches_only_the_program(program_api, agency_api, find_care, referral_for_step):
    """The program's endpoint gets plan.step_changed with ids and statuses; agency A's, which the step's referral
    went to and which listens to the same types, gets nothing of the plan."""
    program = subscribe(program_api, "https://cms.example.org/plans")
    provider = subscribe(agency_api, "https://ehr.example.org/plans")

    response = program_api.patch(f"/api/v1/steps/{find_care.pk}/", {"status": "done"}, format="json")
    assert response.status_code == 200

    event = WebhookEvent.objects.get(type="plan.step_changed")
    plan = find_care.barrier.plan
    assert event.payload == {
        "plan_id": str(plan.pk),
        "participant_id": str(plan.participant_id),
        "barrier_id": str(find_care.barrier_id),
        "step_id": str(find_care.pk),
        "status": "done",
        "old_status": "under_way",
        "due_on": find_care.due_on.isoformat(),
        "referral_id": str(referral_for_step.pk),
        "updated_at": event.payload["updated_at"],
    }
    assert list(event.deliveries.values_list("endpoint", flat=True)) == [program.pk]
    assert not WebhookDelivery.objects.filter(endpoint=provider).exists()


def test_a_request_for_help_is_delivered_without_the_participants_words(program_api, find_care, settings):
    """The participant's "I need help" reaches the program's receiver, signed, with the step's id and the time
    of the request; neither the note nor the step's text is in the body."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with Receiver() as receiver:
        endpoint = subscribe(program_api, receiver.url, ["plan.help_requested"])
        receiver.secret = endpoint.secret
        plan_services.step_help_request(step=find_care, note="I cannot afford the bus to the daycare.")
        call_command("deliver_webhooks", stdout=io.StringIO())

    [event] = receiver.events
    assert event["type"] == "plan.help_requested"
    assert event["data"]["step_id"] == str(find_care.pk)
    assert event["data"]["status"] == "planned"
    assert event["data"]["help_requested_at"]
    [(_headers, body)] = receiver.requests
    text = body.decode()
    assert "afford" not in text and "daycares" not in text
    assert "Nobody can watch" not in text
    assert json.loads(body)["data"]["plan_id"] == str(find_care.barrier.plan_id)


def test_an_endpoint_not_subscribed_hears_nothing_of_the_plan(program_api, find_care):
    subscribe(program_api, "https://cms.example.org/referrals", ["referral.status_changed"])
    program_api.patch(f"/api/v1/steps/{find_care.pk}/", {"status": "under_way"}, format="json")
    assert not WebhookEvent.objects.exists()
