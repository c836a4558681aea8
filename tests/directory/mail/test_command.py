"""manage.py deliver_mail sends what is due and says so in one line; --forever stops cleanly on SIGTERM,
handing back what it had claimed and not sent."""

import io
import os
import signal
import threading

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from directory.mail import deliver_due
from directory.models import OutgoingMail

Status = OutgoingMail.Status


def deliver_mail(*args) -> str:
    out = io.StringIO()
    call_command("deliver_mail", *args, stdout=out)
    return out.getvalue()


def test_it_sends_what_is_due_in_batches_and_prints_a_summary(outbox, db, monkeypatch):
    """Three e-mails with batches of two: one run sends all three; a second run finds nothing."""
    monkeypatch.setattr("directory.mail.BATCH_SIZE", 2)
    for number in range(3):
        mail.send_mail(f"Message {number}", "Body", None, [f"person{number}@example.org"])

    assert deliver_mail() == "E-mails: 3 sent, 0 retrying, 0 failed.\n"
    assert deliver_mail() == "E-mails: 0 sent, 0 retrying, 0 failed.\n"
    assert [message["Subject"] for message in outbox.received] == ["Message 0", "Message 1", "Message 2"]


def test_it_runs_forever_until_sigterm(outbox, db):
    """--forever sends, sleeps and sends again until SIGTERM, then prints its summary and puts the handler back."""
    mail.send_mail("Before", "Body", None, ["a@example.org"])
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    previous = signal.getsignal(signal.SIGTERM)

    output = deliver_mail("--forever", "--interval", "0.05")

    timer.join()
    assert output == "E-mails: 1 sent, 0 retrying, 0 failed.\n"
    assert signal.getsignal(signal.SIGTERM) == previous


def test_it_hands_back_what_it_claimed_when_asked_to_stop(outbox, db):
    """A stop (SIGTERM) before the send: nothing is sent, and the e-mail is due at once for the next run."""
    mail.send_mail("Hello", "Body", None, ["a@example.org"])
    stop = threading.Event()
    stop.set()

    run = deliver_due(stop=stop)

    assert (run.claimed, run.sent) == (1, 0)
    assert outbox.received == []
    queued = OutgoingMail.objects.get()
    assert queued.status == Status.PENDING and queued.next_attempt_at <= timezone.now()
    assert deliver_due().sent == 1


def test_it_is_claimed_by_one_worker_only(outbox, db):
    """A second worker running at the same moment finds nothing due: the first one's claim holds it."""
    from directory.mail import LEASE, _claim

    mail.send_mail("Hello", "Body", None, ["a@example.org"])
    now = timezone.now()

    assert len(_claim(now, now + LEASE, 10)) == 1
    assert _claim(now, now + LEASE, 10) == []
    assert OutgoingMail.objects.get().status == Status.SENDING
