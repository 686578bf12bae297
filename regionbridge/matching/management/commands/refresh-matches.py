import time

from django.core.management.base import BaseCommand

from regionbridge.matching import tasks


class Command(BaseCommand):
    help = (
        "Match every open need against the open offers again, now (the worker matches changed "
        "posts on its own): after ties between regions open or end, or a new taxonomy."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        kept = tasks.refresh(everything=True)
        self.stdout.write(f"{kept} suggestions kept in {time.monotonic() - started:.1f} s.")
