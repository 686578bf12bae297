"""A person sees where they are signed in, and their API tokens, and can end them (ASVS 3.3.4)."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from regionbridge.accounts import sessions
from regionbridge.accounts.middleware import SEEN_AT
from regionbridge.accounts.models import SignedInSession
from regionbridge.accounts.services import token_issue
from regionbridge.audit.models import AuditEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SESSIONS = reverse("accounts:sessions")
PROFILE = reverse("accounts:profile")
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def signed_in(user, agent: str = FIREFOX_WINDOWS, address: str = "203.0.113.7") -> Client:
    """A browser of its own, signed in through the sign-in form."""
    client = Client(headers={"User-Agent": agent}, REMOTE_ADDR=address)
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def record_of(client: Client) -> SignedInSession:
    return SignedInSession.objects.get(session_key=client.session.session_key)


def end_url(record: SignedInSession) -> str:
    return reverse("accounts:session_end", args=[record.pk])


def is_signed_in(client: Client) -> bool:
    return client.get(PROFILE).status_code == 200


def assert_asks_to_sign_in(response, url: str) -> None:
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("accounts:login")
    assert parse_qs(location.query)["next"] == [url]


# --- seeing them ------------------------------------------------------------------------------


def test_signing_in_twice_shows_two_sessions_this_one_marked(zhytomyr):
    laptop = signed_in(zhytomyr, FIREFOX_WINDOWS, "203.0.113.7")
    signed_in(zhytomyr, SAFARI_IPHONE, "198.51.100.20")
    response = laptop.get(SESSIONS)
    assert response.status_code == 200
    listed = response.context["signed_in"]
    assert [(r.device, r.address, r.is_current) for r in listed] == [
        ("Firefox · Windows", "203.0.113.7", True),
        ("Safari · iOS", "198.51.100.20", False),
    ]
    page = response.content.decode()
    assert "Firefox · Windows" in page and "Safari · iOS" in page
    assert page.count('class="tag"') == 1  # "this device", once


def test_the_page_never_shows_a_session_key(zhytomyr):
    laptop = signed_in(zhytomyr)
    phone = signed_in(zhytomyr, SAFARI_IPHONE)
    page = laptop.get(SESSIONS).content.decode()
    assert laptop.session.session_key not in page
    assert phone.session.session_key not in page


def test_another_persons_sessions_are_not_listed(zhytomyr, indiana):
    signed_in(indiana)
    listed = signed_in(zhytomyr).get(SESSIONS).context["signed_in"]
    assert {record.user_id for record in listed} == {zhytomyr.pk}


def test_the_profile_links_to_the_page(zhytomyr):
    assert SESSIONS in signed_in(zhytomyr).get(PROFILE).content.decode()


def test_anonymous_visitors_are_asked_to_sign_in_and_nothing_ends(client, zhytomyr):
    phone = signed_in(zhytomyr, SAFARI_IPHONE)
    record = record_of(phone)
    assert_asks_to_sign_in(client.get(SESSIONS), SESSIONS)
    assert_asks_to_sign_in(client.post(end_url(record)), end_url(record))
    others = reverse("accounts:sessions_end_others")
    assert_asks_to_sign_in(client.post(others), others)
    assert is_signed_in(phone)
    assert SignedInSession.objects.filter(pk=record.pk).exists()


def test_ending_takes_a_post(zhytomyr):
    laptop = signed_in(zhytomyr)
    phone = signed_in(zhytomyr, SAFARI_IPHONE)
    assert laptop.get(end_url(record_of(phone))).status_code == 405
    assert laptop.get(reverse("accounts:sessions_end_others")).status_code == 405
    assert is_signed_in(phone)


# --- ending them ------------------------------------------------------------------------------


def test_ending_a_session_from_another_signs_that_browser_out(zhytomyr):
    laptop = signed_in(zhytomyr)
    phone = signed_in(zhytomyr, SAFARI_IPHONE)
    phone_key = phone.session.session_key
    response = laptop.post(end_url(record_of(phone)))
    assert response.status_code == 302
    assert response["Location"] == SESSIONS
    assert not is_signed_in(phone)  # anonymous on its very next request
    assert not Session.objects.filter(session_key=phone_key).exists()
    assert is_signed_in(laptop)
    assert [r.is_current for r in laptop.get(SESSIONS).context["signed_in"]] == [True]


def test_ending_this_session_signs_out(zhytomyr):
    laptop = signed_in(zhytomyr)
    phone = signed_in(zhytomyr, SAFARI_IPHONE)
    response = laptop.post(end_url(record_of(laptop)))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert not is_signed_in(laptop)
    assert is_signed_in(phone)
    assert SignedInSession.objects.filter(user=zhytomyr).count() == 1


def test_ending_all_other_sessions_keeps_this_one(zhytomyr, indiana):
    laptop = signed_in(zhytomyr)
    phone = signed_in(zhytomyr, SAFARI_IPHONE)
    tablet = signed_in(zhytomyr, SAFARI_IPHONE, "198.51.100.30")
    someone_else = signed_in(indiana)
    response = laptop.post(reverse("accounts:sessions_end_others"), follow=True)
    assert response.status_code == 200
    assert [r.is_current for r in response.context["signed_in"]] == [True]
    assert not is_signed_in(phone)
    assert not is_signed_in(tablet)
    assert is_signed_in(laptop)
    assert is_signed_in(someone_else)


def test_ending_all_others_when_there_are_none_says_so(zhytomyr):
    laptop = signed_in(zhytomyr)
    response = laptop.post(reverse("accounts:sessions_end_others"), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "You were not signed in anywhere else."
    ]
    assert is_signed_in(laptop)


@pytest.mark.parametrize("name", ["indiana", "outsider", "coordinator"])
def test_no_one_can_end_another_persons_session(request, zhytomyr, name):
    phone = signed_in(zhytomyr, SAFARI_IPHONE)
    record = record_of(phone)
    other = signed_in(request.getfixturevalue(name))
    assert other.post(end_url(record)).status_code == 404
    assert is_signed_in(phone)
    assert SignedInSession.objects.filter(pk=record.pk).exists()
    assert not AuditEntry.objects.filter(action__startswith="session.").exists()


@pytest.mark.parametrize("record_id", [str(2**63), "99999999999999999999", "0", "-1", "abc"])
def test_a_hostile_id_is_refused_not_a_server_error(zhytomyr, record_id):
    laptop = signed_in(zhytomyr)
    phone = signed_in(zhytomyr, SAFARI_IPHONE)
    laptop.raise_request_exception = False
    response = laptop.post(f"{SESSIONS}{record_id}/end/")
    assert response.status_code in (400, 404)
    assert is_signed_in(phone) and is_signed_in(laptop)


def test_ending_a_session_already_ended_is_404(zhytomyr):
    laptop = signed_in(zhytomyr)
    record = record_of(signed_in(zhytomyr, SAFARI_IPHONE))
    assert laptop.post(end_url(record)).status_code == 302
    assert laptop.post(end_url(record)).status_code == 404


def test_the_audit_log_names_the_record_never_the_key(zhytomyr):
    laptop = signed_in(zhytomyr)
    phone = signed_in(zhytomyr, SAFARI_IPHONE)
    tablet = signed_in(zhytomyr, SAFARI_IPHONE, "198.51.100.30")
    keys = [c.session.session_key for c in (laptop, phone, tablet)]
    phone_record, tablet_record = record_of(phone), record_of(tablet)
    laptop.post(end_url(phone_record))
    laptop.post(reverse("accounts:sessions_end_others"))
    entries = AuditEntry.objects.filter(action__startswith="session.").order_by("pk")
    assert [(e.action, e.changes["record"], e.actor_id, e.target_id) for e in entries] == [
        ("session.ended", phone_record.pk, zhytomyr.pk, str(zhytomyr.pk)),
        ("session.ended_other", tablet_record.pk, zhytomyr.pk, str(zhytomyr.pk)),
    ]
    everything = json.dumps(list(AuditEntry.objects.values()), default=str)
    for key in keys:
        assert key not in everything


def test_revoking_a_token_from_the_page_comes_back_to_it(zhytomyr):
    token, _plain = token_issue(user=zhytomyr, name="Nightly export")
    laptop = signed_in(zhytomyr)
    assert "Nightly export" in laptop.get(SESSIONS).content.decode()
    response = laptop.post(reverse("accounts:token_revoke", args=[token.pk]), {"back": "sessions"})
    assert response["Location"] == SESSIONS
    token.refresh_from_db()
    assert not token.is_active
    assert "Nightly export" not in laptop.get(SESSIONS).content.decode()


def test_revoking_a_token_goes_back_to_the_profile_by_default(zhytomyr):
    laptop = signed_in(zhytomyr)
    for back in ("", "https://evil.example/", "profile"):
        token, _plain = token_issue(user=zhytomyr, name=f"Export {back}")
        response = laptop.post(reverse("accounts:token_revoke", args=[token.pk]), {"back": back})
        assert response["Location"] == PROFILE


# --- the records follow the sessions ---------------------------------------------------------


def test_signing_out_removes_the_record(zhytomyr):
    laptop = signed_in(zhytomyr)
    key = laptop.session.session_key
    laptop.post(reverse("accounts:logout"))
    assert not SignedInSession.objects.filter(session_key=key).exists()


def test_a_timed_out_session_is_not_listed_and_its_record_goes(zhytomyr, settings):
    laptop = signed_in(zhytomyr)
    phone = signed_in(zhytomyr, SAFARI_IPHONE)
    idle = timezone.now() - timedelta(seconds=settings.SESSION_IDLE_SECONDS + 1)
    SignedInSession.objects.filter(pk=record_of(phone).pk).update(last_seen_at=idle)
    assert [r.is_current for r in laptop.get(SESSIONS).context["signed_in"]] == [True]
    # Found expired by its own browser: signed out, record gone.
    session = phone.session
    session[SEEN_AT] -= settings.SESSION_IDLE_SECONDS + 1
    session.save()
    key = session.session_key
    assert not is_signed_in(phone)
    assert not SignedInSession.objects.filter(session_key=key).exists()


def test_a_session_past_its_maximum_age_is_not_listed(zhytomyr, settings):
    laptop = signed_in(zhytomyr)
    phone = signed_in(zhytomyr, SAFARI_IPHONE)
    old = timezone.now() - timedelta(seconds=settings.SESSION_MAX_SECONDS + 1)
    SignedInSession.objects.filter(pk=record_of(phone).pk).update(signed_in_at=old)
    assert [r.is_current for r in laptop.get(SESSIONS).context["signed_in"]] == [True]


def test_signing_in_clears_the_persons_stale_records(zhytomyr, indiana, settings):
    phone = record_of(signed_in(zhytomyr, SAFARI_IPHONE))
    theirs = record_of(signed_in(indiana))
    idle = timezone.now() - timedelta(seconds=settings.SESSION_IDLE_SECONDS + 1)
    SignedInSession.objects.update(last_seen_at=idle)
    signed_in(zhytomyr)
    assert not SignedInSession.objects.filter(pk=phone.pk).exists()
    assert SignedInSession.objects.filter(pk=theirs.pk).exists()  # not this sign-in's to clear


def test_a_session_gone_from_the_store_is_not_listed(zhytomyr):
    """A password change drops the other sessions from the store without a sign-out."""
    laptop = signed_in(zhytomyr)
    phone = signed_in(zhytomyr, SAFARI_IPHONE)
    Session.objects.filter(session_key=phone.session.session_key).delete()
    assert [r.is_current for r in laptop.get(SESSIONS).context["signed_in"]] == [True]


def test_activity_moves_last_seen_at_most_once_a_minute(zhytomyr):
    laptop = signed_in(zhytomyr)
    record = record_of(laptop)
    earlier = record.last_seen_at - timedelta(seconds=30)
    SignedInSession.objects.filter(pk=record.pk).update(last_seen_at=earlier)
    assert is_signed_in(laptop)
    record.refresh_from_db()
    assert record.last_seen_at == earlier  # seen less than a minute ago: no write
    session = laptop.session
    session[SEEN_AT] -= 61
    session.save()
    assert is_signed_in(laptop)
    record.refresh_from_db()
    assert record.last_seen_at > earlier


def test_a_live_session_without_a_record_gets_one_on_its_next_touch(zhytomyr):
    """Sessions signed in before records were kept are listed too, so they can be ended."""
    laptop = signed_in(zhytomyr)
    SignedInSession.objects.all().delete()
    session = laptop.session
    session[SEEN_AT] -= 61
    session.save()
    listed = laptop.get(SESSIONS).context["signed_in"]
    assert [(r.device, r.is_current) for r in listed] == [("Firefox · Windows", True)]


def test_a_session_under_a_new_key_keeps_its_record(zhytomyr, settings):
    """A new key after a change of privilege (cycle_key): the record follows at once."""
    laptop = signed_in(zhytomyr)
    record = record_of(laptop)
    session = laptop.session
    session.cycle_key()
    laptop.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    listed = laptop.get(SESSIONS).context["signed_in"]
    assert [(r.pk, r.is_current, r.signed_in_at) for r in listed] == [
        (record.pk, True, record.signed_in_at)
    ]
    assert record_of(laptop).pk == record.pk


# --- the service, as the second factor's work calls it ------------------------------------------


def test_ending_every_session_of_a_person(zhytomyr, coordinator):
    laptop = signed_in(zhytomyr)
    phone = signed_in(zhytomyr, SAFARI_IPHONE)
    assert sessions.sessions_end_others(zhytomyr, keep_session_key=None, by=coordinator) == 2
    assert not is_signed_in(laptop) and not is_signed_in(phone)
    assert AuditEntry.objects.filter(action="session.ended_other", actor=coordinator).count() == 2


def test_the_service_refuses_another_persons_record(zhytomyr, indiana):
    record = record_of(signed_in(indiana))
    with pytest.raises(SignedInSession.DoesNotExist):
        sessions.session_end(zhytomyr, record.pk, by=zhytomyr)
    assert SignedInSession.objects.filter(pk=record.pk).exists()


# --- the device, from the User-Agent ----------------------------------------------------------

CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15"
)


@pytest.mark.parametrize(
    ("agent", "device"),
    [
        (FIREFOX_WINDOWS, "Firefox · Windows"),
        (SAFARI_IPHONE, "Safari · iOS"),
        (CHROME_ANDROID, "Chrome · Android"),
        (EDGE_WINDOWS, "Edge · Windows"),
        (SAFARI_MAC, "Safari · macOS"),
        ("curl/8.5.0", "curl"),
        ("", ""),
        ('<script>alert(1)</script>"; DROP TABLE', ""),
        ("A" * 100_000, ""),
    ],
)
def test_the_device_is_named_from_a_short_list_only(agent, device):
    assert sessions.device_describe(agent) == device


# --- cost -------------------------------------------------------------------------------------


def test_the_page_costs_the_same_however_many_sessions(zhytomyr, django_assert_max_num_queries):
    laptop = signed_in(zhytomyr)
    token_issue(user=zhytomyr, name="Script")
    laptop.get(SESSIONS)  # the first page after signing in counts the unread badge
    with CaptureQueriesContext(connection) as few:
        laptop.get(SESSIONS)
    for number in range(8):
        signed_in(zhytomyr, SAFARI_IPHONE)
        token_issue(user=zhytomyr, name=f"Script {number}")
    with django_assert_max_num_queries(8):
        response = laptop.get(SESSIONS)
    assert len(response.context["signed_in"]) == 9
    assert len(response.context["tokens"]) == 9
    with CaptureQueriesContext(connection) as many:
        laptop.get(SESSIONS)
    assert len(many) == len(few)


def test_the_list_is_capped(zhytomyr, monkeypatch):
    laptop = signed_in(zhytomyr)
    for _ in range(3):
        signed_in(zhytomyr, SAFARI_IPHONE)
    monkeypatch.setattr(sessions, "LIST_LIMIT", 2)
    listed = laptop.get(SESSIONS).context["signed_in"]
    assert [r.is_current for r in listed] == [True, False]
