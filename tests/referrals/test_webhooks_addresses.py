"""A webhook goes to the address that was checked: the name is looked up once per attempt, every address it gives
is checked, and the POST connects to one of those (DNS rebinding cannot turn it to this machine or a private network).
"""

import ipaddress

import pytest

from referrals import webhook_http, webhooks
from referrals.models import WebhookDelivery

from .webhooks_support import EventType, Receiver, client_of, endpoint_for

Status = WebhookDelivery.Status
NAME = "cases.example.org"
# The IPv6 documentation prefix 3fff::/20 (RFC 9637): a global address to Python's ipaddress, and routed nowhere,
# so a connection to it reaches no one (no network in tests).
PUBLIC = "3fff::1"

# Each refused whatever the name that leads to it; the comment says what it carries.
REFUSED = [
    "127.0.0.1",
    "10.0.0.5",
    "172.16.0.1",
    "192.168.1.10",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "2001:db8::1",
    "100::1",  # discard-only
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.5",  # IPv4-mapped private
    "::127.0.0.1",  # IPv4-compatible loopback
    "::10.0.0.5",  # IPv4-compatible private
    "::8.8.8.8",  # IPv4-compatible (deprecated, never a real destination)
    "64:ff9b::127.0.0.1",  # NAT64 of loopback
    "64:ff9b::10.0.0.5",  # NAT64 of a private address
    "64:ff9b::169.254.169.254",  # NAT64 of the metadata address
    "64:ff9b:1::a00:5",  # local-use NAT64 prefix
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a00:5::1",  # 6to4 of 10.0.0.5
    "2002:c0a8:10a::",  # 6to4 of 192.168.1.10
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "2001:0:5ef5:79fd:0:0:80ff:fffe",  # Teredo whose client is 127.0.0.1
]
ALLOWED = [
    "8.8.8.8",
    "93.184.215.14",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",  # IPv4-mapped: the IPv4 address itself
    "64:ff9b::8.8.8.8",  # NAT64 of a public address (an IPv6-only host reaching an IPv4 receiver)
    "2002:808:808::1",  # 6to4 of a public address
    PUBLIC,
]


@pytest.fixture
def local(settings):
    """A receiver on this machine that must hear nothing unless the test allows private targets."""
    with Receiver(host=NAME) as receiver:
        yield receiver


@pytest.fixture
def caseworks_client(workforce_program, admin):
    return client_of(workforce_program, admin)


@pytest.fixture
def delivery(local, workforce_program, admin, referral) -> WebhookDelivery:
    """referral.created on its way to http://cases.example.org:<the local receiver's port>/hooks."""
    endpoint = endpoint_for(workforce_program, admin, local.url)
    local.secret = endpoint.secret
    webhooks.record_referral(EventType.REFERRAL_CREATED, referral)
    return WebhookDelivery.objects.get()


def test_it_connects_to_the_address_it_checked(settings, resolver, local, delivery):
    """The name answers a public address, then 127.0.0.1 to any later lookup: the POST goes to the public address
    (which answers nothing here) and never reaches this machine. One lookup per attempt."""
    settings.WEBHOOK_TIMEOUT = 0.5
    resolver.answers[NAME] = [[PUBLIC], ["127.0.0.1"]]

    run = webhooks.deliver_due()

    assert run.retrying == 1
    assert local.requests == []
    assert resolver.asked == [NAME]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == (Status.PENDING, None)
    assert delivery.last_error in ("timeout", "connection failed")


def test_it_sends_to_the_resolved_address_with_the_names_host_header(settings, resolver, local, delivery):
    """With private targets allowed (development), a name that leads to 127.0.0.1 is delivered there, once looked
    up, and the receiver sees the URL's own host name and port in the Host header."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    resolver.answers[NAME] = [["127.0.0.1"]]

    run = webhooks.deliver_due()

    assert run.delivered == 1
    assert resolver.asked == [NAME]
    [(headers, _body)] = local.requests
    assert headers["Host"] == f"{NAME}:{local.port}"
    assert [event["id"] for event in local.events] == [str(delivery.event_id)]


@pytest.mark.parametrize("address", REFUSED)
def test_it_refuses_a_name_that_leads_to_a_private_address(resolver, local, delivery, address):
    """Loopback, private, link-local, reserved, multicast and the IPv6 forms that carry such an IPv4 address
    (IPv4-mapped and -compatible, NAT64, 6to4, Teredo): nothing is sent, and the log says why in a few words."""
    resolver.answers[NAME] = [[address]]

    run = webhooks.deliver_due()

    assert run.retrying == 1
    assert local.requests == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == (
        Status.PENDING,
        None,
        "refused: private address",
    )


def test_it_refuses_a_name_when_any_of_its_addresses_is_private(resolver, local, delivery):
    """A public address and 127.0.0.1 in one answer: the connection could land on either, so nothing is sent."""
    resolver.answers[NAME] = [[PUBLIC, "127.0.0.1"]]

    webhooks.deliver_due()

    assert local.requests == []
    delivery.refresh_from_db()
    assert delivery.last_error == "refused: private address"


def test_it_says_so_when_the_name_is_not_found(resolver, local, delivery):
    """No address for the name: a failed attempt, "host not found"."""
    run = webhooks.deliver_due()

    assert run.retrying == 1
    delivery.refresh_from_db()
    assert delivery.last_error == "host not found"


@pytest.mark.parametrize("address", REFUSED)
def test_it_refuses_the_same_addresses_as_literals_when_registering(caseworks_client, address):
    """http://[64:ff9b::7f00:1]/ and the rest are refused at registration, before any event is recorded."""
    literal = f"[{address}]" if ":" in address else address

    with pytest.raises(webhooks.ValidationError) as raised:
        webhooks.endpoint_register(
            client=caseworks_client, url=f"http://{literal}/hooks", event_types=[EventType.REFERRAL_CREATED]
        )

    assert raised.value.message_dict == {"url": [webhooks.URL_NOT_ALLOWED]}


@pytest.mark.parametrize("address", ALLOWED)
def test_it_allows_public_addresses_and_the_forms_that_carry_one(address):
    """A public IPv4 or IPv6 address, and IPv4-mapped, NAT64 or 6to4 forms of a public IPv4 address, may be sent to."""
    assert not webhook_http.is_refused_address(ipaddress.ip_address(address))
