"""Jobs a dead worker left running go back in the queue.

django-tasks-db marks a job RUNNING when a worker takes it and keeps no lease: a worker killed
mid-job leaves it RUNNING for ever, and it never runs again. Every task here is idempotent and
stops well within TASKS_RUNNING_TIMEOUT, so a job still RUNNING after that is an orphan, and
running it again is safe.

`regionbridge worker` (the worker `make run` starts) reaps when it starts and then every half
timeout (`tasks_reap_every`); the outbox task and `reap-tasks` reap too.
"""

import logging
import threading
from datetime import timedelta

from django.db import DatabaseError, connections
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def tasks_reap(*, older_than: timedelta) -> int:
    """Make READY again every job that started more than `older_than` ago and is still RUNNING;
    return how many. The next free worker runs it as if it had just been enqueued."""
    stale = DBTaskResult.objects.running().filter(started_at__lt=timezone.now() - older_than)
    orphans = list(stale.values_list("id", "task_path", "started_at", "worker_ids"))
    if not orphans:
        return 0
    count = stale.filter(id__in=[orphan[0] for orphan in orphans]).update(
        status=TaskResultStatus.READY, started_at=None
    )
    for job_id, task_path, started_at, worker_ids in orphans:
        logger.warning(
            "Job %s (%s) running since %s on worker %s: back in the queue",
            job_id,
            task_path,
            started_at.isoformat(),
            worker_ids[-1] if worker_ids else "?",
        )
    return count


def tasks_reap_every(*, seconds: float, older_than: timedelta, stop: threading.Event) -> None:
    """Reap every `seconds` until `stop` is set (in a thread beside the worker's loop). A
    database that is away is no reason to stop: the next round tries again."""
    while not stop.wait(seconds):
        try:
            tasks_reap(older_than=older_than)
        except DatabaseError:
            logger.warning(
                "Could not look for jobs left running; trying again later", exc_info=True
            )
        finally:
            connections.close_all()  # this thread's own, unused until the next round
