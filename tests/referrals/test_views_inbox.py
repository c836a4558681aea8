"""The provider's inbox: new, accepted or scheduled, to report; accept / decline / schedule / complete as POSTs."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from providers.models import TaxonomyTerm
from referrals import services
from referrals.models import Referral, ReferralEvent
from tests.directory.test_security_headers import inline_code

from .conftest import move

S = Referral.Status


def move_url(referral) -> str:
    return reverse("referrals:move", args=[referral.pk])


def inbox_url(**parameters) -> str:
    query = "&".join(f"{name}={value}" for name, value in parameters.items())
    return reverse("referrals:inbox") + (f"?{query}" if query else "")


def send(participant, service, carol) -> Referral:
    return services.referral_send(
        participant=participant, service=service, need=TaxonomyTerm.objects.get(code="child-care"), referred_by=carol
    )


def shown(response) -> set:
    assert response.status_code == 200
    return {row.referral.pk for row in response.context["rows"]}


def test_it_lists_new_referrals_with_their_actions(client, alice, referral):
    """A sent referral is new, with accept and decline; no cancel (that is the referrer's)."""
    client.force_login(alice)

    response = client.get(inbox_url())

    assert shown(response) == {referral.pk}
    html = response.content.decode()
    assert "M. R. → Sunrise Daycare" in html
    assert 'value="accepted"' in html
    assert 'value="declined"' in html
    assert 'value="cancelled"' not in html
    assert inline_code(html) == []


def test_it_groups_accepted_and_to_report(client, alice, carol, participant, consent, service_a):
    """Accepted and scheduled are in progress; a past appointment, or an acceptance long ago, is to report."""
    accepted = move(send(participant, service_a, carol), alice, S.ACCEPTED)
    upcoming = move(
        move(send(participant, service_a, carol), alice, S.ACCEPTED),
        alice,
        S.SCHEDULED,
        appointment_at=timezone.now() + datetime.timedelta(days=3),
    )
    past = move(
        move(send(participant, service_a, carol), alice, S.ACCEPTED),
        alice,
        S.SCHEDULED,
        appointment_at=timezone.now() - datetime.timedelta(days=1),
    )
    stale = move(send(participant, service_a, carol), alice, S.ACCEPTED)
    Referral.objects.filter(pk=stale.pk).update(first_response_at=timezone.now() - datetime.timedelta(days=20))
    client.force_login(alice)

    assert shown(client.get(inbox_url(tab="active"))) == {accepted.pk, upcoming.pk, past.pk, stale.pk}
    assert shown(client.get(inbox_url(tab="to_report"))) == {past.pk, stale.pk}
    assert shown(client.get(inbox_url())) == set()


def test_it_accepts_schedules_and_completes(client, alice, referral):
    """Each button moves the referral one step, writes an event, and comes back to the inbox."""
    client.force_login(alice)
    back = inbox_url(tab="active")

    response = client.post(move_url(referral), {"to_status": "accepted", "next": back})
    assert response.status_code == 302
    assert response["Location"] == back

    client.post(move_url(referral), {"to_status": "scheduled", "appointment_at": "2026-12-01T10:30", "next": back})
    referral.refresh_from_db()
    assert referral.status == S.SCHEDULED
    assert timezone.localtime(referral.appointment_at).strftime("%Y-%m-%d %H:%M") == "2026-12-01 10:30"

    client.post(move_url(referral), {"to_status": "completed", "next": back})
    referral.refresh_from_db()
    assert referral.status == S.COMPLETED
    assert list(referral.events.values_list("new_status", flat=True)) == ["sent", "accepted", "scheduled", "completed"]


def test_it_declines_and_not_completes_with_a_reason(client, alice, carol, participant, consent, service_a):
    """Declining and "not completed" record their reasons."""
    declined = send(participant, service_a, carol)
    no_show = move(send(participant, service_a, carol), alice, S.ACCEPTED)
    client.force_login(alice)

    client.post(move_url(declined), {"to_status": "declined", "reason": "no_capacity", "note": "Full."})
    client.post(move_url(no_show), {"to_status": "not_completed", "reason": "no_show"})

    declined.refresh_from_db()
    no_show.refresh_from_db()
    assert (declined.status, declined.decline_reason) == (S.DECLINED, "no_capacity")
    assert (no_show.status, no_show.not_completed_reason) == (S.NOT_COMPLETED, "no_show")
    assert declined.events.last().note == "Full."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"to_status": "declined"}, "Say why the referral is declined."),
        ({"to_status": "completed"}, "This referral was already sent; it can now be marked:"),
        ({"to_status": "cancelled"}, "Only the referring side can mark this referral cancelled."),
        ({"to_status": "bogus"}, "Select a valid choice."),
    ],
)
def test_it_explains_a_refused_move_and_changes_nothing(client, alice, referral, data, message):
    """A move without its reason, impossible now, or the other side's: the message shows, no event is written."""
    client.force_login(alice)

    response = client.post(move_url(referral), {**data, "next": inbox_url()}, follow=True)

    assert response.redirect_chain[-1][0] == inbox_url()
    assert message in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == S.SENT
    assert ReferralEvent.objects.count() == 1


def test_it_tells_the_second_of_two_people_what_happened(client, alice, referral):
    """Alice's colleague declined first: alice's accept gets "already declined"."""
    move(referral, alice, S.DECLINED, reason="duplicate")
    client.force_login(alice)

    response = client.post(move_url(referral), {"to_status": "accepted"}, follow=True)

    assert "This referral was already declined" in response.content.decode()


def test_it_refuses_get_and_foreign_redirects(client, alice, referral):
    """Actions are POST only; a "next" to another site falls back to the referral's page."""
    client.force_login(alice)

    assert client.get(move_url(referral)).status_code == 405
    response = client.post(move_url(referral), {"to_status": "accepted", "next": "https://evil.example/"})
    assert response["Location"] == referral.get_absolute_url()


def test_it_404s_for_another_agency(client, bob, referral):
    """Bob's agency did not receive it: 404 for the action, nothing written, and an empty inbox."""
    client.force_login(bob)

    assert client.post(move_url(referral), {"to_status": "accepted"}).status_code == 404
    assert ReferralEvent.objects.count() == 1
    assert shown(client.get(inbox_url())) == set()


def test_it_warns_about_overdue_referrals(client, alice, referral):
    """An unanswered referral past the response days is flagged, and counted above the list."""
    Referral.objects.filter(pk=referral.pk).update(sent_at=timezone.now() - datetime.timedelta(days=10))
    client.force_login(alice)

    response = client.get(inbox_url())

    assert response.context["overdue_count"] == 1
    assert [row.overdue for row in response.context["rows"]] == [True]
    assert "1 referral is waiting too long for an answer." in response.content.decode()


def test_it_runs_a_fixed_number_of_queries(
    client, alice, carol, participant, consent, service_a, django_assert_max_num_queries
):
    """However many referrals wait, the inbox costs the same few queries."""
    for _ in range(30):
        send(participant, service_a, carol)
    client.force_login(alice)

    # Session, user, admin check and organizations (twice), tab counts, page count, rows, demo banner.
    with django_assert_max_num_queries(10):
        response = client.get(inbox_url())

    assert len(response.context["rows"]) == 25
