import time

from django.core.management.base import BaseCommand

from search.backends import get_backend


class Command(BaseCommand):
    help = (
        "Rebuild the search index of the configured backend (settings.SEARCH_BACKEND) from the database. "
        "Safe at any time: the old index serves until the new one is ready."
    )

    def handle(self, *args, **options) -> None:
        backend = get_backend()
        started = time.monotonic()
        count = backend.rebuild(progress=self.show_progress)
        self.stdout.write(
            f"Search index rebuilt: {count} services in {time.monotonic() - started:.1f} s ({backend.describe()})."
        )

    def show_progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} services", ending="")
        if done == total:
            self.stderr.write("")
