import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from regionbridge.matching import taxonomy
from regionbridge.partnerships.services import spheres_load


class Command(BaseCommand):
    help = (
        "Load the shipped taxonomy into the database as its first version (nothing to do once "
        "loaded), or --file FILE as the next version, replacing the topics. Coordinators' earlier "
        "versions stay in the history."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", "-f", help="A taxonomy file (the export's format).")
        parser.add_argument("--note", default="", help="Kept with the new version.")

    def handle(self, *args, file=None, note="", **options):
        spheres_load()  # the topics name spheres
        latest = taxonomy.latest()
        if file is None and latest is not None:
            self.stdout.write(
                f"The taxonomy is loaded (version {latest.number}); "
                "give --file FILE to load another file as the next version."
            )
            return
        data = None
        if file is not None:
            try:
                data = json.loads(Path(file).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            version = taxonomy.taxonomy_load(
                by=None, data=data, note=note or ("Shipped file" if file is None else file)
            )
        except taxonomy.TaxonomyError as exc:
            raise CommandError("The file was not loaded:\n" + "\n".join(exc.messages)) from exc
        if version is None:
            self.stdout.write("The file equals the latest version; nothing changed.")
        else:
            topics = len(version.snapshot["topics"])
            self.stdout.write(f"Version {version.number}: {topics} topics.")
