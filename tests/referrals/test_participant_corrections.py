"""A participant's feedback link keeps at most one open correction on its listing: answering again changes that
correction, it does not raise another."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from providers.models import Correction
from providers.portal.services import correction_resolve
from referrals import services

ANSWER = {"connected": "yes", "rating": "2", "barrier": "listing_wrong", "comment": "", "listing_problem": ""}


def answer(client, referral, **fields):
    response = client.post(reverse("referrals:feedback", args=[referral.participant_link.token]), {**ANSWER, **fields})
    assert response.status_code == 302
    return response


@pytest.fixture
def second_referral(participant, consent, service_a, carol):
    """Another referral of the same participant to the same listing: a link of its own."""
    return services.referral_send(
        participant=participant, service=service_a, need=service_a.categories.get(), referred_by=carol
    )


def test_it_keeps_one_open_correction_however_often_the_participant_answers(client, referral, service_a):
    """Ten answers through one link, the listing problem changed, withdrawn and given again: one open correction
    on the listing, saying what the last answer said."""
    kinds = ["wrong_phone", "closed", "", "wrong_phone", "moved", "", "closed", "closed", "other", "wrong_phone"]
    for number, kind in enumerate(kinds, start=1):
        answer(client, referral, listing_problem=kind, comment=f"Answer {number}.")

    correction = Correction.objects.get()
    assert correction.is_open
    assert (correction.service, correction.source) == (service_a, Correction.Source.PARTICIPANT)
    assert (correction.kind, correction.note) == ("wrong_phone", "Answer 10.")


def test_it_does_not_raise_again_what_the_editors_resolved(client, referral, alice):
    """Once the listing's editors resolve it, the same answer given again (the rating changed) raises nothing;
    a different problem raises a new correction, the only open one."""
    answer(client, referral, listing_problem="wrong_phone")
    correction_resolve(correction=Correction.objects.get(), resolved_by=alice, note="Number fixed.")

    answer(client, referral, listing_problem="wrong_phone", rating="3")
    assert Correction.objects.open().count() == 0

    answer(client, referral, listing_problem="moved")
    assert [(c.kind, c.is_open) for c in Correction.objects.order_by("created_at")] == [
        ("wrong_phone", False),
        ("moved", True),
    ]


def test_it_keeps_each_links_correction_apart(client, referral, second_referral):
    """Two links on one listing: each has its own open correction."""
    answer(client, referral, listing_problem="wrong_phone")
    answer(client, second_referral, listing_problem="closed")

    assert sorted(Correction.objects.open().values_list("kind", flat=True)) == ["closed", "wrong_phone"]


def test_it_shows_the_participant_the_problem_they_gave(client, referral):
    """The form shows the answer given, listing problem included, so answering again does not drop it."""
    answer(client, referral, listing_problem="closed")

    link = reverse("referrals:feedback", args=[referral.participant_link.token])
    form = client.get(link, follow=True).context["form"]

    assert form["listing_problem"].value() == "closed"


def test_it_holds_in_the_database(client, referral, service_a):
    """A second open correction for the same link and listing is refused by the database itself."""
    answer(client, referral, listing_problem="wrong_phone")
    first = Correction.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        Correction.objects.create(
            service=service_a, kind="closed", source=Correction.Source.PARTICIPANT, feedback_link=first.feedback_link
        )
