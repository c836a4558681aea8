"""manage.py deliver_webhooks sends what is due and says so in one line; --forever stops cleanly on SIGTERM."""

import io
import os
import signal
import threading

import pytest
from django.core.management import call_command

from referrals import webhooks
from referrals.models import Referral, WebhookDelivery

from .conftest import move
from .webhooks_support import Receiver, endpoint_for

S = Referral.Status


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def endpoints(receiver, workforce_program, agency_a, admin):
    """The referrer's system works; the provider's is not listening."""
    working = endpoint_for(workforce_program, admin, receiver.url, name="Working")
    receiver.secret = working.secret
    with Receiver() as down:
        pass
    broken = endpoint_for(agency_a, admin, down.url, name="Down")
    return working, broken


def deliver_webhooks(*args) -> str:
    out = io.StringIO()
    call_command("deliver_webhooks", *args, stdout=out)
    return out.getvalue()


def test_it_sends_what_is_due_and_prints_a_summary(endpoints, referral, alice, receiver):
    """Two events to two endpoints: two delivered, two to retry; a second run finds nothing due."""
    move(referral, alice, S.ACCEPTED)

    assert deliver_webhooks() == "Webhook deliveries: 2 delivered, 2 retrying, 0 failed.\n"

    assert len(receiver.events) == 2
    assert WebhookDelivery.objects.filter(status="pending", attempts=1).count() == 2
    assert deliver_webhooks() == "Webhook deliveries: 0 delivered, 0 retrying, 0 failed.\n"


def test_it_sends_in_batches_until_nothing_is_due(endpoints, referral, monkeypatch):
    """With batches of one, a single run still sends both deliveries (three claims: 1, 1, 0)."""
    claims = []
    deliver_due = webhooks.deliver_due

    def counted(**kwargs):
        run = deliver_due(**kwargs)
        claims.append(run.claimed)
        return run

    monkeypatch.setattr(webhooks, "BATCH_SIZE", 1)
    monkeypatch.setattr(webhooks, "deliver_due", counted)

    assert deliver_webhooks() == "Webhook deliveries: 1 delivered, 1 retrying, 0 failed.\n"
    assert claims == [1, 1, 0]


def test_it_runs_forever_until_sigterm(endpoints, referral, receiver):
    """--forever sends, sleeps and sends again until SIGTERM, then prints its summary and puts the handler back."""
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    previous = signal.getsignal(signal.SIGTERM)

    output = deliver_webhooks("--forever", "--interval", "0.05")

    timer.join()
    assert output == "Webhook deliveries: 1 delivered, 1 retrying, 0 failed.\n"
    assert signal.getsignal(signal.SIGTERM) == previous


def test_it_stops_on_keyboard_interrupt(endpoints, referral, monkeypatch):
    def interrupted(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(webhooks, "deliver_due", interrupted)

    assert deliver_webhooks("--forever") == "Webhook deliveries: 0 delivered, 0 retrying, 0 failed.\n"
