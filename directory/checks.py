"""The static files are collected: a check of `manage.py check --deploy`, run again whenever the app starts.

With DEBUG off, every page names its stylesheet and scripts by the hashed names in the manifest that
`collectstatic` writes (whitenoise's CompressedManifestStaticFilesStorage). A page that names a file
missing from the manifest raises an error, so a tree not collected, or collected before the code
changed, would answer 500 on every page. `refuse_to_serve_uncollected_static` stops the WSGI and ASGI
apps from starting instead, with the same messages as `check --deploy`.
"""

import filecmp
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.template import engines

COLLECT = "Run `manage.py collectstatic --no-input` with this release's code and settings, then start the server."
# `{% static "path" %}` with a literal path; a path built at render time cannot be checked ahead.
STATIC_TAG = re.compile(r"""\{%\s*static\s+(["'])(?P<path>[^"']+)\1""")
SHOWN = 5  # file names listed in a message


@checks.register(checks.Tags.staticfiles, deploy=True)
def check_static_files_collected(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Return an error for a missing manifest, files it lacks or has older copies of, and templates naming others.

    Reads the manifest and compares every static file of the apps with its collected copy (a few MB).
    """
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return []
    manifest_path = Path(staticfiles_storage.manifest_storage.path(staticfiles_storage.manifest_name))
    if staticfiles_storage.read_manifest() is None:
        return [
            checks.Error(
                f"The static files manifest {manifest_path} is missing: with DEBUG off, every page would answer 500.",
                hint=COLLECT,
                id="directory.E010",
            )
        ]
    collected = staticfiles_storage.load_manifest()[0]
    missing, stale = [], []
    for name, source in static_sources().items():
        copy = Path(staticfiles_storage.path(name))
        if name not in collected:
            missing.append(name)
        elif not copy.is_file() or not filecmp.cmp(source, copy, shallow=False):
            stale.append(name)
    errors = []
    if missing:
        errors.append(
            checks.Error(
                f"{len(missing)} static files are not in the manifest {manifest_path}: {listed(missing)}. "
                "Pages that use them would answer 500.",
                hint=COLLECT,
                id="directory.E011",
            )
        )
    if stale:
        errors.append(
            checks.Error(
                f"{len(stale)} static files changed since collectstatic ran: {listed(stale)}. "
                f"The manifest {manifest_path} names their old versions.",
                hint=COLLECT,
                id="directory.E012",
            )
        )
    for template, path in template_references():
        if path not in collected:
            errors.append(
                checks.Error(
                    f"The template {template} names the static file {path!r}, which is not in the manifest "
                    f"{manifest_path}: with DEBUG off, the page would answer 500.",
                    hint="Correct the name, or add the file to an app's static/ folder and run collectstatic.",
                    id="directory.E013",
                )
            )
    return errors


def refuse_to_serve_uncollected_static() -> None:
    """Raise ImproperlyConfigured, so that the server does not start, if DEBUG is off and the check finds errors.

    Called by directory/wsgi.py and asgi.py once the app is loaded: gunicorn's workers then fail to boot
    and the server exits with the message, rather than answer 500 on every page.
    """
    if settings.DEBUG:
        return  # pages name the apps' own files, served as they are
    errors = [
        message
        for message in checks.run_checks(tags=[checks.Tags.staticfiles], include_deployment_checks=True)
        if message.is_serious()
    ]
    if errors:
        raise ImproperlyConfigured("\n".join(str(error) for error in errors))


def static_sources() -> dict[str, str]:
    """Return the file that collectstatic would copy for each static path (the first app's, as it does)."""
    ignore = apps.get_app_config("staticfiles").ignore_patterns
    sources: dict[str, str] = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore):
            prefix = getattr(storage, "prefix", None)
            name = f"{prefix}/{path}" if prefix else path
            sources.setdefault(name.replace("\\", "/"), storage.path(path))
    return sources


def template_references() -> list[tuple[Path, str]]:
    """Return (template file, path) for every literal `{% static %}` path in the templates of every engine."""
    references = []
    for engine in engines.all():
        for folder in getattr(engine, "template_dirs", ()):
            for template in sorted(Path(folder).rglob("*")):
                if template.is_file():
                    text = template.read_text(encoding="utf-8", errors="replace")
                    references += [(template, match["path"]) for match in STATIC_TAG.finditer(text)]
    return references


def listed(names: list[str]) -> str:
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return ", ".join(sorted(names)[:SHOWN]) + more
