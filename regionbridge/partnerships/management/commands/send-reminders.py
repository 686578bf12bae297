from django.core.management.base import BaseCommand

from regionbridge.partnerships.clearance import next_steps_overdue_notify, renewal_reminders_send


class Command(BaseCommand):
    help = (
        "E-mail renewal reminders for instruments running out soon, and tell the Ukrainian side "
        "of next steps past their date. Run daily (cron, timer)."
    )

    def handle(self, *args, **options):
        count = renewal_reminders_send()
        self.stdout.write(f"Renewal reminders sent for {count} document(s).")
        told = next_steps_overdue_notify()
        self.stdout.write(f"Overdue next steps: {told} person(s) told.")
