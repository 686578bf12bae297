from django.core.management.base import BaseCommand

from regionbridge.demo.data import DEMO_PASSWORD
from regionbridge.demo.services import demo_load


class Command(BaseCommand):
    help = "Load fictional demo people and one account per role (idempotent)."

    def handle(self, *args, **options):
        accounts = demo_load()
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for account in accounts:
            self.stdout.write(f"  {account.role:<12} {account.email:<42} {account.scope}")
