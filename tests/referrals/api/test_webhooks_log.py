"""The delivery log a client reads through the API gives a failed attempt's reason in a few fixed words ("timeout",
"connection refused", "HTTP 500" ...), never an error's own text, an address or a port of the network behind."""

import contextlib

import pytest

from referrals import webhook_http, webhooks
from referrals.models import WebhookDelivery
from tests.referrals.webhooks_support import README, RawReceiver, Receiver, endless, plain

URL = "/api/v1/webhooks/"
REASONS = {
    "timeout",
    "connection refused",
    "connection failed",
    "connection closed",
    "host not found",
    "refused: private address",
    "TLS certificate not valid",
    "TLS error",
    "invalid HTTP response",
    "response too large",
    "delivery failed",
}


@contextlib.contextmanager
def closed_port(settings, resolver):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with Receiver() as gone:
        pass  # its port is closed again
    yield gone.url


@contextlib.contextmanager
def failing(settings, resolver):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with Receiver() as receiver:
        receiver.status = 500
        yield receiver.url


@contextlib.contextmanager
def silent(settings, resolver):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT = 0.3
    with RawReceiver(lambda connection, stop: stop.wait(5)) as receiver:
        yield receiver.url


@contextlib.contextmanager
def private_name(settings, resolver):
    resolver.answers["hooks.example.org"] = [["10.20.30.40"]]
    yield "https://hooks.example.org/in"


@contextlib.contextmanager
def unknown_name(settings, resolver):
    yield "https://nowhere.example.org/in"


@contextlib.contextmanager
def garbage(settings, resolver):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with RawReceiver(plain(b"SSH-2.0-OpenSSH_9.6 at 10.20.30.40\r\n\r\n")) as receiver:
        yield receiver.url


@contextlib.contextmanager
def endless_head(settings, resolver):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_MAX_RESPONSE_BYTES = 4096
    with RawReceiver(endless(b"HTTP/1.1 200 OK\r\n", b"X-Padding: " + b"a" * 200 + b"\r\n")) as receiver:
        yield receiver.url


@pytest.mark.parametrize(
    ("receiver", "reason", "status_code"),
    [
        (closed_port, "connection refused", None),
        (failing, "HTTP 500", 500),
        (silent, "timeout", None),
        (private_name, "refused: private address", None),
        (unknown_name, "host not found", None),
        (garbage, "invalid HTTP response", None),
        (endless_head, "response too large", None),
    ],
)
def test_it_shows_a_coarse_reason_only(
    settings, resolver, program_api, participant, service_a, consent, receiver, reason, status_code
):
    """Each kind of failure reads as its few words in the log, with the status code when there was one."""
    with receiver(settings, resolver) as url:
        endpoint = program_api.post(URL, {"url": url, "event_types": ["referral.created"]}).json()
        program_api.post(
            "/api/v1/referrals/",
            {"participant": str(participant.pk), "service": str(service_a.pk), "need": "child-care"},
        )
        assert webhooks.deliver_due().retrying == 1

    response = program_api.get(f"{URL}{endpoint['id']}/deliveries/")

    assert response.status_code == 200
    [entry] = response.json()["results"]
    assert (entry["status"], entry["attempts"], entry["last_status_code"], entry["last_error"]) == (
        "pending",
        1,
        status_code,
        reason,
    )


def test_it_never_shows_an_error_text_kept_from_before(program_api, settings):
    """A delivery logged with a detailed error (as attempts before this rule were): the API shows
    "delivery failed", and the client's own URL is all it learns of the network."""
    endpoint = program_api.post(URL, {"url": "https://cms.example.org/hooks", "event_types": ["listing.updated"]})
    endpoint_id = endpoint.json()["id"]
    webhooks.record(webhooks.EventType.LISTING_UPDATED, {"service_ids": []}, None)
    WebhookDelivery.objects.update(
        attempts=1, last_error="URLError: <urlopen error [Errno 111] Connection refused> (10.20.30.40:8080)"
    )

    [entry] = program_api.get(f"{URL}{endpoint_id}/deliveries/").json()["results"]

    assert entry["last_error"] == "delivery failed"


def test_it_documents_every_reason_it_can_give():
    """The reasons the log can show are exactly these few (and "HTTP <status>"), each named in the README."""
    webhooks_section = README.read_text().split("### Webhooks", 1)[1].split("\n### ", 1)[0]

    assert set(webhook_http.REASONS) == REASONS
    for reason in REASONS:
        assert f"`{reason}`" in webhooks_section
