"""Who sent a reply, and when a reply address stops working.

Anyone can write any From. A reply counts only when the From domain vouches for it: an aligned
DKIM signature that mailgate verifies itself (keys from a fake DNS, see tests/test_mail.py), or,
with MAIL_TRUSTED_AUTHSERV_ID, the topmost Authentication-Results header of our own MTA. A reply
that fails this from an account holder waits for them to confirm it in the platform. Reply
addresses expire; they count only as envelope recipient or To. One e-mail is one message, and an
e-mail that cannot be read is refused once, not deferred forever.
"""

import email
import importlib
import io
import logging
import smtplib
import sys
from datetime import timedelta
from email.policy import default as default_policy
from pathlib import Path

import dkim
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from regionbridge.audit.models import AuditEntry
from regionbridge.messaging import inbound, mailauth
from regionbridge.messaging.inbound import HELD_NOTE, receive
from regionbridge.messaging.management.commands.mailgate import Handler
from regionbridge.messaging.models import Attachment, HeldReply, Message
from regionbridge.messaging.replies import read_reply_token, reply_address
from regionbridge.messaging.services import message_post, thread_create
from tests import test_mail
from tests.conftest import ensure_reference
from tests.test_mail import (
    DNS,
    GUEST,
    PDF_BYTES,
    SIGNING_KEY,
    dkim_signed,
    free_port,
    make_dkim_key,
    person,
    publish,
    refusals,
    reply_bytes,
    send_over_smtp,
    smtp_server,
)

# The fixtures of tests/test_mail.py: its cast and thread, and the fake DNS with the key.
cast = test_mail.cast
reply_thread = test_mail.reply_thread
dkim_key = test_mail.dkim_key
dkim_dns = test_mail.dkim_dns  # autouse

BOB = "bob@example.org"
OUR_MX = "mx.example.gov.ua"


def bob_reply(thread, **kw) -> bytes:
    return reply_bytes(sender=BOB, to=reply_address(thread, BOB), **kw)


def posted(thread) -> int:
    """Messages in the thread besides Alice's first."""
    return Message.objects.filter(thread=thread).count() - 1


# --- mailgate verifies DKIM itself -----------------------------------------------------------


def test_forged_from_without_dkim_is_refused_and_held_for_the_account_holder(reply_thread, cast):
    outcome = receive(bob_reply(reply_thread, body="Please wire the money to me.", signed_by=None))

    assert (outcome.accepted, outcome.reason) == (False, mailauth.DKIM_FAILED)
    assert outcome.smtp_reply == (
        "550 5.7.1 Refused: DKIM signature missing or not aligned with From; "
        "kept for the account holder to confirm in Region Bridge"
    )
    assert posted(reply_thread) == 0
    (held,) = HeldReply.objects.all()
    assert (held.user, held.thread, held.body) == (cast["bob"], reply_thread, outcome.held.body)
    assert held.body == "Please wire the money to me."
    assert held.reason == mailauth.DKIM_FAILED
    assert held.expires_at > timezone.now() + timedelta(days=13)
    (entry,) = refusals()
    assert entry.changes == {"reason": mailauth.DKIM_FAILED, "from": BOB, "held": held.pk}


def test_forged_from_of_a_guest_is_refused_and_not_kept(reply_thread):
    raw = reply_bytes(sender=GUEST, to=reply_address(reply_thread, GUEST), signed_by=None)
    outcome = receive(raw)
    assert outcome.smtp_reply == (
        "550 5.7.1 Refused: DKIM signature missing or not aligned with From"
    )
    assert outcome.held is None
    assert not HeldReply.objects.exists()
    assert posted(reply_thread) == 0


