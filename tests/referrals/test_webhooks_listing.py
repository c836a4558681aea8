"""An edited listing sends listing.updated, with the service ids, to every endpoint subscribed to it."""

import pytest
from django.db import transaction

from providers.models import Phone
from referrals.models import WebhookDelivery, WebhookEvent

from .webhooks_support import EventType, endpoint_for


@pytest.fixture
def listeners(service_a, agency_b, workforce_program, admin):
    """Two organizations' case systems listen to listings; a third listens only to referrals."""
    return [
        endpoint_for(agency_b, admin, "https://b.example.org/hooks", [EventType.LISTING_UPDATED], name="B"),
        endpoint_for(workforce_program, admin, "https://w.example.org/hooks", [EventType.LISTING_UPDATED], name="W"),
        endpoint_for(workforce_program, admin, "https://r.example.org/hooks", name="Referrals only"),
    ]


def test_it_reports_a_service_edit_to_every_listener(listeners, service_a):
    """Any organization may hear of any listing: listings are public. Not the endpoint that did not subscribe."""
    service_a.name = "Sunrise Daycare and Preschool"
    service_a.save()

    event = WebhookEvent.objects.get()
    assert (event.type, event.payload) == (EventType.LISTING_UPDATED, {"service_ids": [str(service_a.pk)]})
    assert set(event.deliveries.values_list("endpoint", flat=True)) == {listeners[0].pk, listeners[1].pk}


def test_it_reports_a_change_to_a_record_the_listing_shows(listeners, service_a):
    """A phone added to the service's organization changes its listing too."""
    Phone.objects.create(organization=service_a.organization, number="303-555-0100")

    assert [event.payload["service_ids"] for event in WebhookEvent.objects.all()] == [[str(service_a.pk)]]


def test_it_reports_nothing_when_the_edit_is_rolled_back(listeners, service_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        service_a.name = "Renamed"
        service_a.save()
        raise RuntimeError

    assert not WebhookEvent.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_it_stores_nothing_without_listeners(service_a, workforce_program, admin):
    endpoint_for(workforce_program, admin, "https://r.example.org/hooks")

    service_a.name = "Renamed"
    service_a.save()

    assert not WebhookEvent.objects.exists()
