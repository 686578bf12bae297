"""E-mail out and in, over real SMTP on loopback.

Outbound: notifications go through the outbox to an aiosmtpd server that collects what it gets;
an outage (nothing listening) leaves them pending, and they arrive exactly once afterwards.
Inbound: replies reach the mailgate handler over SMTP (or --stdin) and become messages, or are
refused (550 / exit 77), logged and audited.
"""

import email
import io
import logging
import re
import smtplib
import socket
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import make_msgid, parseaddr

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from regionbridge.audit.models import AuditEntry
from regionbridge.messaging.digest import digests_queue
from regionbridge.messaging.inbound import receive
from regionbridge.messaging.management.commands import mailgate
from regionbridge.messaging.management.commands.mailgate import Handler
from regionbridge.messaging.models import (
    Attachment,
    Message,
    OutboundEmail,
    OutboxStatus,
    Participant,
)
from regionbridge.messaging.replies import read_reply_token, reply_address
from regionbridge.messaging.services import message_post, thread_create
from regionbridge.messaging.tasks import MAX_ATTEMPTS, deliver_due, deliver_outbox
from tests.conftest import ensure_reference, make_member

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
REPLY_FOOTER_EN = "Reply to this e-mail to answer in the thread"


# --- a real SMTP server on loopback ----------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Received:
    """One envelope as the server got it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        assert len(self.rcpt_tos) == 1, self.rcpt_tos
        return self.rcpt_tos[0].lower()

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")

    @property
    def reply_to(self) -> str:
        return self.message["Reply-To"].addresses[0].addr_spec

    @property
    def message_id(self) -> str:
        """The header exactly as sent (the parsed form may differ when it is malformed)."""
        raw = dict(self.message.raw_items())["Message-ID"]
        return " ".join(raw.split())


class Collector:
    """An aiosmtpd handler that keeps every envelope."""

    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=default_policy)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if r.to == address.lower()]


@contextmanager
def smtp_server(handler, port: int) -> Iterator[Controller]:
    chatter = logging.getLogger("mail.log")  # aiosmtpd logs every SMTP command at INFO
    level = chatter.level
    chatter.setLevel(logging.WARNING)
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=5)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()
        chatter.setLevel(level)


@pytest.fixture
def smtp_port(settings) -> int:
    """Django sends over SMTP to this loopback port (nothing listens until a test starts it)."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return port


@pytest.fixture
def smtp(smtp_port) -> Iterator[Collector]:
    collector = Collector()
    with smtp_server(collector, smtp_port):
        yield collector


# --- people, threads and replies -------------------------------------------------------------


def person(email_address: str, *, language: str = "en", mode: str = "every", name: str = ""):
    return make_member(
        "regional",
        region_code="UA-18",
        email=email_address,
        language=language,
        notification_mode=mode,
        full_name=name or email_address.split("@")[0].title(),
    )


@pytest.fixture
def cast(reference):
    """Alice writes; Bob (en) and Olena (uk) want every message; Dan a digest; Otto nothing."""
    return {
        "alice": person("alice@example.org", name="Alice Author"),
        "bob": person("bob@example.org", name="Bob Reader"),
        "olena": person("olena@example.org", language="uk", name="Олена Читачка"),
        "dan": person("dan@example.org", mode="digest", name="Dan Digest"),
        "otto": person("otto@example.org", mode="off", name="Otto Off"),
    }


GUEST = "guest@partner.example"


def token_of(address: str) -> str:
    """The token of reply+<token>@domain, checked against REPLY_ADDRESS."""
    local, _at, domain = django_settings.REPLY_ADDRESS.partition("@")
    match = re.fullmatch(rf"{re.escape(local)}\+(?P<token>[^@]+)@{re.escape(domain)}", address)
    assert match, address
    return match.group("token")


def addressee(address: str) -> tuple[int, str]:
    """The thread and the person a reply address leads back to."""
    token = read_reply_token(token_of(address))
    return token.thread_id, token.email


