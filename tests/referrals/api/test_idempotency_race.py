"""Two copies of one create request at the same moment, with one Idempotency-Key: one referral, one answer."""

import threading

import pytest
from django.db import connection, connections

from referrals.api import idempotency
from referrals.models import IdempotencyRecord, Referral

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs concurrent transactions: SQLite serializes whole-database writes.",
)


@pytest.mark.django_db(transaction=True)
def test_it_creates_once_when_two_copies_race(program_api, participant, consent, service_a, monkeypatch):
    """Both copies pass the "seen this key?" check before either commits; the unique key lets one commit,
    the other is rolled back and answers with the first one's result."""
    both_checked = threading.Barrier(2, timeout=10)
    original_replay_lookup = IdempotencyRecord.objects.filter

    def filter_then_wait(*args, **kwargs):
        queryset = original_replay_lookup(*args, **kwargs)
        if "key" in kwargs and threading.current_thread() is not threading.main_thread():
            queryset = list(queryset)  # run the check now, then let the other copy catch up
            both_checked.wait()
            return FirstOf(queryset)
        return queryset

    monkeypatch.setattr(IdempotencyRecord.objects, "filter", filter_then_wait)
    body = {"participant": str(participant.pk), "service": str(service_a.pk), "need": "child-care"}
    answers = []

    def send():
        try:
            response = program_api.post("/api/v1/referrals/", body, HTTP_IDEMPOTENCY_KEY="race")
            answers.append((response.status_code, response.json()["id"]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(answers) == 2
    assert {status for status, _id in answers} == {201}
    assert answers[0][1] == answers[1][1]
    assert Referral.objects.count() == 1
    assert idempotency.IdempotencyRecord.objects.count() == 1


class FirstOf(list):
    def first(self):
        return self[0] if self else None
