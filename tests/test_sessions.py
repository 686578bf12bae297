"""Sessions end after an hour without activity and 12 hours after sign-in (ASVS 3.3.2)."""

import time

import pytest
from django.urls import reverse

from regionbridge.accounts.middleware import SEEN_AT, SIGNED_IN_AT
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"


def sign_in(client, user) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302


def shift(client, key: str, seconds: int) -> None:
    session = client.session
    session[key] = session[key] - seconds
    session.save()


def test_signing_in_starts_the_clock(client, zhytomyr):
    sign_in(client, zhytomyr)
    now = int(time.time())
    assert abs(client.session[SIGNED_IN_AT] - now) <= 2
    assert client.get(PROFILE).status_code == 200


def test_an_hour_without_activity_ends_the_session(client, zhytomyr, settings):
    sign_in(client, zhytomyr)
    shift(client, SEEN_AT, settings.SESSION_IDLE_SECONDS + 1)
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert client.get(PROFILE).status_code == 302  # and it stays ended


def test_activity_keeps_the_session_alive(client, zhytomyr, settings):
    sign_in(client, zhytomyr)
    shift(client, SEEN_AT, settings.SESSION_IDLE_SECONDS - 120)
    assert client.get(PROFILE).status_code == 200  # seen now
    assert abs(client.session[SEEN_AT] - int(time.time())) <= 2


def test_twelve_hours_after_sign_in_the_session_ends_however_active(client, zhytomyr, settings):
    sign_in(client, zhytomyr)
    shift(client, SIGNED_IN_AT, settings.SESSION_MAX_SECONDS + 1)
    assert client.get(PROFILE).status_code == 302


def test_a_live_stream_is_not_activity(rf, zhytomyr):
    """An open thread page reconnects its stream every 25 s: that must not keep a session alive.
    (The middleware alone: a real stream holds a PostgreSQL LISTEN connection.)"""
    from django.contrib.sessions.backends.db import SessionStore

    from regionbridge.accounts.middleware import SessionTimeoutMiddleware

    seen = int(time.time()) - 600
    middleware = SessionTimeoutMiddleware(lambda request: None)
    for path, kept in (("/messages/7/stream/", seen), ("/messages/7/", None)):
        request = rf.get(path)
        request.user = zhytomyr
        request.session = SessionStore()
        request.session[SIGNED_IN_AT] = request.session[SEEN_AT] = seen
        middleware(request)
        if kept is None:
            assert request.session[SEEN_AT] > seen  # a page is activity
        else:
            assert request.session[SEEN_AT] == kept


def test_the_session_based_api_ends_with_the_session(client, zhytomyr, settings):
    sign_in(client, zhytomyr)
    assert client.get("/api/v1/threads").status_code == 200
    shift(client, SEEN_AT, settings.SESSION_IDLE_SECONDS + 1)
    assert client.get("/api/v1/threads").status_code == 401


def test_a_password_change_ends_every_other_session(client, zhytomyr):
    """Django keeps a hash of the password in the session: a new password ends the old ones."""
    from django.test import Client

    sign_in(client, zhytomyr)
    elsewhere = Client()
    sign_in(elsewhere, zhytomyr)
    zhytomyr.set_password("Another-Long-Pass-2026")
    zhytomyr.save()
    assert client.get(PROFILE).status_code == 302
    assert elsewhere.get(PROFILE).status_code == 302
