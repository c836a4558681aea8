"""The referral's life: every allowed move by the right side, every other move refused with no event written."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from referrals.models import Referral, ReferralEvent
from referrals.selectors import Side
from referrals.services import ALLOWED_TRANSITIONS, referral_transition

from .conftest import move

S = Referral.Status
# How to bring a fresh referral to each status, as (status, side) steps.
PATH_TO = {
    S.SENT: [],
    S.RECEIVED: [S.RECEIVED],
    S.ACCEPTED: [S.ACCEPTED],
    S.DECLINED: [S.DECLINED],
    S.SCHEDULED: [S.ACCEPTED, S.SCHEDULED],
    S.COMPLETED: [S.ACCEPTED, S.COMPLETED],
    S.NOT_COMPLETED: [S.ACCEPTED, S.NOT_COMPLETED],
    S.CANCELLED: [S.CANCELLED],
    S.CLOSED: [S.CANCELLED, S.CLOSED],
}
REASONS = {S.DECLINED: Referral.DeclineReason.NO_CAPACITY, S.NOT_COMPLETED: Referral.NotCompletedReason.NO_SHOW}
ALL_MOVES = [(old, new, side) for old, moves in ALLOWED_TRANSITIONS.items() for new, side in moves.items()]
# Every (from, to) pair but "received again", a no-op (see test_it_ignores_opening_a_received_referral_again).
ALL_PAIRS = [(old, new) for old in S.values for new in S.values if (old, new) != (S.RECEIVED, S.RECEIVED)]


@pytest.fixture
def actors(carol, alice, admin):
    return {Side.REFERRER: carol, Side.PROVIDER: alice, Side.ADMIN: admin}


def bring_to(referral, status, actors):
    for step in PATH_TO[status]:
        side = ALLOWED_TRANSITIONS[referral.status][step]
        referral = move(referral, actors[side], step, reason=REASONS.get(step, ""))
    return referral


@pytest.mark.parametrize(("old", "new", "side"), ALL_MOVES)
def test_it_allows_each_move_to_its_side(referral, actors, old, new, side):
    """Each allowed move, by the side it belongs to, changes the status and writes one event."""
    referral = bring_to(referral, old, actors)
    events = ReferralEvent.objects.count()
    moved = move(referral, actors[side], new, reason=REASONS.get(new, ""), note="done")
    moved.refresh_from_db()
    assert moved.status == new
    event = ReferralEvent.objects.order_by("created_at").last()
    assert ReferralEvent.objects.count() == events + 1
    assert (event.old_status, event.new_status, event.actor, event.note) == (old, new, actors[side], "done")


@pytest.mark.parametrize(("old", "new", "side"), ALL_MOVES)
def test_it_lets_network_admins_make_any_allowed_move(referral, actors, old, new, side):
    """A network admin may act for either side."""
    referral = bring_to(referral, old, actors)
    assert move(referral, actors[Side.ADMIN], new, reason=REASONS.get(new, "")).status == new


@pytest.mark.parametrize(("old", "new", "side"), [m for m in ALL_MOVES if m[2] != Side.ADMIN])
def test_it_refuses_the_other_sides_moves(referral, actors, old, new, side):
    """The referrer cannot accept; the provider cannot cancel: 403, status unchanged, no event."""
    referral = bring_to(referral, old, actors)
    other = actors[Side.PROVIDER if side == Side.REFERRER else Side.REFERRER]
    events = ReferralEvent.objects.count()
    with pytest.raises(PermissionDenied):
        move(referral, other, new, reason=REASONS.get(new, ""))
    referral.refresh_from_db()
    assert referral.status == old
    assert ReferralEvent.objects.count() == events


@pytest.mark.parametrize(("old", "new"), [pair for pair in ALL_PAIRS if pair[1] not in ALLOWED_TRANSITIONS[pair[0]]])
def test_it_refuses_impossible_moves_naming_the_allowed_ones(referral, actors, old, new):
    """A move the map does not allow is a validation error that names what is possible; nothing changes."""
    referral = bring_to(referral, old, actors)
    events = ReferralEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        move(referral, actors[Side.ADMIN], new, reason=REASONS.get(new, ""))
    message = " ".join(error.value.messages)
    assert f"already {S(old).label.lower()}" in message
    for allowed in ALLOWED_TRANSITIONS[old]:
        assert S(allowed).label.lower() in message
    referral.refresh_from_db()
    assert referral.status == old
    assert ReferralEvent.objects.count() == events


def test_it_hides_the_referral_from_everyone_else(referral, bob):
    """Another agency's editor cannot even learn that the referral exists: 404, nothing written."""
    with pytest.raises(Http404):
        move(referral, bob, S.ACCEPTED)
    assert ReferralEvent.objects.filter(referral=referral).count() == 1  # only "sent"


def test_it_needs_a_reason_to_decline_or_not_complete(referral, alice):
    """Declining and not completing each need one of their reasons."""
    with pytest.raises(ValidationError):
        move(referral, alice, S.DECLINED)
    with pytest.raises(ValidationError):
        move(referral, alice, S.DECLINED, reason="bored")
    move(referral, alice, S.DECLINED, reason=Referral.DeclineReason.NOT_ELIGIBLE)
    referral.refresh_from_db()
    assert referral.decline_reason == Referral.DeclineReason.NOT_ELIGIBLE


def test_it_records_response_and_appointment_times(referral, alice):
    """The first answer is timed (for 'usually answers in N days'); scheduling keeps the appointment."""
    move(referral, alice, S.RECEIVED)
    move(referral, alice, S.ACCEPTED)
    appointment = datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC)
    move(referral, alice, S.SCHEDULED, appointment_at=appointment)
    referral.refresh_from_db()
    assert referral.first_response_at is not None
    assert referral.appointment_at == appointment


def test_it_ignores_opening_a_received_referral_again(referral, alice):
    """Marking a referral received twice records one event."""
    move(referral, alice, S.RECEIVED)
    move(referral, alice, S.RECEIVED)
    assert list(referral.events.values_list("new_status", flat=True)) == [S.SENT, S.RECEIVED]


def test_it_never_edits_history(referral):
    """A saved event cannot be changed."""
    event = referral.events.get()
    event.note = "rewritten"
    with pytest.raises(ValueError, match="never edited"):
        event.save()


def test_it_explains_a_move_already_made(referral, alice, carol):
    """After alice declines, carol's cancel gets a clear 'already declined' message."""
    move(referral, alice, S.DECLINED, reason=Referral.DeclineReason.NO_CAPACITY)
    with pytest.raises(ValidationError, match="This referral was already declined"):
        referral_transition(referral_id=referral.pk, actor=carol, to_status=S.CANCELLED)
