"""Import Open Referral HSDS data into the directory (``manage.py import_hsds``).

Two stages. A *reader* turns the source into rows shaped like the tables of the HSDS 3.0 CSV data
package (``organization``, ``service``, ``phone`` ... with their ``*_id`` references), whatever the
source looked like: nested 3.0 JSON is flattened, the 3.0 CSV package and its tabular JSON twin are
read as they are, and the other formats (HSDS 2.0 and 1.1 CSV, Open Referral UK v1 JSON, Ohana CSV: a module
each in readers/) are mapped field by field; ``--format auto`` tells them apart (readers/detect.py). Rows
with the same kind and id are merged, because nested JSON repeats a
record wherever it is used (one phone under its service, location and organization).

The ``Loader`` then writes the rows in dependency order (taxonomies, terms, organizations, locations,
services ...), each one an upsert by id: a missing record is created, an existing one is saved only
when a value differs, so a second import of the same data changes nothing. Every record is validated
like ``full_clean`` would (and against the HSDS schema's required fields); every problem names its file,
row or JSON pointer, record, field and reason. Records are never deleted by an import.

Bulk. Taxonomies and terms (few, with codes and parent chains to check against the database) are
saved one by one. Every other kind is validated in Python without a query per record, then written
with ``bulk_create`` / ``bulk_update`` a batch at a time: ``full_clean``'s queries are done in sets
instead (references: the ids this import wrote or one lookup per kind for those it did not; unique
constraints: a dict for the import and one lookup per kind for the database; check constraints:
evaluated in Python, see ``clean_in_memory``). A batch the database still refuses is written again
record by record, so the one at fault is reported and, with --partial, only it is skipped. Bulk writes
send no post_save: the import runs inside ``providers.signals.collect_changes()``, which marks every
affected service modified and sends one ``services_changed`` with all of them at the end.

Ids. HSDS 3.0 ids are UUIDs and are kept. Where a source has ids that are not UUIDs (every legacy
dataset) or none at all, the record gets ``uuid5(IMPORT_NAMESPACE, "<source>/<kind>/<key>")``, where
``source`` names the dataset (``--source``, by default the file or folder name) and ``key`` is the
source's id or, where it has none, a stable natural key (a phone: its owner and number). The same
record of the same dataset therefore gets the same id on every import, and a re-import updates it.

What the directory keeps beyond HSDS comes back from the attributes of the "directory-extras"
taxonomy that the feed writes (providers/hsds/serialize.py), so export → import → export is exact.
"""

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from providers.hsds.archive import ArchiveLimits
from providers.hsds.importer.files import Files
from providers.hsds.importer.loader import Loader
from providers.hsds.importer.readers import READERS
from providers.hsds.importer.readers.detect import detect
from providers.hsds.importer.records import MODELS, Batch
from providers.hsds.importer.report import ImportReport, Problem
from providers.signals import collect_changes

FORMATS = ("auto", *READERS)


def read(path: Path, *, format: str = "auto", source: str | None = None, limits: ArchiveLimits | None = None) -> Batch:
    """Read the source at ``path`` into a batch of rows; a zip within ``limits`` (by default the settings').

    ``format`` "auto" reads the files for clues of each format first (readers/detect.py): UnknownFormat,
    a ValueError naming every format's clues, when they do not say which.
    """
    if format not in FORMATS:
        raise ValueError(f"Unknown format {format!r}: use one of {', '.join(FORMATS)}.")
    files = Files(path, limits)
    # The dataset's name: a folder's whole name ("ilao-hsds-1.1"), a file's without its extension.
    source = source or (path.name if path.is_dir() else path.stem)
    reader = READERS[detect(files).format if format == "auto" else format]
    batch = Batch(source, legacy=reader.legacy)
    reader.read(files, batch)
    return batch


# ---- the import --------------------------------------------------------------------------------------


def import_hsds(
    path: Path | str,
    *,
    format: str = "auto",
    partial: bool = False,
    source: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    archive_limits: ArchiveLimits | None = None,
) -> ImportReport:
    """Import the HSDS data at ``path``; return what was done and every problem found.

    By default nothing is written when any record is invalid (``report.rolled_back``); with ``partial``
    the valid records are written and the others reported. The upkeep of listings is not done record by
    record: inside the import's transaction every affected service is marked modified at once and one
    ``services_changed`` names them all; the search index gets them in one write after the commit.
    """
    batch = read(Path(path), format=format, source=source, limits=archive_limits)
    report = ImportReport()
    for is_error, problem in batch.problems:
        (report.errors if is_error else report.warnings).append(problem)
    for kind, count in batch.skipped.items():
        report.tally(kind).skipped += count
    for problem in batch.left_out:
        report.skips[problem.kind].append(problem)
    held = {kind: len(batch.rows[kind]) for kind in MODELS}
    report.in_source.update({kind: held[kind] + batch.skipped[kind] for kind in MODELS})
    if batch.derived:
        first = batch.derived[0]
        report.warnings.append(
            Problem(
                first.where,
                first.kind,
                first.source_id,
                "id",
                f"Not a UUID: the record's id is derived from the source name {batch.source!r} and this id.",
                detail=f"{len(batch.derived)} records",
            )
        )
    locate = import_string(settings.HSDS_LOCATE_POSTCODE)
    upkeep = settings.SEARCH_INDEX_UPKEEP
    # The index is written once, after the commit, with every service of the import: cheaper than the upkeep's
    # queue, and it builds the whole index when there is none yet.
    with transaction.atomic(), collect_changes(indexed_by_sender=True) as changes:
        Loader(batch, report, locate=locate, progress=progress, changes=changes).run()
        if report.errors and not partial:
            changes.discard()
            transaction.set_rollback(True)
            report.rolled_back = True
        else:
            report.service_ids = changes.resolve()
            if upkeep:  # kept with the import: a process killed after the commit leaves them for the next run
                import_string(settings.HSDS_REINDEX_QUEUE)(report.service_ids)
    # Records the loader added: made by the import (an organization for a service without one), not in the source.
    report.made.update({kind: len(batch.rows[kind]) - count for kind, count in held.items()})
    report.use_source_ids(batch.source_ids)
    if upkeep:
        report.reindexed = import_string(settings.HSDS_REINDEX)(report.service_ids)
    return report
