from collections import defaultdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from providers.hsds.archive import ArchiveLimits
from providers.hsds.importer import FORMATS, import_hsds
from providers.hsds.importer.files import Files
from providers.hsds.importer.readers.detect import detect
from providers.hsds.importer.records import MODELS
from providers.hsds.importer.report import ImportReport


class Command(BaseCommand):
    help = (
        "Import Open Referral HSDS data from a file, folder or zip: HSDS 3.0/3.1 JSON or CSV data package, "
        "HSDS 2.0 CSV, HSDS 1.1 CSV, Open Referral UK v1 JSON or Ohana CSV, recognised by their files and "
        "shapes (or named with --format). Records are upserted by id; nothing is written if any record is "
        "invalid, unless --partial."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="A JSON file, a folder or a zip archive.")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default="auto",
            help="auto (the default) recognises each format by its file names, columns and JSON keys, and says "
            "which it read; when the clues do not tell, the error lists them. hsds-3.0 (JSON or CSV package, 3.1 "
            "too), hsds-2.0 and hsds-1.1 (CSV), oruk-1 (Open Referral UK v1 JSON), ohana (Ohana API CSV).",
        )
        parser.add_argument(
            "--partial", action="store_true", help="Write the valid records and report the others (exit status 0)."
        )
        parser.add_argument(
            "--source",
            help="The dataset's name, from which records without UUIDs get their ids "
            "(default: the file or folder name). Use the same name to re-import the same dataset.",
        )
        # A zip's limits (providers/hsds/archive.py): checked before anything in it is expanded.
        parser.add_argument(
            "--max-expanded-mb",
            type=int,
            help="A zip's files may expand to this many megabytes together "
            "(default: the setting HSDS_IMPORT_MAX_EXPANDED_MB, 1000).",
        )
        parser.add_argument(
            "--max-files", type=int, help="A zip may hold this many files (default: HSDS_IMPORT_MAX_FILES, 100000)."
        )
        parser.add_argument(
            "--max-ratio",
            type=int,
            help="A zip, or a file in it over 1 MB, may expand this many times its compressed size "
            "(default: HSDS_IMPORT_MAX_RATIO, 100).",
        )

    def handle(self, *args, **options) -> None:
        self.last_percent = -1
        limits = ArchiveLimits.from_settings(
            expanded_mb=options["max_expanded_mb"], files=options["max_files"], ratio=options["max_ratio"]
        )
        try:
            format = options["format"]
            if format == "auto":
                detection = detect(Files(Path(options["path"]), limits))
                self.stdout.write(f"Format: {detection}")
                format = detection.format
            report = import_hsds(
                options["path"],
                format=format,
                partial=options["partial"],
                source=options["source"],
                progress=self.show_progress,
                archive_limits=limits,
            )
        except (FileNotFoundError, ValueError) as error:
            raise CommandError(str(error)) from None
        self.write_problems(report, verbose=options["verbosity"] >= 2)
        if report.rolled_back:
            records = len({(problem.where, problem.kind, problem.record) for problem in report.errors})
            raise CommandError(
                f"Nothing was imported: {len(report.errors)} errors in {records} records (listed above). "
                "Fix them, or import the valid records with --partial."
            )
        for kind, model in MODELS.items():
            if kind in report.tallies:
                self.stdout.write(f"{str(model._meta.verbose_name_plural).capitalize()}: {report.tallies[kind]}")
        if report.geocoded:
            self.stdout.write(f"Locations placed at their ZIP code's center: {report.geocoded}.")
        if report.reindexed is not None:
            self.stdout.write(f"Search index: {report.reindexed} services written.")
        self.stdout.write(f"Imported: {report.total}")

    def show_progress(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if percent == self.last_percent:
            return
        self.last_percent = percent
        width = 30
        filled = width * percent // 100
        self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} records", ending="")
        if done >= total:
            self.stderr.write("")

    def write_problems(self, report: ImportReport, *, verbose: bool) -> None:
        # Every error, each with its file, row or record, field and reason.
        for problem in report.errors:
            self.stderr.write(self.style.ERROR(f"error: {problem}"))
        if verbose:
            for problem in report.warnings:
                self.stderr.write(self.style.WARNING(f"warning: {problem}"))
            return
        # Warnings are grouped by what they say: one line, a count and the first record of each kind.
        groups = defaultdict(list)
        for problem in report.warnings:
            groups[problem.kind, problem.field, problem.reason].append(problem)
        for problems in groups.values():
            first = problems[0]
            more = f" (and {len(problems) - 1} more like it; -v 2 lists them)" if len(problems) > 1 else ""
            self.stderr.write(self.style.WARNING(f"warning: {first}{more}"))
