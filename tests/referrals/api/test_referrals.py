"""Referrals through the API: sent with consent, listed with filters, read with their history."""

import datetime

import pytest
from django.utils import timezone

from referrals import services
from referrals.models import Consent, Referral, ReferralEvent

URL = "/api/v1/referrals/"


def new_referral(participant, service, **extra) -> dict:
    return {"participant": str(participant.pk), "service": str(service.pk), "need": "child-care", **extra}


def test_it_sends_a_referral_with_its_consent(program_api, participant, service_a, agency_a):
    """A referral with an inline consent saves both, writes the first event, and answers with the history."""
    response = program_api.post(
        URL, new_referral(participant, service_a, note="Needs care", consent={"scope": "referral", "method": "written"})
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    referral = Referral.objects.get(pk=body["id"])
    assert (referral.status, referral.receiving_organization, referral.referred_by) == (
        "sent",
        agency_a,
        program_api.client_system.user,
    )
    assert referral.consent.method == "written"
    assert [event["new_status"] for event in body["events"]] == ["sent"]
    assert body["events"][0]["actor"] == "Workforce CMS"
    assert body["allowed_actions"] == ["cancel"]


def test_it_refuses_a_referral_without_consent(program_api, participant, service_a):
    """No consent in force: 400 with the reason; no referral and no event saved."""
    response = program_api.post(URL, new_referral(participant, service_a))
    assert response.status_code == 400
    assert response.json()["detail"] == str(services.NO_CONSENT)
    assert not Referral.objects.exists()
    assert not ReferralEvent.objects.exists()


def test_it_saves_nothing_when_the_referral_fails_after_its_consent(program_api, participant, service_a):
    """Asking to share contact details under a consent that does not allow it: neither consent nor referral saved."""
    body = new_referral(participant, service_a, share_contact=True, consent={"scope": "referral"})
    response = program_api.post(URL, body)
    assert response.status_code == 400
    assert "share_contact" in response.json()
    assert not Consent.objects.exists()
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"need": "juggling"}, "need"),
        ({"service": "not-a-uuid"}, "service"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"share_contact": "perhaps"}, "share_contact"),
        ({"consent": {"scope": "all"}}, "consent"),
    ],
)
def test_it_names_the_field_of_bad_input(program_api, participant, service_a, consent, change, field):
    response = program_api.post(URL, {**new_referral(participant, service_a), **change})
    assert response.status_code == 400
    assert field in response.json()
    assert not Referral.objects.exists()


def test_it_refuses_another_organizations_participant(outsider_api, participant, service_a, consent):
    """Agency B's client cannot refer carol's participant: 400 on participant, nothing saved."""
    response = outsider_api.post(URL, new_referral(participant, service_a))
    assert response.status_code == 400
    assert "participant" in response.json()
    assert not Referral.objects.exists()


def test_it_replays_a_retried_create_with_the_same_idempotency_key(program_api, participant, service_a, consent):
    """The same request with the same key: the first answer again, one referral in the database."""
    body = new_referral(participant, service_a)
    first = program_api.post(URL, body, HTTP_IDEMPOTENCY_KEY="retry-1")
    second = program_api.post(URL, body, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Referral.objects.count() == 1
    third = program_api.post(URL, body, HTTP_IDEMPOTENCY_KEY="retry-2")
    assert third.json()["id"] != first.json()["id"]


def test_it_refuses_a_key_reused_for_another_request(program_api, participant, service_a, consent):
    """The same key with a different body: 422, nothing new created."""
    program_api.post(URL, new_referral(participant, service_a), HTTP_IDEMPOTENCY_KEY="k")
    response = program_api.post(URL, new_referral(participant, service_a, note="other"), HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert Referral.objects.count() == 1


def test_it_runs_a_failed_request_afresh_on_retry(program_api, participant, service_a):
    """A 400 leaves no record: once the consent exists, the retry with the same key creates the referral."""
    body = new_referral(participant, service_a)
    assert program_api.post(URL, body, HTTP_IDEMPOTENCY_KEY="k").status_code == 400
    services.consent_record(participant=participant, recorded_by=participant.created_by, scope="referral")
    assert program_api.post(URL, body, HTTP_IDEMPOTENCY_KEY="k").status_code == 201


def test_it_lists_with_filters(program_api, agency_api, referral, service_a, agency_a, workforce_program):
    """status, service, organization and updated_since narrow the list; both sides see the referral."""
    assert [row["id"] for row in program_api.get(URL).json()["results"]] == [str(referral.pk)]
    assert [row["id"] for row in agency_api.get(URL).json()["results"]] == [str(referral.pk)]
    cases = [
        ({"status": "sent"}, 1),
        ({"status": "accepted"}, 0),
        ({"service": str(service_a.pk)}, 1),
        ({"organization": str(agency_a.pk)}, 1),
        ({"organization": str(workforce_program.pk)}, 1),
        ({"updated_since": (referral.updated_at - datetime.timedelta(seconds=1)).isoformat()}, 1),
        ({"updated_since": (timezone.now() + datetime.timedelta(hours=1)).isoformat()}, 0),
    ]
    for query, count in cases:
        assert program_api.get(URL, query).json()["count"] == count, query


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"updated_since": "last tuesday"}, "updated_since"),
        ({"service": "x"}, "service"),
    ],
)
def test_it_names_a_bad_filter(program_api, query, field):
    response = program_api.get(URL, query)
    assert response.status_code == 400
    assert field in response.json()


def test_it_hides_a_referral_from_everyone_else(outsider_api, referral):
    """Agency B's client: not in the list, 404 to read, to act and to record an outcome; nothing changed."""
    assert outsider_api.get(URL).json()["count"] == 0
    assert outsider_api.get(f"{URL}{referral.pk}/").status_code == 404
    assert outsider_api.post(f"{URL}{referral.pk}/accept/").status_code == 404
    assert outsider_api.post(f"{URL}{referral.pk}/outcome/", {"need_met": "fully"}).status_code == 404
    referral.refresh_from_db()
    assert referral.status == "sent"
    assert referral.events.count() == 1


def test_it_shows_the_provider_only_what_was_shared(agency_api, program_api, referral):
    """The provider sees no case id and, without shared contact, no contact details; the referrer sees both."""
    referral.participant.external_id = "CMS-9"
    referral.participant.contact_preference = "phone"
    referral.participant.phone = "303-555-0100"
    referral.participant.save()
    seen_by_provider = agency_api.get(f"{URL}{referral.pk}/").json()["participant"]
    assert (seen_by_provider["external_id"], seen_by_provider["phone"]) == ("", "")
    assert seen_by_provider["display_name"] == referral.participant.display_name
    seen_by_referrer = program_api.get(f"{URL}{referral.pk}/").json()["participant"]
    assert (seen_by_referrer["external_id"], seen_by_referrer["phone"]) == ("CMS-9", "303-555-0100")


def test_it_lists_referrals_in_a_fixed_number_of_queries(
    program_api, participant, consent, service_a, carol, django_assert_max_num_queries
):
    """30 referrals cost the same few queries as one (one of them, a single INSERT, puts the 30 reads on the
    access log)."""
    for _ in range(30):
        services.referral_send(
            participant=participant, service=service_a, need=service_a.categories.first().parent, referred_by=carol
        )
    with django_assert_max_num_queries(9):
        response = program_api.get(URL)
    assert response.json()["count"] == 30
