"""Issue 8.1 (tokens): an API token may have a last day and may be read-only.

`issue-token EMAIL --name N [--expires YYYY-MM-DD] [--read-only]` and the profile page alike.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from regionbridge.accounts.models import ApiToken
from regionbridge.accounts.services import token_authenticate, token_issue
from regionbridge.messaging.models import Thread

pytestmark = pytest.mark.django_db

THREADS = "/api/v1/threads"


def headers(plain: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plain}"}


def new_thread(client, plain: str):
    return client.post(
        THREADS,
        {"subject": "From a script", "kind": "topic"},
        content_type="application/json",
        headers=headers(plain),
    )


def test_a_read_only_token_reads_but_changes_nothing(client, zhytomyr):
    _token, plain = token_issue(user=zhytomyr, name="dashboard", read_only=True)
    assert client.get(THREADS, headers=headers(plain)).status_code == 200
    response = new_thread(client, plain)
    assert response.status_code == 403
    assert "read-only" in response.json()["message"]
    assert not Thread.objects.exists()


def test_a_read_write_token_may_write(client, zhytomyr):
    _token, plain = token_issue(user=zhytomyr, name="script")
    assert new_thread(client, plain).status_code == 201


def test_a_token_works_through_its_last_day_and_not_after(client, zhytomyr):
    today = timezone.localdate()
    token, plain = token_issue(user=zhytomyr, name="until today", expires_on=today)
    assert client.get(THREADS, headers=headers(plain)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_on=today - timedelta(days=1))
    assert client.get(THREADS, headers=headers(plain)).status_code == 401
    assert token_authenticate(plain) is None


@pytest.mark.parametrize("days", [-1, 367, 100_000])
def test_a_last_day_in_the_past_or_beyond_a_year_is_refused(zhytomyr, days):
    with pytest.raises(ValidationError):
        token_issue(user=zhytomyr, name="x", expires_on=timezone.localdate() + timedelta(days=days))
    assert not ApiToken.objects.exists()


def test_the_command_line_takes_expiry_and_scope(zhytomyr):
    last_day = timezone.localdate() + timedelta(days=30)
    out = StringIO()
    call_command(
        "issue-token",
        zhytomyr.email,
        "--name",
        "reports",
        "--expires",
        last_day.isoformat(),
        "--read-only",
        stdout=out,
    )
    token = ApiToken.objects.get()
    assert (token.expires_on, token.read_only) == (last_day, True)
    assert token_authenticate(out.getvalue().strip()) == zhytomyr


@pytest.mark.parametrize("value", ["2020-01-01", "9999-12-31", "tomorrow"])
def test_the_command_line_refuses_a_bad_last_day(zhytomyr, value):
    with pytest.raises((CommandError, SystemExit)):
        call_command(
            "issue-token", zhytomyr.email, "--expires", value, stdout=StringIO(), stderr=StringIO()
        )
    assert not ApiToken.objects.exists()


def test_the_profile_page_issues_a_read_only_token_with_a_last_day(client, zhytomyr):
    client.force_login(zhytomyr)
    last_day = timezone.localdate() + timedelta(days=90)
    response = client.post(
        reverse("accounts:token_create"),
        {"name": "Dashboard", "expires_on": last_day.isoformat(), "read_only": "on"},
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert (token.expires_on, token.read_only) == (last_day, True)
    assert last_day.isoformat() in response.content.decode()


def test_the_profile_page_refuses_a_last_day_beyond_a_year(client, zhytomyr):
    client.force_login(zhytomyr)
    client.cookies["rb_language"] = "en"
    too_late = timezone.localdate() + timedelta(days=400)
    response = client.post(
        reverse("accounts:token_create"), {"name": "Forever", "expires_on": too_late.isoformat()}
    )
    assert response.status_code == 400
    assert "last day must be between today and" in response.content.decode()
    assert not ApiToken.objects.exists()
