"""A referral's events reach only endpoints of its two organizations that subscribed to them (privacy)."""

import pytest

from referrals.models import Referral, WebhookDelivery, WebhookEndpoint, WebhookEvent

from .conftest import move
from .webhooks_support import EventType, endpoint_for

S = Referral.Status


@pytest.fixture
def endpoints(workforce_program, agency_a, agency_b, admin):
    """The referrer's, the provider's and an unrelated agency's case systems, each listening to everything."""
    return {
        "referrer": endpoint_for(workforce_program, admin, "https://workforce.example.org/hooks", name="Workforce"),
        "provider": endpoint_for(agency_a, admin, "https://agency-a.example.org/hooks", name="Agency A cases"),
        "other": endpoint_for(agency_b, admin, "https://agency-b.example.org/hooks", name="Agency B cases"),
    }


def test_it_delivers_to_both_sides_and_nobody_else(endpoints, referral, alice):
    """Agency B's endpoint gets no delivery of carol's referral to agency A, at creation or after."""
    move(referral, alice, S.ACCEPTED)

    for event in WebhookEvent.objects.all():
        assert set(event.deliveries.values_list("endpoint", flat=True)) == {
            endpoints["referrer"].pk,
            endpoints["provider"].pk,
        }
    assert not WebhookDelivery.objects.filter(endpoint=endpoints["other"]).exists()


def test_it_skips_endpoints_not_subscribed_to_the_type(workforce_program, agency_a, admin, referral, alice):
    """An endpoint for referral.feedback only hears nothing of a status change."""
    feedback_only = endpoint_for(
        agency_a, admin, "https://agency-a.example.org/hooks", [EventType.REFERRAL_FEEDBACK], name="A"
    )

    move(referral, alice, S.ACCEPTED)

    assert not feedback_only.deliveries.exists()
    assert not WebhookEvent.objects.exists()


def test_it_skips_disabled_endpoints(endpoints, referral, alice):
    """A disabled endpoint gets no delivery of new events."""
    WebhookEndpoint.objects.filter(pk=endpoints["provider"].pk).update(is_active=False)

    move(referral, alice, S.ACCEPTED)

    event = WebhookEvent.objects.get(type=EventType.REFERRAL_STATUS_CHANGED)
    assert list(event.deliveries.values_list("endpoint", flat=True)) == [endpoints["referrer"].pk]
