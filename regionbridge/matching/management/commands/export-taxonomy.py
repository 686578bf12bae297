import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from regionbridge.matching import taxonomy
from regionbridge.matching.models import TaxonomyVersion


class Command(BaseCommand):
    help = (
        "Write the current taxonomy (the coordinators' latest version, or the shipped file) in the "
        "format `regionbridge match --taxonomy FILE` reads: to standard output, or --output FILE."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="The file to write (default: standard output).")
        parser.add_argument(
            "--number", type=int, help="An earlier version's number instead of the latest."
        )

    def handle(self, *args, output=None, number=None, **options):
        if number is None:
            data = taxonomy.export()
        else:
            version = (
                TaxonomyVersion.objects.filter(number=number).first()
                if 0 < number < 2**31
                else None
            )
            if version is None:
                raise CommandError(f"There is no version {number} of the taxonomy.")
            data = version.snapshot
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        if output is None or output == "-":
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}") from exc
        self.stderr.write(f"{len(data.get('topics', []))} topics written to {output}.")
