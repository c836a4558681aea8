from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from providers.portal.services import verification_reminders_send


class Command(BaseCommand):
    help = (
        "E-mail the editors of listings not confirmed within VERIFY_AFTER_DAYS a link to each listing's confirm "
        "page. Safe to run from cron, even twice a day: an editor hears about a listing at most once every "
        "--every days."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=int,
            default=7,
            metavar="DAYS",
            help="Remind about the same listing again after this many days (default 7).",
        )

    def handle(self, *args, every: int, **options) -> None:
        if every < 1:
            raise CommandError("--every must be 1 or more days.")
        tally = verification_reminders_send(today=timezone.localdate(), every_days=every)
        self.stdout.write(
            f"Verification reminders: {tally.emails} e-mails about {tally.listings} stale listings; "
            f"{tally.without_editor} stale listings have no editor to remind."
        )
