from django.core.management.base import BaseCommand

from regionbridge.partnerships.clearance import renewal_reminders_send


class Command(BaseCommand):
    help = "E-mail renewal reminders for instruments running out soon. Run daily (cron, timer)."

    def handle(self, *args, **options):
        count = renewal_reminders_send()
        self.stdout.write(f"Renewal reminders sent for {count} document(s).")
