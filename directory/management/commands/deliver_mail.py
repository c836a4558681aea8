import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from directory import mail


class Command(BaseCommand):
    help = (
        "Send the e-mails waiting in the outbox and retry failed ones with backoff. Safe to run from cron "
        "(every minute) and from several workers at once: each e-mail is claimed before it is sent, and one "
        "whose worker died is sent again after a lease of a few minutes. --forever runs as a worker."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--forever", action="store_true", help="Keep running: send what is due, sleep, repeat, until SIGTERM."
        )
        parser.add_argument(
            "--interval", type=float, default=5.0, help="Seconds to sleep between runs with --forever (default 5)."
        )

    def handle(self, *args, forever: bool, interval: float, **options) -> None:
        stop = threading.Event()
        previous_handler = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set()) if forever else None
        total = mail.MailRun()
        try:
            while not stop.is_set():
                if not connection.in_atomic_block:
                    close_old_connections()  # a long-lived worker: drop a connection the database closed
                while not stop.is_set():
                    run = mail.deliver_due(limit=mail.BATCH_SIZE, stop=stop)
                    total.add(run)
                    if run.claimed < mail.BATCH_SIZE:
                        break  # nothing more is due now
                if not forever or stop.wait(interval):
                    break
        except KeyboardInterrupt:
            pass  # what was claimed and not sent goes out after its lease
        finally:
            if forever:
                signal.signal(signal.SIGTERM, previous_handler)
        self.stdout.write(f"E-mails: {total.sent} sent, {total.retrying} retrying, {total.failed} failed.")
