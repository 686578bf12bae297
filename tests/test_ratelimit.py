"""Rate limits: generous for people at work, tight for scripts gone wrong (decision 0005).

Counters live in the database and are counted by one atomic upsert, so every process shares
them and no hit is lost. Past a limit, pages answer 429 with Retry-After, the API 429 JSON, and
mailgate 451 4.7.1 (the sender's MTA tries again later); the refusal comes before any write.
The other test files run with RATE_LIMITS off (tests/conftest.py); these turn them on.
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import OperationalError, connections
from django.urls import reverse

from regionbridge.audit.models import AuditEntry
from regionbridge.core import ratelimit
from regionbridge.core.models import RateCounter
from regionbridge.messaging import inbound, services
from regionbridge.messaging.management.commands import mailgate
from regionbridge.messaging.models import Message, Participant, Thread
from regionbridge.messaging.replies import reply_address
from tests import test_mail
from tests.test_api import bearer, body
from tests.test_mail import reply_bytes

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)
TOO_MANY_MAIL = "451 4.7.1 Too many messages, try again later"

# The fixtures of tests/test_mail.py, for replies by e-mail: its cast, its thread, the fake DNS.
cast = test_mail.cast
reply_thread = test_mail.reply_thread
dkim_key = test_mail.dkim_key
dkim_dns = test_mail.dkim_dns  # autouse


@pytest.fixture(autouse=True)
def limits_on(settings, clock):
    """Limits on, and time standing still (`clock`): a test that crossed a window's end on the
    real clock would start a new count halfway and pass or fail by the second it ran."""
    settings.RATE_LIMITS = True
    settings.RATE_LIMIT_RULES = {
        **settings.RATE_LIMIT_RULES,
        "post": [(3, 60), (500, 24 * 3600)],
        "invite": [(2, 3600)],
        "mail": [(2, 3600)],
    }
    return settings.RATE_LIMIT_RULES


@pytest.fixture
def clock(monkeypatch):
    """Time that stands still until the test moves it: 10 s into a minute."""
    now = {"at": datetime(2026, 12, 1, 9, 0, 10, tzinfo=UTC)}
    monkeypatch.setattr(ratelimit.timezone, "now", lambda: now["at"])
    return now


@pytest.fixture
def thread(coordinator, zhytomyr):
    thread = services.thread_create(by=coordinator, subject="Next steps", users=[zhytomyr])
    RateCounter.objects.all().delete()  # the fixture's own invitation does not count
    return thread


def hits(n: int, key: str = "test", *, limit: int = 2, per: timedelta = MINUTE):
    return [ratelimit.hit(key, limit=limit, per=per) for _ in range(n)]


# --- the counter -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_hits_from_many_threads_at_once_are_each_counted_once():
    """Eight threads hit one key at the same moment: the count is exactly the number of hits,
    and exactly `limit` of them were allowed (a read-then-write counter loses updates here)."""
    threads, per_thread, limit = 8, 25, 150
    start = threading.Barrier(threads)
    decisions: list[ratelimit.Decision] = []
    errors: list[BaseException] = []

    def hammer() -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                # The tests' shared in-memory SQLite locks whole tables and has no busy timeout
                # (a site's WAL file waits instead): a refused statement did nothing, so retry.
                while True:
                    try:
                        decisions.append(ratelimit.hit("crowd", limit=limit, per=MINUTE * 10))
                        break
                    except OperationalError as error:
                        if "locked" not in str(error):
                            raise
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert not errors, errors
    assert len(decisions) == threads * per_thread
    assert RateCounter.objects.get(key="crowd:600").count == threads * per_thread
    assert sum(d.allowed for d in decisions) == limit


def test_past_the_limit_the_answer_says_when_the_window_ends(clock):
    assert hits(3) == [
        ratelimit.Decision(True),
        ratelimit.Decision(True),
        ratelimit.Decision(False, retry_after=50),
    ]


def test_a_new_window_starts_the_count_again(clock):
    assert not hits(3)[-1].allowed
    clock["at"] += timedelta(seconds=49)
    assert not hits(1)[0].allowed
    clock["at"] += timedelta(seconds=1)  # the next minute
    assert [d.allowed for d in hits(3)] == [True, True, False]
    assert RateCounter.objects.get(key="test:60").count == 3


def test_each_key_and_window_length_counts_alone(clock):
    hits(3, "one")
    assert hits(1, "two")[0].allowed
    assert hits(1, "one", per=timedelta(hours=1))[0].allowed


def test_rate_limits_off_let_everything_through(settings):
    settings.RATE_LIMITS = False
    assert all(d.allowed for d in hits(100))
    for _ in range(10):
        ratelimit.check("1", "post")
    assert not RateCounter.objects.exists()


def test_counters_whose_window_ended_are_deleted(clock, monkeypatch):
    # One hit in CLEANUP_ONE_IN tidies up by itself: not here, where the count is the point.
    monkeypatch.setattr(ratelimit, "CLEANUP_ONE_IN", 10**12)
    hits(1, "today", per=timedelta(days=1))
    hits(1, "now")
    clock["at"] += timedelta(days=1, seconds=1)
    hits(1, "later")
    assert ratelimit.cleanup() == 2
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["later:60"]


def test_a_window_longer_than_a_day_is_refused():
    with pytest.raises(ValueError, match="rate window"):
        ratelimit.hit("test", limit=1, per=timedelta(days=2))


# --- posting and inviting, whatever the door ---------------------------------------------------


def test_a_person_posts_three_messages_a_minute_here_and_no_fourth(thread, zhytomyr, clock):
    for n in range(3):
        services.message_post(thread=thread, author=zhytomyr, body=f"Message {n}")
    with pytest.raises(ratelimit.RateLimited) as refused:
        services.message_post(thread=thread, author=zhytomyr, body="One too many")
    assert refused.value.retry_after == 50
    assert Message.objects.filter(thread=thread).count() == 3
    # someone else in the same thread is not held back
    services.message_post(thread=thread, author=thread.created_by, body="Still here")


def test_the_daily_limit_holds_after_the_minute_is_over(thread, zhytomyr, clock, limits_on):
    limits_on["post"] = [(30, 60), (2, 24 * 3600)]
    for n in range(2):
        services.message_post(thread=thread, author=zhytomyr, body=f"Message {n}")
    clock["at"] += timedelta(minutes=5)
    with pytest.raises(ratelimit.RateLimited) as refused:
        services.message_post(thread=thread, author=zhytomyr, body="Tomorrow")
    assert refused.value.retry_after == 24 * 3600 - 9 * 3600 - 5 * 60 - 10  # until midnight UTC


def test_invitations_count_threads_started_and_people_added(coordinator, zhytomyr, indiana):
    thread = services.thread_create(by=coordinator, subject="One")
    services.thread_add_participant(thread=thread, by=coordinator, user=zhytomyr)
    with pytest.raises(ratelimit.RateLimited):
        services.thread_add_participant(thread=thread, by=coordinator, user=indiana)
    with pytest.raises(ratelimit.RateLimited):
        services.thread_create(by=coordinator, subject="Two", users=[indiana])
    assert list(Thread.objects.values_list("subject", flat=True)) == ["One"]
    assert not Participant.objects.filter(user=indiana).exists()


def test_a_refused_first_message_leaves_no_thread_behind(coordinator, zhytomyr, limits_on):
    """Nothing half-written: the thread, its participants and its audit entry go with it."""
    limits_on["post"] = [(0, 60)]
    audited = AuditEntry.objects.count()
    with pytest.raises(ratelimit.RateLimited):
        services.thread_create(by=coordinator, subject="Hi", users=[zhytomyr], body="Hello")
    assert not Thread.objects.exists()
    assert not Participant.objects.exists()
    assert AuditEntry.objects.count() == audited


# --- pages ---------------------------------------------------------------------------------------


def post_on_the_page(client, thread, n: int):
    return client.post(reverse("messaging:post", args=[thread.pk]), {"body": f"Message {n}"})


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", ["<h1>Too many requests</h1>", "try again in 1\xa0minute"]),
        ("uk", ['<html lang="uk">', "<h1>Забагато запитів</h1>", "через 1\xa0хвилин"]),
    ],
)
def test_the_page_answers_429_with_retry_after_in_the_persons_language(
    client, thread, zhytomyr, language, says
):
    zhytomyr.language = language
    zhytomyr.save(update_fields=["language"])
    client.force_login(zhytomyr)
    for n in range(3):
        assert post_on_the_page(client, thread, n).status_code == 302
    response = post_on_the_page(client, thread, 3)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Content-Language"] == language
    content = response.content.decode()
    for text in says:
        assert text in content
    assert Message.objects.filter(thread=thread).count() == 3


def test_an_htmx_post_refused_shows_the_whole_429_page(client, thread, zhytomyr, limits_on):
    limits_on["post"] = [(0, 60)]
    client.force_login(zhytomyr)
    response = client.post(
        reverse("messaging:post", args=[thread.pk]), {"body": "Hi"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 429
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("body", "innerHTML")
    assert not Message.objects.filter(thread=thread).exists()


def test_the_new_thread_page_refused_creates_nothing(client, zhytomyr, indiana, limits_on):
    limits_on["invite"] = [(0, 3600)]
    client.force_login(zhytomyr)
    response = client.post(
        reverse("messaging:create"),
        {"subject": "Hi", "kind": "topic", "people": "indiana@example.org", "body": "Hello"},
    )
    assert response.status_code == 429
    assert response["Retry-After"]
    assert not Thread.objects.exists()


# --- the API -------------------------------------------------------------------------------------


def test_the_api_answers_429_json_with_retry_after_and_writes_nothing(client, thread, zhytomyr):
    headers = bearer(zhytomyr)
    url = f"/api/v1/threads/{thread.pk}/messages"
    for n in range(3):
        response = client.post(
            url, {"body": f"Message {n}"}, content_type="application/json", headers=headers
        )
        assert response.status_code == 201, response.content
    response = client.post(url, {"body": "more"}, content_type="application/json", headers=headers)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert body(response)["message"].startswith("Too many requests; nothing was changed.")
    assert Message.objects.filter(thread=thread).count() == 3


def test_api_requests_are_limited_per_person_whatever_the_token(client, zhytomyr, limits_on):
    limits_on["api"] = [(3, 60)]
    for headers in (bearer(zhytomyr, "one"), bearer(zhytomyr, "two"), bearer(zhytomyr, "three")):
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    response = client.get("/api/v1/me", headers=bearer(zhytomyr, "four"))
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "message" in body(response)
    client.force_login(zhytomyr)  # the session counts with the tokens
    assert client.get("/api/v1/me").status_code == 429


def test_anonymous_api_requests_are_limited_per_address(client, reference, limits_on):
    limits_on["api"] = [(2, 60)]
    for _ in range(2):
        assert client.get("/api/v1/countries").status_code == 200
    response = client.get("/api/v1/countries")
    assert response.status_code == 429
    assert response["Retry-After"]
    other = client.get("/api/v1/countries", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


# --- mailgate ------------------------------------------------------------------------------------


def test_mailgate_defers_a_flood_from_one_sender_with_451(reply_thread, cast):
    raw = reply_bytes(sender="bob@example.org", to=reply_address(reply_thread, "bob@example.org"))
    for _ in range(2):
        assert inbound.receive(raw, envelope_sender="<bob@example.org>").accepted
    outcome = inbound.receive(raw, envelope_sender="<Bob@Example.org>")
    assert outcome.accepted is None
    assert outcome.smtp_reply == TOO_MANY_MAIL
    # through the command: a pipe exits with EX_TEMPFAIL, so Postfix or Exim tries again later
    assert mailgate._answer(raw, "bob@example.org", []) == (None, TOO_MANY_MAIL)
    assert inbound.receive(raw, envelope_sender="alice@example.org").smtp_reply.startswith("250")


def test_a_reply_by_email_counts_against_the_posting_limit(reply_thread, cast, limits_on):
    limits_on["mail"] = [(60, 3600)]
    bob = cast["bob"]
    for n in range(3):
        services.message_post(thread=reply_thread, author=bob, body=f"On the page {n}")
    before = Message.objects.count()
    raw = reply_bytes(sender="bob@example.org", to=reply_address(reply_thread, "bob@example.org"))
    outcome = inbound.receive(raw, envelope_sender="bob@example.org")
    assert outcome.smtp_reply == TOO_MANY_MAIL
    assert Message.objects.count() == before
