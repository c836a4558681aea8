"""kill -9 of ``manage.py import_hsds`` mid-run: nothing of the import is written, and the next run imports it all.

An import is one transaction, with --partial too (which only leaves out the invalid records): killed
after it has begun writing, it leaves the database as it found it, and the search index too (it is
written after the commit). The next run writes every record once, and the index follows.

Killed after the commit but before the index write, the database holds the whole import and the index none
of it; the services wait as PendingIndexWrite rows written in the import's transaction, so the next run, which
finds every record unchanged, still writes them to the index (as the webhooks' and mail's outboxes do).

The importer runs in its own process on a SQLite file (a copy of the migrated test database, or one
migrated here when the tests run on PostgreSQL), as a network runs it from cron.
"""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from search import backends as search_backends
from search.backends.whoosh import index
from tests.providers.hsds.test_import_bulk import write as write_hsds

pytestmark = pytest.mark.django_db(transaction=True)  # the database is copied outside any transaction

ORGANIZATIONS = 1200  # each with one service at one location: 10,800 records
# (table, the column that points at the owner, the owner's table, how many each owner has)
EACH_HAS = [
    ("providers_location", "organization_id", "providers_organization", 1),
    ("providers_service", "organization_id", "providers_organization", 1),
    ("providers_address", "location_id", "providers_location", 1),
    ("providers_serviceatlocation", "service_id", "providers_service", 1),
    ("providers_phone", "service_id", "providers_service", 1),
    ("providers_language", "service_id", "providers_service", 1),
    ("providers_schedule", "service_id", "providers_service", 2),  # hours on Mondays and Tuesdays
    ("providers_costoption", "service_id", "providers_service", 1),
]
PER_ORGANIZATION = {"providers_organization": 1} | {table: each for table, _column, _owner, each in EACH_HAS}
PROGRESS = re.compile(rb"(\d+)/(\d+) records")


@pytest.fixture
def database_file(tmp_path) -> Path:
    """A migrated SQLite database in a file, with no listings."""
    path = tmp_path / "directory.sqlite3"
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with closing(sqlite3.connect(path)) as copy:
            connection.connection.backup(copy)
    else:
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "--verbosity", "0"],
            cwd=settings.BASE_DIR,
            env={**os.environ, "DEBUG": "True", "DATABASE_URL": f"sqlite:///{path}"},
            capture_output=True,
            text=True,
        )
        assert migrate.returncode == 0, migrate.stderr
    return path


@pytest.fixture
def index_dir(tmp_path, settings) -> Path:
    """An empty search index, which the import writes to after its commit."""
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    index.rebuild()
    return settings.SEARCH_INDEX_DIR


@pytest.fixture
def start(database_file, index_dir):
    """Start ``python <arguments>`` on that database and index, as cron would; kill what is left at the end."""
    started = []

    def start(*arguments: str, **environment: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, *arguments],
            cwd=settings.BASE_DIR,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "directory.settings",
                "DEBUG": "True",
                "DATABASE_URL": f"sqlite:///{database_file}",
                "SEARCH_BACKEND": "whoosh",
                "SEARCH_INDEX_DIR": str(index_dir),
                "PYTHONUNBUFFERED": "1",  # the progress bar reaches the pipe as it is drawn
                **environment,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def import_hsds(path: Path, *options: str) -> tuple[str, ...]:
    return ("manage.py", "import_hsds", str(path), "--source", "bulk", *options)


