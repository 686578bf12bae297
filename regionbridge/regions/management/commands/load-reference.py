import time

from django.core.management.base import BaseCommand

from regionbridge.organizations.services import organizations_load_reference
from regionbridge.regions.services import reference_load


class Command(BaseCommand):
    help = "Load countries, regions (ISO 3166) and the reference organizations. Idempotent."

    def handle(self, *args, **options):
        started = time.monotonic()
        regions = reference_load()
        organizations = organizations_load_reference()
        self.stdout.write(
            f"Loaded {regions.countries} countries, {regions.regions} regions, "
            f"{organizations.organizations} organizations, "
            f"{organizations.consular_districts} consular districts "
            f"in {time.monotonic() - started:.1f}s."
        )
