"""Issue 8, point 4: the outbox against a mail server that hangs, a worker that dies, a job left
running.

- A mail server that accepts the connection and then says nothing costs the worker one
  EMAIL_TIMEOUT, and no database lock is held meanwhile: the rest of the application writes.
- A worker killed after claiming a row: the row waits out the lease and goes exactly once; killed
  after the server took the mail: the resend carries the same Message-ID.
- A job that a dead worker left RUNNING is run again after TASKS_RUNNING_TIMEOUT.
"""

import io
import socket
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from regionbridge.outbox import tasks
from regionbridge.outbox.models import OutboundEmail, OutboxStatus
from regionbridge.outbox.reaper import tasks_reap
from regionbridge.outbox.tasks import (
    claim_lease,
    deliver_due,
    deliver_outbox,
    message_id,
    outbox_claim_next,
)

# --- a mail server that hangs ----------------------------------------------------------------


class HangingSMTPServer:
    """Accepts connections and then stops answering: at once (`silent`), or after taking the
    whole message, where the 250 should come (`after_data`). Sockets stay open until the end."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.hanging = threading.Event()
        self.stopping = threading.Event()
        self.clients: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.clients.append(client)
            threading.Thread(target=self._talk, args=(client,), daemon=True).start()

    def _talk(self, client: socket.socket) -> None:
        if self.mode == "silent":
            self.hanging.set()
            return
        try:
            stream = client.makefile("rwb")
            stream.write(b"220 hanging.example ESMTP\r\n")
            stream.flush()
            for line in stream:
                verb = line[:4].upper()
                if verb == b"DATA":
                    stream.write(b"354 go ahead\r\n")
                    stream.flush()
                    while stream.readline() not in (b".\r\n", b""):
                        pass
                    self.hanging.set()  # and never a word more
                    return
                reply = b"221 bye" if verb == b"QUIT" else b"250 hanging.example"
                stream.write(reply + b"\r\n")
                stream.flush()
                if verb == b"QUIT":
                    return
        except OSError:
            pass

    def __enter__(self) -> "HangingSMTPServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.listener.close()
        for client in self.clients:
            client.close()


@pytest.fixture
def smtp_to(settings):
    """Point Django's SMTP backend at a port, with a one-second EMAIL_TIMEOUT."""

    def point(port: int) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 1

    return point


def queue(count: int = 1, *, to: str = "bob@example.org") -> list[OutboundEmail]:
    start = OutboundEmail.objects.count()
    return [
        OutboundEmail.objects.create(
            key=f"test:{start + n}", to=to, subject=f"Notification {start + n}", text="Hello."
        )
        for n in range(count)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["silent", "after_data"])
def test_a_server_that_never_answers_costs_one_email_timeout(smtp_to, mode):
    (row,) = queue()
    with HangingSMTPServer(mode) as server:
        smtp_to(server.port)
        started = time.monotonic()
        assert deliver_due() == (0, 1)
        took = time.monotonic() - started
        assert server.hanging.is_set()
    assert 0.9 < took < 3, took  # EMAIL_TIMEOUT is 1 s
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "timed out" in row.last_error
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=25)  # the usual back-off


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", ["silent", "after_data"])
def test_the_application_writes_while_the_mail_server_hangs(smtp_to, mode):
    """No transaction is open during the SMTP exchange: on SQLite the write lock is free."""
    queue()
    outcome: dict[str, object] = {}

    def worker() -> None:
        started = time.monotonic()
        try:
            outcome["result"] = deliver_due()
        finally:
            outcome["took"] = time.monotonic() - started
            connections.close_all()

    with HangingSMTPServer(mode) as server:
        smtp_to(server.port)
        thread = threading.Thread(target=worker)
        thread.start()
        assert server.hanging.wait(5)

        started = time.monotonic()
        queue(to="dan@example.org")  # a request writing its own notification, committed
        OutboundEmail.objects.filter(to="dan@example.org").update(subject="Edited")
        wrote_in = time.monotonic() - started

        assert thread.is_alive(), "the send should still be hanging"
        thread.join(10)
        assert not thread.is_alive()

    assert wrote_in < 0.5, wrote_in
    assert outcome["result"] == (0, 1)
    assert outcome["took"] < 3, outcome["took"]
    assert OutboundEmail.objects.get(to="dan@example.org").subject == "Edited"


def test_the_lease_outlasts_an_smtp_exchange(settings):
    settings.EMAIL_TIMEOUT = 30
    assert claim_lease() > timedelta(seconds=2 * 30)


# --- a worker that dies ----------------------------------------------------------------------


def worker_dies_while_sending(monkeypatch, *, after_the_server_took_it: bool, on_mail: int = 1):
    """Kill the worker (SystemExit, as db_worker's second Ctrl-C does) on its n-th e-mail:
    before the server has it, or after its 250 but before the row is marked sent."""
    real_send = LocmemBackend.send_messages
    mails = Counter()

    def send_messages(self, messages):
        mails["n"] += 1
        if mails["n"] < on_mail:
            return real_send(self, messages)
        if after_the_server_took_it:
            real_send(self, messages)
        raise SystemExit(1)

    with monkeypatch.context() as patch:
        patch.setattr(LocmemBackend, "send_messages", send_messages)
        with pytest.raises(SystemExit):
            deliver_due()


