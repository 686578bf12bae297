import threading
from argparse import ArgumentParser, ArgumentTypeError

from django.conf import settings
from django_tasks_db.management.commands import db_worker

from regionbridge.outbox.reaper import tasks_reap, tasks_reap_every
from regionbridge.outbox.tasks import worker_started


def positive_seconds(value: str) -> float:
    seconds = db_worker.valid_interval(value)
    if not seconds:
        raise ArgumentTypeError("Must be greater than zero")
    return seconds


class Command(db_worker.Command):
    help = (
        "Run the background worker (django-tasks-db's db_worker, same options) and put back in "
        "the queue the jobs a dead worker left running: at start, then every --reap-every seconds."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--reap-every",
            type=positive_seconds,
            default=settings.TASKS_RUNNING_TIMEOUT.total_seconds() / 2,
            help="Seconds between two looks for jobs left running (default: half the timeout)",
        )

    def handle(self, *args, reap_every: float, **options) -> None:
        timeout = settings.TASKS_RUNNING_TIMEOUT
        tasks_reap(older_than=timeout)  # a worker restarted after a crash finds its jobs at once
        worker_started()  # the schedules the apps keep in the queue (the weekly digest's)
        if options["batch"]:  # runs what is ready, then stops: no later round to wait for
            super().handle(*args, **options)
            return
        stop = threading.Event()
        # A thread, not a step of db_worker's loop, which has no hook: a long job there must
        # not delay the look for another worker's orphans.
        reaper = threading.Thread(
            target=tasks_reap_every,
            kwargs={"seconds": reap_every, "older_than": timeout, "stop": stop},
            name="reaper",
            daemon=True,
        )
        reaper.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            reaper.join(timeout=10)  # let a round under way finish its one UPDATE
