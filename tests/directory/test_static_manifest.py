"""With DEBUG off, pages name their static files through the manifest that `collectstatic` writes.

A tree without it, or with one older than the code, answered 500 on every page (a `make setup` tree did:
its collectstatic ran in development mode and wrote no manifest). Now the development mode collects
the same manifest, and with DEBUG off the server refuses to start until the manifest covers every
static file, saying what to run; `manage.py check --deploy` says the same.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core import checks
from django.urls import reverse
from django.utils.module_loading import import_string

COLLECT = "manage.py collectstatic"
PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "k3$9-production-secret-for-the-static-check-" + "x" * 40,
    "FIELD_ENCRYPTION_KEYS": "9fZ1uV7Jx0p2G4zM1bOeq9w8hT3sK6yR2nLcA5dE0fI=",
    "FIELD_INDEX_KEY": "an-index-key-for-the-static-check-" + "y" * 30,
    "ALLOWED_HOSTS": "directory.example.org",
}


def run(command: list[str], *, var: Path, debug: bool = False) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "SECRET_KEY")}
    environment.update(PRODUCTION, VAR_DIR=str(var), DATABASE_URL=f"sqlite:///{var / 'directory.sqlite3'}")
    if debug:
        environment["DEBUG"] = "True"
    return subprocess.run(command, cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=120)


def gunicorn_check(var: Path) -> subprocess.CompletedProcess:
    """Load the WSGI app as gunicorn's workers do, then stop (``--check-config``)."""
    return run([sys.executable, "-m", "gunicorn", "--check-config", "directory.wsgi"], var=var)


@pytest.fixture
def static_root(collected_static, tmp_path) -> Path:
    """A copy of a collected STATIC_ROOT, its files hard links: replace a file (unlink, write), never edit it."""
    root = tmp_path / "var" / "static"
    shutil.copytree(collected_static, root, copy_function=os.link)
    return root


@pytest.fixture
def manifest_checks(settings, static_root):
    """Run the static files checks of `check --deploy` against ``static_root``."""
    settings.STATIC_ROOT = static_root

    def errors() -> list[checks.CheckMessage]:
        found = checks.run_checks(tags=[checks.Tags.staticfiles], include_deployment_checks=True)
        return [message for message in found if message.is_serious()]

    return errors


def replace(path: Path, content: str) -> None:
    path.unlink()
    path.write_text(content)


def test_it_collects_in_development_mode_the_manifest_that_production_reads():
    """`make setup` runs collectstatic with DEBUG=True: the storage is the same one DEBUG=False serves from."""
    code = "from django.conf import settings; print(settings.STORAGES['staticfiles']['BACKEND'])"
    backends = {
        debug: run([sys.executable, "manage.py", "shell", "-c", code], var=Path("/nonexistent"), debug=debug)
        for debug in (True, False)
    }

    assert backends[True].returncode == 0, backends[True].stderr
    storages = {debug: result.stdout.splitlines()[-1] for debug, result in backends.items()}
    assert storages[True] == storages[False]
    assert issubclass(import_string(storages[True]), ManifestFilesMixin)


def test_it_names_hashed_copies_once_collected(settings, collected_static):
    """With a manifest, a page names the collected copy; a file the manifest lacks is an error, not a guess."""
    settings.STATIC_ROOT = collected_static

    assert re.fullmatch(r"/static/directory/site\.[0-9a-f]{12}\.css", staticfiles_storage.url("directory/site.css"))
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        staticfiles_storage.url("directory/never-collected.css")


def test_it_names_the_apps_own_files_where_nothing_was_collected(client, settings, tmp_path, db):
    """A process that serves no one (tests, a command before collectstatic) renders pages with DEBUG off and
    no manifest at all: the apps' own file names, not an error."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"

    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert '<link rel="stylesheet" href="/static/directory/site.css">' in response.content.decode()


def test_it_refuses_to_start_without_the_manifest(tmp_path):
    """gunicorn's workers do not start with DEBUG off and nothing collected, and say what to run."""
    result = gunicorn_check(tmp_path)

    assert result.returncode != 0
    assert COLLECT in result.stdout + result.stderr
    assert "staticfiles.json" in result.stdout + result.stderr


def test_it_starts_once_collected(static_root):
    """With a manifest that covers every static file, the WSGI app loads."""
    result = gunicorn_check(static_root.parent)

    assert result.returncode == 0, result.stdout + result.stderr


def test_it_refuses_to_start_when_the_manifest_lacks_a_file(static_root):
    """A manifest written before a static file was added: the server does not start, and names the file."""
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    del manifest["paths"]["directory/site.css"]
    replace(static_root / "staticfiles.json", json.dumps(manifest))

    result = gunicorn_check(static_root.parent)

    assert result.returncode != 0
    assert "directory/site.css" in result.stdout + result.stderr
    assert COLLECT in result.stdout + result.stderr


def test_it_finds_nothing_wrong_with_a_fresh_collection(manifest_checks):
    """Every static file of every app is in the manifest and as collected, and so is every one a template names."""
    assert manifest_checks() == []


def test_it_reports_a_missing_manifest(manifest_checks, static_root):
    (static_root / "staticfiles.json").unlink()

    [error] = manifest_checks()

    assert "staticfiles.json" in error.msg
    assert COLLECT in error.hint


def test_it_reports_a_collected_file_older_than_the_code(manifest_checks, static_root):
    """The code changed a static file after collectstatic ran: the manifest names the old one."""
    replace(static_root / "directory" / "site.css", "body { color: red; }\n")

    [error] = manifest_checks()

    assert "directory/site.css" in error.msg
    assert COLLECT in error.hint


def test_it_reports_a_template_naming_a_static_file_that_was_not_collected(manifest_checks, settings, tmp_path):
    """A template that names a file nobody collected (a typo, a file not added) would answer 500 with DEBUG off."""
    templates = tmp_path / "templates"
    (templates / "partner").mkdir(parents=True)
    (templates / "partner" / "page.html").write_text("{% load static %}<link href=\"{% static 'partner/gone.css' %}\">")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [templates]}]

    [error] = manifest_checks()

    assert "partner/gone.css" in error.msg
    assert "page.html" in error.msg


def test_it_makes_check_deploy_fail_without_the_manifest(tmp_path):
    """`manage.py check --deploy` (the deploy-time check) fails on the same problem with the same advice."""
    result = run([sys.executable, "manage.py", "check", "--deploy"], var=tmp_path)

    assert result.returncode != 0
    assert COLLECT in result.stderr
