"""The access log through the API: a client system's reads of participants and referrals (lists and single
records) are on record under its user, in one INSERT per request whatever the page holds; a refused read
records nothing. See tests/referrals/test_access_log.py for the other doors."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals import services
from referrals.models import AccessRecord

Door = AccessRecord.Door


def records() -> list[tuple]:
    return [
        (record.reader_id, record.door, record.referral_id, record.participant_id)
        for record in AccessRecord.objects.order_by("read_at", "pk")
    ]


def test_it_records_a_list_of_referrals(agency_api, referral):
    assert agency_api.get("/api/v1/referrals/").status_code == 200

    assert records() == [
        (agency_api.client_system.user_id, Door.API_LIST, referral.pk, referral.participant_id),
    ]


def test_it_records_one_referral(program_api, referral):
    assert program_api.get(f"/api/v1/referrals/{referral.pk}/").status_code == 200

    assert records() == [
        (program_api.client_system.user_id, Door.API_DETAIL, referral.pk, referral.participant_id),
    ]


def test_it_records_a_list_of_participants(program_api, participant):
    assert program_api.get("/api/v1/participants/").json()["count"] == 1

    assert records() == [(program_api.client_system.user_id, Door.API_LIST, None, participant.pk)]


def test_it_records_one_participant(program_api, participant):
    assert program_api.get(f"/api/v1/participants/{participant.pk}/").status_code == 200

    assert records() == [(program_api.client_system.user_id, Door.API_DETAIL, None, participant.pk)]


def test_it_records_the_feedback_as_a_read_of_its_referral(program_api, referral, carol, alice):
    """Feedback holds the participant's own answer: reading it is reading the referral."""
    services.referral_transition(referral_id=referral.pk, actor=alice, to_status="accepted")
    services.referral_transition(referral_id=referral.pk, actor=alice, to_status="completed")
    services.outcome_record(referral_id=referral.pk, actor=carol, need_met="fully")

    assert program_api.get("/api/v1/feedback/").json()["count"] == 1
    assert program_api.get(f"/api/v1/feedback/{referral.pk}/").status_code == 200

    assert [door for _, door, *_ in records()] == [Door.API_LIST]  # the same referral, in the same window
    assert records()[0][2] == referral.pk


def test_it_records_nothing_for_a_refused_read(outsider_api, referral, participant):
    """Agency B's system is not a side: 404 for the referral, an empty list, and no record."""
    assert outsider_api.get(f"/api/v1/referrals/{referral.pk}/").status_code == 404
    assert outsider_api.get("/api/v1/referrals/").json()["count"] == 0
    assert outsider_api.get(f"/api/v1/participants/{participant.pk}/").status_code == 404

    assert records() == []


def test_it_writes_a_page_of_reads_in_one_insert(program_api, participant, consent, service_a, carol):
    """Thirty referrals on a page: one INSERT into the access log, and no more queries than for one."""
    need = service_a.categories.first()
    services.referral_send(participant=participant, service=service_a, need=need, referred_by=carol)
    with CaptureQueriesContext(connection) as one:
        program_api.get("/api/v1/referrals/")
    for _ in range(29):
        services.referral_send(participant=participant, service=service_a, need=need, referred_by=carol)
    AccessRecord.objects.purge(before=timezone.now() + datetime.timedelta(days=1))  # the first page's reads

    with CaptureQueriesContext(connection) as thirty:
        program_api.get("/api/v1/referrals/")

    inserts = [query["sql"] for query in thirty.captured_queries if "INSERT" in query["sql"].upper()]
    assert len(inserts) == 1 and "access" in inserts[0].lower()
    assert len(thirty.captured_queries) <= len(one.captured_queries)  # the first also noted the token's use
    assert AccessRecord.objects.count() == 30
