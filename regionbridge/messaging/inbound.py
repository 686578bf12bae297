"""E-mail in: a reply to a notification becomes a message in its thread.

A reply is accepted only when
- it is addressed (envelope recipient or To) to a reply address that is intact and not expired,
- its one From address is the address the reply address was issued to, who still takes part,
- and the From domain vouches for it (`mailauth`: an aligned DKIM signature, or the trusted
  Authentication-Results header of the MTA in front).

Everything else is refused with an SMTP error that says why (never with an e-mail back: that
would be backscatter to forged senders), logged and audited once. A reply that fails only the
last check, from a person with an account, is kept (`HeldReply`) for them to confirm or discard
in the platform. A message that cannot be read (an unknown charset, broken MIME) is refused for
good; only a database or DNS that is down now defers it (the caller answers 451).
Quoted history and signatures are cut; attachments pass the same checks as documents.
"""

import email
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import getaddresses

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, DataError, IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.accounts.models import User
from regionbridge.audit.services import audit_record
from regionbridge.core import ratelimit
from regionbridge.messaging import mailauth, services
from regionbridge.messaging.models import HeldReply, Message, Thread
from regionbridge.messaging.replies import ExpiredReplyAddress, read_reply_token
from regionbridge.messaging.text import reply_text

logger = logging.getLogger(__name__)

ACCEPTED = "accepted"
ALREADY_RECEIVED = "already received"
AUTOMATIC_IGNORED = "automatic reply ignored"
HELD_NOTE = "kept for the account holder to confirm in Region Bridge"
UNREADABLE = "message cannot be read"

# Enhanced status codes (RFC 3463) of the refusals.
ADDRESS = "5.1.1"  # no, unknown or expired reply address
MOVED = "5.1.6"  # an expired reply address, from a sender who is who they say
SECURITY = "5.7.1"  # the sender is not who may write here
CONTENT = "5.6.0"  # the content cannot be taken
TOO_MANY = "Too many messages, try again later"  # 451 4.7.1: a legitimate MTA retries


def is_transient(exc: BaseException) -> bool:
    """Whether trying again later may succeed: the database is down or locked, DNS timed out.
    A constraint or a value the database refuses (and any other error) will fail again."""
    if isinstance(exc, mailauth.TemporaryFailure):
        return True
    return isinstance(exc, DatabaseError) and not isinstance(exc, IntegrityError | DataError)


@dataclass(frozen=True)
class Outcome:
    accepted: bool | None  # None: not now, the sender's MTA tries again later (451)
    reason: str  # short, plain ASCII
    message: Message | None = None
    status: str = "2.0.0"
    held: HeldReply | None = None

    @property
    def detail(self) -> str:
        return f"{self.reason}; {HELD_NOTE}" if self.held is not None else self.reason

    @property
    def smtp_reply(self) -> str:
        text = self.detail.encode("ascii", "replace").decode()
        if self.accepted is None:
            return f"451 {self.status} {text}"
        if self.accepted:
            return f"250 {self.status} OK: {text}"
        return f"550 {self.status} Refused: {text}"


def _refuse(
    reason: str,
    sender: str,
    detail: str = "",
    *,
    status: str = SECURITY,
    held: HeldReply | None = None,
    exc: BaseException | None = None,
) -> Outcome:
    logger.warning(
        "Inbound e-mail refused (%s) from %s %s",
        reason,
        sender,
        detail,
        exc_info=(type(exc), exc, exc.__traceback__) if exc is not None else None,
    )
    changes = {"reason": reason, "from": sender[:200]}
    if held is not None:
        changes["held"] = held.pk
    audit_record(actor=None, action="mail.refused", changes=changes)
    return Outcome(False, reason, status=status, held=held)


# --- reading the e-mail ----------------------------------------------------------------------


def _token_pattern() -> re.Pattern:
    local, _at, domain = settings.REPLY_ADDRESS.lower().partition("@")
    return re.compile(rf"^{re.escape(local)}\+(?P<token>[^@]+)@{re.escape(domain)}$")


