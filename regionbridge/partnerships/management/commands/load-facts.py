from django.core.management.base import BaseCommand, CommandError

from regionbridge.partnerships.facts import FactsError, facts_load
from regionbridge.partnerships.services import spheres_load


class Command(BaseCommand):
    help = "Load the sourced partnership events (1996–2026) as reference data. Idempotent."

    def handle(self, *args, **options):
        spheres_load()
        try:
            result = facts_load()
        except FactsError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.rows} sourced events in {result.partnerships} partnerships; "
            f"{result.events_added} added now."
        )
