"""Jobs a dead worker left running go back in the queue.

django-tasks-db marks a job RUNNING when a worker takes it and keeps no lease: a worker killed
mid-job leaves it RUNNING for ever, and it never runs again. Every task here is idempotent and
stops well within TASKS_RUNNING_TIMEOUT, so a job still RUNNING after that is an orphan, and
running it again is safe.
"""

import logging
from datetime import timedelta

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