@pytest.mark.parametrize(
    ("signer", "accepted"),
    [
        ("example.org", True),
        ("mail.example.org", True),  # relaxed alignment: a subdomain of the From domain
        ("evil.example", False),
        ("example.org.evil.example", False),
        ("notexample.org", False),
        ("org", False),  # a bare top-level domain aligns with nothing
    ],
)
def test_only_a_signature_by_the_from_domain_counts(reply_thread, signer, accepted):
    publish(signer, SIGNING_KEY)
    outcome = receive(bob_reply(reply_thread, signed_by=signer))
    assert outcome.accepted is accepted, outcome.reason
    assert posted(reply_thread) == int(accepted)
    if not accepted:
        assert outcome.reason == mailauth.DKIM_FAILED


def test_body_changed_after_signing_is_refused(reply_thread):
    raw = bob_reply(reply_thread, body="Agreed: 100 generators.")
    tampered = raw.replace(b"Agreed: 100 generators.", b"Agreed: 900 generators.")
    assert tampered != raw
    outcome = receive(tampered)
    assert (outcome.accepted, outcome.reason) == (False, mailauth.DKIM_BROKEN)
    assert posted(reply_thread) == 0


def test_signature_by_a_key_the_domain_did_not_publish_is_refused(reply_thread):
    publish("example.org", make_dkim_key(7))
    outcome = receive(bob_reply(reply_thread))
    assert (outcome.accepted, outcome.reason) == (False, mailauth.DKIM_BROKEN)


def test_signature_over_part_of_the_body_is_refused(reply_thread):
    """l= lets anyone append text under a genuine signature."""
    msg = email.message_from_bytes(bob_reply(reply_thread, signed_by=None), policy=default_policy)
    raw = msg.as_bytes()
    signed = dkim_signed(raw, "example.org", SIGNING_KEY, length=True)
    appended = signed.rstrip(b"\n") + b"\nP.S. Send the files to eve@evil.example\n"
    assert dkim.verify(appended, dnsfunc=lambda name, timeout=5: DNS.get(name))  # dkimpy: fine
    outcome = receive(appended)
    assert (outcome.accepted, outcome.reason) == (False, mailauth.DKIM_BROKEN)


def test_a_from_with_several_addresses_is_refused(reply_thread):
    raw = bob_reply(reply_thread)
    raw = raw.replace(b"From: bob@example.org", b"From: bob@example.org, eve@evil.example")
    outcome = receive(raw)
    assert (outcome.accepted, outcome.reason) == (False, mailauth.SEVERAL_SENDERS)
    assert refusals()[-1].changes["from"] == "bob@example.org, eve@evil.example"


def test_a_second_from_header_is_refused(reply_thread):
    raw = b"From: eve@evil.example\n" + bob_reply(reply_thread)
    outcome = receive(raw)
    assert (outcome.accepted, outcome.reason) == (False, mailauth.SEVERAL_SENDERS)
    assert posted(reply_thread) == 0


def test_a_dns_timeout_defers_the_reply(reply_thread, settings):
    settings.MAIL_DKIM_DNSFUNC = f"{__name__}.dns_down"
    with pytest.raises(mailauth.TemporaryFailure):
        receive(bob_reply(reply_thread))
    assert not refusals()
    assert not HeldReply.objects.exists()


def dns_down(name: bytes, timeout: int = 5) -> bytes:
    raise dkim.DnsTimeoutError("timed out")


# --- the MTA in front says so: Authentication-Results ---------------------------------------


@pytest.fixture
def trusted_mx(settings):
    settings.MAIL_TRUSTED_AUTHSERV_ID = OUR_MX


def with_results(thread, *headers: str, envelope_sender: str = "") -> inbound.Outcome:
    raw = bob_reply(
        thread, signed_by=None, headers=[("Authentication-Results", h) for h in headers]
    )
    return receive(raw, envelope_sender=envelope_sender)


@pytest.mark.usefixtures("trusted_mx")
@pytest.mark.parametrize(
    "header",
    [
        f"{OUR_MX}; dkim=pass header.d=example.org header.s=sel; spf=none",
        f"{OUR_MX}; spf=pass smtp.mailfrom=bob@example.org; dkim=none",
        f"{OUR_MX}; spf=pass smtp.mailfrom=example.org",
        f"{OUR_MX} 1; dkim=pass (2048-bit key; unprotected) header.d=mail.example.org",
        f'{OUR_MX}; dkim=pass reason="good; signature" header.i=@example.org',
        f"{OUR_MX.upper()};\n\tdmarc=pass (p=reject dis=none) header.from=example.org",
    ],
)
def test_our_mtas_pass_for_the_from_domain_is_accepted(reply_thread, header):
    outcome = with_results(reply_thread, header)
    assert outcome.accepted, outcome.reason
    assert posted(reply_thread) == 1


