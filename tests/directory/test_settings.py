"""Settings come from the environment: safe defaults, clear errors, and a clean deploy check."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from directory.settings import database_from_url, envbool

PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "k3$9-production-secret-for-the-deploy-check-" + "x" * 40,
    "FIELD_ENCRYPTION_KEYS": "9fZ1uV7Jx0p2G4zM1bOeq9w8hT3sK6yR2nLcA5dE0fI=",
    "FIELD_INDEX_KEY": "an-index-key-for-the-deploy-check-" + "y" * 30,
    "ALLOWED_HOSTS": "directory.example.org",
    "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
}


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "SECRET_KEY")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deploy_check_with_production_settings(collected_static, tmp_path):
    """`manage.py check --deploy` finds nothing to warn about once DEBUG is off, a secret is set and the static
    files are collected."""
    (tmp_path / "static").symlink_to(collected_static)
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION, "VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_when_not_in_debug():
    """With DEBUG off and no SECRET_KEY, start-up stops with a message saying what to set."""
    result = manage("check", env={**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


@pytest.mark.parametrize("name", ["FIELD_ENCRYPTION_KEYS", "FIELD_INDEX_KEY"])
def test_it_refuses_to_start_without_the_field_encryption_keys_when_not_in_debug(name):
    """With DEBUG off and no key for participant data, start-up stops with a message saying what to set."""
    result = manage("check", env={**PRODUCTION, name: ""})
    assert result.returncode != 0
    assert "Set FIELD_ENCRYPTION_KEYS" in result.stderr


def test_it_keeps_debug_off_unless_asked():
    """DEBUG is off when the variable is missing; a typo is an error, not a silent default."""
    assert envbool("SOME_UNSET_VARIABLE_FOR_THE_TEST", "False") is False
    os.environ["SOME_FLAG_FOR_THE_TEST"] = "yes"
    try:
        with pytest.raises(ImproperlyConfigured, match="use 'True' or 'False'"):
            envbool("SOME_FLAG_FOR_THE_TEST", "False")
    finally:
        del os.environ["SOME_FLAG_FOR_THE_TEST"]


def test_it_reads_database_urls():
    """SQLite is the default; DATABASE_URL selects PostgreSQL with its credentials."""
    assert database_from_url("sqlite:////srv/data/db.sqlite3")["NAME"] == "/srv/data/db.sqlite3"
    postgres = database_from_url("postgres://app:p%40ss@db.internal:6543/directory")
    assert postgres["ENGINE"] == "django.db.backends.postgresql"
    assert (postgres["USER"], postgres["PASSWORD"], postgres["HOST"], postgres["PORT"], postgres["NAME"]) == (
        "app",
        "p@ss",
        "db.internal",
        "6543",
        "directory",
    )
    with pytest.raises(ImproperlyConfigured, match="Unsupported DATABASE_URL scheme 'mysql'"):
        database_from_url("mysql://localhost/x")
