"""A failed delivery is retried with exponential backoff (1 min … 16 h), then given up after seven attempts."""

import datetime

import pytest

from referrals import webhooks
from referrals.models import WebhookDelivery

from .webhooks_support import Receiver, endpoint_for

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
Status = WebhookDelivery.Status


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def delivery(clock, receiver, workforce_program, admin, referral) -> WebhookDelivery:
    """referral.created on its way to a receiver that is down (HTTP 503)."""
    endpoint = endpoint_for(workforce_program, admin, receiver.url)
    receiver.secret = endpoint.secret
    receiver.status = 503
    # The referral fixture ran before the endpoint existed: send one event now.
    webhooks.record_referral(webhooks.EventType.REFERRAL_CREATED, referral)
    return WebhookDelivery.objects.get()


def test_it_backs_off_after_each_failure_and_gives_up_after_the_last(delivery, receiver, clock):
    """Attempts at 0, +1 min, +5 min, +30 min, +2 h, +6 h, +16 h; each early run sends nothing; then failed."""
    attempted_at = START
    for attempt, delay in enumerate(webhooks.RETRY_DELAYS, start=1):
        run = webhooks.deliver_due()
        assert (run.retrying, run.failed) == (1, 0)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (Status.PENDING, attempt)
        assert (delivery.last_status_code, delivery.last_error) == (503, "HTTP 503")
        assert delivery.next_attempt_at == attempted_at + delay
        clock.shift(delay - datetime.timedelta(seconds=1))
        assert webhooks.deliver_due().claimed == 0  # not due yet
        clock.shift(datetime.timedelta(seconds=1))
        attempted_at += delay

    run = webhooks.deliver_due()

    assert (run.retrying, run.failed) == (0, 1)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 7)
    assert len(receiver.requests) == 7
    clock.shift(datetime.timedelta(days=2))
    assert webhooks.deliver_due().claimed == 0


def test_it_delivers_when_the_receiver_comes_back_and_clears_the_failing_run(delivery, receiver, clock):
    """Two failures, then a 200: delivered on the third attempt, and the endpoint is no longer failing."""
    webhooks.deliver_due()
    clock.shift(datetime.timedelta(minutes=1))
    webhooks.deliver_due()
    delivery.endpoint.refresh_from_db()
    assert delivery.endpoint.failing_since == START
    receiver.status = 200
    clock.shift(datetime.timedelta(minutes=5))

    run = webhooks.deliver_due()

    assert run.delivered == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.DELIVERED, 3, 200)
    assert delivery.delivered_at == START + datetime.timedelta(minutes=6)
    assert [event["id"] for event in receiver.events] == [str(delivery.event_id)]
    delivery.endpoint.refresh_from_db()
    assert delivery.endpoint.failing_since is None


def test_it_counts_no_answer_as_a_failure(delivery, receiver, clock):
    """A receiver that is not listening at all: the attempt fails with the network error, and is retried."""
    with Receiver() as gone:
        pass  # its port is closed again
    type(delivery.endpoint).objects.filter(pk=delivery.endpoint_id).update(url=gone.url)

    run = webhooks.deliver_due()

    assert run.retrying == 1
    delivery.refresh_from_db()
    assert delivery.last_status_code is None
    assert "refused" in delivery.last_error.lower()
    assert delivery.next_attempt_at == START + webhooks.RETRY_DELAYS[0]


def test_it_does_not_follow_a_redirect(delivery, receiver, clock):
    """A 302 is a failed attempt, not a hop to its Location (which could be anywhere, this server included)."""
    receiver.status = 302

    run = webhooks.deliver_due()

    assert run.retrying == 1
    delivery.refresh_from_db()
    assert (delivery.last_status_code, delivery.status) == (302, Status.PENDING)
    assert len(receiver.requests) == 1
