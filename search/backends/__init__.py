"""Where search looks things up: the backend settings.SEARCH_BACKEND names, and the upkeep that feeds it.

- ``whoosh`` (the default): an index in a folder on this host (search/backends/whoosh/). Fast and nothing to
  run beside the app, but one host only: another web host would need its own index.
- ``postgres``: full-text search in the shared PostgreSQL database (search.models.SearchDocument), so
  any number of stateless web hosts search the same documents.

A backend only narrows the candidates: it matches the text (exactly, then with typos) and applies the
coarse prefilters, and returns each candidate's Brief (search.documents: what a search checks for every
candidate) with a text score. Everything after that (exact distance, area and hours, eligibility,
facets, ranking) is search/query.py's, the same for both, so both return the same shape and rank by
the same rules. The whole stored ``data`` is read for the page shown only (``details``).

Upkeep: providers.signals.services_changed → ``queue`` → after the transaction commits, one batched
``write`` that re-reads those services from the database into the configured backend. ``queue`` also
records each service as a PendingIndexWrite in the transaction of the change, deleted once written: a
process killed between the commit and the write leaves it for ``write_pending`` (the next import, or
``rebuild_search_index --pending``) instead of leaving the index behind the database for good.
"""

import functools
import threading
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from search.backends.base import IndexMissing, SearchBackend
from search.models import PendingIndexWrite

BACKENDS = {
    "whoosh": "search.backends.whoosh.backend.WhooshBackend",
    "postgres": "search.backends.postgres.PostgresBackend",
}


def get_backend() -> SearchBackend:
    """Return the backend settings.SEARCH_BACKEND names (one instance per process and name)."""
    return _backend(settings.SEARCH_BACKEND)


@functools.cache
def _backend(name: str) -> SearchBackend:
    return import_string(BACKENDS[name])()


def write(service_ids: Iterable) -> int:
    """Write these services to the configured backend now."""
    return get_backend().write(service_ids)


def record_pending(service_ids: Iterable) -> None:
    """Note, in the current transaction, that these services wait for their index write (a query a thousand)."""
    now = timezone.now()
    PendingIndexWrite.objects.bulk_create(
        [PendingIndexWrite(service_id=service_id, queued_at=now) for service_id in service_ids],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["service_id"],
        update_fields=["queued_at"],
    )


def write_and_clear(service_ids: Iterable) -> int:
    """Write these services, then delete what was pending for them before the write began."""
    ids = list(set(service_ids))
    started = timezone.now()
    written = get_backend().write(ids)
    for start in range(0, len(ids), 1000):
        PendingIndexWrite.objects.filter(service_id__in=ids[start : start + 1000], queued_at__lt=started).delete()
    return written


def write_pending(service_ids: Iterable = ()) -> int:
    """Write these services and every service still pending from an earlier change (settings.HSDS_REINDEX).

    After an import has committed: what it changed, and what a process killed after its commit left behind.
    With no index yet, or an empty one (a new network's first import), build the whole index instead, so
    that search works as soon as the import ends.
    """
    backend = get_backend()
    try:
        empty = backend.document_count() == 0
    except IndexMissing:
        empty = True
    if empty:
        started = timezone.now()
        written = backend.rebuild()
        PendingIndexWrite.objects.filter(queued_at__lt=started).delete()
        return written
    leftover = PendingIndexWrite.objects.values_list("service_id", flat=True)
    return write_and_clear({*service_ids, *leftover})


_pending = threading.local()


def queue(service_ids: Iterable) -> None:
    """Index these services once the current transaction commits (batched; immediately outside one)."""
    if not settings.SEARCH_INDEX_UPKEEP:
        return
    service_ids = set(service_ids)
    if transaction.get_connection().in_atomic_block:
        record_pending(service_ids)
    pending = getattr(_pending, "ids", None)
    if pending is None:
        pending = _pending.ids = set()
    pending.update(service_ids)
    # Registered per change, but the first callback takes the whole batch and the rest find it empty.
    # After a rollback the ids stay pending and are written (from the database) with the next commit.
    # robust: an index failure is logged and never turns a saved change into an error page; a
    # rebuild catches the index up.
    transaction.on_commit(flush, robust=True)


def flush() -> None:
    ids = getattr(_pending, "ids", None)
    if ids:
        _pending.ids = set()
        write_and_clear(ids)
