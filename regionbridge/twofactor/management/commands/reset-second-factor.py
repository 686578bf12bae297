from django.core.management.base import BaseCommand, CommandError

from regionbridge.accounts.models import User
from regionbridge.twofactor.services import factors_reset


class Command(BaseCommand):
    help = (
        "Remove every second factor and recovery code of an account that lost them, and end its "
        "sessions; at the next sign-in the person adds a new factor. Check who they are first."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--reason", required=True, help="how the person's identity was checked")

    def handle(self, *args, email, reason, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account {email!r}.")
        removed = factors_reset(user, by=None, reason=reason)
        self.stdout.write(f"Removed {removed} factor(s) of {user.email}; its sessions ended.")
