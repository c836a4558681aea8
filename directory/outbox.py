"""What the product's outboxes share: webhooks (referrals/webhooks.py) and mail (directory/mail.py).

Each stores what it must send in the transaction of the change, and a worker command claims what is due
for a lease, sends it, and retries a failure after each of RETRY_DELAYS before giving up.
"""

import datetime
import signal
import threading
from collections.abc import Callable
from typing import Protocol

from django.db import close_old_connections, connection

# A failed attempt is tried again after each of these delays (a little more than a day in all), then it
# has failed for good: MAX_ATTEMPTS attempts.
RETRY_DELAYS = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=6),
    datetime.timedelta(hours=16),
]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# How long a claimed item belongs to its worker; longer than any attempt takes (each is bounded by a timeout).
LEASE = datetime.timedelta(minutes=5)


class Run(Protocol):
    claimed: int

    def add(self, other: "Run") -> None: ...


def add_worker_arguments(parser) -> None:
    parser.add_argument(
        "--forever", action="store_true", help="Keep running: send what is due, sleep, repeat, until SIGTERM."
    )
    parser.add_argument(
        "--interval", type=float, default=5.0, help="Seconds to sleep between runs with --forever (default 5)."
    )


def work(deliver_due: Callable[[threading.Event], Run], total: Run, *, batch_size: int, forever: bool, interval: float):
    """Call ``deliver_due(stop)`` until less than a batch is due, adding each run to ``total``; with ``forever``,
    again every ``interval`` seconds until SIGTERM. What was claimed and not sent goes out after its lease."""
    stop = threading.Event()
    previous_handler = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set()) if forever else None
    try:
        while not stop.is_set():
            if not connection.in_atomic_block:
                close_old_connections()  # a long-lived worker: drop a connection the database closed
            while not stop.is_set():
                run = deliver_due(stop)
                total.add(run)
                if run.claimed < batch_size:
                    break  # nothing more is due now
            if not forever or stop.wait(interval):
                break
    except KeyboardInterrupt:
        pass
    finally:
        if forever:
            signal.signal(signal.SIGTERM, previous_handler)
    return total