def address_with(token: str) -> str:
    local, _at, domain = django_settings.REPLY_ADDRESS.partition("@")
    return f"{local}+{token}@{domain}"


def reply_bytes(
    *,
    sender: str,
    to: str,
    body: str = "Agreed, let us meet on Tuesday.",
    message_id: str | None = None,
    attachments: list[tuple[str, bytes]] = (),
    cc: str = "",
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = "Re: [Region Bridge] a thread"
    msg["Message-ID"] = message_id or make_msgid(domain="mail.example")
    msg.set_content(body)
    for filename, content in attachments:
        msg.add_attachment(content, maintype="application", subtype="pdf", filename=filename)
    return msg.as_bytes()


def refusals() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="mail.refused").order_by("id"))


# --- 1. outbound -----------------------------------------------------------------------------


def test_each_participant_who_wants_every_message_gets_one_email(
    cast, smtp, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE_TASKS
    alice, bob, olena = cast["alice"], cast["bob"], cast["olena"]
    with django_capture_on_commit_callbacks(execute=True):
        thread = thread_create(
            by=alice,
            subject="Hospital generators for Zhytomyr",
            users=[bob, olena, cast["dan"], cast["otto"]],
            guests=[(GUEST, "Pat Partner")],
        )
        message = message_post(
            thread=thread, author=alice, body="The generators ship on Monday.\nPlease confirm."
        )

    # the on_commit hook ran the worker at once (immediate backend): everything went out
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    counts = Counter(r.to for r in smtp.received)
    assert counts == {"bob@example.org": 1, "olena@example.org": 1, GUEST: 1}  # not alice/dan/otto

    for address in counts:
        (mail,) = smtp.to(address)
        assert mail.subject == "[Region Bridge] Hospital generators for Zhytomyr"
        assert "The generators ship on Monday.\nPlease confirm." in mail.text
        assert "The generators ship on Monday." in mail.html
        assert "Alice Author" in mail.text
        assert settings.SITE_URL + reverse("messaging:thread", args=[thread.pk]) in mail.text
        assert addressee(mail.reply_to) == (thread.pk, address)
        assert mail.message["To"].addresses[0].addr_spec.lower() == address
        assert mail.mail_from == parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    # English for an English reader
    (to_bob,) = smtp.to("bob@example.org")
    assert REPLY_FOOTER_EN in to_bob.text
    assert REPLY_FOOTER_EN in to_bob.html
    # distinct tokens: one person's reply address cannot be used by another
    assert len({r.reply_to for r in smtp.received}) == 3
    assert OutboundEmail.objects.filter(key__startswith=f"message:{message.pk}:").count() == 3


def test_ukrainian_reader_gets_ukrainian_email(cast, smtp):
    alice, olena, dan = cast["alice"], cast["olena"], cast["dan"]
    dan.language = "uk"
    dan.save(update_fields=["language"])
    thread = thread_create(by=alice, subject="Генератори", users=[olena, dan])
    message_post(thread=thread, author=alice, body="Генератори відправляємо в понеділок.")
    digests_queue()
    assert deliver_due() == (2, 0)

    (to_olena,) = smtp.to("olena@example.org")
    assert "Генератори відправляємо в понеділок." in to_olena.text
    footer = to_olena.text.rsplit("---", 1)[1]
    assert REPLY_FOOTER_EN not in footer
    assert re.search(r"[а-яіїєґ]{4}", footer, re.IGNORECASE), footer
    assert "Open the thread" not in to_olena.html
    (digest,) = smtp.to("dan@example.org")
    assert "new message" not in digest.subject, digest.subject


def test_plain_text_email_is_not_html_escaped(cast, smtp):
    alice, bob = cast["alice"], cast["bob"]
    thread = thread_create(by=alice, subject="O'Brien & Kyiv: visit", users=[bob])
    message_post(thread=thread, author=alice, body='Costs < 5 000 € & "final" – it\'s agreed.')
    assert deliver_due() == (1, 0)
    (mail,) = smtp.to("bob@example.org")
    assert mail.subject == "[Region Bridge] O'Brien & Kyiv: visit"
    assert 'Costs < 5 000 € & "final" – it\'s agreed.' in mail.text


def test_digest_once_a_day_and_mentions_at_once(cast, smtp):
    alice, bob, dan = cast["alice"], cast["bob"], cast["dan"]
    thread = thread_create(by=alice, subject="Twinning agreement", users=[bob, dan])
    message_post(thread=thread, author=alice, body="Draft two is ready.")
    assert deliver_due() == (1, 0)
    assert [r.to for r in smtp.received] == ["bob@example.org"]  # the digest reader waits
    assert not OutboundEmail.objects.filter(to="dan@example.org").exists()

    assert digests_queue() == 1
    assert deliver_due() == (1, 0)
    (digest,) = smtp.to("dan@example.org")
    assert digest.subject == "[Region Bridge] 1 new message"
    assert "Twinning agreement" in digest.text
    assert "Draft two is ready." in digest.text
    assert "Alice Author" in digest.text

    # the same day again: nothing new
    assert digests_queue() == 0
    assert deliver_due() == (0, 0)
    assert len(smtp.to("dan@example.org")) == 1

    # a mention reaches a digest reader at once
    message_post(thread=thread, author=alice, body="@dan@example.org please sign off today.")
    assert deliver_due() == (2, 0)  # Bob as ever, Dan because he was mentioned
    mentioned = smtp.to("dan@example.org")
    assert len(mentioned) == 2
    assert mentioned[1].subject == "[Region Bridge] Twinning agreement"
    assert "please sign off today" in mentioned[1].text
    assert addressee(mentioned[1].reply_to) == (thread.pk, "dan@example.org")
    assert smtp.to("otto@example.org") == []


def test_guests_get_every_message_but_their_own(cast, smtp):
    alice = cast["alice"]
    other = "counterpart@city.example"
    thread = thread_create(
        by=alice, subject="Sister cities", guests=[(GUEST, "Pat"), (other, "Chris")]
    )
    message_post(thread=thread, author=alice, body="First.")
    message_post(thread=thread, author=alice, body="Second.")
    message_post(thread=thread, guest_email=other, body="A word from the city.")
    assert deliver_due() == (6, 0)  # 3 to the guest, 2 to the other guest, 1 to alice

    to_guest = smtp.to(GUEST)
    assert [m.text.split("\n\n", 2)[1] for m in to_guest] == [
        "First.",
        "Second.",
        "A word from the city.",
    ]
    assert len(smtp.to(other)) == 2
    assert len(smtp.to("alice@example.org")) == 1
    for mail in to_guest:
        assert addressee(mail.reply_to) == (thread.pk, GUEST)


# --- 2. outage -------------------------------------------------------------------------------


def drain() -> list[tuple[int, int]]:
    """Run the worker until it has nothing due (as the re-enqueued task would)."""
    results = []
    for _ in range(20):
        result = deliver_due()
        results.append(result)
        if result == (0, 0):
            return results
    raise AssertionError(f"deliver_due never settled: {results}")


def test_outage_keeps_every_notification_and_delivers_each_exactly_once(cast, smtp_port):
    alice, bob = cast["alice"], cast["bob"]
    first = thread_create(by=alice, subject="Water pumps", users=[bob], guests=[(GUEST, "")])
    second = thread_create(by=alice, subject="School exchange", users=[bob], guests=[(GUEST, "")])
    message_post(thread=first, author=alice, body="Pumps are ready.")
    message_post(thread=second, author=alice, body="Twelve pupils this year.")
    assert OutboundEmail.objects.count() == 4

    before = timezone.now()
    # nothing listens on the port: every attempt fails, one row per run, nothing is lost
    assert drain() == [(0, 1)] * 4 + [(0, 0)]
    rows = list(OutboundEmail.objects.all())
    assert len(rows) == 4
    for row in rows:
        assert row.status == OutboxStatus.PENDING
        assert row.attempts == 1
        assert row.last_error
        assert row.sent_at is None
        assert row.next_attempt_at >= before + timedelta(seconds=25)

    # still down at the next try: the delay grows
    OutboundEmail.objects.update(next_attempt_at=timezone.now())
    assert drain() == [(0, 1)] * 4 + [(0, 0)]
    for row in OutboundEmail.objects.all():
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, 2)
        assert row.next_attempt_at >= timezone.now() + timedelta(seconds=50)

    collector = Collector()
    with smtp_server(collector, smtp_port):
        assert deliver_due() == (0, 0)  # not due yet: the back-off is respected
        OutboundEmail.objects.update(next_attempt_at=timezone.now())
        assert deliver_due() == (4, 0)
        assert deliver_due() == (0, 0)  # twice: no duplicates
        per_recipient_and_subject = Counter((r.to, r.subject) for r in collector.received)
        assert per_recipient_and_subject == {
            ("bob@example.org", "[Region Bridge] Water pumps"): 1,
            ("bob@example.org", "[Region Bridge] School exchange"): 1,
            (GUEST, "[Region Bridge] Water pumps"): 1,
            (GUEST, "[Region Bridge] School exchange"): 1,
        }
        ids = [r.message_id for r in collector.received]
        assert len(set(ids)) == 4

        # a crash between sending and marking sent: the retry carries the same Message-ID,
        # so the recipient's mail client folds the two
        row = OutboundEmail.objects.get(to=GUEST, subject="[Region Bridge] Water pumps")
        OutboundEmail.objects.filter(pk=row.pk).update(status=OutboxStatus.PENDING)
        assert deliver_due() == (1, 0)
        assert collector.received[-1].message_id in ids
        assert collector.received[-1].to == GUEST

    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    for row in OutboundEmail.objects.all():
        assert row.sent_at is not None


