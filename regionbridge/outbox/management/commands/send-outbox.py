from django.core.management.base import BaseCommand

from regionbridge.outbox.tasks import deliver_due


class Command(BaseCommand):
    help = "Deliver due e-mail from the outbox now (the worker does this by itself)."

    def handle(self, *args, **options):
        sent, failed = deliver_due()
        self.stdout.write(f"sent {sent}, failed {failed}")
