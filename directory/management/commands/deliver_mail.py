from django.core.management.base import BaseCommand

from directory import mail, outbox


class Command(BaseCommand):
    help = (
        "Send the e-mails waiting in the outbox and retry failed ones with backoff. Safe to run from cron "
        "(every minute) and from several workers at once: each e-mail is claimed before it is sent, and one "
        "whose worker died is sent again after a lease of a few minutes. --forever runs as a worker."
    )

    def add_arguments(self, parser) -> None:
        outbox.add_worker_arguments(parser)

    def handle(self, *args, forever: bool, interval: float, **options) -> None:
        total = outbox.work(
            lambda stop: mail.deliver_due(limit=mail.BATCH_SIZE, stop=stop),
            mail.MailRun(),
            batch_size=mail.BATCH_SIZE,
            forever=forever,
            interval=interval,
        )
        self.stdout.write(f"E-mails: {total.sent} sent, {total.retrying} retrying, {total.failed} failed.")
