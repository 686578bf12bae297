from django.core.management.base import BaseCommand

from regionbridge.messaging.digest import digests_queue


class Command(BaseCommand):
    help = "Queue the daily digest for everyone who chose it (run once a day)."

    def handle(self, *args, **options):
        self.stdout.write(f"digests queued: {digests_queue()}")
