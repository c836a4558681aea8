"""The SQLite file holds participant data: it is created 0600 in a var/ folder of 0700, whatever the umask,
and an older world-readable file or var/ folder is tightened at the next connection."""

import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db.utils import ConnectionHandler

from directory.settings import database_from_url
from directory.sqlite.base import DatabaseWrapper, make_private

ROOT = Path(django_settings.BASE_DIR)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask(django_db_blocker):
    """The usual umask, under which files come out world-readable; connections to files of the test's own."""
    previous = os.umask(0o022)
    with django_db_blocker.unblock():
        yield
    os.umask(previous)


def connect(path: Path) -> None:
    """Open the database as the site does, and write to it (which makes the -wal and -shm files)."""
    database = database_from_url(f"sqlite:///{path}")
    connection = ConnectionHandler({"default": database, "permissions": database})["permissions"]
    assert isinstance(connection, DatabaseWrapper)
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS t (x integer)")
            cursor.execute("INSERT INTO t VALUES (1)")
    finally:
        connection.close()


def test_a_fresh_checkout_gets_a_private_folder_and_file(tmp_path, settings, loose_umask):
    """No var/ yet: the first connection creates var/ 0700 and the database 0600, its -wal and -shm too."""
    settings.VAR_DIR = tmp_path / "var"
    database = settings.VAR_DIR / "directory.sqlite3"

    connect(database)

    assert mode(settings.VAR_DIR) == 0o700
    assert mode(database) == 0o600
    for companion in (f"{database}-wal", f"{database}-shm"):
        if Path(companion).exists():
            assert mode(Path(companion)) == 0o600


def test_an_older_world_readable_database_is_tightened(tmp_path, settings, loose_umask):
    """A var/ of 0755 and a database of 0644 from before: both are the owner's only after the next connection."""
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir(mode=0o755)
    database = settings.VAR_DIR / "directory.sqlite3"
    connect(database)
    settings.VAR_DIR.chmod(0o755)
    database.chmod(0o644)

    connect(database)

    assert (mode(settings.VAR_DIR), mode(database)) == (0o700, 0o600)


def test_a_folder_the_operator_chose_keeps_its_mode(tmp_path, settings, loose_umask):
    """DATABASE_URL pointing into a folder of the operator's: its mode is theirs; the file is still 0600."""
    settings.VAR_DIR = tmp_path / "var"
    folder = tmp_path / "data"
    folder.mkdir(mode=0o750)
    folder.chmod(0o750)

    connect(folder / "network.sqlite3")

    assert (mode(folder), mode(folder / "network.sqlite3")) == (0o750, 0o600)


def test_the_in_memory_test_database_is_left_alone(settings):
    """The test run's in-memory database has no file to make."""
    from directory.sqlite.base import database_path

    assert database_path(":memory:") is None
    assert database_path("file:memorydb_default?mode=memory&cache=shared") is None


def test_make_setup_creates_var_for_its_owner_only(tmp_path, loose_umask):
    """The Makefile's own line, run in an empty folder and in one with an older var/ of 0755: var/ is 0700."""
    planned = subprocess.run(
        ["make", "--dry-run", "--always-make", "setup", "VENV=/nonexistent"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    line = next(line for line in planned.splitlines() if re.search(r"\bvar\b", line) and "mkdir" in line)
    fresh, older = tmp_path / "fresh", tmp_path / "older"
    fresh.mkdir()
    (older / "var").mkdir(parents=True, mode=0o755)

    for folder in (fresh, older):
        subprocess.run(line, shell=True, cwd=folder, check=True)
        assert mode(folder / "var") == 0o700


def test_a_new_connection_keeps_the_locks_of_the_open_ones(tmp_path, settings, loose_umask):
    """Opening and closing the file beside an open connection drops that connection's POSIX locks; another
    process, closing, then thinks itself the last and deletes the write-ahead log under it (the CI run where
    40 referrals answered 201 and 39 were saved)."""
    settings.VAR_DIR = tmp_path / "var"
    path = settings.VAR_DIR / "directory.sqlite3"
    connect(path)
    reader = sqlite3.connect(path)
    reader.execute("SELECT count(*) FROM t").fetchone()  # in WAL mode: a shared lock while open
    try:
        make_private(path)  # what each new connection of this process does first
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sqlite3; c = sqlite3.connect({str(path)!r}); c.execute('INSERT INTO t VALUES (1)'); "
                "c.commit(); c.close()",
            ],
            check=True,
        )
        assert path.with_name(f"{path.name}-wal").exists(), (
            "the other process took itself for the last and dropped the log"
        )
    finally:
        reader.close()