def _token(parsed: EmailMessage, envelope_recipients: Sequence[str]) -> str | None:
    """The reply token, from the envelope recipient or To; never from Cc or other headers,
    which the sender may fill with someone else's old reply address."""
    pattern = _token_pattern()
    headers = [str(h) for h in parsed.get_all("To", [])]
    candidates = [r.strip().strip("<>") for r in envelope_recipients]
    candidates += [address for _name, address in getaddresses(headers)]
    for address in candidates:
        match = pattern.match(address.strip().lower())
        if match:
            return match.group("token")
    return None


def _shown_sender(parsed: EmailMessage) -> str:
    """The From for the log, even when it is not one clean address."""
    return ", ".join(
        address.lower()
        for _name, address in getaddresses([str(h) for h in parsed.get_all("From", [])])
    )


def _message_id(parsed: EmailMessage) -> str:
    return str(parsed.get("Message-ID", "")).strip()[:255]


def text_of(parsed: EmailMessage) -> str:
    """The new words of a reply: its plain (or HTML) text without quoted history and signature
    (all of it, history quoted, if nothing new is left, unless files are the message)."""
    part = parsed.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    has_files = bool(_attachments(parsed))
    return reply_text(
        part.get_content(),
        html=part.get_content_type() == "text/html",
        quote_if_empty=not has_files,
    )


def _attachments(parsed: EmailMessage) -> list[EmailMessage]:
    """The parts that are files (an attachment has a name)."""
    return [part for part in parsed.iter_attachments() if part.get_filename()]


def files_of(parsed: EmailMessage) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(
            part.get_filename(),
            part.get_payload(decode=True) or b"",
            content_type=part.get_content_type(),
        )
        for part in _attachments(parsed)
    ]


def _already_received(message_id: str) -> bool:
    return bool(message_id) and Message.objects.filter(email_message_id=message_id).exists()


# --- a calendar's answer (METHOD:REPLY) -------------------------------------------------------

