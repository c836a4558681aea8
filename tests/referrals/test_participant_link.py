"""The participant's private feedback link: no login, one answer they can change, until it expires."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from providers.models import Correction
from referrals import services
from referrals.models import Feedback, Participant
from tests.directory.test_security_headers import inline_code

ANSWER = {"connected": "yes", "rating": "4", "barrier": "hours", "comment": "Kind staff.", "listing_problem": ""}


def link_url(token: str) -> str:
    return reverse("referrals:feedback", args=[token])


PAGE = reverse("referrals:feedback_page")


@pytest.fixture
def token(referral) -> str:
    return referral.participant_link.token


@pytest.fixture
def other_referral(participant, consent, service_a, carol):
    return services.referral_send(
        participant=participant, service=service_a, need=service_a.categories.get(), referred_by=carol
    )


def test_it_shows_the_service_name_and_nothing_more(client, referral, token):
    """Anyone with the link sees the form and the service's name; no participant or referral details."""
    Participant.objects.filter(pk=referral.participant_id).update(zip_code="80219", external_id="WF-1")

    response = client.get(link_url(token), follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sunrise Daycare" in html
    for private in ("M. R.", "80219", "WF-1", "Needs full-day care", "Agency A", str(referral.pk)):
        assert private not in html
    assert '<meta name="referrer" content="same-origin">' in html
    assert "no-cache" in response["Cache-Control"]
    assert inline_code(html) == []


def test_it_speaks_the_participants_language(client, token):
    """The participant prefers Spanish: the page is Spanish, whatever the browser asks for."""
    response = client.get(link_url(token), HTTP_ACCEPT_LANGUAGE="en", follow=True)

    assert '<html lang="es">' in response.content.decode()
    assert response["Content-Language"] == "es"


def test_it_records_the_answer(client, referral, token):
    """Connected, a rating, what got in the way, and words: saved on the referral's feedback."""
    response = client.post(link_url(token), ANSWER)

    assert response.status_code == 302
    assert response["Location"] == PAGE
    feedback = Feedback.objects.get(referral=referral)
    assert (feedback.participant_connected, feedback.participant_rating) == (True, 4)
    assert (feedback.participant_barrier, feedback.participant_comment) == ("hours", "Kind staff.")
    assert feedback.participant_answered_at is not None


def test_it_lets_the_participant_change_the_answer(client, referral, token):
    """A second answer replaces the first: one Feedback row, the page shows the answer given."""
    client.post(link_url(token), ANSWER)
    client.post(link_url(token), {**ANSWER, "connected": "no", "rating": "2", "barrier": "wait"})

    feedback = Feedback.objects.get()
    assert (feedback.participant_connected, feedback.participant_rating, feedback.participant_barrier) == (
        False,
        2,
        "wait",
    )
    form = client.get(PAGE).context["form"]
    assert (form["connected"].value(), form["rating"].value(), form["barrier"].value()) == ("no", "2", "wait")


def test_it_accepts_an_answer_with_nothing_chosen(client, referral, token):
    """Every question is optional: a blank answer is recorded as blank, not refused."""
    client.post(link_url(token), {})

    feedback = Feedback.objects.get(referral=referral)
    assert (feedback.participant_connected, feedback.participant_rating) == (None, None)


def test_it_refuses_a_rating_out_of_range(client, token):
    """A hand-made rating of 9: the form says so, nothing is recorded."""
    response = client.post(link_url(token), {**ANSWER, "rating": "9"})

    assert response.status_code == 200
    assert "rating" in response.context["form"].errors
    assert not Feedback.objects.exists()


def test_it_raises_a_correction_when_the_listing_was_wrong(client, referral, token, service_a):
    """ "The phone number was wrong": a correction on the service, from a participant, for its editors."""
    client.post(link_url(token), {**ANSWER, "listing_problem": "wrong_phone", "comment": "Number is disconnected."})

    correction = Correction.objects.get()
    assert (correction.service, correction.kind, correction.source) == (service_a, "wrong_phone", "participant")
    assert correction.note == "Number is disconnected."


def test_it_refuses_an_expired_link_and_records_nothing(client, token):
    """After PARTICIPANT_LINK_DAYS the link shows a friendly page (410), in the participant's Spanish, and
    takes no answer."""
    later = timezone.now() + datetime.timedelta(days=settings.PARTICIPANT_LINK_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        page = client.get(link_url(token))
        response = client.post(link_url(token), ANSWER)

    assert page.status_code == 410
    assert response.status_code == 410
    assert "Este enlace venció" in page.content.decode()
    assert not Feedback.objects.exists()
    assert not Correction.objects.exists()


def test_it_works_until_the_last_day(client, token):
    """A day before it expires the link still takes an answer."""
    later = timezone.now() + datetime.timedelta(days=settings.PARTICIPANT_LINK_DAYS - 1)
    with time_machine.travel(later, tick=False):
        response = client.post(link_url(token), ANSWER)

    assert response.status_code == 302
    assert Feedback.objects.count() == 1


@pytest.mark.parametrize("wrong", ["not-a-token", "x" * 43, ""])
def test_it_refuses_a_wrong_token_and_records_nothing(client, token, wrong):
    """A mistyped or made-up token: a friendly 404 page; nothing recorded anywhere."""
    url = link_url(wrong) if wrong else link_url(token)[:-1] + "x/"

    page = client.get(url)
    response = client.post(url, ANSWER)

    assert (page.status_code, response.status_code) == (404, 404)
    assert "This link is not valid" in page.content.decode()
    assert not Feedback.objects.exists()


def test_it_never_touches_another_referral(client, referral, other_referral):
    """The token of one referral records on that referral only; the other stays unanswered."""
    client.post(link_url(other_referral.participant_link.token), ANSWER)

    assert Feedback.objects.get().referral == other_referral
    assert not Feedback.objects.filter(referral=referral).exists()


def test_it_needs_no_account_and_no_cookie_but_csrf(client, token):
    """A signed-out browser answers through the form (with the CSRF cookie the page set)."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(link_url(token), follow=True)
    csrf = page.cookies["csrftoken"].value

    assert browser.post(PAGE, ANSWER).status_code == 403
    assert browser.post(PAGE, {**ANSWER, "csrfmiddlewaretoken": csrf}).status_code == 302


def test_it_follows_the_language_the_visitor_picks(client, token):
    """The site's language switch still works here: a visitor who picks English gets English."""
    client.cookies["django_language"] = "en"

    response = client.get(link_url(token), follow=True)

    assert '<html lang="en">' in response.content.decode()
