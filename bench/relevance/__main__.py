"""Measure how well search answers the judged query set (queries.json) on the demo network, per backend.

    .venv/bin/python -m bench.relevance                        # Whoosh, on a temporary SQLite database
    .venv/bin/python -m bench.relevance --backend all --database-url postgres://postgres@127.0.0.1:5432/bench_relevance
    .venv/bin/python -m bench.relevance --show 3 --markdown relevance.md

Loads the demo network (``manage.py load_demo``) into a fresh database: a SQLite file in a temporary folder,
or with ``--database-url postgres://...`` the PostgreSQL database that URL names, created for the run and
dropped after it (give it a name of its own: a database of that name is dropped first). Then for each backend
asked, builds its index and runs every query through search.query.search, and prints nDCG@10, P@5, the
share of queries whose first result is relevant and the zero-result queries, per class of query
(bench/relevance/measure.py says how each is counted). The PostgreSQL backend searches the database, so it
runs only on PostgreSQL. Not a test: tests/search/test_relevance_floor.py holds the floors.
"""

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.environment import ROOT, Dataset, environment
from bench.relevance.measure import DEPTH, Outcome, load_queries, run_queries, stale_judgements, summarise, table

BACKENDS = ("whoosh", "postgres")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.relevance", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=[*BACKENDS, "all"], default="whoosh", help="default: %(default)s")
    parser.add_argument(
        "--database-url",
        default="",
        help="postgres://... : the PostgreSQL database to create, use and drop (default: a temporary SQLite file)",
    )
    parser.add_argument("--markdown", type=Path, help="also write the tables to this Markdown file")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print each query's first N results")
    return parser.parse_args()


def backends_for(choice: str, *, postgres: bool) -> list[str]:
    if choice == "postgres" and not postgres:
        raise SystemExit("The PostgreSQL backend searches the database: give --database-url postgres://...")
    if choice == "all":
        if not postgres:
            log("The PostgreSQL backend is left out: it runs on a PostgreSQL database (--database-url postgres://...)")
        return list(BACKENDS) if postgres else ["whoosh"]
    return [choice]


def _server_and_name(database_url: str) -> tuple[str, str]:
    """Return the URL of the server's maintenance database and the name of the database the URL names."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name or name in ("postgres", "template0", "template1"):
        raise SystemExit(f"--database-url must name a database of the run's own, not {name or 'none'!r}")
    return urlunsplit(parts._replace(path="/postgres")), name


def create_postgres_database(database_url: str) -> None:
    import psycopg

    server, name = _server_and_name(database_url)
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_postgres_database(database_url: str) -> None:
    import psycopg

    server, name = _server_and_name(database_url)
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def configure(database_url: str, folder: Path) -> None:
    """Set Django up on this database, with the bench's production-like settings and an index in ``folder``."""
    env = environment(Dataset("relevance", None, "sqlite"))
    env.update(
        DATABASE_URL=database_url,
        SEARCH_INDEX_DIR=str(folder / "search-index"),
        VAR_DIR=str(folder),
        # The demo is loaded in one transaction, then each backend's index is built once, whole.
        SEARCH_INDEX_UPKEEP="False",
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()


def load_demo() -> dict[str, str]:
    """Migrate, load the demo network, and return its listed services' names ({id: "organization / service"})."""
    from django.core.management import call_command

    from providers.models import Service

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    return {
        str(service.pk): f"{service.organization.name} / {service.name}"
        for service in Service.objects.listed().select_related("organization")
    }


def shown(outcomes: list[Outcome], names: dict[str, str], count: int) -> str:
    """Each query's first ``count`` results, with their grades (0: not judged relevant)."""
    lines = []
    for outcome in outcomes:
        query = outcome.query
        lines.append(f"{query.id} [{query.klass}] {query.text!r}: {outcome.count} results, nDCG@10 {outcome.ndcg:.2f}")
        for position, service in enumerate(outcome.found[:count]):
            lines.append(f"    {position + 1}. [{outcome.grade(position)}] {names.get(service, service)}")
    return "\n".join(lines)


def measure(backend: str, queries: list, names: dict[str, str], show: int) -> str:
    """Build the backend's index, run every query, print what was asked; return the backend's section."""
    from django.conf import settings
    from django.db import connection

    from search.backends import get_backend

    settings.SEARCH_BACKEND = backend
    started = time.perf_counter()
    documents = get_backend().rebuild()
    built = time.perf_counter() - started
    started = time.perf_counter()
    outcomes = run_queries(queries)
    searched = time.perf_counter() - started
    if show:
        print(shown(outcomes, names, min(show, DEPTH)))
    by_class, uncovered = summarise(outcomes)
    return (
        f"## {backend} backend, {connection.vendor} database\n\n"
        f"{documents} services indexed in {built:.1f} s; {len(queries)} queries in {searched:.1f} s.\n\n"
        f"{table(by_class, uncovered)}\n"
    )


def main() -> None:
    args = arguments()
    postgres = args.database_url.startswith(("postgres://", "postgresql://"))
    if args.database_url and not postgres:
        raise SystemExit("--database-url takes a postgres:// URL; without it the run uses a temporary SQLite file")
    backends = backends_for(args.backend, postgres=postgres)
    folder = Path(tempfile.mkdtemp(prefix="bench-relevance-"))
    database_url = args.database_url or f"sqlite:///{folder / 'directory.sqlite3'}"
    if postgres:
        create_postgres_database(database_url)
    try:
        configure(database_url, folder)
        log("Loading the demo network ...")
        names = load_demo()
        queries = load_queries()
        stale = stale_judgements(queries, names)
        if stale:
            raise SystemExit("The judgements no longer fit the demo network:\n" + "\n".join(stale))
        sections = [measure(backend, queries, names, args.show) for backend in backends]
    finally:
        if postgres:
            from django.db import connections

            connections.close_all()
            drop_postgres_database(database_url)
        shutil.rmtree(folder, ignore_errors=True)
    report = "\n".join(sections)
    print(report)
    if args.markdown:
        args.markdown.write_text(f"# Search relevance on the demo network\n\n{report}", encoding="utf-8")


if __name__ == "__main__":
    main()
