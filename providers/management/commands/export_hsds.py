from django.core.management.base import BaseCommand, CommandError

from providers.hsds import exporter


class Command(BaseCommand):
    help = (
        "Write the whole directory as Open Referral HSDS 3.0: OUT/json (one organization_full file per "
        "organization, plus the taxonomies and their terms) and OUT/csv (the tabular data package). "
        "Files of an earlier export in OUT are replaced."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("out", help="The folder to write to; created if missing.")

    def handle(self, *args, **options) -> None:
        if not exporter.DATAPACKAGE_PATH.exists():
            raise CommandError(
                f"The official HSDS datapackage.json is missing: expected at {exporter.DATAPACKAGE_PATH}."
            )
        result = exporter.export_hsds(options["out"], progress=self.show_progress)
        rows = sum(result.csv_rows.values())
        self.stdout.write(
            f"Exported {result.organizations} organizations and {result.services} services: "
            f"{result.json_files} JSON files in {options['out']}/json, "
            f"{len(result.csv_rows)} CSV tables ({rows} rows) in {options['out']}/csv."
        )

    def show_progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} organizations", ending="")
        if done == total:
            self.stderr.write("")
