"""Each referral change stores its webhook event in its own transaction: rolled back together, or kept together."""

import pytest
from django.db import transaction

from providers.models import TaxonomyTerm
from referrals import services, webhooks
from referrals.models import Feedback, Referral, WebhookDelivery, WebhookEvent

from .conftest import move
from .webhooks_support import EventType, endpoint_for

S = Referral.Status


@pytest.fixture
def endpoint(workforce_program, admin):
    return endpoint_for(workforce_program, admin, "https://cases.example.org/hooks")


def send(participant, service, carol) -> Referral:
    return services.referral_send(
        participant=participant, service=service, need=TaxonomyTerm.objects.get(code="child-care"), referred_by=carol
    )


def test_it_records_referral_created_with_the_referral(endpoint, participant, consent, service_a, carol):
    """referral_send stores one referral.created event and its delivery, with ids and statuses only."""
    referral = send(participant, service_a, carol)

    event = WebhookEvent.objects.get()
    assert event.type == EventType.REFERRAL_CREATED
    assert event.payload == {
        "referral_id": str(referral.pk),
        "status": S.SENT,
        "service_id": str(service_a.pk),
        "referring_organization_id": str(referral.referring_organization_id),
        "receiving_organization_id": str(referral.receiving_organization_id),
        "updated_at": referral.updated_at.isoformat(),
    }
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.event, delivery.status) == (endpoint, event, WebhookDelivery.Status.PENDING)


def test_it_records_nothing_when_the_send_is_rolled_back(endpoint, participant, consent, service_a, carol):
    """A referral_send whose transaction rolls back leaves neither the referral nor its event."""
    with pytest.raises(RuntimeError), transaction.atomic():
        send(participant, service_a, carol)
        assert WebhookEvent.objects.count() == 1
        raise RuntimeError("the caller's transaction fails after the send")

    assert not Referral.objects.exists()
    assert not WebhookEvent.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_it_records_each_status_change_with_the_old_status(endpoint, referral, alice):
    """received then declined: two referral.status_changed events naming old and new status."""
    move(referral, alice, S.RECEIVED)
    move(referral, alice, S.DECLINED, reason=Referral.DeclineReason.NO_CAPACITY)

    changes = WebhookEvent.objects.filter(type=EventType.REFERRAL_STATUS_CHANGED).order_by("created_at")
    assert [(e.payload["old_status"], e.payload["status"]) for e in changes] == [
        (S.SENT, S.RECEIVED),
        (S.RECEIVED, S.DECLINED),
    ]


def test_it_records_no_event_when_the_move_is_refused(endpoint, referral, carol):
    """A transition that is not allowed raises and stores no event."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        move(referral, carol, S.CLOSED)

    assert list(WebhookEvent.objects.values_list("type", flat=True)) == [EventType.REFERRAL_CREATED]


def test_it_records_feedback_from_the_case_manager_and_the_participant(endpoint, referral, alice, carol):
    """outcome_record closes the referral (status_changed) and reports feedback; so does the participant's answer."""
    move(referral, alice, S.ACCEPTED)
    move(referral, alice, S.COMPLETED)
    services.outcome_record(referral_id=referral.pk, actor=carol, need_met=Feedback.NeedMet.FULLY, note="Placed.")
    services.participant_answer(token=referral.participant_link.token, connected=True, rating=5, comment="Great")

    events = list(WebhookEvent.objects.order_by("created_at").values_list("type", "payload"))
    assert [kind for kind, _payload in events][-3:] == [
        EventType.REFERRAL_STATUS_CHANGED,
        EventType.REFERRAL_FEEDBACK,
        EventType.REFERRAL_FEEDBACK,
    ]
    assert [payload["status"] for _kind, payload in events[-2:]] == [S.CLOSED, S.CLOSED]
    assert all("Great" not in str(payload) and "Placed" not in str(payload) for _kind, payload in events)


def test_it_costs_one_query_and_stores_nothing_when_no_endpoint_listens(
    referral, workforce_program, admin, django_assert_num_queries
):
    """With no endpoint subscribed, record() looks once and stores no event (bulk work stays cheap)."""
    endpoint_for(workforce_program, admin, "https://cases.example.org/hooks", [EventType.LISTING_UPDATED])

    with django_assert_num_queries(1):
        assert webhooks.record_referral(EventType.REFERRAL_CREATED, referral) is None

    assert not WebhookEvent.objects.exists()
