"""Benchmark the directory at the size of a real network: one run measures everything, side by side.

    make bench                                      # 100,000 services (see the README for how long)
    .venv/bin/python -m bench --services 10000      # a quicker run; --services 1000 for a smoke run
    .venv/bin/python -m bench --demo                # the demo network
    .venv/bin/python -m bench --services 10000 --skip http,ndjson --profile

The dataset is generated (bench/synthetic.py), written as HSDS 3.0 and loaded with import_hsds into
its own database and index under var/bench/<dataset>/, once: later runs reuse it (``--fresh`` builds
it again and measures the import again). A full run writes bench/results.json and bench/RESULTS.md;
a partial one (``--skip``) writes them beside the dataset.
"""

import argparse
import cProfile
import datetime
import io
import json
import math
import os
import pstats
import random
import shlex
import sys
import time
from pathlib import Path

from bench.environment import ROOT, Dataset, configure, machine
from bench.queries import CASE_MANAGER, KINDS, searches, url, zips

MEASURES = ("search", "naive", "suggest", "first", "floor", "edits", "rebuild", "hsds", "ndjson", "http")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Progress:
    """A one-line progress report on stderr: done/total, rate and time left."""

    def __init__(self, label: str, unit: str = "") -> None:
        self.label = label
        self.unit = unit
        self.started = time.monotonic()
        self.shown = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if (done < total and now - self.shown < 0.5) or self.shown == math.inf:
            return
        self.shown = now
        elapsed = now - self.started
        rate = done / elapsed if elapsed else 0
        left = f", {(total - done) / rate:.0f} s left" if rate and done < total else ""
        end = "\n" if done >= total else ""
        if done >= total:
            self.shown = math.inf  # said once: the importer reports its end twice
        print(
            f"\r  {self.label}: {done}/{total} {self.unit} ({rate:.0f}/s{left})   ",
            end=end,
            file=sys.stderr,
            flush=True,
        )


def search_backends(requested: str | None) -> list[str | None]:
    """The backends to measure: those asked for, or the configured one (None: the project has no setting)."""
    from django.conf import settings

    configured = getattr(settings, "SEARCH_BACKEND", None)
    if requested:
        if configured is None:
            raise SystemExit("This version of the project has one search backend: leave out --backends.")
        return [name.strip() for name in requested.split(",") if name.strip()]
    return [configured]


def use_backend(name: str | None):
    """Switch this process to a backend; return an object with rebuild(progress) and document_count()."""
    from django.conf import settings

    if name is None:
        from search.backends.whoosh import index

        return index
    settings.SEARCH_BACKEND = name
    from search.backends import get_backend

    return get_backend()


def document_count(backend) -> int:
    try:
        return backend.document_count()
    except Exception:  # a missing or unreadable index: build it
        return -1


def build(dataset: Dataset, backends: list[str | None]) -> dict:
    """Make the dataset's database and indexes unless they are there; return what loading it measured."""
    from django.core.management import call_command
    from django.db import transaction

    from bench import synthetic
    from providers.models import Service

    call_command("migrate", verbosity=0)
    first = use_backend(backends[0])
    if dataset.build_file.exists():
        build = json.loads(dataset.build_file.read_text())
        log(f"Using the cached {dataset.name} ({build.get('services') or 'demo'} services; --fresh to rebuild).")
    else:
        if Service.objects.exists():
            raise SystemExit(f"{dataset.folder} holds an unfinished build: run again with --fresh.")
        started = time.monotonic()
        if dataset.services is None:
            log("Loading the demo network ...")
            call_command("load_demo", verbosity=0)
            build = {"demo": True}
        else:
            from providers.demo import load_reference_data

            with transaction.atomic():
                load_reference_data()
            first.rebuild()  # an empty index: each import writes its services to it, as in production
            log(f"Writing {dataset.services} synthetic services as HSDS 3.0 to {dataset.hsds_dir} ...")
            synthetic.write(dataset.hsds_dir, services=dataset.services, progress=Progress("written", "services"))
            log("Importing them with import_hsds, one file at a time (the index follows each import) ...")
            progress = {}

            def show(part: str, done: int, total: int) -> None:
                progress.setdefault(part, Progress(f"file {part}", "records"))(done, total)

            result = synthetic.load(dataset.hsds_dir, progress=show)
            build = {
                "services": result.services,
                "records": result.records,
                "parts": result.parts,
                "part_size": synthetic.PART_SIZE,
                "import_seconds": round(result.import_seconds, 1),
                "index_seconds": round(result.index_seconds, 1),
                "services_per_second": round(result.services_per_second, 1),
                "warnings": result.warnings,
            }
        build["built_at"] = datetime.datetime.now(tz=datetime.UTC).isoformat()
        build["build_seconds"] = round(time.monotonic() - started, 1)
        dataset.build_file.write_text(json.dumps(build, indent=2) + "\n")
        log(f"Built {dataset.name} in {build['build_seconds'] / 60:.1f} min.")
    listed = Service.objects.listed().count()
    for name in backends:
        backend = use_backend(name)
        if document_count(backend) != listed:
            log(f"Building the {name or 'search'} index ...")
            backend.rebuild(progress=Progress("indexed", "services"))
    return build


