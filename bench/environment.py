"""Where a benchmark's data lives, the settings it runs with, and the machine it runs on.

Each dataset (``synthetic-10000``, ``demo`` ...) gets its own database and search index under
var/bench/, so a benchmark never touches var/directory.sqlite3, the tests' databases or the
development index. With ``--database postgres`` the database is ``bench_<dataset>`` on the server
BENCH_POSTGRES_URL names (by default the local one).
"""

import dataclasses
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"


@dataclasses.dataclass(frozen=True)
class Dataset:
    name: str
    services: int | None  # None: the demo network
    database: str  # "sqlite" or "postgres"

    @property
    def folder(self) -> Path:
        suffix = "" if self.database == "sqlite" else f"-{self.database}"
        return BENCH_DIR / f"{self.name}{suffix}"

    @property
    def database_url(self) -> str:
        if self.database == "sqlite":
            return f"sqlite:///{self.folder / 'directory.sqlite3'}"
        parts = urlsplit(os.getenv("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL))
        return urlunsplit(parts._replace(path="/" + self.postgres_name))

    @property
    def postgres_name(self) -> str:
        return "bench_" + self.name.replace("-", "_")

    @property
    def index_dir(self) -> Path:
        return self.folder / "search-index"

    @property
    def hsds_dir(self) -> Path:
        return self.folder / "hsds"

    @property
    def build_file(self) -> Path:
        """What loading it measured, kept with the cached database."""
        return self.folder / "build.json"


def environment(dataset: Dataset, *, backend: str | None = None) -> dict[str, str]:
    """Return the environment variables a process (this one, a dump, gunicorn) runs the bench with."""
    env = {
        "DJANGO_SETTINGS_MODULE": "directory.settings",
        "DATABASE_URL": dataset.database_url,
        "SEARCH_INDEX_DIR": str(dataset.index_dir),
        "VAR_DIR": str(dataset.folder),
        # DEBUG keeps every SQL query in memory and serves static files: not what production runs.
        "DEBUG": "False",
        "SECRET_KEY": "benchmark-only-secret-key-" + "x" * 40,
        # Production refuses to start without the keys of participant data at rest (referrals/encryption.py).
        "FIELD_ENCRYPTION_KEYS": "YmVuY2htYXJrLW9ubHktZmllbGQta2V5LTAwMDAwMDA=",
        "FIELD_INDEX_KEY": "benchmark-only-index-key-" + "x" * 40,
        "SECURE_SSL_REDIRECT": "False",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        # wrk's searches all come from 127.0.0.1 without signing in: a real network's come from many addresses.
        "SEARCH_ANON_THROTTLE_RATE": "",
    }
    if backend is not None:
        env["SEARCH_BACKEND"] = backend
    return env


def configure(dataset: Dataset, *, fresh: bool = False) -> None:
    """Point this process at the dataset's database and index, then set Django up."""
    if fresh:
        shutil.rmtree(dataset.folder, ignore_errors=True)
    (dataset.folder / "static").mkdir(parents=True, exist_ok=True)  # STATIC_ROOT, for whitenoise
    if dataset.database == "postgres":
        _create_postgres_database(dataset, fresh=fresh)
    os.environ.update(environment(dataset))
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()


def _create_postgres_database(dataset: Dataset, *, fresh: bool) -> None:
    import psycopg

    server = os.getenv("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    with psycopg.connect(server, autocommit=True) as connection:
        if fresh:
            connection.execute(f'DROP DATABASE IF EXISTS "{dataset.postgres_name}"')
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dataset.postgres_name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{dataset.postgres_name}"')


def machine() -> dict:
    """Describe the machine: CPU, cores, memory, load, and the versions that matter to the numbers."""
    import django
    from django.db import connection

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgres = cursor.fetchone()[0]
    else:
        postgres = _postgres_client_version()
    whoosh = _version("whoosh-reloaded") or _version("whoosh")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": connection.vendor,
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres,
        "whoosh": whoosh,
        "gunicorn": _version("gunicorn"),
        "wrk": _wrk_version(),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def _version(package: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _postgres_client_version() -> str | None:
    """The server is not used with SQLite; say which PostgreSQL is installed, if any."""
    psql = shutil.which("psql")
    if psql is None:
        return None
    output = subprocess.run([psql, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"\d+\.\d+", output)
    return f"{found.group()} (installed, not used)" if found else None


def _wrk_version() -> str | None:
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    output = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    text = (output.stdout or output.stderr).split()
    return text[1] if len(text) > 1 else None
