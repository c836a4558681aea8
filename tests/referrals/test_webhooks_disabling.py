"""An endpoint that fails every attempt for a day is disabled, its organization is told, and an admin re-enables it."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from referrals import webhooks
from referrals.models import Referral, WebhookDelivery, WebhookEndpoint

from .conftest import move
from .webhooks_support import Receiver, client_of

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
S = Referral.Status


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with Receiver() as receiver:
        receiver.status = 500
        yield receiver


@pytest.fixture
def endpoint(time_machine, receiver, workforce_program, admin, carol, referral) -> WebhookEndpoint:
    """carol's program's case system, whose receiver answers 500 from 09:00 on; one event waiting."""
    time_machine.move_to(START, tick=False)
    client = client_of(workforce_program, admin, contact_email="it@workforce.example.org")
    endpoint = webhooks.endpoint_register(
        client=client, url=receiver.url, event_types=[webhooks.EventType.REFERRAL_CREATED]
    )
    receiver.secret = endpoint.secret
    webhooks.record_referral(webhooks.EventType.REFERRAL_CREATED, referral)
    return endpoint


def run_until(time_machine, moment: datetime.datetime) -> webhooks.DeliveryRun:
    """Run the worker at every due moment until ``moment``."""
    total = webhooks.DeliveryRun()
    while True:
        due = WebhookDelivery.objects.filter(status="pending", endpoint__is_active=True).order_by("next_attempt_at")
        next_at = due.values_list("next_attempt_at", flat=True).first()
        if next_at is None or next_at > moment:
            return total
        time_machine.move_to(max(next_at, datetime.datetime.now(datetime.UTC)), tick=False)
        total.add(webhooks.deliver_due())


def test_it_disables_the_endpoint_after_a_day_of_failures_and_tells_its_organization(endpoint, time_machine):
    """The last attempt, 24 h 36 min after the first, disables it; admin, carol and the contact are e-mailed."""
    run = run_until(time_machine, START + datetime.timedelta(hours=23))
    assert run.endpoints_disabled == 0
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.failing_since) == (True, START)
    assert mail.outbox == []

    run = run_until(time_machine, START + datetime.timedelta(days=2))

    assert (run.failed, run.endpoints_disabled) == (1, 1)
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    assert endpoint.disabled_at == START + sum(webhooks.RETRY_DELAYS, datetime.timedelta())
    assert sorted(message.to[0] for message in mail.outbox) == [
        "admin@example.org",
        "carol@example.org",
        "it@workforce.example.org",
    ]
    message = mail.outbox[0]
    assert message.subject == "Webhook endpoint of CaseWorks disabled"
    assert endpoint.url in message.body
    assert "HTTP 500" in message.body
    assert "network administrator" in message.body
    assert "M. R." not in message.body


def test_it_stops_sending_to_a_disabled_endpoint(endpoint, time_machine, receiver, referral, alice):
    """Once disabled, no new event is stored for it and nothing pending is sent, however long the wait."""
    run_until(time_machine, START + datetime.timedelta(days=2))
    requests = len(receiver.requests)

    move(referral, alice, S.ACCEPTED)
    time_machine.shift(datetime.timedelta(days=3))

    assert webhooks.deliver_due().claimed == 0
    assert len(receiver.requests) == requests
    assert endpoint.deliveries.count() == 1


def test_it_is_re_enabled_by_a_network_admin_only(endpoint, time_machine, receiver, referral, carol, admin):
    """carol may not; admin may: the endpoint is active, no longer failing, and new events reach it."""
    run_until(time_machine, START + datetime.timedelta(days=2))

    with pytest.raises(PermissionDenied):
        webhooks.endpoint_enable(endpoint=endpoint, enabled_by=carol)
    endpoint.refresh_from_db()
    assert endpoint.is_active is False

    webhooks.endpoint_enable(endpoint=endpoint, enabled_by=admin)

    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_at, endpoint.failing_since) == (True, None, None)
    receiver.status = 200
    webhooks.record_referral(webhooks.EventType.REFERRAL_CREATED, referral)
    assert webhooks.deliver_due().delivered == 1


def test_it_keeps_an_endpoint_that_recovers_within_the_day(endpoint, time_machine, receiver, referral):
    """Failures for 23 hours, then a success: the run of failures starts again from nothing."""
    run_until(time_machine, START + datetime.timedelta(hours=23))
    receiver.status = 200
    time_machine.move_to(START + datetime.timedelta(hours=23, minutes=30), tick=False)
    webhooks.record_referral(webhooks.EventType.REFERRAL_CREATED, referral)

    assert webhooks.deliver_due().delivered == 1

    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.failing_since) == (True, None)