# Given the thread, the checked sender, their account (or None) and the text/calendar part's bytes:
# (accepted, reason, enhanced status), or None when the thread is not one it answers for. Set by
# the app whose invitations carry calendar files (meetings, in its AppConfig.ready): messaging
# knows no meetings.
CalendarReplyHandler = Callable[..., "tuple[bool, str, str] | None"]
_calendar_reply_handler: CalendarReplyHandler | None = None
_REPLY_METHOD = re.compile(rb"^METHOD[ \t]*:[ \t]*REPLY[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)


def register_calendar_reply(handler: CalendarReplyHandler) -> None:
    """Who records a calendar's answer that comes back to a reply address."""
    global _calendar_reply_handler  # set once, at start-up
    _calendar_reply_handler = handler


def calendar_reply_of(parsed: EmailMessage) -> bytes | None:
    """The bytes of the e-mail's iCalendar answer (a text/calendar or .ics part with
    METHOD:REPLY), as Outlook, Gmail and Apple Mail send an accept or decline; else None."""
    for part in parsed.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        named_ics = (part.get_filename() or "").lower().endswith(".ics")
        if kind not in ("text/calendar", "application/ics") and not named_ics:
            continue
        data = part.get_payload(decode=True) or b""
        if _REPLY_METHOD.search(data):
            return data
    return None


# --- receiving -------------------------------------------------------------------------------


def receive(
    raw: bytes, *, envelope_sender: str = "", envelope_recipients: Sequence[str] = ()
) -> Outcome:
    """Turn one raw e-mail into a message, or refuse it with a reason (logged, audited once).

    `envelope_sender` and `envelope_recipients` are MAIL FROM and RCPT TO as the MTA got them.
    Raises only for transient faults (`is_transient`): the caller defers the message."""
    envelope_sender = envelope_sender.strip().strip("<>")
    try:
        ratelimit.check(envelope_sender.lower() or "<>", "mail")  # also a poster's own limit
        return _receive(raw, envelope_sender, envelope_recipients)
    except ratelimit.RateLimited as exc:
        logger.warning("Inbound e-mail deferred: %s (%s s)", TOO_MANY, exc.retry_after)
        return Outcome(None, TOO_MANY, status="4.7.1")
    except Exception as exc:
        if is_transient(exc):
            raise
        # It will fail the same way every time: refuse it now rather than defer it forever.
        try:
            sender = _shown_sender(email.message_from_bytes(raw, policy=default_policy))
        except Exception:
            sender = ""
        return _refuse(UNREADABLE, sender, repr(exc)[:300], status=CONTENT, exc=exc)


def is_automatic(parsed: EmailMessage) -> bool:
    """An out-of-office notice or another machine's answer (RFC 3834), not a person's reply."""
    auto_submitted = str(parsed.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(parsed.get("Precedence", "")).strip().lower()
    return (
        not auto_submitted.startswith("no")
        or precedence in {"bulk", "junk", "auto_reply", "list"}
        or any(parsed.get(name) is not None for name in ("X-Autoreply", "X-Autorespond"))
    )


def _receive(raw: bytes, envelope_sender: str, envelope_recipients: Sequence[str]) -> Outcome:
    parsed = email.message_from_bytes(raw, policy=default_policy)
    if is_automatic(parsed):
        # Accepted and dropped: a refusal would bounce to an auto-responder, and posting would put
        # "I am out of the office" into a negotiation.
        logger.info("Inbound e-mail ignored: an automatic reply from %s", _shown_sender(parsed))
        return Outcome(True, AUTOMATIC_IGNORED)
    sender = mailauth.sender_of(parsed)
    if sender is None:
        return _refuse(mailauth.SEVERAL_SENDERS, _shown_sender(parsed))
    token = _token(parsed, envelope_recipients)
    if not token:
        return _refuse("no reply token", sender, status=ADDRESS)
    try:
        reply = read_reply_token(token)
    except ExpiredReplyAddress:
        # From a sender who is who they say, the refusal reaches them (a pipe bounces it): their
        # reply is not lost unseen. From anyone else it is one more made-up address.
        vouched = mailauth.verify(parsed, raw, envelope_sender=envelope_sender).ok
        return _refuse("expired reply address", sender, status=MOVED if vouched else ADDRESS)
    except signing.BadSignature:
        return _refuse("invalid reply address", sender, status=ADDRESS)
    if sender != reply.email:
        return _refuse("sender is not the addressee", sender, f"(token for {reply.email})")
    thread = Thread.objects.filter(pk=reply.thread_id).first()
    if thread is None:
        return _refuse("no such thread", sender, status=ADDRESS)
    account = User.objects.filter(email__iexact=sender, is_active=True).first()
    if account is not None and not policy.can(account, policy.Action.THREAD_VIEW, thread):
        return _refuse("not a participant", sender)

    verdict = mailauth.verify(parsed, raw, envelope_sender=envelope_sender)
    if not verdict.ok:
        held = _hold(account, thread, parsed, raw, verdict.reason) if account else None
        return _refuse(verdict.reason, sender, status=SECURITY, held=held)

    answer = calendar_reply_of(parsed) if _calendar_reply_handler is not None else None
    if answer is not None and _calendar_reply_handler is not None:
        # An accept or decline from the person's calendar: recorded as their answer, not posted.
        handled = _calendar_reply_handler(
            thread=thread, sender=sender, account=account, data=answer
        )
        if handled is not None:
            accepted, reason, status = handled
            if not accepted:
                return _refuse(reason, sender, status=status)
            logger.info("Inbound calendar answer from %s: %s", sender, reason)
            return Outcome(True, reason, status=status)

    message_id = _message_id(parsed)
    if _already_received(message_id):
        return Outcome(True, ALREADY_RECEIVED)  # the MTA delivered it twice
    try:
        with transaction.atomic():
            message = services.message_post(
                thread=thread,
                author=account,
                guest_email="" if account else sender,
                body=text_of(parsed),
                files=files_of(parsed),
                via="email",
                email_message_id=message_id,
            )
    except IntegrityError:
        if _already_received(message_id):
            return Outcome(True, ALREADY_RECEIVED)  # the same e-mail, at the same moment
        raise
    except PermissionDenied:
        return _refuse("not a participant", sender)
    except ValidationError as exc:
        return _refuse("invalid content", sender, "; ".join(exc.messages), status=CONTENT)
    logger.info(
        "Inbound e-mail from %s posted as message %s (%s)", sender, message.pk, verdict.reason
    )
    return Outcome(True, ACCEPTED, message)


# --- held replies ----------------------------------------------------------------------------


MAX_HELD_PER_PERSON = 20  # whoever forges someone's From cannot fill the disk in their name


def _hold(
    user: User, thread: Thread, parsed: EmailMessage, raw: bytes, reason: str
) -> HeldReply | None:
    """Keep a reply that failed the sender check, for its account holder to confirm (at most
    MAX_HELD_PER_PERSON at a time: past that, the reply is only refused)."""
    message_id = _message_id(parsed)
    if message_id:
        earlier = HeldReply.objects.filter(user=user, email_message_id=message_id).first()
        if earlier is not None:
            return earlier  # the same e-mail again
    held_replies_purge()
    if held_replies_for(user).count() >= MAX_HELD_PER_PERSON:
        logger.warning(
            "Not holding another unverified reply for %s: %s waiting",
            user.email,
            MAX_HELD_PER_PERSON,
        )
        return None
    now = timezone.now()
    held = HeldReply(
        user=user,
        thread=thread,
        received_at=now,
        expires_at=now + timedelta(days=settings.MAIL_HELD_DAYS),
        reason=reason[:200],
        subject=str(parsed.get("Subject", ""))[:300],
        body=text_of(parsed)[: services.MAX_BODY],
        attachment_names=[part.get_filename() for part in _attachments(parsed)],
        email_message_id=message_id,
    )
    held.raw.save(f"{get_random_string(32)}.eml", ContentFile(raw), save=False)
    held.save()
    return held


def held_replies_for(user: User) -> QuerySet[HeldReply]:
    """The replies held for this person that they may still confirm (only their own)."""
    return HeldReply.objects.filter(user=user, expires_at__gt=timezone.now())


def _forget(held: HeldReply) -> None:
    name, storage = held.raw.name, held.raw.storage
    held.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def held_reply_confirm(*, held: HeldReply, by: User) -> Message:
    """The account holder says a held reply is theirs: it is posted as they wrote it, by them,
    through the same checks as any message (they must still take part; files checked again)."""
    if held.user_id != by.pk:
        raise PermissionDenied
    if held.expires_at <= timezone.now():
        raise ValidationError(_("This reply waited too long and can no longer be posted."))
    with held.raw.open("rb") as stored:
        parsed = email.message_from_bytes(stored.read(), policy=default_policy)
    message = (
        Message.objects.filter(email_message_id=held.email_message_id).first()
        if held.email_message_id
        else None
    )
    if message is None:
        try:
            with transaction.atomic():
                message = services.message_post(
                    thread=held.thread,
                    author=by,
                    body=held.body,
                    files=files_of(parsed),
                    via="email",
                    email_message_id=held.email_message_id,
                )
        except PermissionDenied:
            raise ValidationError(
                _("You no longer take part in this thread, so the reply cannot be posted.")
            ) from None
        except IntegrityError:
            message = Message.objects.filter(email_message_id=held.email_message_id).first()
            if message is None:
                raise
    audit_record(
        actor=by,
        action="mail.held_confirmed",
        target=message,
        changes={"held": held.pk, "reason": held.reason},
    )
    _forget(held)
    return message


@transaction.atomic
def held_reply_discard(*, held: HeldReply, by: User) -> None:
    """The account holder drops a held reply (perhaps it was not theirs at all)."""
    if held.user_id != by.pk:
        raise PermissionDenied
    audit_record(
        actor=by,
        action="mail.held_discarded",
        target=held.thread,
        changes={"held": held.pk, "reason": held.reason},
    )
    _forget(held)


def held_replies_purge() -> int:
    """Drop held replies past their time, with their stored e-mail."""
    expired = list(HeldReply.objects.filter(expires_at__lte=timezone.now())[:100])
    for held in expired:
        _forget(held)
    return len(expired)
