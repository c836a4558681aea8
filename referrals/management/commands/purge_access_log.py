from django.conf import settings
from django.core.management.base import BaseCommand

from referrals import access_log


class Command(BaseCommand):
    help = (
        "Delete the access log's records of reads older than ACCESS_LOG_RETENTION_DAYS. Safe to run from cron: "
        "a second run, or two at once, delete nothing more."
    )

    def handle(self, *args, **options) -> None:
        deleted = access_log.purge()
        days = settings.ACCESS_LOG_RETENTION_DAYS
        noun = "record" if deleted == 1 else "records"
        self.stdout.write(f"Deleted {deleted} access log {noun} older than {days} days.")
