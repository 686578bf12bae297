"""Live updates: "thread T has message M" goes to every process that streams thread T.

On PostgreSQL the bus is LISTEN/NOTIFY, so several app processes (or machines) hear each other.
On SQLite (one machine) it is an in-process condition; other processes still catch up by
polling. Either way a stream never trusts the bus for content: on each wake-up it reads the
messages after the last id it sent, so nothing is lost or doubled.
"""

import threading
import time

from django.db import connection

CHANNEL = "regionbridge_messages"

_condition = threading.Condition()
_version = 0


def publish(thread_id: int, message_id: int) -> None:
    global _version
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, f"{thread_id}:{message_id}"])
    with _condition:
        _version += 1
        _condition.notify_all()


class Listener:
    """Waits for news of one thread; falls back to a timed poll when the bus is quiet."""

    def __init__(self, thread_id: int):
        self.thread_id = thread_id
        self._pg = None
        if connection.vendor == "postgresql":
            import psycopg

            params = connection.get_connection_params()
            self._pg = psycopg.connect(autocommit=True, **params)
            self._pg.execute(f"LISTEN {CHANNEL}")
        with _condition:
            self._seen = _version

    def wait(self, timeout: float) -> None:
        """Return on news of this thread (from any process on PostgreSQL, from this process on
        either database) or when `timeout` seconds have passed."""
        deadline = time.monotonic() + timeout
        while True:
            with _condition:
                if _version != self._seen:
                    self._seen = _version
                    return
                if self._pg is None:
                    _condition.wait(timeout=max(0.0, deadline - time.monotonic()))
                    if _version != self._seen:
                        self._seen = _version
                        return
            if self._pg is not None:
                slice_ = max(0.0, min(0.25, deadline - time.monotonic()))
                for notice in self._pg.notifies(timeout=slice_, stop_after=1):
                    if notice.payload.split(":", 1)[0] == str(self.thread_id):
                        return
            if time.monotonic() >= deadline:
                return

    def close(self) -> None:
        if self._pg is not None:
            self._pg.close()
            self._pg = None
