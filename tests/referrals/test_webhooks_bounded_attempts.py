"""One attempt is bounded: WEBHOOK_TIMEOUT is for all of it (connect, send, answer), however the receiver trickles,
and at most WEBHOOK_MAX_RESPONSE_BYTES of its answer are read."""

import time

import pytest

from referrals import webhooks
from referrals.models import WebhookDelivery

from .webhooks_support import EventType, RawReceiver, drip, endless, endpoint_for, plain

Status = WebhookDelivery.Status
DEADLINE = 0.5
SLACK = 0.4  # the database writes around the attempt, on a busy machine


@pytest.fixture
def deliver(settings, workforce_program, admin, referral):
    """Send referral.created to ``receiver`` once; return the delivery and how long the run took."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT = DEADLINE
    settings.WEBHOOK_MAX_RESPONSE_BYTES = 16 * 1024

    def deliver(receiver: RawReceiver) -> tuple[WebhookDelivery, float]:
        endpoint_for(workforce_program, admin, receiver.url)
        webhooks.record_referral(EventType.REFERRAL_CREATED, referral)
        started = time.monotonic()
        webhooks.deliver_due()
        took = time.monotonic() - started
        return WebhookDelivery.objects.get(), took

    return deliver


def test_it_cuts_off_a_receiver_that_answers_a_byte_at_a_time(deliver):
    """Each byte of the answer comes 0.1 s after the last, well within a 0.5 s wait for any one read: the attempt
    still ends at 0.5 s, as a timeout, and is tried again later."""
    with RawReceiver(drip(0.1)) as receiver:
        delivery, took = deliver(receiver)

    assert len(receiver.requests) == 1
    assert took < DEADLINE + SLACK
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == (Status.PENDING, None, "timeout")


def test_it_cuts_off_a_receiver_that_never_answers(deliver):
    """A receiver that takes the request and says nothing: a timeout at the deadline."""
    with RawReceiver(lambda connection, stop: stop.wait(5)) as receiver:
        delivery, took = deliver(receiver)

    assert DEADLINE <= took < DEADLINE + SLACK
    assert delivery.last_error == "timeout"


def test_it_stops_reading_an_endless_answer_at_the_byte_cap(deliver):
    """A status line and then header lines without end: reading stops at the cap, long before the deadline, and
    the attempt has failed ("response too large")."""
    head = b"HTTP/1.1 200 OK\r\n"
    with RawReceiver(endless(head, b"X-Padding: " + b"a" * 500 + b"\r\n")) as receiver:
        delivery, took = deliver(receiver)

    assert took < DEADLINE
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == (
        Status.PENDING,
        None,
        "response too large",
    )


def test_it_stops_reading_an_endless_body_at_the_byte_cap(deliver):
    """A 200 and then a body without end: the receiver has answered, so it is delivered; its body is read up to
    the cap and no further, long before the deadline."""
    with RawReceiver(endless(b"HTTP/1.1 200 OK\r\n\r\n", b"x" * 4096)) as receiver:
        delivery, took = deliver(receiver)

    assert took < DEADLINE
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == (Status.DELIVERED, 200, "")


def test_it_reads_a_whole_answer_within_the_cap(deliver):
    """An ordinary answer with a small body: delivered, nothing cut."""
    answer = b"HTTP/1.1 202 Accepted\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
    with RawReceiver(plain(answer)) as receiver:
        delivery, _took = deliver(receiver)

    assert (delivery.status, delivery.last_status_code) == (Status.DELIVERED, 202)


def test_it_counts_garbage_as_no_answer(deliver):
    """Something that is not HTTP: the attempt fails, "invalid HTTP response"."""
    with RawReceiver(plain(b"hello there\r\n\r\n")) as receiver:
        delivery, _took = deliver(receiver)

    assert (delivery.status, delivery.last_status_code, delivery.last_error) == (
        Status.PENDING,
        None,
        "invalid HTTP response",
    )
