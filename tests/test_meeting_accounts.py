"""Where a person works decides their time zone and public holidays (meetings are planned in
their working hours): a new account's first role settles it at its office or region; the
person (or `create-user --timezone`) can change it; existing accounts got theirs from migration
0007. Preferences refuse hostile values with a clear message and change nothing."""

import importlib
from datetime import time
from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from regionbridge.accounts.models import RoleAssignment, User
from regionbridge.accounts.services import home_of, role_assign, user_set_preferences
from regionbridge.audit.models import AuditEntry
from tests.conftest import make_member, org, region
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def home(user: User) -> tuple[str, str]:
    user.refresh_from_db()
    return user.timezone, user.holiday_calendar


# --- the first role settles a new account ------------------------------------------------------


def test_the_personas_are_settled_where_they_work(zhytomyr, indiana, embassy, coordinator):
    assert home(indiana) == ("America/Indiana/Indianapolis", "US-IN")
    assert home(zhytomyr) == ("Europe/Kyiv", "UA")
    # The embassy in the US sits in Washington (its office's region is US-DC).
    assert org("embassy-us").region.code == "US-DC"
    assert home(embassy) == ("America/New_York", "US-DC")
    assert home(coordinator) == ("Europe/Kyiv", "UA")  # the Presidential Office, in Kyiv


def test_an_office_in_a_region_wins_over_the_roles_region(reference):
    chicago = org("consulate-chicago")
    assert home_of(region("UA-18"), chicago) == ("America/Chicago", "US-IL")
    assert home_of(region("US-IN"), None) == ("America/Indiana/Indianapolis", "US-IN")
    assert home_of(None, None) == ("", "")


def test_an_office_without_a_region_goes_by_its_country(reference):
    office = OrganizationFactory(name_en="Somewhere in Ukraine", region=None)
    assert home_of(None, office) == ("Europe/Kyiv", "UA")


def test_only_the_first_role_settles_the_account(reference):
    user = make_member("partner", region_code="US-IN")
    user_set_preferences(user=user, tz="America/Denver", holiday_calendar="US-CO")
    role_assign(user=user, role="regional", region=region("UA-18"))
    assert home(user) == ("America/Denver", "US-CO")


def test_a_second_grant_of_the_same_first_role_changes_nothing(reference):
    user = make_member("regional", region_code="UA-18")
    user_set_preferences(user=user, tz="Europe/Warsaw")
    role_assign(user=user, role="regional", region=region("UA-18"))  # idempotent
    assert home(user)[0] == "Europe/Warsaw"


# --- create-user --------------------------------------------------------------------------------


def create_user(*args: str) -> str:
    out = StringIO()
    call_command("create-user", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_create_user_settles_an_indiana_liaison_in_indianapolis(reference):
    create_user("liaison@in.example.org", "--role", "partner", "--region", "us-in")
    assert home(User.objects.get(email="liaison@in.example.org")) == (
        "America/Indiana/Indianapolis",
        "US-IN",
    )


def test_create_user_timezone_wins_over_the_region(reference):
    create_user(
        "denver@example.org",
        "--role",
        "partner",
        "--region",
        "US-IN",
        "--timezone",
        "America/Denver",
    )
    user = User.objects.get(email="denver@example.org")
    assert home(user) == ("America/Denver", "US-IN")  # the holidays stay the region's


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "", "Europe/Kyiv\x00"])
def test_create_user_refuses_an_unknown_timezone_and_creates_nothing(reference, zone):
    with pytest.raises(CommandError):
        create_user("bad.zone@example.org", "--role", "coordinator", "--timezone", zone)
    assert not User.objects.filter(email="bad.zone@example.org").exists()
    assert not RoleAssignment.objects.filter(user__email="bad.zone@example.org").exists()


# --- preferences ------------------------------------------------------------------------------


def test_working_days_hours_and_holidays_are_saved_and_audited(zhytomyr):
    user_set_preferences(
        user=zhytomyr,
        work_days="5123",
        work_start=time(8, 30),
        work_end=time(17, 0),
        holiday_calendar="us-in",
    )
    zhytomyr.refresh_from_db()
    assert zhytomyr.work_days == "1235"
    assert (zhytomyr.work_start, zhytomyr.work_end) == (time(8, 30), time(17, 0))
    assert zhytomyr.holiday_calendar == "US-IN"
    entry = AuditEntry.objects.filter(action="user.preferences_changed").latest("id")
    assert entry.changes["work_days"] == "1235"
    user_set_preferences(user=zhytomyr, holiday_calendar="")  # no public holidays
    zhytomyr.refresh_from_db()
    assert zhytomyr.holiday_calendar == ""


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"work_days": ""}, "at least one working day"),
        ({"work_days": "890"}, "at least one working day"),
        ({"work_days": "12\x0034"}, "control characters"),
        ({"work_days": [1, 2, 3]}, "control characters"),
        ({"work_days": "1" * 200_000 + "8"}, "at least one working day"),
        ({"work_start": time(18, 0), "work_end": time(9, 0)}, "end after it starts"),
        ({"work_start": time(9, 0), "work_end": time(9, 0)}, "end after it starts"),
        ({"work_end": time(8, 0)}, "end after it starts"),  # before the kept start (9:00)
        ({"work_start": "09:00"}, "time of day"),
        ({"work_start": 9}, "time of day"),
        ({"holiday_calendar": "XX"}, "Unknown public holiday calendar"),
        ({"holiday_calendar": "US-ZZ"}, "Unknown public holiday calendar"),
        ({"holiday_calendar": "U" * 200_000}, "Unknown public holiday calendar"),
        ({"holiday_calendar": "UA\x00"}, "control characters"),
        ({"holiday_calendar": ["UA"]}, "control characters"),
        ({"tz": "Mars/Olympus"}, "Unknown time zone"),
        ({"tz": ["Europe/Kyiv"]}, "control characters"),
        ({"full_name": "A\x00B"}, "control characters"),
        ({"full_name": "n" * 200_000}, "too long"),
        ({"language": "xx"}, "Unknown language"),
        ({"notifications": "sometimes"}, "Unknown notification"),
    ],
)
def test_hostile_preferences_are_refused_and_nothing_changes(zhytomyr, kwargs, message):
    before = User.objects.filter(pk=zhytomyr.pk).values().get()
    with pytest.raises(ValidationError, match=message):
        user_set_preferences(user=zhytomyr, **kwargs)
    assert User.objects.filter(pk=zhytomyr.pk).values().get() == before


# --- migration 0007: existing accounts got their holidays -------------------------------------


def test_the_migration_gives_existing_accounts_the_holidays_of_their_first_role(reference):
    migration = importlib.import_module("regionbridge.accounts.migrations.0007_work_hours")
    indiana = make_member("partner", region_code="US-IN")
    embassy = make_member("embassy", org_key="embassy-us")
    twice = make_member("regional", region_code="UA-18")
    role_assign(user=twice, role="partner", region=region("US-IN"))  # a later role: not used
    nobody = UserFactory()
    User.objects.update(holiday_calendar="")  # as before the migration
    migration.holidays_from_roles(apps, None)
    calendars = dict(User.objects.values_list("pk", "holiday_calendar"))
    assert calendars[indiana.pk] == "US-IN"
    assert calendars[embassy.pk] == "US-DC"
    assert calendars[twice.pk] == "UA"
    assert calendars[nobody.pk] == ""
    migration.holidays_from_roles(apps, None)  # running it again changes nothing
    assert dict(User.objects.values_list("pk", "holiday_calendar")) == calendars
