"""Every lifecycle action through the API calls the same service as the web pages, with the same rules."""

import pytest

from referrals.models import Feedback, Referral

URL = "/api/v1/referrals/"


def act(api, referral, action, **body):
    return api.post(f"{URL}{referral.pk}/{action}/", body)


def test_it_walks_a_referral_from_sent_to_closed(program_api, agency_api, referral):
    """The provider receives, accepts, schedules and completes; the referrer records the outcome and it closes."""
    assert act(agency_api, referral, "receive").json()["status"] == "received"
    assert act(agency_api, referral, "accept", note="Call Monday").json()["status"] == "accepted"
    scheduled = act(agency_api, referral, "schedule", appointment_at="2026-12-01T09:30:00-07:00").json()
    assert (scheduled["status"], scheduled["appointment_at"]) == ("scheduled", "2026-12-01T09:30:00-07:00")
    completed = act(agency_api, referral, "complete").json()
    assert completed["status"] == "completed"
    assert completed["allowed_actions"] == []  # the provider is done; the referrer closes it
    response = program_api.post(f"{URL}{referral.pk}/outcome/", {"need_met": "fully", "note": "Enrolled"})
    assert response.status_code == 200
    assert response.json()["need_met"] == "fully"
    referral.refresh_from_db()
    assert referral.status == "closed"
    assert [event.new_status for event in referral.events.all()] == [
        "sent",
        "received",
        "accepted",
        "scheduled",
        "completed",
        "closed",
    ]
    assert {event.actor for event in referral.events.all()[1:5]} == {agency_api.client_system.user}
    assert Feedback.objects.get(referral=referral).recorded_by == program_api.client_system.user


@pytest.mark.parametrize(("action", "reason"), [("decline", "no_capacity"), ("not-complete", "no_show")])
def test_it_needs_a_reason_to_decline_or_not_complete(agency_api, referral, action, reason):
    """Without a reason: 400 naming ``reason``, status unchanged; with one, the move is made and the reason kept."""
    if action == "not-complete":
        act(agency_api, referral, "accept")
    before = Referral.objects.get(pk=referral.pk).status
    response = act(agency_api, referral, action)
    assert response.status_code == 400
    assert "reason" in response.json()
    assert Referral.objects.get(pk=referral.pk).status == before
    moved = act(agency_api, referral, action, reason=reason).json()
    assert moved["status"] in ("declined", "not_completed")
    assert reason in (moved["decline_reason"], moved["not_completed_reason"])


def test_it_names_the_allowed_actions_when_a_move_is_not_possible(agency_api, referral):
    """Completing a referral that was never accepted: 400 with the actions allowed now; nothing changes."""
    response = act(agency_api, referral, "complete")
    assert response.status_code == 400
    assert response.json()["allowed_actions"] == ["receive", "accept", "decline"]
    assert "accepted" in response.json()["detail"]
    assert Referral.objects.get(pk=referral.pk).events.count() == 1


def test_it_refuses_the_other_sides_move(program_api, agency_api, referral):
    """The referrer cannot accept for the provider, and the provider cannot cancel: 400, nothing changes."""
    response = act(program_api, referral, "accept")
    assert response.status_code == 400
    assert response.json()["allowed_actions"] == ["cancel"]
    assert act(agency_api, referral, "cancel").status_code == 400
    assert Referral.objects.get(pk=referral.pk).status == "sent"


def test_it_lets_the_referrer_cancel_and_close(program_api, referral):
    assert act(program_api, referral, "cancel", note="Found another place").json()["status"] == "cancelled"
    assert act(program_api, referral, "close").json()["status"] == "closed"


def test_it_refuses_an_outcome_before_the_provider_has_finished(program_api, referral):
    """Recording the outcome of a referral still open: 400 with the reason, no feedback saved."""
    response = program_api.post(f"{URL}{referral.pk}/outcome/", {"need_met": "fully"})
    assert response.status_code == 400
    assert "detail" in response.json()
    assert not Feedback.objects.exists()


def test_it_refuses_an_outcome_from_the_provider(agency_api, referral):
    act(agency_api, referral, "decline", reason="no_capacity")
    response = agency_api.post(f"{URL}{referral.pk}/outcome/", {"need_met": "fully"})
    assert response.status_code == 403
    assert not Feedback.objects.exists()


def test_it_answers_404_to_an_unknown_action(agency_api, referral):
    assert act(agency_api, referral, "teleport").status_code == 404
