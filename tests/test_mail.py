"""E-mail out and in, over real SMTP on loopback.

Outbound: notifications go through the outbox to an aiosmtpd server that collects what it gets;
an outage (nothing listening) leaves them pending, and they arrive exactly once afterwards.
Inbound: replies reach the mailgate handler over SMTP (or --stdin) and become messages, or are
refused (550; from a pipe, exit 0 for a refused sender or address, 77 for content), logged
and audited. Replies are DKIM-signed with a key made here and
published in a fake DNS (`fake_dns`, through MAIL_DKIM_DNSFUNC): nothing reaches the network.
"""

import base64
import email
import io
import logging
import random
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

import dkim
import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import OperationalError
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
    HeldReply,
    Message,
    Participant,
)
from regionbridge.messaging.replies import REPLY_DAYS, read_reply_token, reply_address
from regionbridge.messaging.services import message_post, thread_create
from regionbridge.outbox.models import OutboundEmail, OutboxStatus
from regionbridge.outbox.tasks import MAX_ATTEMPTS, deliver_due, deliver_outbox
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


# --- DKIM: a key made here, published in a fake DNS --------------------------------------------


def _is_prime(n: int, rng: random.Random) -> bool:
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(40):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, rng: random.Random) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if _is_prime(candidate, rng):
            return candidate


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def _der_int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


@dataclass(frozen=True)
class DkimKey:
    private_pem: bytes  # PKCS#1, as dkim.sign takes it
    public_der: bytes  # SubjectPublicKeyInfo, as DNS publishes it

    @property
    def txt(self) -> bytes:
        return b"v=DKIM1; k=rsa; p=" + base64.b64encode(self.public_der)


def make_dkim_key(seed: int, bits: int = 1024) -> DkimKey:
    """An RSA key in pure Python (seeded: the same key every run)."""
    rng = random.Random(seed)
    e = 65537
    while True:
        p, q = _prime(bits // 2, rng), _prime(bits // 2, rng)
        n, phi = p * q, (p - 1) * (q - 1)
        if p != q and n.bit_length() == bits and phi % e:
            break
    d = pow(e, -1, phi)
    private = _der(
        0x30,
        b"".join(_der_int(x) for x in (0, n, e, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p))),
    )
    pem = b"-----BEGIN RSA PRIVATE KEY-----\n"
    pem += base64.encodebytes(private) + b"-----END RSA PRIVATE KEY-----\n"
    rsa_oid = _der(0x06, bytes.fromhex("2a864886f70d010101")) + _der(0x05, b"")
    public = _der(
        0x30, _der(0x30, rsa_oid) + _der(0x03, b"\x00" + _der(0x30, _der_int(n) + _der_int(e)))
    )
    return DkimKey(pem, public)


DNS: dict[bytes, bytes] = {}  # name → TXT record: what `fake_dns` answers
SELECTOR = "rb2026"


def fake_dns(name: bytes, timeout: int = 5) -> bytes | None:
    """dkimpy's DNS hook (MAIL_DKIM_DNSFUNC): the records the test published, nothing else."""
    return DNS.get(name.lower())


def publish(domain: str, key: DkimKey, selector: str = SELECTOR) -> None:
    DNS[f"{selector}._domainkey.{domain}.".lower().encode()] = key.txt


SIGNING_KEY = make_dkim_key(2026)


@pytest.fixture(scope="session")
def dkim_key() -> DkimKey:
    return SIGNING_KEY


@pytest.fixture(autouse=True)
def dkim_dns(settings, dkim_key) -> Iterator[dict[bytes, bytes]]:
    """Mailgate checks DKIM itself (no trusted MTA header), against the fake DNS, where the
    domains of the cast publish the test key."""
    settings.MAIL_TRUSTED_AUTHSERV_ID = ""
    settings.MAIL_DKIM_DNSFUNC = f"{__name__}.fake_dns"
    DNS.clear()
    for domain in ("example.org", "partner.example", "city.example", "nowhere.example"):
        publish(domain, dkim_key)
    yield DNS
    DNS.clear()


def dkim_signed(raw: bytes, domain: str, key: DkimKey, selector: str = SELECTOR, **kw) -> bytes:
    """The message with a DKIM-Signature on top, by `domain`."""
    header = dkim.sign(
        raw, selector.encode(), domain.encode(), key.private_pem, linesep=b"\n", **kw
    )
    return header + raw


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


FROM_DOMAIN = "from"


