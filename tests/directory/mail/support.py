"""Real mail servers on 127.0.0.1 for the outbox's tests: an SMTP sink (aiosmtpd) that can be down, slow or
holding a conversation, and a server that accepts the connection and never says a word."""

import asyncio
import contextlib
import email
import email.policy
import socket
import sqlite3
import threading
from email.message import EmailMessage as ParsedMessage
from urllib.parse import quote

from aiosmtpd.controller import Controller
from django.db import connection


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    """An SMTP server that keeps what it accepts. ``stop()`` and ``start()`` take it down and bring it back on
    the same port; ``hold_after(n)`` accepts n more messages, then holds the next conversation at MAIL FROM
    (``holding`` is set) until ``release()``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[ParsedMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.holding = threading.Event()
        self._hold_at: int | None = None
        self._released = threading.Event()
        self._controller: Controller | None = None

    # aiosmtpd handler hooks

    async def handle_MAIL(self, server, session, envelope, address, mail_options) -> str:  # noqa: N802
        if self._hold_at is not None and len(self.received) >= self._hold_at:
            self.holding.set()
            while not self._released.is_set():
                await asyncio.sleep(0.02)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.received.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    # control

    def start(self) -> "Sink":
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._released.set()
            self._controller.stop()
            self._controller = None

    def hold_after(self, count: int) -> None:
        self._hold_at = len(self.received) + count

    def release(self) -> None:
        self._released.set()

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.received]


class Silent:
    """A mail host that accepts TCP connections and never answers (a firewall that drops, a hung server)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        with contextlib.suppress(OSError):  # closed by __exit__
            while True:
                self.connections.append(self.server.accept()[0])

    def __enter__(self) -> "Silent":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.close()
        for accepted in self.connections:
            accepted.close()


@contextlib.contextmanager
def database_for_subprocesses(tmp_path):
    """Yield the DATABASE_URL at which another process sees this test's (committed) database.

    PostgreSQL: the test database itself. SQLite (in memory): a copy in a file, copied back into the
    test's database when the block ends, so that the test reads what the other process wrote.
    """
    connection.ensure_connection()
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
        host = f"{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}"
        yield f"postgres://{quote(settings['USER'], safe='')}{password}@{host}/{quote(settings['NAME'], safe='')}"
        return
    path = tmp_path / "shared.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as copy:
        connection.connection.backup(copy)
    yield f"sqlite:///{path}"
    with contextlib.closing(sqlite3.connect(path)) as copy:
        copy.backup(connection.connection)