def later(monkeypatch, delta: timedelta) -> None:
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + delta)


def message_ids(mails) -> list[str]:
    return [mail.message()["Message-ID"] for mail in mails]


@pytest.mark.django_db
def test_a_claimed_row_is_nobody_elses_until_the_lease_runs_out(monkeypatch):
    (row,) = queue()
    claimed = outbox_claim_next()
    assert claimed == row
    assert outbox_claim_next() is None  # a second worker finds nothing due
    later(monkeypatch, claim_lease() + timedelta(seconds=1))
    again = outbox_claim_next()
    assert again == row
    assert again.attempts == 2


@pytest.mark.django_db
def test_a_worker_killed_before_sending_leaves_each_notification_one_email(mailoutbox, monkeypatch):
    first, second, third = queue(3)
    worker_dies_while_sending(monkeypatch, after_the_server_took_it=False, on_mail=2)
    assert message_ids(mailoutbox) == [message_id(first.key)]
    second.refresh_from_db()
    assert (second.status, second.attempts) == (OutboxStatus.PENDING, 1)
    assert second.next_attempt_at > timezone.now() + timedelta(seconds=60)

    # the restarted worker sends what is due, and leaves the claimed row to its lease
    assert deliver_due() == (1, 0)
    assert message_ids(mailoutbox)[-1] == message_id(third.key)

    later(monkeypatch, claim_lease() + timedelta(seconds=1))
    assert deliver_due() == (1, 0)
    assert deliver_due() == (0, 0)
    assert sorted(message_ids(mailoutbox)) == sorted(
        message_id(r.key) for r in (first, second, third)
    )
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    second.refresh_from_db()
    assert second.attempts == 2


@pytest.mark.django_db
def test_a_resend_after_the_worker_died_keeps_its_message_id(mailoutbox, monkeypatch):
    (row,) = queue()
    worker_dies_while_sending(monkeypatch, after_the_server_took_it=True)
    assert len(mailoutbox) == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING  # the 250 came, the mark did not

    assert deliver_due() == (0, 0)  # not before the lease has run out
    later(monkeypatch, claim_lease() + timedelta(seconds=1))
    assert deliver_due() == (1, 0)
    assert deliver_due() == (0, 0)
    assert message_ids(mailoutbox) == [message_id(row.key)] * 2  # folded by mail clients
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)


@pytest.mark.django_db
def test_a_run_stops_claiming_when_its_budget_is_spent(mailoutbox, monkeypatch):
    queue(3)
    clock = iter(range(0, 1000, 10))  # each look at the clock: 10 s later
    monkeypatch.setattr(tasks, "monotonic", lambda: next(clock))
    assert deliver_due(budget=timedelta(seconds=25)) == (2, 0)
    assert OutboundEmail.objects.filter(status=OutboxStatus.PENDING, attempts=0).count() == 1


# --- a job left running ----------------------------------------------------------------------


def job_left_running(started_ago: timedelta) -> DBTaskResult:
    result = deliver_outbox.enqueue()
    job = DBTaskResult.objects.get(id=result.id)
    job.status = TaskResultStatus.RUNNING
    job.started_at = timezone.now() - started_ago
    job.worker_ids = ["killed-worker"]
    job.save(update_fields=["status", "started_at", "worker_ids"])
    return job


def run_worker() -> None:
    """db_worker --batch: run every ready job, then stop."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="restarted-worker",
        excluded_queue_names=[],
    ).run()


@pytest.mark.django_db(transaction=True)
def test_a_job_left_running_by_a_dead_worker_runs_again_after_the_timeout(mailoutbox, settings):
    assert timedelta(minutes=15) == settings.TASKS_RUNNING_TIMEOUT  # the default
    (row,) = queue()
    orphan = job_left_running(timedelta(minutes=20))
    busy = job_left_running(timedelta(minutes=1))

    run_worker()  # without the reaper nothing runs: both look busy
    assert mailoutbox == []

    assert tasks_reap(older_than=settings.TASKS_RUNNING_TIMEOUT) == 1
    run_worker()
    orphan.refresh_from_db()
    busy.refresh_from_db()
    assert orphan.status == TaskResultStatus.SUCCESSFUL
    assert orphan.worker_ids == ["killed-worker", "restarted-worker"]
    assert busy.status == TaskResultStatus.RUNNING  # a live worker's job is left alone
    assert message_ids(mailoutbox) == [message_id(row.key)]


@pytest.mark.django_db
def test_the_outbox_task_and_the_command_reap(settings):
    orphan = job_left_running(timedelta(minutes=20))
    deliver_outbox.call()
    orphan.refresh_from_db()
    assert orphan.status == TaskResultStatus.READY

    job_left_running(timedelta(minutes=16))
    job_left_running(timedelta(minutes=14))
    out = io.StringIO()
    call_command("reap-tasks", stdout=out)
    assert out.getvalue() == "jobs put back in the queue: 1\n"
    assert DBTaskResult.objects.running().count() == 1


def test_reaping_nothing_touches_nothing(db):
    assert tasks_reap(older_than=timedelta(minutes=15)) == 0
    assert not DBTaskResult.objects.exists()
