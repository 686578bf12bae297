import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from regionbridge.accounts.models import Role
from regionbridge.accounts.services import role_assign, user_create, user_set_preferences
from regionbridge.organizations.models import Organization
from regionbridge.regions.models import Region


class Command(BaseCommand):
    help = "Create an account with a role. The password comes from stdin (--password-stdin)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--region", help="ISO 3166-2 code, e.g. UA-18 or US-IN")
        parser.add_argument("--organization", type=int, help="organization id")
        parser.add_argument("--name", default="", help="full name")
        parser.add_argument("--language", default="uk", choices=["uk", "en"])
        parser.add_argument(
            "--timezone",
            help="IANA time zone, e.g. America/Indiana/Indianapolis (default: the office's or "
            "the region's)",
        )
        parser.add_argument("--password-stdin", action="store_true")
        parser.add_argument("--superuser", action="store_true", help="also back-office admin")

    def handle(self, *args, email, role, region, organization, name, language, **options):
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CommandError("No password on standard input.")
        region_obj = organization_obj = None
        if region:
            region_obj = (
                Region.objects.select_related("country").filter(code=region.upper()).first()
            )
            if region_obj is None:
                raise CommandError(f"Unknown region {region!r}; run load-reference first?")
        if organization is not None:
            organization_obj = Organization.objects.filter(pk=organization).first()
            if organization_obj is None:
                raise CommandError(f"Unknown organization id {organization}.")
        try:
            with transaction.atomic():
                user = user_create(
                    email=email,
                    password=password,
                    full_name=name,
                    language=language,
                    is_superuser=options["superuser"],
                )
                role_assign(user=user, role=role, region=region_obj, organization=organization_obj)
                if options["timezone"] is not None:  # given, even empty: it must be a zone
                    user_set_preferences(user=user, tz=options["timezone"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Created {user.email} with role {role}.")
