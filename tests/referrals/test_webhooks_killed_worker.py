"""At least once: a worker killed mid-send loses nothing; the first run after its lease sends the event again."""

import datetime
import threading

import pytest
from django.db import connection

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
def delivery(time_machine, receiver, workforce_program, admin, referral) -> WebhookDelivery:
    time_machine.move_to(START, tick=False)
    endpoint = endpoint_for(workforce_program, admin, receiver.url)
    receiver.secret = endpoint.secret
    webhooks.record_referral(webhooks.EventType.REFERRAL_CREATED, referral)
    return WebhookDelivery.objects.get()


@pytest.mark.django_db(transaction=True)
def test_it_sends_again_after_the_lease_when_the_worker_died_mid_send(delivery, receiver, time_machine, monkeypatch):
    """The claim is committed before the send; the kill leaves the delivery pending; after 5 minutes it goes out."""
    claims_seen = []

    def killed(url, body, headers):
        # What another worker would read now: the delivery claimed, committed, outside any transaction.
        claims_seen.append((connection.in_atomic_block, WebhookDelivery.objects.get().next_attempt_at))
        raise KeyboardInterrupt  # the worker is killed while the request is on the wire

    monkeypatch.setattr(webhooks, "post", killed)
    with pytest.raises(KeyboardInterrupt):
        webhooks.deliver_due()
    monkeypatch.undo()

    assert claims_seen == [(False, START + webhooks.LEASE)]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 0)
    time_machine.shift(webhooks.LEASE - datetime.timedelta(seconds=1))
    assert webhooks.deliver_due().claimed == 0  # another worker leaves it alone during the lease
    assert receiver.requests == []

    time_machine.shift(datetime.timedelta(seconds=1))
    run = webhooks.deliver_due()

    assert run.delivered == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.DELIVERED, 1)
    assert [event["id"] for event in receiver.events] == [str(delivery.event_id)]


def test_it_is_claimed_by_one_worker_only(delivery, receiver):
    """A second worker running at the same moment finds nothing due: the first one's claim holds it."""
    first = webhooks._claim(START, 10)

    assert first == [delivery.pk]
    assert webhooks._claim(START, 10) == []


def test_it_hands_back_what_it_claimed_when_asked_to_stop(delivery, receiver):
    """A stop (SIGTERM) before the send: nothing is sent and the delivery is due at once for the next run."""
    stop = threading.Event()
    stop.set()

    run = webhooks.deliver_due(stop=stop)

    assert (run.claimed, run.delivered) == (1, 0)
    assert receiver.requests == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.next_attempt_at) == (Status.PENDING, START)
    assert webhooks.deliver_due().delivered == 1
