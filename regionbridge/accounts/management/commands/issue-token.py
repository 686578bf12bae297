from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from regionbridge.accounts.models import User
from regionbridge.accounts.services import token_issue


class Command(BaseCommand):
    help = "Issue a personal API token; it is printed once and stored only as a hash."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="command line")
        parser.add_argument(
            "--expires", type=date.fromisoformat, metavar="YYYY-MM-DD", help="its last day"
        )
        parser.add_argument("--read-only", action="store_true", help="it may only read")

    def handle(self, *args, email, name, expires, read_only, **options):
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"No active account {email!r}.")
        try:
            _token, plain = token_issue(
                user=user, name=name, expires_on=expires, read_only=read_only
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(plain)
