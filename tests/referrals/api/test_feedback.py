"""Feedback through the API: readable by both sides of the referral, by no one else."""

from referrals import services
from tests.referrals.conftest import move

URL = "/api/v1/feedback/"


def test_it_shows_feedback_to_both_sides_only(program_api, agency_api, outsider_api, referral, alice, carol):
    """After the outcome is recorded, both organizations' clients read it; agency B's gets 404 and an empty list."""
    move(referral, alice, "accepted")
    move(referral, alice, "completed")
    services.outcome_record(referral_id=referral.pk, actor=carol, need_met="partly", note="Waitlisted for pre-K")
    for api in (program_api, agency_api):
        body = api.get(f"{URL}{referral.pk}/").json()
        assert (body["need_met"], body["outcome_note"]) == ("partly", "Waitlisted for pre-K")
        assert [row["referral"] for row in api.get(URL).json()["results"]] == [str(referral.pk)]
    assert outsider_api.get(f"{URL}{referral.pk}/").status_code == 404
    assert outsider_api.get(URL).json()["count"] == 0


def test_it_filters_feedback_by_when_it_was_answered(program_api, referral, alice, carol):
    move(referral, alice, "declined", reason="no_capacity")
    feedback = services.outcome_record(referral_id=referral.pk, actor=carol, need_met="not")
    before = feedback.recorded_at.isoformat()
    assert program_api.get(URL, {"answered_since": before}).json()["count"] == 1
    assert program_api.get(URL, {"answered_since": "2999-01-01T00:00:00Z"}).json()["count"] == 0
    assert program_api.get(URL, {"answered_since": "soon"}).status_code == 400
