"""Issue 11, point 2: message e-mail waits a few minutes, so that several messages in one thread
become one e-mail, and nothing is mailed for a message the person already read in the browser.

The delay is the production one here (conftest sets it to 0 for every other test); the clock the
worker reads is moved forward instead of waiting.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.utils import timezone

from regionbridge.messaging.models import Message
from regionbridge.messaging.services import message_post, thread_create, thread_mark_read
from regionbridge.outbox.models import OutboundEmail, OutboxStatus
from regionbridge.outbox.tasks import deliver_due, message_id
from tests.conftest import make_member

DELAY = 180
GUEST = "guest@partner.example"
REPLY_FOOTER_EN = "Reply to this e-mail to answer in the thread"
REPLY_FOOTER_UK = "Щоб відповісти в обговоренні"


@pytest.fixture(autouse=True)
def _held(settings):
    settings.MESSAGE_MAIL_DELAY_SECONDS = DELAY


def person(address: str, *, language: str = "en", mode: str = "every", tz: str = "Europe/Kyiv"):
    return make_member(
        "regional",
        region_code="UA-18",
        email=address,
        language=language,
        timezone=tz,
        notification_mode=mode,
        full_name=address.split("@")[0].title() + " Person",
    )


@pytest.fixture
def cast(reference):
    return {
        "alice": person("alice@example.org"),
        "bob": person("bob@example.org", tz="America/New_York"),
        "olena": person("olena@example.org", language="uk"),
        "dan": person("dan@example.org", mode="digest"),
    }


def deliver_at(monkeypatch, seconds: float) -> tuple[int, int]:
    """Run the worker as if `seconds` had passed since now."""
    real_now = timezone.now
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: real_now() + timedelta(seconds=seconds))
        return deliver_due()


def post(thread, author, *bodies: str) -> list[Message]:
    return [message_post(thread=thread, author=author, body=body) for body in bodies]


def to(mailoutbox, address: str):
    return [mail for mail in mailoutbox if mail.to == [address]]


def statuses(address: str) -> list[str]:
    return list(
        OutboundEmail.objects.filter(to=address).order_by("id").values_list("status", flat=True)
    )


def test_three_messages_within_the_window_are_one_email_oldest_first(cast, mailoutbox, monkeypatch):
    alice, bob = cast["alice"], cast["bob"]
    thread = thread_create(by=alice, subject="Generators", users=[bob])
    messages = post(thread, alice, "First: the order.", "Second: the invoice.", "Third: the truck.")

    assert deliver_due() == (0, 0)  # held for the delay
    assert deliver_at(monkeypatch, DELAY - 5) == (0, 0)
    assert mailoutbox == []

    assert deliver_at(monkeypatch, DELAY + 1) == (1, 0)
    (mail,) = to(mailoutbox, "bob@example.org")
    assert mail.subject == "[Region Bridge] Generators"
    positions = [mail.body.index(m.body) for m in messages]
    assert positions == sorted(positions)
    assert mail.body.count("Alice Person") == 3
    html = mail.alternatives[0][0]
    assert [html.index(m.body) for m in messages] == sorted(html.index(m.body) for m in messages)
    newest = OutboundEmail.objects.get(message=messages[-1], to="bob@example.org")
    assert mail.extra_headers["Message-ID"] == message_id(newest.key)
    assert statuses("bob@example.org") == [OutboxStatus.MERGED, OutboxStatus.MERGED, "sent"]

    assert deliver_at(monkeypatch, 10 * DELAY) == (0, 0)
    assert len(mailoutbox) == 1


def test_a_message_read_in_the_browser_before_the_delay_is_not_mailed(
    cast, mailoutbox, monkeypatch
):
    alice, bob = cast["alice"], cast["bob"]
    thread = thread_create(by=alice, subject="Pumps", users=[bob])
    (message,) = post(thread, alice, "Pumps are ready.")
    thread_mark_read(thread=thread, user=bob, upto=message.pk)

    assert deliver_at(monkeypatch, DELAY + 1) == (0, 0)
    assert mailoutbox == []
    assert statuses("bob@example.org") == [OutboxStatus.NOT_NEEDED]

    # read up to the first of two: the second alone is mailed
    first, second = post(thread, alice, "Pumps shipped.", "Pumps arrived.")
    thread_mark_read(thread=thread, user=bob, upto=first.pk)
    assert deliver_at(monkeypatch, DELAY + 1) == (1, 0)
    (mail,) = mailoutbox
    assert "Pumps arrived." in mail.body
    assert "Pumps shipped." not in mail.body
    assert mail.extra_headers["Message-ID"] == message_id(
        OutboundEmail.objects.get(message=second).key
    )


def test_a_message_after_the_window_is_a_second_email(cast, mailoutbox, monkeypatch):
    alice, bob = cast["alice"], cast["bob"]
    thread = thread_create(by=alice, subject="Exchange", users=[bob])
    post(thread, alice, "Twelve pupils.", "Two teachers.")
    (late,) = post(thread, alice, "And a bus driver.")
    # posted five minutes after the others: past the window
    Message.objects.filter(pk=late.pk).update(created_at=late.created_at + timedelta(seconds=300))
    OutboundEmail.objects.filter(message=late).update(
        next_attempt_at=timezone.now() + timedelta(seconds=300 + DELAY)
    )

    assert deliver_at(monkeypatch, DELAY + 1) == (1, 0)
    (first,) = mailoutbox
    assert "Twelve pupils." in first.body and "Two teachers." in first.body
    assert "bus driver" not in first.body

    assert deliver_at(monkeypatch, 300 + DELAY - 5) == (0, 0)
    assert deliver_at(monkeypatch, 300 + DELAY + 1) == (1, 0)
    second = mailoutbox[1]
    assert "And a bus driver." in second.body
    assert "Twelve pupils." not in second.body
    assert statuses("bob@example.org") == [OutboxStatus.MERGED, "sent", "sent"]


def test_a_retry_after_an_smtp_failure_sends_the_one_email_once(cast, mailoutbox, monkeypatch):
    alice, bob = cast["alice"], cast["bob"]
    thread = thread_create(by=alice, subject="Visit", users=[bob])
    messages = post(thread, alice, "Monday.", "Tuesday.", "Wednesday.")
    real_send = LocmemBackend.send_messages
    calls = []

    def down_once(self, emails):
        calls.append(len(emails))
        if len(calls) == 1:
            raise ConnectionRefusedError("the mail server is down")
        return real_send(self, emails)

    monkeypatch.setattr(LocmemBackend, "send_messages", down_once)
    assert deliver_at(monkeypatch, DELAY + 1) == (0, 1)
    newest = OutboundEmail.objects.get(message=messages[-1])
    assert (newest.status, newest.attempts) == (OutboxStatus.PENDING, 1)
    assert "down" in newest.last_error
    assert all(m.body in newest.text for m in messages)  # rendered once, kept for the retry
    assert statuses("bob@example.org") == [OutboxStatus.MERGED, OutboxStatus.MERGED, "pending"]

    assert deliver_at(monkeypatch, DELAY + 5) == (0, 0)  # the back-off
    assert deliver_at(monkeypatch, DELAY + 60) == (1, 0)
    assert deliver_at(monkeypatch, DELAY + 600) == (0, 0)
    (mail,) = mailoutbox
    assert all(m.body in mail.body for m in messages)
    assert mail.extra_headers["Message-ID"] == message_id(newest.key)
    assert statuses("bob@example.org") == [OutboxStatus.MERGED, OutboxStatus.MERGED, "sent"]


def test_a_digest_reader_gets_none_of_these(cast, mailoutbox, monkeypatch):
    alice, bob, dan = cast["alice"], cast["bob"], cast["dan"]
    thread = thread_create(by=alice, subject="Twinning", users=[bob, dan])
    post(thread, alice, "One.", "Two.", "Three.")
    assert deliver_at(monkeypatch, DELAY + 1) == (1, 0)
    assert to(mailoutbox, "dan@example.org") == []
    assert not OutboundEmail.objects.filter(to="dan@example.org").exists()
    assert len(to(mailoutbox, "bob@example.org")) == 1


def test_guests_get_the_same_coalescing(cast, mailoutbox, monkeypatch):
    alice = cast["alice"]
    thread = thread_create(by=alice, subject="Sister cities", guests=[(GUEST, "Pat")])
    messages = post(thread, alice, "First.", "Second.", "Third.")
    message_post(thread=thread, guest_email=GUEST, body="A word from the city.")

    assert deliver_at(monkeypatch, DELAY + 1) == (2, 0)  # one to the guest, one to Alice
    (mail,) = to(mailoutbox, GUEST)
    positions = [mail.body.index(m.body) for m in messages]
    assert positions == sorted(positions)
    assert "A word from the city." not in mail.body  # not their own
    assert statuses(GUEST) == [OutboxStatus.MERGED, OutboxStatus.MERGED, "sent"]
    (to_alice,) = to(mailoutbox, "alice@example.org")
    assert "A word from the city." in to_alice.body


def test_the_email_is_in_the_readers_language_and_time_zone(cast, mailoutbox, monkeypatch):
    alice, bob, olena = cast["alice"], cast["bob"], cast["olena"]
    thread = thread_create(by=alice, subject="Hospitals", users=[bob, olena])
    messages = post(thread, alice, "Morning note.", "Second note.")
    for minute, message in enumerate(messages):
        Message.objects.filter(pk=message.pk).update(
            created_at=datetime(2026, 6, 1, 9, 5 + minute, tzinfo=UTC)
        )

    assert deliver_at(monkeypatch, DELAY + 1) == (2, 0)
    (to_olena,) = to(mailoutbox, "olena@example.org")
    (to_bob,) = to(mailoutbox, "bob@example.org")
    # Kyiv is UTC+3 in June, New York UTC-4
    assert re.search(
        r"2026-06-01 12:05 .*Morning note\..*2026-06-01 12:06 .*Second note\.", to_olena.body, re.S
    ), to_olena.body
    assert re.search(
        r"2026-06-01 05:05 .*Morning note\..*2026-06-01 05:06 .*Second note\.", to_bob.body, re.S
    ), to_bob.body
    assert REPLY_FOOTER_UK in to_olena.body and REPLY_FOOTER_EN not in to_olena.body
    assert "Відкрити обговорення" in to_olena.alternatives[0][0]
    assert REPLY_FOOTER_EN in to_bob.body and REPLY_FOOTER_UK not in to_bob.body
    assert "Open the thread" in to_bob.alternatives[0][0]