def test_row_fails_for_good_after_max_attempts(cast, smtp_port, caplog):
    thread = thread_create(by=cast["alice"], subject="Bridges", users=[cast["bob"]])
    message_post(thread=thread, author=cast["alice"], body="Span drawings attached.")
    row = OutboundEmail.objects.get()
    OutboundEmail.objects.filter(pk=row.pk).update(attempts=MAX_ATTEMPTS - 2)

    assert deliver_due() == (0, 1)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, MAX_ATTEMPTS - 1)

    OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    with caplog.at_level(logging.ERROR, logger="regionbridge.messaging.tasks"):
        assert deliver_due() == (0, 1)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert row.last_error
    assert any("Giving up" in r.getMessage() and row.key in r.getMessage() for r in caplog.records)

    OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert deliver_due() == (0, 0)  # a failed row is not tried again


def test_worker_task_comes_back_when_the_next_row_is_due(cast, smtp_port):
    """With the database task backend, a failed delivery re-enqueues the task for later."""
    thread = thread_create(by=cast["alice"], subject="Roads", users=[cast["bob"]])
    message_post(thread=thread, author=cast["alice"], body="Asphalt tender.")
    DBTaskResult.objects.all().delete()

    deliver_outbox.call()

    row = OutboundEmail.objects.get()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    (again,) = DBTaskResult.objects.all()
    assert again.task_path.endswith("deliver_outbox")
    assert again.run_after == row.next_attempt_at