def profile(name: str, folder: Path, function, *args) -> None:
    """Run ``function`` under cProfile; write the top functions to folder/<name>.txt and show the top 5."""
    profiler = cProfile.Profile()
    profiler.enable()
    function(*args)
    profiler.disable()
    folder.mkdir(parents=True, exist_ok=True)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
    path = folder / f"{name}.txt"
    path.write_text(text.getvalue())
    top = io.StringIO()
    pstats.Stats(profiler, stream=top).sort_stats("tottime").print_stats(5)
    body = [line for line in top.getvalue().splitlines() if line.strip()][-6:]
    log(f"  profile of {name} ({path}):\n    " + "\n    ".join(body))


def run_profiles(dataset: Dataset, kinds: dict[str, list[dict]]) -> None:
    from django.test import Client

    from bench import inprocess

    folder = dataset.folder / "profiles"
    client = Client()
    for kind in KINDS:
        slug = kind.split(" (")[0].replace(" + ", "-").replace(" ", "-")
        profile(f"api-{slug}", folder, lambda k=kind: [inprocess.api_search(client, p) for p in kinds[k][:30]])
    profile("naive-case-manager", folder, lambda: [inprocess.naive_search(p) for p in kinds[CASE_MANAGER][:10]])
    profile("hsds-page", folder, lambda: inprocess.hsds_pages(10, warmup=0))
    profile("edits", folder, lambda: inprocess.edit_latency(5))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--services", type=int, default=100_000, help="synthetic services (default 100000)")
    size.add_argument("--demo", action="store_true", help="the demo network instead")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--backends", help="search backends to measure, e.g. whoosh,postgres (default: the setting)")
    parser.add_argument("--fresh", action="store_true", help="generate and import the dataset again")
    parser.add_argument("--queries", type=int, default=200, help="searches of each kind (default 200)")
    parser.add_argument(
        "--baseline-queries",
        type=int,
        help="of these, how many the slow baselines (naive ORM, raw Whoosh reading every match) also run (default all)",
    )
    parser.add_argument("--warmup", type=int, default=20, help="unrecorded searches of each kind first")
    parser.add_argument("--edits", type=int, default=30, help="edits timed until searchable (default 30)")
    parser.add_argument("--feed-pages", type=int, default=200, help="HSDS pages timed (default 200)")
    parser.add_argument("--http-seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--import-during",
        type=int,
        default=0,
        metavar="SERVICES",
        help="also measure HTTP while import_hsds brings this many new services in (SQLite; on a copy of the dataset)",
    )
    parser.add_argument("--skip", default="", help=f"measures to leave out: {','.join(MEASURES)}")
    parser.add_argument("--profile", action="store_true", help="also cProfile the slow measures")
    args = parser.parse_args(argv)
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    if skip - set(MEASURES):
        parser.error(f"unknown measures to skip: {', '.join(sorted(skip - set(MEASURES)))}")
    name = "demo" if args.demo else f"synthetic-{args.services}"
    dataset = Dataset(name, None if args.demo else args.services, args.database)

    started = time.monotonic()
    started_at = datetime.datetime.now(tz=datetime.UTC).isoformat()
    configure(dataset, fresh=args.fresh)

    from django.conf import settings
    from django.urls import clear_url_caches

    from bench import inprocess, processes
    from providers.models import Service

    settings.ROOT_URLCONF = "bench.urls"  # the floor views, for this run only
    clear_url_caches()
    backends = search_backends(args.backends)
    results = {
        "command": "python -m bench " + shlex.join(argv if argv is not None else sys.argv[1:]),
        "started_at": started_at,
        "machine": machine(),
        "backends": {},
    }
    results["build"] = build(dataset, backends)
    listed = Service.objects.listed().count()
    results["dataset"] = {
        "name": dataset.name,
        "services": dataset.services,
        "listed_services": listed,
        "database": dataset.database,
    }
    log(f"Benchmarking {dataset.name}: {listed} listed services, backends {', '.join(map(str, backends))}.")
    kinds = searches(random.Random(7), zips(args.demo), args.queries)

    if "floor" not in skip:
        log("Floor: a trivial JSON view through the same middleware ...")
        results["floor"] = inprocess.floor(args.queries, warmup=args.warmup)
    for backend_name in backends:
        use_backend(backend_name)
        label = backend_name or "whoosh"
        measured = results["backends"][label] = {}
        if "search" not in skip:
            log(f"Search [{label}]: {args.queries} searches of each of {len(kinds)} kinds, side by side ...")
            measured["search"] = inprocess.search_side_by_side(
                kinds,
                warmup=args.warmup,
                raw=label == "whoosh",
                naive="naive" not in skip,
                baseline_rounds=args.baseline_queries,
                progress=Progress("rounds", f"of {len(kinds)} kinds"),
            )
        if "first" not in skip:
            log(f"First search [{label}]: a new process's first case-manager search, 3 times ...")
            measured["first"] = processes.first_search(dataset, kinds[CASE_MANAGER][0], backend=backend_name)
        if "suggest" not in skip:
            log(f"Suggestions [{label}]: {args.queries} as people type ...")
            measured["suggest"] = inprocess.suggest_latency(args.queries, warmup=args.warmup)
        if "edits" not in skip:
            log(f"Edits [{label}]: {args.edits} edits, each timed from its commit until search finds it ...")
            measured["edits"] = inprocess.edit_latency(args.edits, progress=Progress("edits"))
        if "rebuild" not in skip:
            log(f"Rebuild [{label}]: the whole index from the database ...")
            measured["rebuild"] = inprocess.rebuild(progress=Progress("indexed", "services"))
        if "http" not in skip:
            log(f"HTTP [{label}]: gunicorn {args.workers} workers, wrk {args.connections} connections ...")
            paths = [url(params) for kind in KINDS for params in kinds[kind][:50]]
            random.Random(3).shuffle(paths)
            measured["http"] = processes.http(
                dataset,
                paths,
                backend=backend_name,
                seconds=args.http_seconds,
                connections=args.connections,
                workers=args.workers,
                log=log,
            )
            if args.import_during:
                log(f"HTTP [{label}] during an import of {args.import_during} services ...")
                measured["http_during_import"] = processes.http_during_import(
                    dataset,
                    paths,
                    services=args.import_during,
                    backend=backend_name,
                    seconds=args.http_seconds,
                    connections=args.connections,
                    workers=args.workers,
                    log=log,
                )
    if "hsds" not in skip:
        log(f"HSDS feed: {args.feed_pages} pages of 100 full services ...")
        results["hsds"] = inprocess.hsds_pages(args.feed_pages, warmup=5, progress=Progress("pages"))
    if "ndjson" not in skip:
        log("HSDS feed: every service as ndjson, in a process of its own ...")
        results["ndjson"] = processes.ndjson_dump(dataset, backend=backends[0])
    if args.profile:
        log("Profiles ...")
        use_backend(backends[0])
        run_profiles(dataset, kinds)

    results["load_average_end"] = [round(value, 2) for value in os.getloadavg()]
    results["duration_seconds"] = round(time.monotonic() - started)
    from bench.report import markdown, rows

    out = ROOT / "bench" if not skip else dataset.folder
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (out / "RESULTS.md").write_text(markdown(results) + "\n")
    width = max(len(measure) for measure, *_rest in rows(results))
    log("")
    for measure, value, target, met in rows(results):
        log(f"{measure:<{width}}  {value}  {target} {met.strip('*')}")
    log(f"\nWrote {out / 'results.json'} and {out / 'RESULTS.md'} ({results['duration_seconds'] / 60:.1f} min).")


if __name__ == "__main__":
    main()