@pytest.mark.usefixtures("trusted_mx")
@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        # not aligned with From
        ([f"{OUR_MX}; dkim=pass header.d=evil.example"], mailauth.NOT_ALIGNED),
        ([f"{OUR_MX}; spf=pass smtp.mailfrom=eve@evil.example"], mailauth.NOT_ALIGNED),
        ([f"{OUR_MX}; dmarc=pass header.from=evil.example"], mailauth.NOT_ALIGNED),
        ([f"{OUR_MX}; dkim=fail header.d=example.org; spf=softfail"], mailauth.NOT_ALIGNED),
        ([f'{OUR_MX}; dkim=fail reason="dkim=pass header.d=example.org"'], mailauth.NOT_ALIGNED),
        # our header says no; a header the sender wrote below it says yes
        (
            [f"{OUR_MX}; dkim=none", f"{OUR_MX}; dkim=pass header.d=example.org"],
            mailauth.NOT_ALIGNED,
        ),
        # someone else's verdict counts for nothing
        (["mx.evil.example; dkim=pass header.d=example.org"], mailauth.NOT_TRUSTED),
        (["mx.example.gov.ua.evil.example; dkim=pass header.d=example.org"], mailauth.NOT_TRUSTED),
        ([], mailauth.NOT_TRUSTED),
    ],
)
def test_anything_else_in_authentication_results_is_refused(reply_thread, headers, reason):
    outcome = with_results(reply_thread, *headers)
    assert (outcome.accepted, outcome.reason) == (False, reason)
    assert posted(reply_thread) == 0
    assert HeldReply.objects.count() == 1  # Bob may still confirm it


@pytest.mark.usefixtures("trusted_mx")
def test_a_dkim_signature_alone_does_not_count_when_the_mta_is_trusted(reply_thread):
    outcome = receive(bob_reply(reply_thread))  # signed, but no header from our MTA
    assert (outcome.accepted, outcome.reason) == (False, mailauth.NOT_TRUSTED)


@pytest.mark.usefixtures("trusted_mx")
def test_spf_vouches_for_the_envelope_sender_not_for_from(reply_thread):
    """Through a mailing list: envelope sender of the list. Only DKIM can vouch for From."""
    spf = f"{OUR_MX}; spf=pass smtp.mailfrom=example.org"
    outcome = with_results(reply_thread, spf, envelope_sender="list-bounces@lists.example")
    assert (outcome.accepted, outcome.reason) == (False, mailauth.NOT_ALIGNED)
    both = f"{OUR_MX}; spf=pass smtp.mailfrom=lists.example; dkim=pass header.d=example.org"
    outcome = with_results(reply_thread, both, envelope_sender="list-bounces@lists.example")
    assert outcome.accepted, outcome.reason


def test_authentication_results_are_parsed_as_rfc_8601_writes_them():
    authserv_id, results = mailauth.parse_authentication_results(
        "MX.Example.gov.ua 1; (a comment; with (nested) parts) dkim=pass (good)"
        ' reason="a; b" header.d=Example.org header.s="sel"; spf/1=fail smtp.mailfrom=x@y.example;'
        " none"
    )
    assert authserv_id == "mx.example.gov.ua"
    assert [(r.method, r.result, r.properties) for r in results] == [
        ("dkim", "pass", {"header.d": "example.org", "header.s": "sel"}),
        ("spf", "fail", {"smtp.mailfrom": "x@y.example"}),
    ]


# --- reply addresses: expiry and where they count --------------------------------------------