def reply_bytes(
    *,
    sender: str,
    to: str,
    body: str = "Agreed, let us meet on Tuesday.",
    message_id: str | None = None,
    attachments: list[tuple[str, bytes]] = (),
    cc: str = "",
    signed_by: str | None = FROM_DOMAIN,
    headers: list[tuple[str, str]] = (),
) -> bytes:
    """A reply as a mail client sends it, DKIM-signed by the domain of its From (by default),
    by another domain, or not at all (signed_by=None). `headers` go on top, after signing."""
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
    raw = msg.as_bytes()
    if signed_by == FROM_DOMAIN:
        signed_by = parseaddr(sender)[1].rpartition("@")[2]
    if signed_by:
        raw = dkim_signed(raw, signed_by, SIGNING_KEY)
    top = b"".join(f"{name}: {value}\n".encode() for name, value in headers)
    return top + raw


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


def test_a_reply_address_is_dated_from_when_the_email_is_sent(cast, smtp, monkeypatch):
    """A notification queued now and sent ten days later (an outage, a slow worker) carries a
    reply address good for 90 days from the sending: it is signed when the e-mail is rendered,
    not when the message was posted."""
    alice, bob = cast["alice"], cast["bob"]
    thread = thread_create(by=alice, subject="Slow mail", users=[bob])
    message_post(thread=thread, author=alice, body="Posted today, sent later.")
    posted_on = timezone.localdate()
    (row,) = OutboundEmail.objects.filter(to="bob@example.org")
    assert row.status == OutboxStatus.PENDING and row.reply_to == ""  # not rendered yet

    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(days=10))
    assert deliver_due() == (1, 0)

    (mail,) = smtp.to("bob@example.org")
    sent_on = timezone.localdate()
    assert sent_on == posted_on + timedelta(days=10)
    token = read_reply_token(token_of(mail.reply_to))
    assert token.expires_on == sent_on + timedelta(days=REPLY_DAYS) == sent_on + timedelta(days=90)
    assert (token.thread_id, token.email) == (thread.pk, "bob@example.org")


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
    with caplog.at_level(logging.ERROR, logger="regionbridge.outbox.tasks"):
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
    """Over the wire, as a mail server sends it: lines end in CRLF (a DKIM signature holds)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail(sender, [recipient], raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


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
    assert refused.value.smtp_error == b"5.7.1 Refused: sender is not the addressee"
    assert Message.objects.filter(thread=thread).count() == 2
    assert not Message.objects.filter(author=eve).exists()
    (entry,) = refusals()
    assert entry.changes == {"reason": "sender is not the addressee", "from": "eve@example.org"}
    assert any(
        "refused" in r.getMessage() and "eve@example.org" in r.getMessage() for r in caplog.records
    )


def test_mailgate_defers_with_4xx_when_the_database_is_down(monkeypatch):
    def broken(raw, **envelope):
        raise OperationalError("database is locked")

    monkeypatch.setattr(mailgate, "receive", broken)
    port = free_port()
    with smtp_server(Handler(), port), pytest.raises(smtplib.SMTPResponseException) as error:
        send_over_smtp(
            port, reply_bytes(sender="a@b.example", to="x@y.example"), "a@b.example", "x@y.example"
        )
    assert error.value.smtp_code == 451
    assert error.value.smtp_error == b"4.3.0 Temporary failure, try again later"


def test_mailgate_refuses_for_good_when_receiving_fails_otherwise(monkeypatch, caplog):
    """A fault that will come back on every try is not deferred forever: 550, logged once."""

    def broken(raw, **envelope):
        raise RuntimeError("a bug")

    monkeypatch.setattr(mailgate, "receive", broken)
    port = free_port()
    with (
        caplog.at_level(logging.WARNING, logger="regionbridge.messaging"),
        smtp_server(Handler(), port),
        pytest.raises(smtplib.SMTPResponseException) as error,
    ):
        send_over_smtp(
            port, reply_bytes(sender="a@b.example", to="x@y.example"), "a@b.example", "x@y.example"
        )
    assert (error.value.smtp_code, error.value.smtp_error) == (
        550,
        b"5.6.0 Refused: message cannot be read",
    )
    assert len([r for r in caplog.records if r.exc_info]) == 1


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
        assert_refused(outcome, "invalid reply address", "bob@example.org", caplog)
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
    assert (outcome.accepted, outcome.reason) == (False, "invalid reply address")
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


def test_token_in_cc_only_is_refused(reply_thread):
    """Only the envelope recipient or To count: a Cc may carry an old address of someone else."""
    raw = reply_bytes(
        sender="bob@example.org",
        to="colleague+projects@city.example",
        cc=reply_address(reply_thread, "bob@example.org"),
    )
    outcome = receive(raw)
    assert (outcome.accepted, outcome.reason) == (False, "no reply token")
    assert Message.objects.filter(thread=reply_thread).count() == 1


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


def test_a_5000_character_file_name_by_email_is_cut_not_a_failure(reply_thread):
    name = "m" * 4996 + ".pdf"
    raw = reply_bytes(
        sender="bob@example.org",
        to=reply_address(reply_thread, "bob@example.org"),
        attachments=[(name, PDF_BYTES)],
    )
    outcome = receive(raw)
    assert outcome.accepted, outcome.reason
    (attachment,) = Attachment.objects.filter(message__thread=reply_thread)
    assert len(attachment.original_name) <= 200
    assert attachment.original_name.endswith(".pdf")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            b"Subject: Re: [Region Bridge] a thread",
            b"Subject: =?x-unknown-foo?Q?Re=3A_a_thread?=",
        ),
        (b'filename="m.pdf"', b"filename*=x-unknown-foo''m.pdf"),
    ],
    ids=["subject", "attachment-name"],
)
def test_an_unknown_charset_in_a_header_is_answered_for_good(reply_thread, caplog, old, new):
    """Unknown charsets elsewhere than the body: read, or 550 once; never a deferral, and the
    same e-mail delivered again posts nothing more."""
    raw = reply_bytes(
        sender="bob@example.org",
        to=reply_address(reply_thread, "bob@example.org"),
        attachments=[("m.pdf", PDF_BYTES)],
        signed_by=None,
    )
    assert old in raw, raw[:600]
    raw = dkim_signed(raw.replace(old, new), "example.org", SIGNING_KEY)
    caplog.set_level(logging.WARNING, logger="regionbridge.messaging")
    outcome = receive(raw)  # raises only for transient faults, which this is not
    assert outcome.smtp_reply.startswith(("250", "550")), outcome.smtp_reply
    before = Message.objects.filter(thread=reply_thread).count()
    again = receive(raw)
    assert again.smtp_reply.startswith(("250", "550")), again.smtp_reply
    assert Message.objects.filter(thread=reply_thread).count() == before


# --- 5. mailgate --stdin ---------------------------------------------------------------------


def run_stdin(monkeypatch, raw: bytes, *args: str) -> str:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    call_command("mailgate", "--stdin", *args, stdout=out)
    return out.getvalue()


def test_mailgate_stdin_accepts_a_reply(reply_thread, monkeypatch):
    raw = reply_bytes(
        sender="bob@example.org",
        to=reply_address(reply_thread, "bob@example.org"),
        body="From the pipe.",
    )
    assert run_stdin(monkeypatch, raw).strip() == "250 2.0.0 OK: accepted"
    assert Message.objects.filter(thread=reply_thread).latest("id").body == "From the pipe."


def run_stdin_dropped(monkeypatch, raw: bytes, *args: str) -> str:
    """A refusal the pipe drops: exit 0 (no bounce), nothing on stdout, the reason on stderr."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out, err = io.StringIO(), io.StringIO()
    call_command("mailgate", "--stdin", *args, stdout=out, stderr=err)  # no SystemExit: 0
    assert out.getvalue() == ""
    return err.getvalue().strip()


