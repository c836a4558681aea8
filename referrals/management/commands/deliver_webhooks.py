from django.core.management.base import BaseCommand

from directory import outbox
from referrals import webhooks


class Command(BaseCommand):
    help = (
        "Send the webhook deliveries that are due, signed, and retry failed ones with backoff. Safe to run "
        "from cron (every minute) and from several workers at once: each delivery is claimed before it is "
        "sent, and one whose worker died is sent again after a lease of a few minutes. --forever runs as a worker."
    )

    def add_arguments(self, parser) -> None:
        outbox.add_worker_arguments(parser)

    def handle(self, *args, forever: bool, interval: float, **options) -> None:
        total = outbox.work(
            lambda stop: webhooks.deliver_due(limit=webhooks.BATCH_SIZE, stop=stop),
            webhooks.DeliveryRun(),
            batch_size=webhooks.BATCH_SIZE,
            forever=forever,
            interval=interval,
        )
        summary = f"Webhook deliveries: {total.delivered} delivered, {total.retrying} retrying, {total.failed} failed."
        if total.endpoints_disabled:
            summary += f" Endpoints disabled: {total.endpoints_disabled}."
        self.stdout.write(summary)
