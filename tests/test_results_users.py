"""Kept results (`core.results`, decision 0013) and users' rows: a user's save is watched only
for the fields that decide what others see (`USER_FIELDS_READ`: active, superuser, time zone).
A colleague who leaves takes their action items off the office's pages at once; a sign-in, which
saves `last_login` on every visit, throws nothing away and costs no query more."""

from datetime import timedelta

import pytest
from django.utils import timezone

from regionbridge.accounts.models import User
from regionbridge.core import results
from regionbridge.core.models import DataVersion
from regionbridge.meetings.models import ActionItem
from regionbridge.messaging.models import Thread, ThreadKind
from regionbridge.partnerships.services import partnership_create
from tests.conftest import make_member, region
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def token() -> str:
    return DataVersion.objects.get(app="accounts").token


@pytest.fixture
def colleague(reference):
    """Another MFA official (the ministry role, bound to the MFA like the `ministry` persona)."""
    return make_member("ministry", org_key="mfa", email="colleague@example.org")


@pytest.fixture
def overdue_item(colleague):
    """An action item the colleague owns, overdue since yesterday, on a thread with no
    participants under an open tie: the ministry sees it only as its colleague's."""
    tie = partnership_create(
        by=None,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-IN"),
        first_event_on=timezone.localdate() - timedelta(days=30),
    )
    thread = Thread.objects.create(kind=ThreadKind.TOPIC, subject="Follow-up", partnership=tie)
    return ActionItem.objects.create(
        title="Send the draft",
        owner=colleague,
        due=timezone.localdate() - timedelta(days=1),
        thread=thread,
        partnership=tie,
    )


def overdue_on_region_page(client) -> int:
    response = client.get("/oversight/regions/UA-18/")
    assert response.status_code == 200
    return sum(row.overdue_actions for row in response.context["ties"])


def test_a_colleague_who_leaves_takes_their_items_off_the_kept_page(
    client, ministry, colleague, overdue_item, settings
):
    assert settings.RESULTS_SECONDS  # kept, as in production
    client.force_login(ministry)
    assert overdue_on_region_page(client) == 1
    assert overdue_on_region_page(client) == 1  # kept
    colleague.is_active = False
    colleague.save()
    assert overdue_on_region_page(client) == 0


def test_an_owners_time_zone_changes_the_kept_result(colleague):
    before = token()
    colleague.timezone = "America/Indiana/Indianapolis"
    colleague.save(update_fields=["timezone"])
    assert token() != before


def test_a_superuser_made_changes_the_kept_result(colleague):
    before = token()
    colleague.is_superuser = True
    colleague.save()
    assert token() != before


def test_a_save_that_changes_none_of_those_fields_keeps_the_results(colleague):
    before = token()
    colleague.full_name = "Renamed"
    colleague.is_staff = True  # back-office access: no policy rule reads it
    colleague.save()
    assert token() == before


def test_signing_in_keeps_the_results_and_asks_nothing_more(client, colleague, ministry):
    before = token()
    assert client.login(username=colleague.email, password=PASSWORD)
    assert token() == before


def test_saving_the_last_sign_in_alone_costs_one_query(colleague, django_assert_num_queries):
    colleague.last_login = timezone.now()
    with django_assert_num_queries(1):  # the UPDATE: no comparison, no version
        colleague.save(update_fields=["last_login"])


def test_a_new_user_keeps_the_results(reference):
    before = token()
    UserFactory(email="new@example.org")
    assert token() == before


def test_a_deleted_user_changes_the_kept_results(reference):
    user = UserFactory(email="gone@example.org")
    before = token()
    user.delete()
    assert token() != before


def test_the_watched_fields_are_the_users_fields():
    names = {field.name for field in User._meta.get_fields()}
    assert set(results.USER_FIELDS_READ) <= names