def test_mailgate_stdin_drops_a_forged_sender_without_a_bounce(reply_thread, monkeypatch):
    """No backscatter: Postfix would bounce an exit 77 to the envelope sender, which a forger
    chose. The refusal is logged and audited as over SMTP; the mail is dropped (exit 0)."""
    raw = reply_bytes(
        sender="eve@nowhere.example", to=reply_address(reply_thread, "bob@example.org")
    )
    reason = run_stdin_dropped(monkeypatch, raw, "--sender", "eve@nowhere.example")
    assert reason == "dropped, not bounced: 550 5.7.1 Refused: sender is not the addressee"
    assert Message.objects.filter(thread=reply_thread).count() == 1
    assert refusals()[-1].changes["reason"] == "sender is not the addressee"


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("forged", "invalid reply address"),
        ("expired", "expired reply address"),
        ("team@example.org", "no reply token"),
    ],
)
def test_mailgate_stdin_drops_a_bad_reply_address_without_a_bounce(
    reply_thread, monkeypatch, address, reason
):
    if address == "expired":
        yesterday = timezone.localdate() - timedelta(days=1)
        address = reply_address(reply_thread, "bob@example.org", expires_on=yesterday)
    elif address == "forged":  # a genuine token with its signature altered
        token = token_of(reply_address(reply_thread, "bob@example.org"))
        address = address_with(token[:-1] + ("1" if token[-1] == "0" else "0"))
    raw = reply_bytes(
        sender="bob@example.org", to=address, body="To a made-up address.", signed_by=None
    )
    assert run_stdin_dropped(monkeypatch, raw, "--recipient", address) == (
        f"dropped, not bounced: 550 5.1.1 Refused: {reason}"
    )
    assert Message.objects.filter(thread=reply_thread).count() == 1
    assert refusals()[-1].changes["reason"] == reason


