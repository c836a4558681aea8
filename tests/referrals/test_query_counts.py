"""A referral's pages and moves run a fixed, small number of queries: the referral and the reader's sides on
it are looked up once per request, in one query, and passed to the service (issue 20).

Counted: every statement that reads or writes rows, the session and the user included, and the e-mail's
INSERT into the mail outbox as in production; not the transaction's BEGIN and COMMIT (see
conftest.TRANSACTION_CONTROL). Before issue 20 (and before the plan's hook added one to each move): 20 for
a move, 33 for an outcome, 25 for the provider's first look at a new referral.
"""

from django.urls import reverse

from referrals.models import Feedback, Referral, ReferralEvent

from .conftest import move

S = Referral.Status

WEB_MOVE_BUDGET = 10
OUTCOME_BUDGET = 18
FIRST_LOOK_BUDGET = 16


def test_it_accepts_on_the_inbox_in_ten_queries(client, alice, referral, outbox_mail, max_queries):
    """The provider accepts from the inbox: the referral is accepted, the event written and the case manager
    told, in at most ten queries."""
    client.force_login(alice)
    with max_queries(WEB_MOVE_BUDGET):
        response = client.post(reverse("referrals:move", args=[referral.pk]), {"to_status": S.ACCEPTED})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED
    assert ReferralEvent.objects.filter(referral=referral, new_status=S.ACCEPTED, actor=alice).exists()


def test_it_cancels_from_the_dashboard_in_ten_queries(client, carol, referral, outbox_mail, max_queries):
    """The case manager cancels: the provider's staff are told, within the same budget."""
    client.force_login(carol)
    with max_queries(WEB_MOVE_BUDGET):
        response = client.post(reverse("referrals:move", args=[referral.pk]), {"to_status": S.CANCELLED})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.CANCELLED


def test_it_records_an_outcome_in_a_fixed_number_of_queries(client, alice, carol, referral, outbox_mail, max_queries):
    """The case manager records the outcome, which closes the referral."""
    move(referral, alice, S.ACCEPTED)
    move(referral, alice, S.COMPLETED)
    client.force_login(carol)
    with max_queries(OUTCOME_BUDGET):
        response = client.post(reverse("referrals:outcome", args=[referral.pk]), {"need_met": "fully", "note": ""})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.CLOSED
    assert Feedback.objects.get(referral=referral).need_met == Feedback.NeedMet.FULLY


def test_it_opens_a_new_referral_in_a_fixed_number_of_queries(client, alice, referral, max_queries):
    """The provider opens a new referral, which marks it received, without looking it up a second time."""
    client.force_login(alice)
    with max_queries(FIRST_LOOK_BUDGET):
        response = client.get(reverse("referrals:detail", args=[referral.pk]))
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.status == S.RECEIVED
