from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from providers.hsds.archive import ArchiveLimits
from providers.hsds.importer import FORMATS, import_hsds
from providers.hsds.importer.files import Files
from providers.hsds.importer.readers.detect import detect
from providers.hsds.importer.records import MODELS
from providers.hsds.importer.report import Group, ImportReport, group_problems, group_skips

# The default output stays readable whatever the size of the data: so many groups of alike problems per
# severity (each a line and a few examples), so many reasons per kind of skipped record. -v 2 and
# --report FILE give every problem.
GROUPS_SHOWN = 30
REASONS_SHOWN = 6
TABLE_COLUMNS = ("in source", "imported", "created", "updated", "unchanged", "skipped", "warnings")


class Command(BaseCommand):
    help = (
        "Import Open Referral HSDS data from a file, folder or zip: HSDS 3.0/3.1 JSON or CSV data package, "
        "HSDS 2.0 CSV, HSDS 1.1 CSV, Open Referral UK v1 JSON or Ohana CSV, recognised by their files and "
        "shapes (or named with --format). Records are upserted by id; nothing is written if any record is "
        "invalid, unless --partial. "
        "Problems alike are grouped with a count and examples (-v 2 lists each); --report FILE writes every "
        "one as CSV. A table per kind of record closes: in the source, imported, skipped and why."
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
        parser.add_argument(
            "--report",
            metavar="FILE",
            help="Write every problem to FILE as CSV (severity, file, line, JSON pointer, kind, source id, field, "
            "value, reason, detail), also when nothing was imported.",
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
        if options["verbosity"] >= 2:
            self.write_every_problem(report)
        else:
            self.write_grouped_problems(report)
            self.write_not_kept(report)
        if options["report"]:
            try:
                count = report.write_csv(options["report"])
            except OSError as error:
                raise CommandError(f"The report cannot be written to {options['report']}: {error.strerror}.") from None
            self.stderr.write(f"Every problem ({count:,}) is in {options['report']}.")
        if report.rolled_back:
            records = len({(problem.where, problem.kind, problem.record) for problem in report.errors})
            where = options["report"] or "-v 2 or --report FILE"
            raise CommandError(
                f"Nothing was imported: {len(report.errors):,} errors in {records:,} records (above; every one "
                f"in {where}). Fix them, or import the valid records with --partial."
            )
        self.write_table(report)
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

    # -- problems, on standard error

    def style_for(self, severity: str):
        return self.style.ERROR if severity == "error" else self.style.WARNING

    def write_every_problem(self, report: ImportReport) -> None:
        for severity, problem in report.problems():
            self.stderr.write(self.style_for(severity)(f"{severity}: {problem}"))

    def write_grouped_problems(self, report: ImportReport) -> None:
        """Each group of alike problems: one line with its count and three examples by the source's ids."""
        for severity, problems in (("error", report.errors), ("warning", report.warnings)):
            style = self.style_for(severity)
            groups = group_problems(problem for problem in problems if not problem.not_kept)
            for group in groups[:GROUPS_SHOWN]:
                for line in self.group_lines(severity, group):
                    self.stderr.write(style(line))
            rest = groups[GROUPS_SHOWN:]
            if rest:
                self.stderr.write(
                    style(
                        f"{severity}: … and {len(rest):,} more kinds of {severity} "
                        f"({sum(group.count for group in rest):,} problems): -v 2 or --report FILE lists every one."
                    )
                )

    def group_lines(self, severity: str, group: Group) -> list[str]:
        if group.count == 1:
            return [f"{severity}: {group.examples[0]}"]
        lines = [f"{severity}: {group.subject}: {group.reason} — {group.count:,} times:"]
        lines += [f"    {problem.example}" for problem in group.examples]
        if group.count > len(group.examples):
            more = group.count - len(group.examples)
            lines.append(f"    … and {more:,} more (-v 2 or --report FILE lists every one)")
        return lines

    def write_not_kept(self, report: ImportReport) -> None:
        """Name once, with its count, every field, table and file the directory does not keep (never cut short)."""
        for problem in report.warnings:
            if problem.not_kept:
                self.stderr.write(self.style.WARNING(f"warning: {problem}"))

    # -- the closing table, on standard output

    def write_table(self, report: ImportReport) -> None:
        """Per kind of record: in the source, imported (created, updated, unchanged), skipped, warnings."""
        warnings = {kind: 0 for kind in MODELS}
        for problem in report.warnings:
            if problem.kind in warnings:
                warnings[problem.kind] += 1
        rows = []
        for kind, model in MODELS.items():
            tally = report.tally(kind) if kind in report.tallies else None
            if not (report.in_source[kind] or report.made[kind] or tally):
                continue
            tally = tally or report.tally(kind)
            numbers = (report.in_source[kind], tally.imported, tally.created, tally.updated, tally.unchanged)
            label = str(model._meta.verbose_name_plural).capitalize()
            rows.append((kind, label, (*numbers, tally.skipped, warnings[kind])))
        totals = tuple(sum(numbers[column] for *_, numbers in rows) for column in range(len(TABLE_COLUMNS)))
        cells = [[f"{number:,}" for number in numbers] for *_, numbers in [*rows, ("", "", totals)]]
        labels = [label for _, label, _ in rows] + ["All records"]
        label_width = max(len(label) for label in labels)
        widths = [max(len(header), *(len(row[column]) for row in cells)) for column, header in enumerate(TABLE_COLUMNS)]
        self.stdout.write(
            " " * label_width
            + "".join(f"  {header:>{width}}" for header, width in zip(TABLE_COLUMNS, widths, strict=True))
        )
        for label, row in zip(labels, cells, strict=True):
            self.stdout.write(
                f"{label:<{label_width}}"
                + "".join(f"  {cell:>{width}}" for cell, width in zip(row, widths, strict=True))
            )
        self.stdout.write("")
        made = [(label, report.made[kind]) for kind, label, _ in rows if report.made[kind]]
        if made:
            self.stdout.write(
                "Made by the import (not in the source): " + "; ".join(f"{label} {count:,}" for label, count in made)
            )
        skipped = [(kind, label, numbers[5]) for kind, label, numbers in rows if numbers[5]]
        if skipped:
            self.stdout.write("Skipped, by reason:")
            for kind, label, count in skipped:
                self.stdout.write(f"  {label}: {count:,}")
                reasons = group_skips(report.skips.get(kind, []))
                shown, rest = reasons[:REASONS_SHOWN], reasons[REASONS_SHOWN:]
                if rest:
                    shown.append((f"{len(rest)} other reasons", sum(number for _, number in rest)))
                width = max(len(f"{number:,}") for _, number in shown)
                for reason, number in shown:
                    self.stdout.write(f"    {number:>{width},}  {reason}")
