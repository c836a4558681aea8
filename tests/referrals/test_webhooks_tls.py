"""An https webhook connects to the address it checked, yet speaks TLS to the URL's host name: SNI and the
certificate's name are the host's, never the address's."""

import ssl

import pytest
import trustme

from referrals import webhooks
from referrals.models import WebhookDelivery

from .webhooks_support import EventType, Receiver, endpoint_for

NAME = "cases.example.org"
Status = WebhookDelivery.Status


@pytest.fixture
def authority(monkeypatch, tmp_path) -> trustme.CA:
    """A certificate authority that this process trusts (OpenSSL reads SSL_CERT_FILE), and nothing else does."""
    authority = trustme.CA()
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    return authority


def tls_receiver(authority: trustme.CA, certified_name: str) -> Receiver:
    """A receiver at cases.example.org whose certificate (from ``authority``) is for ``certified_name``."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(certified_name).configure_cert(server_context)
    return Receiver(host=NAME, tls=server_context)


@pytest.fixture
def send(settings, resolver, workforce_program, admin, referral):
    """Deliver referral.created to ``receiver``, whose name leads to 127.0.0.1 (private targets allowed)."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    resolver.answers[NAME] = [["127.0.0.1"]]

    def send(receiver: Receiver) -> WebhookDelivery:
        endpoint = endpoint_for(workforce_program, admin, receiver.url)
        receiver.secret = endpoint.secret
        webhooks.record_referral(EventType.REFERRAL_CREATED, referral)
        webhooks.deliver_due()
        return WebhookDelivery.objects.get()

    return send


def test_it_names_the_host_for_sni_and_the_certificate(authority, send):
    """The receiver's certificate is for cases.example.org and it is reached at 127.0.0.1: delivered, and the
    receiver was asked for cases.example.org (SNI) with that Host header."""
    with tls_receiver(authority, NAME) as receiver:
        delivery = send(receiver)

    assert delivery.status == Status.DELIVERED
    assert receiver.server_names == [NAME]
    [(headers, _body)] = receiver.requests
    assert headers["Host"] == f"{NAME}:{receiver.port}"


def test_it_refuses_a_certificate_for_another_name(authority, send):
    """A certificate for another name (here, the very address connected to): nothing is sent, and the log
    says the certificate is not valid."""
    with tls_receiver(authority, "127.0.0.1") as receiver:
        delivery = send(receiver)

    assert receiver.requests == []
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == (
        Status.PENDING,
        None,
        "TLS certificate not valid",
    )
