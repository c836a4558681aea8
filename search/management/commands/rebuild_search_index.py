import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from search.backends import get_backend, write_pending
from search.models import PendingIndexWrite


class Command(BaseCommand):
    help = (
        "Rebuild the search index of the configured backend (settings.SEARCH_BACKEND) from the database. "
        "Safe at any time: the old index serves until the new one is ready. With --pending, write only the "
        "services whose index write a stopped process left undone (cheap; safe to run from cron)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--pending", action="store_true", help="write only the services still waiting for their index write"
        )

    def handle(self, *args, pending: bool = False, **options) -> None:
        backend = get_backend()
        started = time.monotonic()
        if pending:
            waiting = PendingIndexWrite.objects.count()
            written = write_pending()
            self.stdout.write(
                f"Search index: {waiting} services were waiting, {written} written "
                f"in {time.monotonic() - started:.1f} s ({backend.describe()})."
            )
            return
        began = timezone.now()
        count = backend.rebuild(progress=self.show_progress)
        # The rebuild read every service after these were queued: none waits any more.
        PendingIndexWrite.objects.filter(queued_at__lt=began).delete()
        self.stdout.write(
            f"Search index rebuilt: {count} services in {time.monotonic() - started:.1f} s ({backend.describe()})."
        )

    def show_progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} services", ending="")
        if done == total:
            self.stderr.write("")
