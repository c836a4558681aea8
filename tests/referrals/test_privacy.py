"""Privacy, every persona on every page: a referral, its participant and feedback are seen only by the
referring program, the receiving agency and network admins. Everyone else gets a 404 (anonymous visitors:
sign in), and nothing changes.

Personas: admin (network admin), carol (the referring case manager), dave (a case manager of another
workforce program), alice (editor of the receiving agency), bob (editor of another agency), anonymous.
"""

import pytest
from django.urls import reverse

from directory.models import Membership
from providers.models import Organization
from referrals.models import Consent, Feedback, Participant, Referral, ReferralEvent
from tests.conftest import make_user

from .conftest import move

S = Referral.Status
PERSONAS = ["admin", "carol", "dave", "alice", "bob", "anonymous"]
# Who gets each page of one referral; every other signed-in persona gets a 404. The slip carries the
# participant's private link, so only the referring side prints it.
ALLOWED = {
    "detail": {"admin", "carol", "alice"},
    "slip": {"admin", "carol"},
    "move": {"admin", "carol", "alice"},
    "outcome": {"admin", "carol"},
    "refer": {"admin", "carol"},
}
# Who sees the referral but may not do this to it: sent back to it with the reason, nothing changes.
REFUSED = {"outcome": {"alice"}}
# Whose list shows the referral.
LISTED = {
    "dashboard": {"admin", "carol"},
    "inbox": {"admin", "alice"},
}
# The move each persona's side may make on a sent referral.
MOVES = {"carol": S.CANCELLED}


def another_programs_case_manager():
    """dave: a case manager of another workforce program."""
    program = Organization.objects.create(name="Second Workforce Program", description="Another program that refers.")
    return make_user("dave", program, Membership.Role.CASE_MANAGER)


@pytest.fixture
def dave(db):
    return another_programs_case_manager()


@pytest.fixture
def personas(admin, carol, dave, alice, bob) -> dict:
    return {"admin": admin, "carol": carol, "dave": dave, "alice": alice, "bob": bob, "anonymous": None}


def state(referral: Referral) -> tuple:
    """Everything a page could change about a referral."""
    referral.refresh_from_db()
    return (
        referral.status,
        ReferralEvent.objects.count(),
        Feedback.objects.count(),
        Participant.objects.count(),
        Consent.objects.count(),
        Referral.objects.count(),
    )


def open_view(client, view: str, referral: Referral, persona: str):
    if view == "detail":
        return client.get(referral.get_absolute_url())
    if view == "slip":
        return client.get(reverse("referrals:slip", args=[referral.pk]))
    if view == "move":
        to_status = MOVES.get(persona, S.ACCEPTED)
        return client.post(reverse("referrals:move", args=[referral.pk]), {"to_status": to_status})
    if view == "outcome":
        return client.post(reverse("referrals:outcome", args=[referral.pk]), {"need_met": "fully"})
    if view == "refer":
        query = f"?service={referral.service_id}&participant={referral.participant_id}"
        return client.get(reverse("referrals:new") + query)
    raise AssertionError(view)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("view", list(ALLOWED))
def test_it_shows_a_referral_only_to_its_two_organizations_and_admins(client, personas, referral, alice, view, persona):
    """The right personas get the page (or their action done); the others a 404 and no change at all.

    The one exception: alice sees the referral, so she learns nothing new when her agency may not record
    the referrer's outcome; she is sent back to it with the reason, and nothing changes.
    """
    if view == "outcome":
        referral = move(move(referral, alice, S.ACCEPTED), alice, S.COMPLETED)
    if personas[persona] is not None:
        client.force_login(personas[persona])
    before = state(referral)

    response = open_view(client, view, referral, persona)

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert state(referral) == before
    elif persona in REFUSED.get(view, set()):
        assert response.status_code == 302
        assert response["Location"] == referral.get_absolute_url()
        assert state(referral) == before
    elif persona in ALLOWED[view]:
        assert response.status_code == (302 if view in ("move", "outcome") else 200)
        if view in ("move", "outcome"):
            assert state(referral)[0] != before[0]  # the action was done
    else:
        assert response.status_code == 404
        assert state(referral) == before


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
@pytest.mark.parametrize("listing", list(LISTED))
def test_it_lists_a_referral_only_for_its_two_organizations_and_admins(client, personas, referral, listing, persona):
    """The dashboard lists it for the referring side, the inbox for the receiving side, both for admins."""
    client.force_login(personas[persona])

    response = client.get(reverse(f"referrals:{listing}"), {"tab": "all" if listing == "dashboard" else "new"})

    assert response.status_code == 200
    listed = referral.pk in {row.referral.pk for row in response.context["rows"]}
    assert listed is (persona in LISTED[listing])
    assert ("M. R." in response.content.decode()) is listed


@pytest.mark.parametrize("listing", list(LISTED))
def test_it_sends_anonymous_visitors_from_the_lists_to_sign_in(client, referral, listing):
    """The dashboard and the inbox need an account."""
    response = client.get(reverse(f"referrals:{listing}"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_lets_the_provider_see_a_referred_participant_but_not_refer_them(client, alice, referral):
    """Alice sees who was referred to her agency, but cannot use that participant to refer elsewhere."""
    client.force_login(alice)

    assert client.get(referral.get_absolute_url()).status_code == 200
    query = f"?service={referral.service_id}&participant={referral.participant_id}"
    assert client.get(reverse("referrals:new") + query).status_code == 404