def kill_when_past(importer: subprocess.Popen, database_file: Path, share: float) -> bytes:
    """SIGKILL the import once its progress bar is past ``share`` of the records; return what it printed."""
    printed = b""
    os.set_blocking(importer.stderr.fileno(), False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and importer.poll() is None:
        printed += importer.stderr.read() or b""
        done = PROGRESS.findall(printed)
        if done and int(done[-1][0]) >= share * int(done[-1][1]):
            break
        time.sleep(0.01)
    assert importer.poll() is None, f"the import ended before it was killed: {printed[-500:]!r}"
    assert holds_the_write_lock(database_file), "the import is not inside its transaction"
    os.kill(importer.pid, signal.SIGKILL)
    importer.wait(timeout=30)
    return printed


def holds_the_write_lock(database_file: Path) -> bool:
    """Whether another connection holds the database's write lock (an import's open transaction)."""
    with closing(sqlite3.connect(database_file, timeout=0)) as database:
        try:
            database.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            assert "locked" in str(error)
            return True
        database.rollback()
        return False


def counts(database_file: Path) -> dict[str, int]:
    with closing(sqlite3.connect(database_file)) as database:
        return {table: database.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in PER_ORGANIZATION}


def incomplete_records(database_file: Path) -> dict[str, int]:
    """Owners without exactly what each should have (an organization without its service ...), per table."""
    found = {}
    with closing(sqlite3.connect(database_file)) as database:
        for table, column, owner, each in EACH_HAS:
            found[table] = database.execute(
                f"SELECT count(*) FROM {owner} WHERE (SELECT count(*) FROM {table} WHERE {column} = {owner}.id) != ?",
                [each],
            ).fetchone()[0]
    return found


def listed_service_ids(database_file: Path) -> set[str]:
    with closing(sqlite3.connect(database_file)) as database:
        rows = database.execute(
            "SELECT id FROM providers_service WHERE status IN ('active', 'temporarily closed')"
        ).fetchall()
    return {str(uuid.UUID(row[0])) for row in rows}


def indexed_ids(index_dir: Path) -> list[str]:
    with index.open_index(index_dir).searcher() as searcher:
        return [fields["id"] for fields in searcher.all_stored_fields()]


def test_it_leaves_nothing_of_a_killed_import_and_the_next_run_imports_it_all(
    tmp_path, database_file, index_dir, start
):
    """Killed with SIGKILL while it writes (by default, then with --partial): no record of the file is in the
    database and none in the index. Run again: every record once, each service whole, and the index holds
    each listed service once."""
    path = write_hsds(tmp_path / "network.json", ORGANIZATIONS)

    for options in [(), ("--partial",)]:
        importer = start(*import_hsds(path, *options))
        kill_when_past(importer, database_file, 0.6)  # organizations, locations, addresses and services written
        assert importer.returncode == -signal.SIGKILL
        assert not holds_the_write_lock(database_file)  # the lock went with the process
        assert counts(database_file) == dict.fromkeys(PER_ORGANIZATION, 0), options
        assert indexed_ids(index_dir) == []

    importer = start(*import_hsds(path))
    output, errors = importer.communicate(timeout=120)

    assert importer.returncode == 0, errors.decode()[-2000:]
    assert f"Search index: {ORGANIZATIONS} services written." in output.decode()
    assert counts(database_file) == {table: ORGANIZATIONS * each for table, each in PER_ORGANIZATION.items()}
    assert incomplete_records(database_file) == dict.fromkeys((table for table, *_ in EACH_HAS), 0)
    indexed = indexed_ids(index_dir)
    assert len(indexed) == ORGANIZATIONS
    assert set(indexed) == listed_service_ids(database_file)


# The import run in a process of its own, as `manage.py import_hsds` runs it, but writing to the search index
# only after a signal file says so: the kill then comes between the commit and the index write.
IMPORT_WITH_A_PAUSE = """
import sys
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
settings.HSDS_REINDEX = "tests.providers.hsds.test_import_killed.reindex_after_a_pause"
call_command("import_hsds", *sys.argv[1:])
"""


def reindex_after_a_pause(service_ids) -> int:
    """settings.HSDS_REINDEX in that process: say that the import committed, wait, then write the index."""
    Path(os.environ["IMPORT_COMMITTED"]).touch()
    time.sleep(60)
    return search_backends.write_pending(service_ids)


def test_it_writes_the_index_on_the_next_run_when_killed_after_its_commit(tmp_path, database_file, index_dir, start):
    """Killed after its commit, before the search index is written: the database holds the whole import, and
    the next run, which finds every record unchanged, still brings the index up to date."""
    path = write_hsds(tmp_path / "network.json", 200)
    committed = tmp_path / "committed"
    importer = start("-c", IMPORT_WITH_A_PAUSE, str(path), "--source", "bulk", IMPORT_COMMITTED=str(committed))
    deadline = time.monotonic() + 60
    while not committed.exists() and importer.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if not committed.exists():
        pytest.fail(f"the import did not reach its index write: {importer.communicate()[1].decode()[-2000:]}")
    os.kill(importer.pid, signal.SIGKILL)
    importer.communicate(timeout=30)
    if counts(database_file) != {table: 200 * each for table, each in PER_ORGANIZATION.items()}:
        pytest.fail(f"the database does not hold the whole import: {counts(database_file)}")
    if indexed_ids(index_dir):
        pytest.fail("the index was written before the kill")

    importer = start(*import_hsds(path))
    output, errors = importer.communicate(timeout=120)
    # 1,800 records in the source (hours on two days are one record of the source, two of the directory).
    if importer.returncode != 0 or "Imported: created 0 / updated 0 / unchanged 1800" not in output.decode():
        pytest.fail(f"the second run did not find the import done: {output.decode()} {errors.decode()[-2000:]}")

    assert set(indexed_ids(index_dir)) == listed_service_ids(database_file)
