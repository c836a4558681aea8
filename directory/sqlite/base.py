"""Django's SQLite backend, with the database file readable by its owner only.

The SQLite file holds participant data. SQLite creates it (and its -wal and -shm files, which take the
database file's permissions) with the process's umask, usually world-readable. Before the first
connection this backend creates the folder (0700) and the file (0600) itself, and tightens an older
file or the project's var/ folder it finds readable by others.
"""

import contextlib
import os
from pathlib import Path

from django.conf import settings
from django.db.backends.sqlite3 import base

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def database_path(name) -> Path | None:
    """Return the file of a database NAME, or None for an in-memory one."""
    name = str(name)
    if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    return Path(name)


def make_private(path: Path) -> None:
    """Create the database's folder and file readable by their owner only, or tighten them."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=PRIVATE_FOLDER, parents=True)
        folder.chmod(PRIVATE_FOLDER)  # mkdir's mode passes through the umask
    elif folder.resolve() == Path(settings.VAR_DIR).resolve():
        folder.chmod(PRIVATE_FOLDER)  # the project's own folder, whoever made it (an older make run)
    # O_EXCL: never open an existing file. Closing any descriptor of a SQLite file drops every lock
    # this process holds on it, so opening it here beside other threads' connections loses writes.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, PRIVATE_FILE))
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(PRIVATE_FILE)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        path = database_path(conn_params["database"])
        if path is not None:
            make_private(path)
        return super().get_new_connection(conn_params)
