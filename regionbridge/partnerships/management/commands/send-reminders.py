from django.core.management.base import BaseCommand

from regionbridge.meetings.reminders import reminders_sweep
from regionbridge.partnerships.clearance import next_steps_overdue_notify, renewal_reminders_send


class Command(BaseCommand):
    help = (
        "E-mail renewal reminders for instruments running out soon, and tell the Ukrainian side "
        "of next steps past their date; send any meeting or action reminder that is late. "
        "Run daily (cron, timer)."
    )

    def handle(self, *args, **options):
        count = renewal_reminders_send()
        self.stdout.write(f"Renewal reminders sent for {count} document(s).")
        told = next_steps_overdue_notify()
        self.stdout.write(f"Overdue next steps: {told} person(s) told.")
        # Meetings and action items: their jobs send each reminder at its moment; this sends,
        # once, any that a lost job or a stopped worker did not.
        swept = reminders_sweep()
        self.stdout.write(f"Meeting and action reminders caught up: {swept} sent.")
