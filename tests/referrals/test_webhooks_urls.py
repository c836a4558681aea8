"""A webhook URL must be http(s) and may not point at this server or a private address; event types are checked."""

import pytest
from django.core.exceptions import ValidationError

from referrals import webhooks
from referrals.models import WebhookDelivery, WebhookEndpoint

from .webhooks_support import EventType, client_of


@pytest.fixture
def caseworks(workforce_program, admin):
    return client_of(workforce_program, admin)


def register(client, url: str, event_types=(EventType.REFERRAL_CREATED,), **extra) -> WebhookEndpoint:
    return webhooks.endpoint_register(client=client, url=url, event_types=event_types, **extra)


def test_it_registers_a_public_https_url(caseworks):
    """The endpoint is saved with its event types in a fixed order and a fresh 64-character secret."""
    endpoint = register(
        caseworks, "https://cases.example.org/hooks", [EventType.LISTING_UPDATED, EventType.REFERRAL_CREATED]
    )

    endpoint.refresh_from_db()
    assert endpoint.event_types == [EventType.REFERRAL_CREATED, EventType.LISTING_UPDATED]
    assert endpoint.is_active
    assert len(endpoint.secret) == 64
    assert endpoint.secret != register(caseworks, "http://cases.example.org/other").secret


@pytest.mark.parametrize("url", ["ftp://cases.example.org/hooks", "javascript:alert(1)", "file:///etc/passwd"])
def test_it_rejects_a_scheme_other_than_http(caseworks, url):
    with pytest.raises(ValidationError) as raised:
        register(caseworks, url)

    assert raised.value.message_dict == {"url": [webhooks.URL_NOT_HTTP]}
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/hooks",
        "http://api.localhost/hooks",
        "http://127.0.0.1/hooks",
        "http://127.1/hooks",
        "http://2130706433/hooks",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://10.0.0.5/hooks",
        "http://192.168.1.10/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://0.0.0.0/hooks",
        "https://directory.example.org/api/v1/referrals/",  # the Host the request came in by
        "https://DIRECTORY.example.org./hooks",
        "https://site.example.org/hooks",  # SITE_URL
        "https://alias.example.org/hooks",  # ALLOWED_HOSTS
    ],
)
def test_it_rejects_this_server_and_private_addresses(caseworks, settings, url):
    settings.SITE_URL = "https://site.example.org"
    settings.ALLOWED_HOSTS = ["alias.example.org", ".example.com"]

    with pytest.raises(ValidationError) as raised:
        register(caseworks, url, request_host="directory.example.org:443")

    assert raised.value.message_dict == {"url": [webhooks.URL_NOT_ALLOWED]}
    assert not WebhookEndpoint.objects.exists()


def test_it_allows_a_local_receiver_only_when_configured(caseworks, settings):
    """WEBHOOK_ALLOW_PRIVATE_TARGETS (off by default) lets a development receiver on 127.0.0.1 register."""
    assert settings.WEBHOOK_ALLOW_PRIVATE_TARGETS is False
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True

    assert register(caseworks, "http://127.0.0.1:9000/hooks").url == "http://127.0.0.1:9000/hooks"


def test_it_rejects_a_url_that_is_not_one(caseworks):
    with pytest.raises(ValidationError) as raised:
        register(caseworks, "https://")

    assert list(raised.value.message_dict) == ["url"]


@pytest.mark.parametrize(
    ("event_types", "message"),
    [
        ([], webhooks.EVENT_TYPES_REQUIRED),
        (None, webhooks.EVENT_TYPES_REQUIRED),
        (
            ["referral.created", "referral.deleted"],
            webhooks.EVENT_TYPE_UNKNOWN % {"type": "referral.deleted", "choices": ", ".join(EventType.values)},
        ),
    ],
)
def test_it_rejects_missing_or_unknown_event_types(caseworks, event_types, message):
    with pytest.raises(ValidationError) as raised:
        register(caseworks, "https://cases.example.org/hooks", event_types)

    assert raised.value.message_dict == {"event_types": [message]}
    assert not WebhookEndpoint.objects.exists()


def test_it_names_both_fields_when_both_are_wrong(caseworks):
    with pytest.raises(ValidationError) as raised:
        register(caseworks, "ftp://cases.example.org", [])

    assert set(raised.value.message_dict) == {"url", "event_types"}


def test_it_deletes_an_endpoint_with_its_deliveries(caseworks, referral):
    endpoint = register(caseworks, "https://cases.example.org/hooks")
    webhooks.record_referral(EventType.REFERRAL_CREATED, referral)
    assert endpoint.deliveries.count() == 1

    webhooks.endpoint_delete(endpoint=endpoint)

    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()