def test_mailgate_stdin_bounces_an_expired_address_to_a_sender_who_is_who_they_say(
    reply_thread, monkeypatch
):
    """Bob's reply, signed by his domain, to an address that expired: the bounce goes to Bob
    himself, who must learn that his reply did not arrive (exit 77, reason on stdout)."""
    yesterday = timezone.localdate() - timedelta(days=1)
    address = reply_address(reply_thread, "bob@example.org", expires_on=yesterday)
    raw = reply_bytes(sender="bob@example.org", to=address, body="Late, but here.")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("mailgate", "--stdin", "--recipient", address, stdout=out)
    assert exit_.value.code == mailgate.EX_NOPERM
    assert out.getvalue().strip() == "550 5.1.6 Refused: expired reply address"
    assert Message.objects.filter(thread=reply_thread).count() == 1
    assert refusals()[-1].changes["reason"] == "expired reply address"


def test_mailgate_stdin_still_bounces_what_cannot_be_read_or_is_too_big(
    reply_thread, monkeypatch, settings
):
    """Only refusals of the sender or the address are dropped: a message that got past both
    and cannot be taken (5.6.0, 5.3.4) bounces with the reason on standard output (exit 77)."""

    def broken(raw, **envelope):
        raise RuntimeError("a bug")

    address = reply_address(reply_thread, "bob@example.org")
    with monkeypatch.context() as patch:
        patch.setattr(mailgate, "receive", broken)
        with pytest.raises(SystemExit) as exit_:
            run_stdin(patch, reply_bytes(sender="bob@example.org", to=address))
    assert exit_.value.code == 77 == mailgate.EX_NOPERM
    settings.MAILGATE_MAX_BYTES = 100
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x" * 200)))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("mailgate", "--stdin", stdout=out)
    assert exit_.value.code == mailgate.EX_NOPERM
    assert out.getvalue().strip() == "552 5.3.4 Refused: message too big"
    assert Message.objects.filter(thread=reply_thread).count() == 1


def test_mailgate_stdin_takes_the_envelope_from_postfix(reply_thread, monkeypatch):
    """As Postfix's pipe passes ${sender} and ${original_recipient}: the reply address may be
    in the envelope only (To names someone else)."""
    address = reply_address(reply_thread, "bob@example.org")
    raw = reply_bytes(sender="bob@example.org", to="team@example.org", body="Via the envelope.")
    out = run_stdin(
        monkeypatch,
        raw,
        "--sender",
        "bob@example.org",
        "--recipient",
        "someone@example.org",
        "--recipient",
        address,
    )
    assert out.strip() == "250 2.0.0 OK: accepted"
    assert Message.objects.filter(thread=reply_thread).latest("id").body == "Via the envelope."


def test_mailgate_stdin_refusal_says_why_and_holds_the_reply(reply_thread, monkeypatch):
    """An account holder's reply that fails DKIM: held for them to confirm, as over SMTP; the
    pipe drops the mail (no bounce to a maybe forged sender) and says why on standard error."""
    address = reply_address(reply_thread, "bob@example.org")
    raw = reply_bytes(sender="bob@example.org", to=address, signed_by=None)
    assert run_stdin_dropped(monkeypatch, raw, "--recipient", address) == (
        "dropped, not bounced: 550 5.7.1 Refused: DKIM signature missing or not aligned with "
        "From; kept for the account holder to confirm in Region Bridge"
    )
    assert HeldReply.objects.filter(thread=reply_thread, user__email="bob@example.org").count() == 1
    assert Message.objects.filter(thread=reply_thread).count() == 1


def test_mailgate_stdin_defers_with_75_when_the_database_is_down(monkeypatch):
    def broken(raw, **envelope):
        raise OperationalError("database is locked")

    monkeypatch.setattr(mailgate, "receive", broken)
    with pytest.raises(SystemExit) as exit_:
        run_stdin(monkeypatch, reply_bytes(sender="a@b.example", to="x@y.example"))
    assert exit_.value.code == 75 == mailgate.EX_TEMPFAIL
