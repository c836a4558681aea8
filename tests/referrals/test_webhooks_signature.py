"""A delivery is a signed POST that a receiver written from the README alone accepts, and rejects when forged."""

import json

import pytest

from referrals import webhooks
from referrals.models import Referral, WebhookDelivery

from .conftest import move
from .webhooks_support import EventType, Receiver, endpoint_for

S = Referral.Status


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def endpoint(receiver, workforce_program, admin):
    endpoint = endpoint_for(workforce_program, admin, receiver.url)
    receiver.secret = endpoint.secret
    return endpoint


def test_it_signs_what_the_readme_receiver_verifies(endpoint, receiver, referral, alice):
    """The README's receiver accepts both events, with the documented headers, body and minimal data."""
    move(referral, alice, S.ACCEPTED)

    run = webhooks.deliver_due()

    assert (run.delivered, run.retrying, run.failed) == (2, 0, 0)
    assert receiver.rejected == 0
    assert [event["type"] for event in receiver.events] == [
        EventType.REFERRAL_CREATED,
        EventType.REFERRAL_STATUS_CHANGED,
    ]
    created, changed = receiver.events
    assert changed["data"] == {
        "referral_id": str(referral.pk),
        "status": S.ACCEPTED,
        "old_status": S.SENT,
        "service_id": str(referral.service_id),
        "referring_organization_id": str(referral.referring_organization_id),
        "receiving_organization_id": str(referral.receiving_organization_id),
        "updated_at": changed["data"]["updated_at"],
    }
    assert set(created) == {"id", "type", "created_at", "data"}
    headers, body = receiver.requests[0]
    assert headers["Webhook-Id"] == created["id"]
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == created
    assert b"M. R." not in body  # no participant details
    assert set(WebhookDelivery.objects.values_list("status", "attempts", "last_status_code")) == {
        (WebhookDelivery.Status.DELIVERED, 1, 200)
    }


def test_it_is_rejected_when_signed_with_another_secret(endpoint, receiver, referral):
    """A receiver holding a different secret refuses the request (400), so the delivery is retried."""
    receiver.secret = "not-the-endpoint-secret"

    run = webhooks.deliver_due()

    assert (run.delivered, run.retrying) == (0, 1)
    assert receiver.rejected == 1
    assert receiver.events == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == ("pending", 400, "HTTP 400")


def test_it_is_rejected_when_the_body_was_changed_on_the_way():
    """The signature covers the timestamp and every byte of the body."""
    from .webhooks_support import readme_receiver

    receive = readme_receiver()
    body = b'{"id":"1","type":"referral.created","created_at":"2026-01-01T00:00:00+00:00","data":{}}'
    import time

    timestamp = int(time.time())
    headers = {
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": "v1=" + webhooks.signature("s", timestamp, body),
    }
    assert receive("s", headers, body, set())["id"] == "1"
    with pytest.raises(ValueError):
        receive("s", headers, body.replace(b'"1"', b'"2"'), set())
    with pytest.raises(ValueError):
        receive("s", {**headers, "Webhook-Timestamp": str(timestamp + 1)}, body, set())
    stale = timestamp - 301
    old_headers = {"Webhook-Timestamp": str(stale), "Webhook-Signature": "v1=" + webhooks.signature("s", stale, body)}
    with pytest.raises(ValueError):
        receive("s", old_headers, body, set())
