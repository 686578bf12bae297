"""Sign-in lockout: per account whatever the address, a wait that doubles with each failure and
never locks for good, the client's address read from our proxy only when BEHIND_PROXY is set,
and a lockout page that says when to try again."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from regionbridge.accounts.lockout import LONGEST_WAIT, wait_after
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = 3
PROXY = "127.0.0.1"  # nginx, as the application sees it


@pytest.fixture(autouse=True)
def _axes(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT


def browser(real_ip: str | None = None, language: str = "en") -> Client:
    headers = {"X-Real-IP": real_ip} if real_ip else {}
    client = Client(REMOTE_ADDR=PROXY, headers=headers)
    client.cookies["rb_language"] = language
    return client


def sign_in(client: Client, email: str, password: str = "wrong"):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def rewind(delta: timedelta) -> None:
    """Time passes: every recorded failure is `delta` older."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)


def failures() -> int:
    return sum(AccessAttempt.objects.values_list("failures_since_start", flat=True))


def test_the_wait_doubles_up_to_a_day():
    assert wait_after(9, 10) is None
    assert [wait_after(n, 10) for n in (10, 11, 12, 13)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8)
    ]
    assert wait_after(21, 10) == LONGEST_WAIT == timedelta(days=1)
    assert wait_after(10**9, 10) == LONGEST_WAIT


def test_behind_the_proxy_the_lock_is_per_account_for_every_address(settings, zhytomyr):
    settings.BEHIND_PROXY = True
    first, second = browser("203.0.113.5"), browser("198.51.100.7")
    sign_in(first, zhytomyr.email)
    sign_in(second, zhytomyr.email)
    assert sign_in(first, zhytomyr.email).status_code == 429
    for client in (first, second, browser("192.0.2.1")):
        response = sign_in(client, zhytomyr.email, PASSWORD)
        assert response.status_code == 429
        assert not signed_in(client)
    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {"203.0.113.5", "198.51.100.7"}


def test_another_account_behind_the_same_proxy_is_not_locked(settings, zhytomyr, chernihiv):
    settings.BEHIND_PROXY = True
    attacker = browser("203.0.113.5")
    for _ in range(LIMIT + 5):
        sign_in(attacker, zhytomyr.email)
    colleague = browser("203.0.113.5")
    assert sign_in(colleague, chernihiv.email, PASSWORD).status_code == 302
    assert signed_in(colleague)


def test_the_same_account_in_another_case_counts_as_the_same(zhytomyr):
    client = browser()
    sign_in(client, zhytomyr.email.upper())
    sign_in(client, f"  {zhytomyr.email}  ")
    sign_in(client, zhytomyr.email.title())
    assert sign_in(client, zhytomyr.email, PASSWORD).status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {zhytomyr.email}


def test_without_behind_proxy_the_header_is_ignored(settings, zhytomyr):
    settings.BEHIND_PROXY = False
    sign_in(browser("203.0.113.5"), zhytomyr.email)
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [PROXY]


def test_a_header_that_is_not_an_address_is_not_recorded(settings, zhytomyr):
    settings.BEHIND_PROXY = True
    response = sign_in(browser("not-an-address'); --"), zhytomyr.email)
    assert response.status_code == 200
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [None]


def test_a_flood_makes_the_wait_grow_step_by_step_and_never_lock_for_good(zhytomyr):
    client = browser()
    for _ in range(LIMIT):
        sign_in(client, zhytomyr.email)
    # Locked for a minute; a flood while locked is refused unread and changes nothing.
    for _ in range(50):
        assert sign_in(client, zhytomyr.email).status_code == 429
    assert failures() == LIMIT
    rewind(timedelta(seconds=61))
    # Free again: one more failure locks for two minutes, the next for four…
    for minutes in (2, 4, 8):
        assert sign_in(client, zhytomyr.email).status_code == 429
        rewind(timedelta(minutes=minutes) - timedelta(seconds=5))
        assert sign_in(client, zhytomyr.email, PASSWORD).status_code == 429
        rewind(timedelta(seconds=10))
    # …and never more than a day, however many failures there were.
    AccessAttempt.objects.update(failures_since_start=LIMIT + 40, attempt_time=timezone.now())
    response = sign_in(client, zhytomyr.email, PASSWORD)
    assert response.status_code == 429
    assert 86_000 < int(response["Retry-After"]) <= 86_400
    rewind(LONGEST_WAIT + timedelta(seconds=1))
    assert sign_in(client, zhytomyr.email, PASSWORD).status_code == 302
    assert signed_in(client)


def test_failures_are_forgotten_after_a_quiet_day(zhytomyr):
    client = browser()
    for _ in range(LIMIT - 1):
        sign_in(client, zhytomyr.email)
    rewind(timedelta(days=1, seconds=1))
    sign_in(client, zhytomyr.email)  # the first failure of a new day, not the limit
    assert sign_in(client, zhytomyr.email, PASSWORD).status_code == 302


def test_a_success_before_the_limit_forgets_the_failures(zhytomyr):
    client = browser()
    for _ in range(LIMIT - 1):
        sign_in(client, zhytomyr.email)
    assert sign_in(client, zhytomyr.email, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()


def test_the_locked_page_says_when_to_try_again(zhytomyr):
    client = browser()
    for _ in range(LIMIT - 1):
        sign_in(client, zhytomyr.email)
    response = sign_in(client, zhytomyr.email)
    assert response.status_code == 429
    assert 55 <= int(response["Retry-After"]) <= 60
    retry_at = timezone.localtime(response.context["retry_at"])
    content = response.content.decode()
    assert "You can try again in 1\xa0minute" in content
    assert retry_at.strftime("%Y-%m-%d %H:%M") in content


def test_the_admin_sign_in_is_locked_the_same_way(zhytomyr):
    client = browser()
    for _ in range(LIMIT):
        client.post(reverse("admin:login"), {"username": zhytomyr.email, "password": "x"})
    assert sign_in(client, zhytomyr.email, PASSWORD).status_code == 429
