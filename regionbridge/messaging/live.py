"""Live updates: "thread T has message M" goes to every process that streams thread T.

On PostgreSQL the bus is LISTEN/NOTIFY, so several app processes (or machines) hear each other.
On SQLite (one machine) it is an in-process condition; other processes still catch up by
polling. Either way a stream never trusts the bus for content: on each wake-up it reads the
messages after the last id it sent, so nothing is lost or doubled.
"""

import threading

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
        if self._pg is not None:
            for notice in self._pg.notifies(timeout=timeout, stop_after=1):
                if notice.payload.split(":", 1)[0] == str(self.thread_id):
                    return
            return
        with _condition:
            _condition.wait_for(lambda: _version != self._seen, timeout=timeout)
            self._seen = _version

    def close(self) -> None:
        if self._pg is not None:
            self._pg.close()
            self._pg = None