def test_message_id_is_well_formed(cast, smtp):
    thread = thread_create(by=cast["alice"], subject="Grain", users=[cast["bob"]])
    message_post(thread=thread, author=cast["alice"], body="Silo capacity.")
    assert deliver_due() == (1, 0)
    (mail,) = smtp.received
    header = mail.message["Message-ID"]
    assert not header.defects, header.defects
    assert str(header) == mail.message_id
    assert mail.message_id.count("@") == 1


# --- 3. inbound over SMTP --------------------------------------------------------------------


def send_over_smtp(port: int, raw: bytes, sender: str, recipient: str) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail(sender, [recipient], raw)


QUOTED_REPLY = (
    "Delivery is on 12 May.\n"
    "The trucks are booked.\n"
    "\n"
    "On Mon, 5 May 2025 at 10:00, Alice Author <alice@example.org> wrote:\n"
    "> Can you confirm the delivery date?\n"
    ">\n"
    "> Alice\n"
    "\n"
    "-- \n"
    "Bob Reader\n"
    "Indiana liaison\n"
)


@pytest.mark.django_db(transaction=True)
def test_reply_through_the_mailgate_becomes_a_message(settings, tmp_path, caplog):
    ensure_reference()
    settings.MEDIA_ROOT = tmp_path
    alice = person("alice@example.org", name="Alice Author")
    bob = person("bob@example.org", name="Bob Reader")
    eve = person("eve@example.org", name="Eve Elsewhere")
    thread = thread_create(by=alice, subject="Medical equipment", users=[bob])
    message_post(thread=thread, author=alice, body="Can you confirm the delivery date?")
    address = reply_address(thread, bob.email)
    message_id = make_msgid(domain="mail.example")
    raw = reply_bytes(
        sender="Bob Reader <Bob@Example.org>",
        to=address,
        body=QUOTED_REPLY,
        message_id=message_id,
        attachments=[("schedule.pdf", PDF_BYTES)],
    )

    port = free_port()
    with smtp_server(Handler(), port):
        send_over_smtp(port, raw, "bob@example.org", address)

        # someone else using Bob's reply address: 550, nothing posted, logged and audited
        forged = reply_bytes(sender="eve@example.org", to=address, body="Send it to me instead.")
        with (
            caplog.at_level(logging.WARNING, logger="regionbridge.messaging.inbound"),
            pytest.raises(smtplib.SMTPDataError) as refused,
        ):
            send_over_smtp(port, forged, "eve@example.org", address)

    reply = Message.objects.filter(thread=thread).latest("id")
    assert reply.author == bob
    assert reply.body == "Delivery is on 12 May.\nThe trucks are booked."
    assert reply.via == "email"
    assert reply.email_message_id == message_id
    (attachment,) = reply.attachments.all()
    assert attachment.original_name == "schedule.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF_BYTES)
    assert attachment.file.path.startswith(str(tmp_path))
    with attachment.file.open("rb") as stored:
        assert stored.read() == PDF_BYTES
    # and Alice is told, as for any message
    assert OutboundEmail.objects.filter(to="alice@example.org", key__contains=f":{reply.pk}:")

    assert refused.value.smtp_code == 550
    assert b"sender is not the addressee" in refused.value.smtp_error
    assert Message.objects.filter(thread=thread).count() == 2
    assert not Message.objects.filter(author=eve).exists()
    (entry,) = refusals()
    assert entry.changes == {"reason": "sender is not the addressee", "from": "eve@example.org"}
    assert any(
        "refused" in r.getMessage() and "eve@example.org" in r.getMessage() for r in caplog.records
    )