@pytest.mark.parametrize(("signed_by", "status"), [("example.org", "5.1.6"), (None, "5.1.1")])
def test_an_expired_reply_address_is_refused(reply_thread, signed_by, status):
    """Said as "moved" (5.1.6) to a sender who is who they say, whom a pipe bounces it to; as an
    unknown address (5.1.1, dropped by a pipe: no backscatter) to anyone else."""
    yesterday = timezone.localdate() - timedelta(days=1)
    address = reply_address(reply_thread, BOB, expires_on=yesterday)
    outcome = receive(reply_bytes(sender=BOB, to=address, signed_by=signed_by))
    assert outcome.smtp_reply == f"550 {status} Refused: expired reply address"
    assert posted(reply_thread) == 0
    assert not HeldReply.objects.exists()


def test_a_reply_address_lasts_90_days(reply_thread, monkeypatch):
    address = reply_address(reply_thread, BOB)
    today = timezone.localdate()
    token = read_reply_token(address.split("+", 1)[1].split("@")[0])
    assert token.expires_on == today + timedelta(days=90)
    monkeypatch.setattr(timezone, "localdate", lambda: today + timedelta(days=90))
    assert receive(reply_bytes(sender=BOB, to=address, body="Day 90.")).accepted
    monkeypatch.setattr(timezone, "localdate", lambda: today + timedelta(days=91))
    outcome = receive(reply_bytes(sender=BOB, to=address, body="Day 91."))
    assert (outcome.accepted, outcome.reason) == (False, "expired reply address")
    assert posted(reply_thread) == 1


def test_an_invitation_may_give_its_own_expiry(reply_thread):
    meeting = timezone.localdate() + timedelta(days=200)
    address = reply_address(reply_thread, BOB, expires_on=meeting + timedelta(days=30))
    assert len(address.split("@")[0]) <= 64
    token = read_reply_token(address.split("+", 1)[1].split("@")[0])
    assert (token.thread_id, token.email, token.expires_on) == (
        reply_thread.pk,
        BOB,
        meeting + timedelta(days=30),
    )


def test_a_reply_address_in_the_envelope_only_is_accepted(reply_thread):
    """A Bcc, or a list: To names someone else, the envelope says where it was delivered."""
    raw = reply_bytes(sender=BOB, to="team@example.org")
    outcome = receive(
        raw, envelope_sender=BOB, envelope_recipients=[f"<{reply_address(reply_thread, BOB)}>"]
    )
    assert outcome.accepted, outcome.reason


@pytest.mark.parametrize("header", ["Cc", "Delivered-To", "X-Original-To"])
def test_a_reply_address_in_other_headers_is_refused(reply_thread, header):
    raw = reply_bytes(
        sender=BOB,
        to="team@example.org",
        headers=[(header, reply_address(reply_thread, BOB))],
    )
    outcome = receive(raw, envelope_recipients=["team@example.org"])
    assert (outcome.accepted, outcome.reason) == (False, "no reply token")


# --- one e-mail, one message -----------------------------------------------------------------


def test_the_same_message_id_in_another_thread_is_already_received(reply_thread, cast):
    other = thread_create(by=cast["alice"], subject="Other", users=[cast["bob"]])
    first = receive(bob_reply(reply_thread, message_id="<one@mail.example>"))
    second = receive(bob_reply(other, message_id="<one@mail.example>"))
    assert (first.reason, second.reason) == ("accepted", "already received")
    assert second.smtp_reply == "250 2.0.0 OK: already received"
    assert Message.objects.filter(email_message_id="<one@mail.example>").count() == 1


def test_a_duplicate_arriving_at_the_same_moment_is_already_received(reply_thread, monkeypatch):
    """Two deliveries at once both pass the lookup; the unique constraint stops the second."""
    raw = bob_reply(reply_thread, message_id="<race@mail.example>")
    monkeypatch.setattr(inbound, "_already_received", lambda message_id: False)
    assert receive(raw).reason == "accepted"
    monkeypatch.undo()
    calls = []

    def miss_first(message_id):
        calls.append(message_id)
        return len(calls) > 1  # the lookup misses; after the IntegrityError it finds it

    monkeypatch.setattr(inbound, "_already_received", miss_first)
    outcome = receive(raw)
    assert (outcome.accepted, outcome.reason) == (True, "already received")
    assert calls == ["<race@mail.example>", "<race@mail.example>"]
    assert Message.objects.filter(email_message_id="<race@mail.example>").count() == 1
    assert not refusals()


