"""Every e-mail is stored in the outbox in the transaction of the change it tells about, whole, and sent
by the worker: a rolled-back change sends nothing, and nothing talks to a mail server during a request."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from directory.mail import check_mail_settings, deliver_due
from directory.models import OutgoingMail, Preference
from referrals.models import Referral

from .conftest import api_client, send_referral

Status = OutgoingMail.Status


def test_it_queues_the_referral_email_with_the_referral(outbox, participant, consent, service_a, carol, alice):
    """Sending a referral stores alice's e-mail, in her language; the mail server hears of it only from the worker."""
    Preference.objects.create(user=alice, language="es")

    referral = send_referral(participant, service_a, carol)

    queued = OutgoingMail.objects.get()
    assert (queued.status, queued.to, queued.from_email) == (
        Status.PENDING,
        ["alice@example.org"],
        "directory@localhost",
    )
    assert queued.subject == "Nuevo referido para Sunrise Daycare"
    assert f"/referrals/{referral.pk}/" in queued.body
    assert queued.headers["Content-Language"] == "es"
    assert queued.headers["Message-ID"].endswith(">")
    assert outbox.received == []
    assert mail.outbox == []

    assert deliver_due().sent == 1

    [received] = outbox.received
    assert received["Subject"] == "Nuevo referido para Sunrise Daycare"
    assert received["To"] == "alice@example.org"
    assert received["Content-Language"] == "es"
    assert received["Message-ID"] == queued.headers["Message-ID"]
    assert f"/referrals/{referral.pk}/" in received.get_content()


def test_it_queues_nothing_for_a_rolled_back_change(outbox, participant, consent, service_a, carol):
    """The referral is rolled back after its e-mail was written: no e-mail is left to send."""
    with pytest.raises(RuntimeError), transaction.atomic():
        send_referral(participant, service_a, carol)
        raise RuntimeError("something after the referral failed")

    assert not OutgoingMail.objects.exists()
    assert deliver_due().claimed == 0
    assert outbox.received == []


@pytest.mark.django_db(transaction=True)
def test_it_saves_the_change_when_its_email_cannot_be_written(
    outbox, settings, tmp_path, caplog, participant, consent, service_a, workforce_program, admin, alice
):
    """A template that fails while rendering: POST /api/v1/referrals/ still answers 201, the referral is
    saved, no e-mail is queued, and the error is logged."""
    broken = tmp_path / "templates" / "referrals" / "email"
    broken.mkdir(parents=True)
    (broken / "referral_sent.txt").write_text("{% url 'no-such-page' %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates"]}]

    response = api_client(workforce_program, admin).post(
        "/api/v1/referrals/",
        {"participant": str(participant.pk), "service": str(service_a.pk), "need": "child-care"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Referral.objects.filter(pk=response.json()["id"]).exists()
    assert not OutgoingMail.objects.exists()
    assert "referrals/email/referral_sent to alice@example.org could not be written" in caplog.text


def test_it_keeps_everything_a_message_carries(outbox, db):
    """Cc, Bcc (envelope only), Reply-To, an HTML alternative, an attachment and extra headers reach the server."""
    message = mail.EmailMultiAlternatives(
        "Plan for M. & R.",
        "Plain text: Kids & Families' Center",
        "Network <network@example.org>",
        ["a@example.org"],
        cc=["c@example.org"],
        bcc=["hidden@example.org"],
        reply_to=["desk@example.org"],
        headers={"Content-Language": "en", "X-Campaign": "spring"},
    )
    message.attach_alternative("<p>Kids &amp; Families' Center</p>", "text/html")
    message.attach("plan.csv", "name,place\nKids & Families,Denver\n", "text/csv")
    message.attach("logo.bin", bytes(range(256)), "application/octet-stream")

    assert message.send() == 1
    assert deliver_due().sent == 1

    [received] = outbox.received
    assert outbox.envelopes == [("network@example.org", ["a@example.org", "c@example.org", "hidden@example.org"])]
    assert (received["From"], received["To"], received["Cc"], received["Reply-To"]) == (
        "Network <network@example.org>",
        "a@example.org",
        "c@example.org",
        "desk@example.org",
    )
    assert received["Bcc"] is None
    assert (received["Subject"], received["Content-Language"], received["X-Campaign"]) == (
        "Plan for M. & R.",
        "en",
        "spring",
    )
    assert received.get_body(("plain",)).get_content().strip() == "Plain text: Kids & Families' Center"
    assert received.get_body(("html",)).get_content().strip() == "<p>Kids &amp; Families' Center</p>"
    attachments = {part.get_filename(): part for part in received.iter_attachments()}
    assert attachments["plan.csv"].get_content().splitlines() == ["name,place", "Kids & Families,Denver"]
    assert attachments["logo.bin"].get_content() == bytes(range(256))


def test_it_stores_a_message_the_server_must_not_see_as_failed_without_raising(outbox, db):
    """A line break in the subject (header injection) is refused as Django refuses it, but the caller goes on."""
    sent = mail.send_mail("Hello\nBcc: victim@example.org", "Body", None, ["a@example.org"])

    assert sent == 0
    refused = OutgoingMail.objects.get()
    assert refused.status == Status.FAILED
    assert refused.last_error.startswith("BadHeaderError")
    assert deliver_due().claimed == 0
    assert outbox.received == []


def test_it_sends_nothing_for_a_message_without_recipients(outbox, db):
    """No address, no row: there is nothing to send."""
    assert mail.send_mail("Hello", "Body", None, []) == 0
    assert not OutgoingMail.objects.exists()


def test_it_sends_through_the_outbox_with_a_timeout_in_production():
    """With production settings the site writes to the outbox, the worker sends over SMTP, 10 s per step."""
    unset = ("DEBUG", "EMAIL_BACKEND", "EMAIL_TIMEOUT")
    environment = {key: value for key, value in os.environ.items() if key not in unset}
    code = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.MAIL_DELIVERY_BACKEND, s.EMAIL_TIMEOUT)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=settings.BASE_DIR,
        env={
            **environment,
            "SECRET_KEY": "x" * 60,
            "FIELD_ENCRYPTION_KEYS": "9fZ1uV7Jx0p2G4zM1bOeq9w8hT3sK6yR2nLcA5dE0fI=",
            "FIELD_INDEX_KEY": "y" * 60,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "directory.mail.OutboxBackend",
        "django.core.mail.backends.smtp.EmailBackend",
        "10",
    ]


def test_it_refuses_to_deliver_into_the_outbox_itself(settings):
    """EMAIL_BACKEND naming the outbox would store mail forever: the system check says so."""
    settings.MAIL_DELIVERY_BACKEND = "directory.mail.OutboxBackend"
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = True

    assert [problem.id for problem in check_mail_settings()] == ["directory.E001", "directory.E002"]
    with pytest.raises(Exception, match=r"directory\.E001"):
        call_command("check")
