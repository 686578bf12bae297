from django.core.management.base import BaseCommand, CommandError

from regionbridge.accounts.models import User
from regionbridge.accounts.services import token_issue


class Command(BaseCommand):
    help = "Issue a personal API token; it is printed once and stored only as a hash."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="command line")

    def handle(self, *args, email, name, **options):
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"No active account {email!r}.")
        _token, plain = token_issue(user=user, name=name)
        self.stdout.write(plain)
