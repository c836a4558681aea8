"""A mail host that accepts the connection and never answers holds the worker no longer than EMAIL_TIMEOUT;
the e-mails wait with the error for their next attempt."""

import time

from django.core import mail

from directory.mail import deliver_due
from directory.models import OutgoingMail

from .support import Silent


def test_it_gives_up_on_a_silent_server_after_email_timeout(outbox, settings, db):
    """Three e-mails, a server that never greets: one wait of EMAIL_TIMEOUT (1 s), not one per e-mail, nor forever."""
    settings.EMAIL_TIMEOUT = 1
    for number in range(3):
        mail.send_mail(f"Message {number}", "Body", None, [f"person{number}@example.org"])

    with Silent() as silent:
        settings.EMAIL_PORT = silent.port
        started = time.monotonic()
        run = deliver_due()
        elapsed = time.monotonic() - started

    assert 1 <= elapsed < 3
    assert (run.claimed, run.sent, run.retrying) == (3, 0, 3)
    assert silent.connections, "the worker did reach the server"
    waiting = OutgoingMail.objects.all()
    assert {(queued.status, queued.attempts) for queued in waiting} == {(OutgoingMail.Status.PENDING, 1)}
    assert all("timed out" in queued.last_error for queued in waiting)
