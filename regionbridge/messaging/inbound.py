"""E-mail in: a reply to a notification becomes a message in its thread.

The reply address carries a signed token (thread + the address it was sent to). A reply is
accepted only when the token is intact and the sender is that address, and that address still
takes part in the thread; everything else is refused and logged. Quoted history and signatures
are cut; attachments pass the same content checks as documents.
"""

import email
import logging
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import getaddresses

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from regionbridge import policy
from regionbridge.accounts.models import User
from regionbridge.audit.services import audit_record
from regionbridge.messaging import services
from regionbridge.messaging.models import Message, Thread
from regionbridge.messaging.replies import read_reply_token
from regionbridge.messaging.text import strip_reply

logger = logging.getLogger(__name__)


def _token_pattern() -> re.Pattern:
    local, _at, domain = settings.REPLY_ADDRESS.lower().partition("@")
    return re.compile(rf"^{re.escape(local)}\+(?P<token>[^@]+)@{re.escape(domain)}$")


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    reason: str
    message: Message | None = None


def _refuse(reason: str, sender: str, detail: str = "") -> Outcome:
    logger.warning("Inbound e-mail refused (%s) from %s %s", reason, sender, detail)
    audit_record(
        actor=None, action="mail.refused", changes={"reason": reason, "from": sender[:200]}
    )
    return Outcome(False, reason)


def _token(parsed: EmailMessage) -> str | None:
    headers = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To"):
        headers.extend(parsed.get_all(name, []))
    pattern = _token_pattern()
    for _name, address in getaddresses([str(h) for h in headers]):
        match = pattern.match(address.strip().lower())
        if match:
            return match.group("token")
    return None


def _text(parsed: EmailMessage) -> str:
    part = parsed.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_type() == "text/html":
        content = re.sub(r"<[^>]+>", " ", content)  # rendering sanitizes anyway
    return strip_reply(content)


def _files(parsed: EmailMessage) -> list[SimpleUploadedFile]:
    files = []
    for part in parsed.iter_attachments():
        name = part.get_filename()
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        files.append(SimpleUploadedFile(name, payload, content_type=part.get_content_type()))
    return files


def receive(raw: bytes) -> Outcome:
    """Turn one raw e-mail into a message, or refuse it with a reason (logged, audited)."""
    parsed = email.message_from_bytes(raw, policy=default_policy)
    senders = getaddresses([str(parsed.get("From", ""))])
    sender = senders[0][1].strip().lower() if senders else ""
    token = _token(parsed)
    if not token:
        return _refuse("no reply token", sender)
    try:
        token_data = read_reply_token(token)
        thread_id, recipient = token_data.thread_id, token_data.email
    except signing.BadSignature:
        return _refuse("tampered or expired token", sender)
    if not sender or sender != recipient:
        return _refuse("sender is not the addressee", sender, f"(token for {recipient})")
    thread = Thread.objects.filter(pk=thread_id).first()
    if thread is None:
        return _refuse("no such thread", sender)
    message_id = str(parsed.get("Message-ID", "")).strip()
    if message_id and thread.messages.filter(email_message_id=message_id).exists():
        return Outcome(True, "already received")  # the MTA delivered it twice
    account = User.objects.filter(email__iexact=sender, is_active=True).first()
    try:
        with transaction.atomic():
            if account is not None:
                if not policy.can(account, policy.Action.THREAD_VIEW, thread):
                    return _refuse("not a participant", sender)
                message = services.message_post(
                    thread=thread,
                    author=account,
                    body=_text(parsed),
                    files=_files(parsed),
                    via="email",
                    email_message_id=message_id,
                )
            else:
                message = services.message_post(
                    thread=thread,
                    guest_email=sender,
                    body=_text(parsed),
                    files=_files(parsed),
                    via="email",
                    email_message_id=message_id,
                )
    except PermissionDenied:
        return _refuse("not a participant", sender)
    except ValidationError as exc:
        return _refuse("invalid content", sender, "; ".join(exc.messages))
    return Outcome(True, "accepted", message)
