"""`regionbridge worker`: django-tasks-db's worker that also picks up the jobs a dead worker left
RUNNING (issue 8.4): when it starts, and every so often while it runs."""

import signal
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from regionbridge.outbox.tasks import deliver_outbox


def job_left_running(started_ago: timedelta) -> DBTaskResult:
    """A job a worker took `started_ago` and, killed, never finished."""
    job = DBTaskResult.objects.get(id=deliver_outbox.enqueue().id)
    job.status = TaskResultStatus.RUNNING
    job.started_at = timezone.now() - started_ago
    job.worker_ids = ["killed-worker"]
    job.save(update_fields=["status", "started_at", "worker_ids"])
    return job


@pytest.fixture(autouse=True)
def _signals_restored() -> Iterator[None]:
    """The worker takes over SIGINT and SIGTERM; the test run gets them back."""
    names = [name for name in ("SIGINT", "SIGTERM", "SIGQUIT") if hasattr(signal, name)]
    saved = {name: signal.getsignal(getattr(signal, name)) for name in names}
    yield
    for name, handler in saved.items():
        signal.signal(getattr(signal, name), handler)


def worker(*args: str) -> None:
    call_command("worker", "--no-startup-delay", "--worker-id", "fresh-worker", *args, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_fresh_worker_runs_the_job_a_dead_worker_left_running_past_the_timeout(settings):
    assert timedelta(minutes=15) == settings.TASKS_RUNNING_TIMEOUT  # the default
    orphan = job_left_running(timedelta(minutes=20))
    busy = job_left_running(timedelta(minutes=1))

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    orphan.refresh_from_db()
    assert orphan.status == TaskResultStatus.RUNNING  # the plain worker never would

    worker("--batch")
    orphan.refresh_from_db()
    busy.refresh_from_db()
    assert orphan.status == TaskResultStatus.SUCCESSFUL
    assert orphan.worker_ids == ["killed-worker", "fresh-worker"]
    assert busy.status == TaskResultStatus.RUNNING  # perhaps a live worker's: left alone
    assert busy.worker_ids == ["killed-worker"]


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_picks_up_a_job_once_it_has_run_past_the_timeout(settings):
    settings.TASKS_RUNNING_TIMEOUT = timedelta(seconds=1)
    job = job_left_running(timedelta(seconds=0.3))  # within the timeout when the worker starts

    # Should the reaper never act, a fresh job ends the worker (--max-tasks 1) and the test fails
    # on the assertions below instead of hanging.
    watchdog = threading.Timer(30, deliver_outbox.enqueue)
    watchdog.start()
    try:
        worker("--max-tasks", "1", "--interval", "0.05", "--reap-every", "0.1")
    finally:
        watchdog.cancel()

    job.refresh_from_db()
    assert job.status == TaskResultStatus.SUCCESSFUL
    assert job.worker_ids == ["killed-worker", "fresh-worker"]
    assert job.started_at - job.enqueued_at < timedelta(seconds=30)
    assert not any(thread.name == "reaper" for thread in threading.enumerate())


def test_the_reaper_waits_a_positive_time():
    with pytest.raises(Exception, match="greater than zero"):
        worker("--reap-every", "0")
