"""Try real HSDS-family datasets as a new network would: import each into an empty database, then check the feed.

    .venv/bin/python -m bench.real_data fixtures/hsds/datasets/ilao-hsds-1.1:hsds-1.1 /path/to/feed.json
    .venv/bin/python -m bench.real_data --markdown DATASET[:FORMAT] ...

For each dataset (a folder, zip or file; ``:FORMAT`` names the importer format, ``auto`` by default), a
process of its own with a fresh SQLite database and search index under var/real-data/<name>/: migrate,
``load_reference_data``, ``import_hsds --partial`` (its summary and grouped warnings kept beside the
database as import.log), then every service and organization of the HSDS feed, page by page, validated
against the official compiled HSDS 3.0 schemas (fixtures/hsds/v3.0) and, when vendored, the 3.1-dev ones.
Prints a line per dataset: records per kind in the directory afterwards, the import's problems grouped by
reason, and how many feed records each schema rejects (with the first reasons). Not a test: real data
is not in the suite, and a run takes as long as the datasets are big.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = {
    "3.0": ROOT / "fixtures" / "hsds" / "v3.0" / "schema" / "compiled",
    "3.1-dev": ROOT / "fixtures" / "hsds" / "v3.1-dev" / "schema" / "compiled",
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def validators() -> dict:
    """Draft 2020-12 validators of the compiled service and organization schemas, formats checked."""
    from jsonschema import Draft202012Validator

    found = {}
    for version, folder in SCHEMAS.items():
        for kind in ("service", "organization"):
            path = folder / f"{kind}.json"
            if path.exists():
                schema = json.loads(path.read_text())
                found[version, kind] = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return found


def check_feed() -> dict:
    """Every service and organization of the feed, validated; {(version, kind): [records, invalid, reasons]}."""
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    results = {}
    checks = validators()
    for kind, path in (("service", "services"), ("organization", "organizations")):
        page, records = 1, []
        while True:
            parameters = {"page": page, "per_page": 100, "full": "true"}
            response = client.get(f"/{settings.HSDS_FEED_PREFIX}{path}", parameters)
            body = response.json()
            records += body.get("contents", [])
            if body.get("last_page", True):
                break
            page += 1
        for (version, checked_kind), validator in checks.items():
            if checked_kind != kind:
                continue
            reasons = Counter()
            invalid = 0
            for record in records:
                errors = list(validator.iter_errors(record))
                if errors:
                    invalid += 1
                    for error in errors[:3]:
                        where = "/".join(str(part) for part in error.absolute_path)
                        reasons[f"{where}: {error.message[:120]}"] += 1
            results[f"{version} {kind}"] = [len(records), invalid, reasons.most_common(3)]
    return results


def one(path: str, format: str) -> dict:
    """In this process (its environment names a fresh database and index): import, count, check the feed."""
    import io

    import django

    django.setup()
    from django.core.management import call_command

    from providers.hsds.importer.records import MODELS

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0, stdout=io.StringIO())
    counts_before = {kind: model.objects.count() for kind, model in MODELS.items()}
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    call_command("import_hsds", path, format=format, partial=True, stdout=out, stderr=err)
    seconds = time.perf_counter() - started
    log_path = Path(os.environ["REAL_DATA_DIR"]) / "import.log"
    log_path.write_text(out.getvalue() + "\n" + err.getvalue())
    counts = {kind: model.objects.count() - counts_before[kind] for kind, model in MODELS.items()}
    warnings = Counter(
        line.split(": ", 3)[-1][:140] for line in err.getvalue().splitlines() if line.startswith(("warning:", "error:"))
    )
    return {
        "imported": {kind: count for kind, count in counts.items() if count},
        "seconds": round(seconds, 1),
        "summary": out.getvalue().strip().splitlines()[-1:],
        "problem_lines": len(err.getvalue().splitlines()),
        "top_problems": warnings.most_common(8),
        "feed": check_feed(),
    }


def run(spec: str) -> dict:
    path, _, format = spec.partition(":")
    name = Path(path.rstrip("/")).name
    folder = ROOT / "var" / "real-data" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = {
        **os.environ,
        "DEBUG": "True",
        "DJANGO_SETTINGS_MODULE": "directory.settings",
        "DATABASE_URL": f"sqlite:///{folder / 'directory.sqlite3'}",
        "SEARCH_INDEX_DIR": str(folder / "search-index"),
        "REAL_DATA_DIR": str(folder),
    }
    log(f"{name}: importing as {format or 'auto'} ...")
    process = subprocess.run(
        [sys.executable, "-m", "bench.real_data", "--one", path, "--format", format or "auto"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if process.returncode != 0:
        return {"name": name, "failed": process.stderr[-2000:]}
    return {"name": name, "format": format or "auto", **json.loads(process.stdout.splitlines()[-1])}


def markdown(results: list[dict]) -> str:
    lines = ["| dataset | format | imported | seconds | feed: invalid / checked |", "|---|---|---|---|---|"]
    for result in results:
        if "failed" in result:
            lines.append(f"| {result['name']} | | failed | | |")
            continue
        imported = ", ".join(f"{kind} {count}" for kind, count in result["imported"].items())
        feed = "; ".join(f"{check}: {invalid} / {total}" for check, (total, invalid, _) in result["feed"].items())
        lines.append(f"| {result['name']} | {result['format']} | {imported} | {result['seconds']} | {feed} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", nargs="*", help="PATH[:FORMAT]")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--format", default="auto", help=argparse.SUPPRESS)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table after the details")
    options = parser.parse_args()
    if options.one:
        print(json.dumps(one(options.one, options.format)))
        return
    results = [run(spec) for spec in options.datasets]
    for result in results:
        print(json.dumps(result, indent=2))
    if options.markdown:
        print(markdown(results))


if __name__ == "__main__":
    main()
