from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from regionbridge.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into this site's database and MEDIA_ROOT, after "
        "checking every file; refuses a non-empty database or MEDIA_ROOT unless --force."
    )
    # The checks would open the database before restore has made its directory (a new VAR_DIR).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="overwrite a database that has rows and files already in MEDIA_ROOT",
        )

    def handle(self, *args, directory: Path, force: bool, **options):
        try:
            manifest = backup_restore(directory, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        uploads = len(manifest.files) - 1
        self.stdout.write(
            f"Restored the backup of {manifest.created_at} "
            f"({uploads} uploaded file{'' if uploads == 1 else 's'}). "
            "Run `regionbridge migrate` if this version of the code is newer."
        )
