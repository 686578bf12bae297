"""The tests' in-memory SQLite behaves like the production file database when the browser tests
reach it from several threads: a read never fails on another connection's write, and a write
waits for another's instead of failing at once (see `tests/conftest.py`)."""

import threading

import pytest
from django.db import connection, connections, transaction

from regionbridge.messaging.models import UnreadBadge

pytestmark = pytest.mark.django_db(transaction=True)


def _in_another_connection(work) -> None:
    """Run `work` on a thread with a database connection of its own (as a stream's executor)."""
    failures: list[BaseException] = []

    def run():
        try:
            work()
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures


def test_a_read_does_not_fail_on_another_connections_write(zhytomyr):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL readers never wait on writers")
    writing, done = threading.Event(), threading.Event()

    def write():
        with transaction.atomic():
            UnreadBadge.objects.create(user=zhytomyr, upto=1, count=3)
            writing.set()
            done.wait(5)

    thread, failures = _in_another_connection(write)
    assert writing.wait(5)
    try:
        assert list(UnreadBadge.objects.values_list("count", flat=True)) in ([], [3])
    finally:
        done.set()
        thread.join(5)
    assert not failures


def test_a_write_waits_for_another_connections_write(zhytomyr, chernihiv):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL writers wait on row locks by themselves")
    writing = threading.Event()

    def write():
        with transaction.atomic():
            UnreadBadge.objects.create(user=zhytomyr, upto=1, count=3)
            writing.set()
            threading.Event().wait(0.3)

    thread, failures = _in_another_connection(write)
    assert writing.wait(5)
    UnreadBadge.objects.create(user=chernihiv, upto=1, count=1)
    thread.join(5)
    assert not failures
    assert UnreadBadge.objects.count() == 2
