"""A referral's page: what was shared, the timeline, the viewer's actions, the outcome, the participant's answer."""

import datetime

from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Feedback, Referral, ReferralEvent
from tests.directory.test_security_headers import inline_code

from .conftest import move

S = Referral.Status


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_it_marks_the_referral_received_when_the_provider_opens_it(client, referral, alice):
    """Alice opening a sent referral records "received" once; opening it again records nothing more."""
    client.force_login(alice)

    client.get(referral.get_absolute_url())
    html = html_of(client.get(referral.get_absolute_url()))

    referral.refresh_from_db()
    assert referral.status == S.RECEIVED
    assert list(referral.events.values_list("new_status", flat=True)) == [S.SENT, S.RECEIVED]
    assert "Sent → <strong>Received</strong>" in html


def test_it_leaves_the_status_alone_when_the_referrer_or_an_admin_opens_it(client, referral, carol, admin):
    """Only the provider side's opening means "received"."""
    for person in (carol, admin):
        client.force_login(person)
        client.get(referral.get_absolute_url())

    referral.refresh_from_db()
    assert referral.status == S.SENT
    assert referral.events.count() == 1


def test_it_shows_the_referral_and_the_referrers_actions(client, referral, carol):
    """Carol sees the participant, need, note, the timeline, a cancel action and the slip link; no provider actions."""
    client.force_login(carol)

    html = html_of(client.get(referral.get_absolute_url()))

    assert "M. R. → Sunrise Daycare" in html
    assert "Child care" in html
    assert "Needs full-day care from January." in html
    assert "Cancel the referral" in html
    assert "Accept" not in html
    assert reverse("referrals:slip", args=[referral.pk]) in html
    assert inline_code(html) == []


def test_it_shows_the_providers_actions(client, referral, alice):
    """Alice may accept or decline (with a reason); she cannot cancel, and gets no slip."""
    client.force_login(alice)

    html = html_of(client.get(referral.get_absolute_url()))

    assert 'value="accepted"' in html
    assert 'value="declined"' in html
    assert "No capacity" in html
    assert 'value="cancelled"' not in html
    assert reverse("referrals:slip", args=[referral.pk]) not in html


def test_it_shows_contact_details_to_the_provider_only_when_shared(
    client, participant, consent, service_a, carol, alice
):
    """Without share_contact the provider sees no phone; with it (and consent for it), the phone shows."""
    participant.contact_preference = "phone"
    participant.phone = "303-555-0142"
    participant.save()
    need = service_a.categories.get()
    hidden = services.referral_send(participant=participant, service=service_a, need=need, referred_by=carol)
    consent.scope = "referral_and_contact"
    consent.save()
    shared = services.referral_send(
        participant=participant, service=service_a, need=need, referred_by=carol, share_contact=True
    )
    client.force_login(alice)

    assert "303-555-0142" not in html_of(client.get(hidden.get_absolute_url()))
    assert "303-555-0142" in html_of(client.get(shared.get_absolute_url()))
    client.force_login(carol)
    assert "303-555-0142" in html_of(client.get(hidden.get_absolute_url()))  # her own participant


def test_it_lists_the_timeline_with_who_and_why(client, referral, alice, carol):
    """Each event shows the old and new status, who made it, and the reason in words."""
    alice.first_name, alice.last_name = "Alice", "Nguyen"
    alice.save()
    move(referral, alice, S.DECLINED, reason=Referral.DeclineReason.NO_CAPACITY, note="Full until May.")
    client.force_login(carol)

    html = html_of(client.get(referral.get_absolute_url()))

    assert "Sent → <strong>Declined</strong>" in html
    assert "Alice Nguyen" in html
    assert "Reason: No capacity" in html
    assert "Full until May." in html


def test_it_records_the_outcome_once_the_provider_has_finished(client, referral, alice, carol):
    """No outcome form while open; once completed, carol records "need met", which closes the referral."""
    client.force_login(carol)
    assert "Record the outcome" not in html_of(client.get(referral.get_absolute_url()))
    move(referral, alice, S.ACCEPTED)
    move(referral, alice, S.COMPLETED)

    assert "Record the outcome" in html_of(client.get(referral.get_absolute_url()))
    response = client.post(reverse("referrals:outcome", args=[referral.pk]), {"need_met": "fully", "note": "Started."})

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.CLOSED
    assert Feedback.objects.get(referral=referral).need_met == "fully"
    html = html_of(client.get(referral.get_absolute_url()))
    assert "Need met" in html
    assert "Change the outcome" in html


def test_it_refuses_the_outcome_from_the_provider(client, referral, alice):
    """Alice cannot record the referrer's outcome: a message, nothing changes."""
    move(referral, alice, S.ACCEPTED)
    move(referral, alice, S.COMPLETED)
    client.force_login(alice)
    events = ReferralEvent.objects.count()

    response = client.post(reverse("referrals:outcome", args=[referral.pk]), {"need_met": "fully"}, follow=True)

    assert "Only the referring program records the outcome." in response.content.decode()
    assert not Feedback.objects.exists()
    assert ReferralEvent.objects.count() == events


def test_it_shows_the_participants_answer(client, referral, carol, alice):
    """The participant's rating, barrier and words show on the referral's page, beside the outcome."""
    move(referral, alice, S.ACCEPTED)
    move(referral, alice, S.COMPLETED)
    services.outcome_record(referral_id=referral.pk, actor=carol, need_met="partly")
    services.participant_answer(
        token=referral.participant_link.token, connected=True, rating=4, barrier="hours", comment="Kind staff."
    )
    client.force_login(carol)

    html = html_of(client.get(referral.get_absolute_url()))

    assert "Need partly met" in html
    assert "Got help from the service" in html
    assert "Rating: 4 of 5" in html
    assert "The hours did not work" in html
    assert "Kind staff." in html


def test_it_flags_an_overdue_referral(client, referral, carol):
    """Unanswered past the response days: an "Overdue" badge."""
    Referral.objects.filter(pk=referral.pk).update(sent_at=timezone.now() - datetime.timedelta(days=10))
    client.force_login(carol)

    assert "status--overdue" in html_of(client.get(referral.get_absolute_url()))


def test_it_404s_for_a_malformed_or_unknown_id(client, carol):
    """Unknown referrals do not exist."""
    client.force_login(carol)

    assert client.get("/referrals/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_it_serves_every_referral_page_in_spanish(client, referral, carol, alice):
    """A Spanish-speaking case manager and provider get every page in Spanish, under the strict CSP."""
    pages = {
        carol: [
            reverse("referrals:dashboard"),
            referral.get_absolute_url(),
            f"{reverse('referrals:new')}?service={referral.service_id}&participant={referral.participant_id}",
            f"{reverse('referrals:new')}?service={referral.service_id}",
        ],
        alice: [reverse("referrals:inbox"), referral.get_absolute_url()],
    }
    for person, urls in pages.items():
        client.force_login(person)
        for url in urls:
            html = html_of(client.get(url, HTTP_ACCEPT_LANGUAGE="es"))
            assert '<html lang="es">' in html, url
            assert inline_code(html) == [], url
