"""On SQLite, the single-host default, writers that come at once wait their turn: none is told "database is locked".

The server is gunicorn with production settings (two worker processes of twenty threads each) on a SQLite
file holding a copy of the test database; an HSDS import writes to the same file from another process.
"""

import json
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from referrals.encryption import encryption_keys, index_key
from tests.providers.hsds.test_import_bulk import write as write_hsds

pytestmark = [
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock, on a copy of the SQLite test DB."),
    pytest.mark.django_db(transaction=True),
]

WRITERS = 40
WRITERS_DURING_IMPORT = 20
IMPORTED_ORGANIZATIONS = 200
GUNICORN = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "20", "--preload"]


@pytest.fixture
def database_file(tmp_path, program_api, participant, consent, service_a) -> Path:
    """The test database (a client system, a participant who consented, alice's service) copied to a file."""
    path = tmp_path / "directory.sqlite3"
    connection.ensure_connection()
    with closing(sqlite3.connect(path)) as target:
        connection.connection.backup(target)
    return path


@pytest.fixture
def production_env(tmp_path, database_file, collected_static) -> dict:
    """Production settings on that file; mail goes nowhere (what a mail outage does is another test's)."""
    var = tmp_path / "var"
    var.mkdir()
    (var / "static").symlink_to(collected_static)
    return {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "False",
        "SECRET_KEY": "a-long-random-secret-for-the-concurrency-test-" + "x" * 20,
        # The keys of the test database it copies.
        "FIELD_ENCRYPTION_KEYS": ",".join(encryption_keys()),
        "FIELD_INDEX_KEY": index_key(),
        "SECURE_SSL_REDIRECT": "False",
        "DATABASE_URL": f"sqlite:///{database_file}",
        "VAR_DIR": str(var),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def server(production_env, tmp_path, program_api):
    """gunicorn on a socket bound here, so that it listens before the workers are up; yields its URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [*GUNICORN, "--bind", f"fd://{listener.fileno()}", "directory.wsgi"],
            pass_fds=[listener.fileno()],
            cwd=settings.BASE_DIR,
            env=production_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    listener.close()
    try:
        status, _ = call(url, program_api.token, "GET", "/api/v1/referrals/", timeout=30)
        assert status == 200, log.read_text()
        yield url
    finally:
        process.terminate()
        process.wait(10)


def call(url: str, token: str, method: str, path: str, body: dict | None = None, timeout: float = 60):
    request = urllib.request.Request(
        url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def create_at_once(url: str, token: str, body: dict, count: int) -> list[int]:
    """POST ``count`` referrals, all threads let go at the same moment; return the statuses."""
    start = threading.Barrier(count)
    statuses: list[int] = []

    def create() -> None:
        start.wait(10)
        statuses.append(call(url, token, "POST", "/api/v1/referrals/", body)[0])

    threads = [threading.Thread(target=create) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    return statuses


def referrals_in(path: Path) -> int:
    with closing(sqlite3.connect(path)) as database:
        return database.execute("SELECT count(*) FROM referrals_referral").fetchone()[0]


def test_it_creates_every_referral_of_forty_sent_at_once(server, program_api, participant, service_a, database_file):
    """40 client requests at the same moment: 40 answers 201, 40 referrals (the old settings failed 8 with 500)."""
    body = {"participant": str(participant.pk), "service": str(service_a.pk), "need": "child-care"}

    statuses = create_at_once(server, program_api.token, body, WRITERS)

    assert sorted(statuses) == [201] * WRITERS
    assert referrals_in(database_file) == WRITERS


def test_it_creates_referrals_while_an_import_writes(
    server, production_env, program_api, participant, service_a, database_file, tmp_path
):
    """An HSDS import in another process holds the write lock for its whole transaction: requests that come
    meanwhile wait for it and succeed, and the import is not pushed out by them either."""
    hsds = write_hsds(tmp_path / "network.json", IMPORTED_ORGANIZATIONS)
    progress = tmp_path / "import.err"
    with progress.open("w") as errors:
        importer = subprocess.Popen(
            [sys.executable, "manage.py", "import_hsds", str(hsds), "--source", "bulk"],
            cwd=settings.BASE_DIR,
            env=production_env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    deadline = time.monotonic() + 30
    while not progress.read_text() and importer.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # the progress bar starts once the import's transaction has begun
    assert importer.poll() is None, "the import was over before the requests were sent"
    body = {"participant": str(participant.pk), "service": str(service_a.pk), "need": "child-care"}

    statuses = create_at_once(server, program_api.token, body, WRITERS_DURING_IMPORT)
    output, _ = importer.communicate(timeout=60)

    assert importer.returncode == 0, progress.read_text()
    assert "Imported:" in output
    assert sorted(statuses) == [201] * WRITERS_DURING_IMPORT
    assert referrals_in(database_file) == WRITERS_DURING_IMPORT
    with closing(sqlite3.connect(database_file)) as database:
        services = database.execute("SELECT count(*) FROM providers_service").fetchone()[0]
    assert services == IMPORTED_ORGANIZATIONS + 1
