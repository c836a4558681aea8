"""Webhook endpoints through the API: registered with their secret shown once, listed, removed, and logged."""

import pytest

from referrals import webhooks
from referrals.models import WebhookDelivery, WebhookEndpoint
from tests.referrals.webhooks_support import Receiver

URL = "/api/v1/webhooks/"


def test_it_registers_an_endpoint_and_shows_its_secret_once(program_api):
    """POST saves the endpoint for the client; the answer carries the secret, later reads do not."""
    response = program_api.post(
        URL, {"url": "https://cms.example.org/hooks", "event_types": ["referral.created", "referral.feedback"]}
    )
    assert response.status_code == 201, response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.client, endpoint.event_types) == (
        program_api.client_system,
        ["referral.created", "referral.feedback"],
    )
    assert response.json()["secret"] == endpoint.secret
    assert "secret" not in program_api.get(f"{URL}{endpoint.pk}/").json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://cms.example.org/hooks", "event_types": ["referral.created"]}, "url"),
        ({"url": "http://testserver/api/v1/referrals/", "event_types": ["referral.created"]}, "url"),
        ({"url": "http://localhost:9000/hooks", "event_types": ["referral.created"]}, "url"),
        ({"url": "http://10.0.0.8/hooks", "event_types": ["referral.created"]}, "url"),
        ({"url": "https://cms.example.org/hooks", "event_types": []}, "event_types"),
        ({"url": "https://cms.example.org/hooks", "event_types": ["referral.deleted"]}, "event_types"),
        ({"url": "https://cms.example.org/hooks", "event_types": "referral.created"}, "event_types"),
    ],
)
def test_it_refuses_a_bad_endpoint(program_api, body, field):
    """Not http(s), this server, a private address, or bad event types: 400 naming the field, nothing saved."""
    response = program_api.post(URL, body)
    assert response.status_code == 400
    assert field in response.json()
    assert not WebhookEndpoint.objects.exists()


def test_it_keeps_each_clients_endpoints_to_itself(program_api, outsider_api):
    """Another client neither lists, reads, removes nor reads the log of an endpoint (404); the owner removes it."""
    endpoint_id = program_api.post(
        URL, {"url": "https://cms.example.org/h", "event_types": ["listing.updated"]}
    ).json()["id"]
    assert outsider_api.get(URL).json()["count"] == 0
    for response in (
        outsider_api.get(f"{URL}{endpoint_id}/"),
        outsider_api.delete(f"{URL}{endpoint_id}/"),
        outsider_api.get(f"{URL}{endpoint_id}/deliveries/"),
    ):
        assert response.status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint_id).exists()
    assert program_api.delete(f"{URL}{endpoint_id}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_it_delivers_a_referral_made_through_the_api_and_logs_it(
    settings, program_api, participant, service_a, consent
):
    """A referral sent through the API reaches the registered receiver, signed; the log shows the delivery."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with Receiver() as receiver:
        registered = program_api.post(URL, {"url": receiver.url, "event_types": ["referral.created"]}).json()
        receiver.secret = registered["secret"]
        created = program_api.post(
            "/api/v1/referrals/",
            {"participant": str(participant.pk), "service": str(service_a.pk), "need": "child-care"},
        ).json()
        run = webhooks.deliver_due()
    assert run.delivered == 1
    assert [(event["type"], event["data"]["referral_id"]) for event in receiver.events] == [
        ("referral.created", created["id"])
    ]
    log = program_api.get(f"{URL}{registered['id']}/deliveries/").json()
    assert [(row["event_type"], row["status"], row["attempts"]) for row in log["results"]] == [
        ("referral.created", WebhookDelivery.Status.DELIVERED, 1)
    ]
