"""A mail outage never turns a saved change into a server error, and loses or repeats no e-mail: while the
server is down the changes answer as usual and their e-mails wait with the error; once it is back, the
worker sends each of them exactly once. Committed for real (transaction=True), as in production."""

import datetime
import io
import itertools

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from directory.mail import RETRY_DELAYS
from directory.models import OutgoingMail
from providers.models import PendingEdit
from providers.portal.services import edit_reject
from referrals.models import Referral

from .conftest import api_client

pytestmark = pytest.mark.django_db(transaction=True)
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
Status = OutgoingMail.Status


def deliver_mail() -> str:
    out = io.StringIO()
    call_command("deliver_mail", stdout=out)
    return out.getvalue()


def test_it_answers_and_keeps_every_email_until_the_server_is_back(
    outbox, client, time_machine, participant, consent, service_a, carol, alice, admin, workforce_program
):
    """POST /api/v1/referrals/ answers 201 and the web Cancel a redirect with the server down; the three
    e-mails wait with the error; when the server is back, each arrives once and nothing more is sent."""
    time_machine.move_to(START, tick=False)
    outbox.stop()

    created = api_client(workforce_program, admin).post(
        "/api/v1/referrals/",
        {"participant": str(participant.pk), "service": str(service_a.pk), "need": "child-care"},
        format="json",
    )
    assert created.status_code == 201, created.content
    referral = Referral.objects.get(pk=created.json()["id"])

    client.force_login(carol)
    cancelled = client.post(reverse("referrals:move", args=[referral.pk]), {"to_status": "cancelled"})
    assert cancelled.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CANCELLED

    edit = PendingEdit.objects.create(
        organization=service_a.organization, service=service_a, section="hours", data={"x": 1}, submitted_by=alice
    )
    edit_reject(edit=edit, reviewer=admin, note="Please check the hours.")

    assert deliver_mail() == "E-mails: 0 sent, 3 retrying, 0 failed.\n"
    waiting = list(OutgoingMail.objects.order_by("pk"))
    assert [mail.to for mail in waiting] == [["alice@example.org"]] * 3
    assert {(mail.status, mail.attempts) for mail in waiting} == {(Status.PENDING, 1)}
    assert all("could not be reached" in mail.last_error and "Refused" in mail.last_error for mail in waiting)

    outbox.start()
    assert deliver_mail() == "E-mails: 0 sent, 0 retrying, 0 failed.\n"  # nothing is due before its retry
    time_machine.shift(RETRY_DELAYS[0])
    assert deliver_mail() == "E-mails: 3 sent, 0 retrying, 0 failed.\n"
    time_machine.shift(datetime.timedelta(days=2))
    assert deliver_mail() == "E-mails: 0 sent, 0 retrying, 0 failed.\n"

    assert sorted(outbox.message_ids()) == sorted(mail.headers["Message-ID"] for mail in waiting)
    assert [message["Subject"] for message in outbox.received] == [
        "New referral for Sunrise Daycare",
        "Referral to Sunrise Daycare: cancelled",
        "Your edit of Sunrise Daycare was not published",
    ]
    assert set(OutgoingMail.objects.values_list("status", "attempts", "last_error")) == {(Status.SENT, 2, "")}


def test_it_retries_with_backoff_then_gives_up_and_says_why(outbox, time_machine, db):
    """Down for good: seven attempts, 1 min, 5 min, 30 min, 2 h, 6 h and 16 h apart, then failed with the error."""
    time_machine.move_to(START, tick=False)
    outbox.stop()
    mail.send_mail("Hello", "Body", None, ["a@example.org"])

    attempts_at = []
    for _attempt in range(10):
        queued = OutgoingMail.objects.get()
        if queued.status != Status.PENDING:
            break
        time_machine.move_to(max(queued.next_attempt_at, datetime.datetime.now(datetime.UTC)), tick=False)
        deliver_mail()
        attempts_at.append(OutgoingMail.objects.get().last_attempt_at)

    queued = OutgoingMail.objects.get()
    assert (queued.status, queued.attempts) == (Status.FAILED, 7)
    assert [later - earlier for earlier, later in itertools.pairwise(attempts_at)] == RETRY_DELAYS
    assert "could not be reached" in queued.last_error
    assert outbox.received == []
