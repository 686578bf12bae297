from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from regionbridge.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files into DIR (missing or empty), "
        "consistently while the site runs; manifest.json, written last, lists every checksum."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", type=Path)

    def handle(self, *args, directory: Path, **options):
        try:
            manifest = backup_create(directory)
        except BackupError as error:
            raise CommandError(str(error)) from error
        size = sum(entry["size"] for entry in manifest.files.values())
        uploads = len(manifest.files) - 1
        self.stdout.write(
            f"Backed up the {manifest.vendor} database and {uploads} uploaded "
            f"file{'' if uploads == 1 else 's'} ({size} bytes in all) into {directory}."
        )
