"""kill -9 of the mail worker in the middle of a conversation with the mail server: nothing is half-written
(each e-mail is sent, or claimed and waiting for its lease to end), and the next run sends the rest, each once."""

import datetime
import os
import signal
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail

from directory.mail import deliver_due
from directory.models import OutgoingMail

from .support import database_for_subprocesses

pytestmark = pytest.mark.django_db(transaction=True)
Status = OutgoingMail.Status


def start_worker(database_url: str, port: int) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DEBUG": "True",
        "DATABASE_URL": database_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_TIMEOUT": "30",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "deliver_mail"],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_it_loses_and_repeats_nothing_when_the_worker_is_killed_mid_send(outbox, tmp_path, time_machine):
    """Five e-mails; the server takes two, then holds the third conversation; kill -9 then. Two are sent, three
    claimed; after the lease the next run sends those three, and the server has each of the five once."""
    for number in range(5):
        mail.send_mail(f"Message {number}", "Body", None, [f"person{number}@example.org"])
    outbox.hold_after(2)

    with database_for_subprocesses(tmp_path) as database_url:
        worker = start_worker(database_url, outbox.port)
        held = outbox.holding.wait(timeout=60)
        os.kill(worker.pid, signal.SIGKILL)
        _output, errors = worker.communicate(timeout=30)
    outbox.release()

    assert held, errors.decode()
    assert worker.returncode == -signal.SIGKILL

    mails = list(OutgoingMail.objects.order_by("pk"))
    assert [(queued.status, queued.attempts) for queued in mails] == [(Status.SENT, 1)] * 2 + [(Status.SENDING, 0)] * 3
    leases = {queued.next_attempt_at for queued in mails[2:]}
    assert len(leases) == 1
    assert outbox.message_ids() == [queued.headers["Message-ID"] for queued in mails[:2]]

    time_machine.move_to(leases.pop() - datetime.timedelta(seconds=1), tick=False)
    assert deliver_due().claimed == 0  # the lease holds them for the worker that claimed them
    time_machine.shift(datetime.timedelta(seconds=1))
    assert deliver_due().sent == 3

    assert sorted(outbox.message_ids()) == sorted(queued.headers["Message-ID"] for queued in mails)
    assert set(OutgoingMail.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}
