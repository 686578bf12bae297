from django.core.management.base import BaseCommand

from regionbridge.oversight.digest import weekly_digests_queue


class Command(BaseCommand):
    help = (
        "Queue the weekly digest of everyone whose Monday morning it is, in their time zone "
        "(run hourly; once a day also reaches everyone, some on Tuesday). Never twice a week."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"weekly digests queued: {weekly_digests_queue()}")