def test_the_database_keeps_one_message_per_email(reply_thread):
    message = Message.objects.filter(thread=reply_thread).get()
    Message.objects.filter(pk=message.pk).update(email_message_id="<x@mail.example>")
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            thread=reply_thread, body="b", body_html="b", email_message_id="<x@mail.example>"
        )
    for _ in range(2):  # messages not from e-mail have no id, and need none
        Message.objects.create(thread=reply_thread, body="w", body_html="w")


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_first_of_earlier_duplicates():
    migration = importlib.import_module(
        "regionbridge.messaging.migrations.0005_held_reply_one_message_per_email"
    )
    before = [("messaging", "0004_outbox_to_sent")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        thread = old.get_model("messaging", "Thread").objects.create(kind="direct", subject="s")
        OldMessage = old.get_model("messaging", "Message")
        ids = [
            OldMessage.objects.create(
                thread=thread, body="b", body_html="b", email_message_id=mid
            ).pk
            for mid in ("<a@x>", "<a@x>", "<b@x>", "<a@x>", "", "")
        ]
        migration.clear_duplicate_message_ids(old, None)
        assert list(
            OldMessage.objects.order_by("pk").values_list("email_message_id", flat=True)
        ) == [
            "<a@x>",
            "",
            "<b@x>",
            "",
            "",
            "",
        ]
        assert OldMessage.objects.get(email_message_id="<a@x>").pk == ids[0]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


# --- an e-mail that cannot be read ------------------------------------------------------------


def unknown_charset_reply(thread) -> bytes:
    raw = bob_reply(thread, signed_by=None)
    raw = raw.replace(b'charset="utf-8"', b'charset="x-unknown-foo"')
    assert b"x-unknown-foo" in raw
    return dkim_signed(raw, "example.org", SIGNING_KEY)


def test_an_unknown_charset_is_refused_once_not_deferred(reply_thread, caplog):
    caplog.set_level(logging.WARNING, logger="regionbridge.messaging")
    outcome = receive(unknown_charset_reply(reply_thread))
    assert outcome.smtp_reply == "550 5.6.0 Refused: message cannot be read"
    (entry,) = refusals()
    assert entry.changes == {"reason": "message cannot be read", "from": BOB}
    (record,) = [r for r in caplog.records if r.name.startswith("regionbridge.messaging")]
    assert record.exc_info and record.exc_info[0] is LookupError
    assert posted(reply_thread) == 0


# --- what the sender's server hears, over real SMTP -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_smtp_answer_says_why(settings, tmp_path):
    ensure_reference()
    settings.MEDIA_ROOT = tmp_path
    alice, bob = person("alice@example.org"), person(BOB)
    thread = thread_create(by=alice, subject="Answers", users=[bob])
    message_post(thread=thread, author=alice, body="Over to you.")
    address = reply_address(thread, BOB)
    expired = reply_address(thread, BOB, expires_on=timezone.localdate() - timedelta(days=1))

    def answer(raw: bytes, recipient: str) -> tuple[int, bytes]:
        try:
            send_over_smtp(port, raw, BOB, recipient)
        except smtplib.SMTPResponseException as exc:
            return exc.smtp_code, exc.smtp_error
        return 250, b""

    port = free_port()
    with smtp_server(Handler(), port):
        forged = reply_bytes(sender=BOB, to=address, signed_by=None)
        assert answer(forged, address) == (
            550,
            b"5.7.1 Refused: DKIM signature missing or not aligned with From; "
            + HELD_NOTE.encode(),
        )
        assert answer(reply_bytes(sender=BOB, to=expired), expired) == (
            550,
            b"5.1.6 Refused: expired reply address",
        )
        assert answer(unknown_charset_reply(thread), address) == (
            550,
            b"5.6.0 Refused: message cannot be read",
        )
        # the reply address only in the envelope (RCPT TO), as for a Bcc
        assert answer(reply_bytes(sender=BOB, to="team@example.org"), address) == (250, b"")
    assert Message.objects.filter(thread=thread).count() == 2
    assert HeldReply.objects.filter(user=bob).count() == 1


def test_the_mailgate_does_not_write_back(reply_thread, monkeypatch):
    """No backscatter: a refusal is an SMTP answer, never an e-mail to the (maybe forged) From."""
    raw = bob_reply(reply_thread, signed_by=None)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    # From a pipe, no bounce either: exit 0, the mail dropped (Postfix would bounce an exit 77
    # to the envelope sender); the reply is held for Bob, as over SMTP.
    call_command("mailgate", "--stdin", stdout=io.StringIO(), stderr=io.StringIO())
    assert HeldReply.objects.filter(user__email="bob@example.org").count() == 1
    assert mail.outbox == []
    assert not reply_thread.messages.exclude(author__email="alice@example.org").exists()


# --- held replies: the account holder confirms or discards -----------------------------------


def hold(thread, **kw) -> HeldReply:
    outcome = receive(bob_reply(thread, signed_by=None, **kw))
    assert outcome.held is not None, outcome.reason
    return outcome.held


def test_the_inbox_tells_the_account_holder_and_only_them(client, reply_thread, cast):
    hold(reply_thread, body="Was this me?")
    client.force_login(cast["bob"])
    inbox = client.get(reverse("messaging:inbox")).content.decode()
    assert reverse("messaging:held") in inbox
    page = client.get(reverse("messaging:held")).content.decode()
    assert "Was this me?" in page
    assert "did not sign it (DKIM) for your domain" in page
    client.force_login(cast["alice"])
    assert reverse("messaging:held") not in client.get(reverse("messaging:inbox")).content.decode()
    assert "Was this me?" not in client.get(reverse("messaging:held")).content.decode()


def test_confirming_posts_the_reply_as_the_account_holder(
    client, reply_thread, cast, django_capture_on_commit_callbacks
):
    held = hold(
        reply_thread,
        body="Yes, that was me.\n\n> Over to you.",
        attachments=[("plan.pdf", PDF_BYTES)],
        message_id="<held@mail.example>",
    )
    stored = held.raw.path
    client.force_login(cast["bob"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("messaging:held_confirm", args=[held.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:thread", args=[reply_thread.pk])
    message = Message.objects.filter(thread=reply_thread).latest("id")
    assert (message.author, message.body, message.via) == (
        cast["bob"],
        "Yes, that was me.",
        "email",
    )
    assert message.email_message_id == "<held@mail.example>"
    assert [a.original_name for a in message.attachments.all()] == ["plan.pdf"]
    assert not HeldReply.objects.exists()
    assert not Path(stored).exists()
    entry = AuditEntry.objects.get(action="mail.held_confirmed")
    assert (entry.actor, entry.target_id) == (cast["bob"], str(message.pk))
    # the same e-mail once more (a retry by the sender's server): already there
    again = receive(bob_reply(reply_thread, message_id="<held@mail.example>"))
    assert again.reason == "already received"


def test_confirming_checks_the_attachments_again(client, reply_thread, cast):
    held = hold(reply_thread, attachments=[("plan.pdf", b"MZ\x90\x00 a program")])
    client.force_login(cast["bob"])
    response = client.post(reverse("messaging:held_confirm", args=[held.pk]), follow=True)
    assert response.status_code == 200
    assert posted(reply_thread) == 0
    assert not Attachment.objects.exists()
    assert HeldReply.objects.filter(pk=held.pk).exists()  # still there to discard


def test_confirming_after_leaving_the_thread_posts_nothing(client, reply_thread, cast):
    held = hold(reply_thread)
    reply_thread.participants.filter(user=cast["bob"]).delete()
    client.force_login(cast["bob"])
    client.post(reverse("messaging:held_confirm", args=[held.pk]))
    assert posted(reply_thread) == 0


def test_discarding_drops_the_reply_and_its_file(
    client, reply_thread, cast, django_capture_on_commit_callbacks
):
    held = hold(reply_thread)
    stored = held.raw.path
    client.force_login(cast["bob"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("messaging:held_discard", args=[held.pk]))
    assert (response.status_code, response["Location"]) == (302, reverse("messaging:held"))
    assert not HeldReply.objects.exists()
    assert not Path(stored).exists()
    assert posted(reply_thread) == 0
    assert AuditEntry.objects.get(action="mail.held_discarded").actor == cast["bob"]


@pytest.mark.parametrize("action", ["messaging:held_confirm", "messaging:held_discard"])
def test_someone_elses_held_reply_is_404(client, reply_thread, cast, action):
    held = hold(reply_thread)
    client.force_login(cast["alice"])
    assert client.post(reverse(action, args=[held.pk])).status_code == 404
    assert HeldReply.objects.filter(pk=held.pk).exists()
    assert posted(reply_thread) == 0


def test_a_held_reply_expires(client, reply_thread, cast):
    held = hold(reply_thread, message_id="<old@mail.example>")
    HeldReply.objects.filter(pk=held.pk).update(expires_at=timezone.now())
    client.force_login(cast["bob"])
    assert client.post(reverse("messaging:held_confirm", args=[held.pk])).status_code == 404
    assert reverse("messaging:held") not in client.get(reverse("messaging:inbox")).content.decode()
    hold(reply_thread)  # the next one clears what has expired
    assert not HeldReply.objects.filter(pk=held.pk).exists()
    assert HeldReply.objects.count() == 1


def test_the_same_email_is_held_once(reply_thread):
    first = hold(reply_thread, message_id="<twice@mail.example>")
    second = hold(reply_thread, message_id="<twice@mail.example>")
    assert first.pk == second.pk
    assert HeldReply.objects.count() == 1


# --- automatic replies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        ("Auto-Submitted", "auto-replied"),
        ("Auto-Submitted", "auto-generated"),
        ("Precedence", "auto_reply"),
        ("Precedence", "bulk"),
        ("X-Autoreply", "yes"),
    ],
)
def test_an_out_of_office_notice_is_accepted_and_dropped(reply_thread, header):
    """No bounce to an auto-responder (mail loops), and nothing posted into the thread."""
    raw = reply_bytes(
        sender=BOB,
        to=reply_address(reply_thread, BOB),
        body="I am out of the office until Monday.",
        headers=[header],
    )
    outcome = receive(raw)
    assert (outcome.accepted, outcome.reason) == (True, inbound.AUTOMATIC_IGNORED)
    assert posted(reply_thread) == 0
    assert not HeldReply.objects.exists()


def test_auto_submitted_no_is_a_person(reply_thread):
    raw = reply_bytes(
        sender=BOB, to=reply_address(reply_thread, BOB), headers=[("Auto-Submitted", "no")]
    )
    assert receive(raw).accepted
    assert posted(reply_thread) == 1


def test_no_more_than_twenty_replies_are_held_for_one_person(reply_thread, settings, tmp_path):
    """Forging someone's From must not fill the disk in their name."""
    settings.MEDIA_ROOT = tmp_path
    for n in range(inbound.MAX_HELD_PER_PERSON):
        hold(reply_thread, message_id=f"<held{n}@mail.example>")
    outcome = receive(bob_reply(reply_thread, signed_by=None, message_id="<one-more@mail.example>"))
    assert (outcome.accepted, outcome.held) == (False, None)
    assert HELD_NOTE not in outcome.smtp_reply
    assert HeldReply.objects.count() == inbound.MAX_HELD_PER_PERSON
    assert len(list((tmp_path / "held").rglob("*.eml"))) == inbound.MAX_HELD_PER_PERSON
