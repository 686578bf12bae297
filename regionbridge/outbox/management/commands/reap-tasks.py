from django.conf import settings
from django.core.management.base import BaseCommand

from regionbridge.outbox.reaper import tasks_reap


class Command(BaseCommand):
    help = (
        "Put back in the queue the jobs a dead worker left running for longer than "
        "TASKS_RUNNING_TIMEOUT (the outbox task does this by itself whenever it runs)."
    )

    def handle(self, *args, **options):
        count = tasks_reap(older_than=settings.TASKS_RUNNING_TIMEOUT)
        self.stdout.write(f"jobs put back in the queue: {count}")