def test_mailgate_defers_with_4xx_when_receiving_breaks(monkeypatch):
    def broken(raw):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(mailgate, "receive", broken)
    port = free_port()
    with smtp_server(Handler(), port), pytest.raises(smtplib.SMTPResponseException) as error:
        send_over_smtp(
            port, reply_bytes(sender="a@b.example", to="x@y.example"), "a@b.example", "x@y.example"
        )
    assert 400 <= error.value.smtp_code < 500, error.value.smtp_code


# --- 4. refusals -----------------------------------------------------------------------------


@pytest.fixture
def reply_thread(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    thread = thread_create(
        by=cast["alice"], subject="Refusals", users=[cast["bob"]], guests=[(GUEST, "Pat")]
    )
    message_post(thread=thread, author=cast["alice"], body="Over to you.")
    return thread


def assert_refused(outcome, reason: str, sender: str, caplog) -> None:
    assert outcome.accepted is False
    assert outcome.reason == reason
    assert outcome.message is None
    entry = refusals()[-1]
    assert entry.changes == {"reason": reason, "from": sender}
    assert entry.actor is None
    assert any(
        r.name == "regionbridge.messaging.inbound"
        and r.levelno == logging.WARNING
        and reason in r.getMessage()
        for r in caplog.records
    )


def test_reply_by_participant_is_accepted(reply_thread, cast):
    outcome = receive(
        reply_bytes(sender="bob@example.org", to=reply_address(reply_thread, "bob@example.org"))
    )
    assert (outcome.accepted, outcome.reason) == (True, "accepted")
    assert outcome.message.author == cast["bob"]
    assert outcome.message.thread == reply_thread
    assert refusals() == []


def test_guest_reply_is_accepted(reply_thread):
    outcome = receive(reply_bytes(sender=f"Pat <{GUEST}>", to=reply_address(reply_thread, GUEST)))
    assert outcome.accepted
    assert outcome.message.author is None
    assert outcome.message.guest_email == GUEST
    assert outcome.message.via == "email"


@pytest.mark.parametrize(
    "sender",
    ["stranger@nowhere.example", "alice@example.org", "bob@example.org.evil.example"],
)
def test_sender_other_than_the_addressee_is_refused(reply_thread, sender, caplog):
    caplog.set_level(logging.WARNING, logger="regionbridge.messaging.inbound")
    address = reply_address(reply_thread, "bob@example.org")
    outcome = receive(reply_bytes(sender=sender, to=address))
    assert_refused(outcome, "sender is not the addressee", sender, caplog)
    assert Message.objects.filter(thread=reply_thread).count() == 1


def test_tampered_token_is_refused(reply_thread, caplog):
    caplog.set_level(logging.WARNING, logger="regionbridge.messaging.inbound")
    token = token_of(reply_address(reply_thread, "bob@example.org"))
    thread_part, who, expiry, signature = token.split(".")
    other_sig = signature[:-1] + ("1" if signature.endswith("0") else "0")
    forgeries = [
        f"{thread_part}.{who}.{expiry}.{other_sig}",  # signature altered
        f"{int(thread_part) + 1}.{who}.{expiry}.{signature}",  # another thread
        f"{thread_part}.u{int(who[1:]) + 1}.{expiry}.{signature}",  # another person
        f"{thread_part}.{who}.zzzz.{signature}",  # a later expiry
        f"{thread_part}.{who}.{expiry}",  # signature removed
        "not-a-token",
    ]
    for forged in forgeries:
        outcome = receive(reply_bytes(sender="bob@example.org", to=address_with(forged)))
        assert_refused(outcome, "tampered or expired token", "bob@example.org", caplog)
    assert len(refusals()) == len(forgeries)
    assert Message.objects.filter(thread=reply_thread).count() == 1


def test_no_token_is_refused(reply_thread, caplog):
    caplog.set_level(logging.WARNING, logger="regionbridge.messaging.inbound")
    for to in (django_settings.REPLY_ADDRESS, "bob@example.org"):
        outcome = receive(reply_bytes(sender="bob@example.org", to=to))
        assert_refused(outcome, "no reply token", "bob@example.org", caplog)
    assert Message.objects.filter(thread=reply_thread).count() == 1


def test_removed_participants_token_is_refused(reply_thread, cast, caplog):
    caplog.set_level(logging.WARNING, logger="regionbridge.messaging.inbound")
    bob_address = reply_address(reply_thread, "bob@example.org")
    guest_address = reply_address(reply_thread, GUEST)
    Participant.objects.filter(thread=reply_thread, user=cast["bob"]).delete()
    Participant.objects.filter(thread=reply_thread, guest_email=GUEST).delete()

    outcome = receive(reply_bytes(sender="bob@example.org", to=bob_address))
    assert_refused(outcome, "not a participant", "bob@example.org", caplog)
    outcome = receive(reply_bytes(sender=GUEST, to=guest_address))
    assert (outcome.accepted, outcome.reason) == (False, "tampered or expired token")
    assert refusals()[-1].changes["from"] == GUEST
    assert Message.objects.filter(thread=reply_thread).count() == 1


def test_same_message_id_twice_makes_one_message(reply_thread):
    raw = reply_bytes(
        sender="bob@example.org",
        to=reply_address(reply_thread, "bob@example.org"),
        message_id="<once-only@mail.example>",
    )
    first, second = receive(raw), receive(raw)
    assert (first.accepted, first.reason) == (True, "accepted")
    assert (second.accepted, second.reason) == (True, "already received")
    assert Message.objects.filter(email_message_id="<once-only@mail.example>").count() == 1
    assert OutboundEmail.objects.filter(key__startswith=f"message:{first.message.pk}:").count() == 2


def test_fake_pdf_is_refused(reply_thread, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="regionbridge.messaging.inbound")
    raw = reply_bytes(
        sender="bob@example.org",
        to=reply_address(reply_thread, "bob@example.org"),
        body="The contract is attached.",
        attachments=[("contract.pdf", b"MZ\x90\x00 this is a Windows program")],
    )
    outcome = receive(raw)
    assert_refused(outcome, "invalid content", "bob@example.org", caplog)
    assert Message.objects.filter(thread=reply_thread).count() == 1
    assert not Attachment.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_token_is_read_from_the_reply_address_only(reply_thread):
    raw = reply_bytes(
        sender="bob@example.org",
        to="colleague+projects@city.example",
        cc=reply_address(reply_thread, "bob@example.org"),
    )
    outcome = receive(raw)
    assert (outcome.accepted, outcome.reason) == (True, "accepted")


def test_wrapped_attribution_line_is_cut(reply_thread):
    body = (
        "Yes, Tuesday works.\n\n"
        "On Mon, 5 May 2025 at 10:00, Alice Author from the Regional Administration <\n"
        "alice@example.org> wrote:\n"
        "> Over to you.\n"
    )
    raw = reply_bytes(
        sender="bob@example.org", to=reply_address(reply_thread, "bob@example.org"), body=body
    )
    outcome = receive(raw)
    assert outcome.accepted
    assert outcome.message.body == "Yes, Tuesday works."


def test_commands_queue_digests_and_send_the_outbox(cast, smtp):
    thread = thread_create(by=cast["alice"], subject="Ports", users=[cast["bob"], cast["dan"]])
    message_post(thread=thread, author=cast["alice"], body="Berth schedule.")
    out = io.StringIO()
    call_command("send-digests", stdout=out)
    call_command("send-outbox", stdout=out)
    call_command("send-digests", stdout=out)
    call_command("send-outbox", stdout=out)
    assert out.getvalue().split("\n") == [
        "digests queued: 1",
        "sent 2, failed 0",
        "digests queued: 0",
        "sent 0, failed 0",
        "",
    ]
    assert Counter(r.to for r in smtp.received) == {"bob@example.org": 1, "dan@example.org": 1}


# --- 5. mailgate --stdin ---------------------------------------------------------------------


def run_stdin(monkeypatch, raw: bytes) -> str:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    call_command("mailgate", "--stdin", stdout=out)
    return out.getvalue()


def test_mailgate_stdin_accepts_a_reply(reply_thread, monkeypatch):
    raw = reply_bytes(
        sender="bob@example.org",
        to=reply_address(reply_thread, "bob@example.org"),
        body="From the pipe.",
    )
    assert run_stdin(monkeypatch, raw).strip() == "accepted: accepted"
    assert Message.objects.filter(thread=reply_thread).latest("id").body == "From the pipe."


def test_mailgate_stdin_refusal_exits_77(reply_thread, monkeypatch):
    raw = reply_bytes(
        sender="eve@nowhere.example", to=reply_address(reply_thread, "bob@example.org")
    )
    with pytest.raises(SystemExit) as exit_:
        run_stdin(monkeypatch, raw)
    assert exit_.value.code == 77 == mailgate.EX_NOPERM
    assert Message.objects.filter(thread=reply_thread).count() == 1
    assert refusals()[-1].changes["reason"] == "sender is not the addressee"
