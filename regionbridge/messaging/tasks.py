"""The outbox worker: e-mail goes out from here, never from a web request.

Each row is sent and then marked sent in its own transaction. While the mail server is down the
row waits with a growing delay and is tried again; each message carries a stable Message-ID
made from its key, so even a crash between sending and marking cannot produce two different
notifications (mail clients fold the duplicates).
"""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from regionbridge.accounts.models import User
from regionbridge.messaging.models import OutboundEmail, OutboxStatus

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 12  # about 3 days with the back-off below
# An address that never had an account gets at most this many e-mails an hour; the rest wait.
# Nobody can use the platform to flood a stranger's mailbox, and nothing is dropped.
GUEST_MAIL_PER_HOUR = 20


def message_id(key: str) -> str:
    """Stable for a key (a resend is recognisably the same e-mail), and reveals nothing."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = settings.REPLY_ADDRESS.rpartition("@")[2] or "regionbridge.localhost"
    return f"<{digest}@{domain}>"


def _delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def _held_back_until(row: OutboundEmail):
    """When a row to an address that never had an account may go, if it may not go now."""
    if User.objects.filter(email__iexact=row.to).exists():
        return None
    recent = OutboundEmail.objects.filter(
        to=row.to, status=OutboxStatus.SENT, sent_at__gte=timezone.now() - timedelta(hours=1)
    ).order_by("-sent_at")
    oldest_that_counts = recent.values_list("sent_at", flat=True)[
        GUEST_MAIL_PER_HOUR - 1 : GUEST_MAIL_PER_HOUR
    ]
    oldest = next(iter(oldest_that_counts), None)
    return None if oldest is None else oldest + timedelta(hours=1, seconds=1)


def deliver_due(*, limit: int = 200) -> tuple[int, int]:
    """Send what is due; return (sent, failed). Safe to run in several workers at once."""
    sent = failed = 0
    mail = get_connection(fail_silently=False)
    for _ in range(limit):
        with transaction.atomic():
            rows = OutboundEmail.objects.filter(
                status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now()
            ).order_by("id")
            if connection.vendor == "postgresql":
                rows = rows.select_for_update(skip_locked=True)
            row = rows.first()
            if row is None:
                break
            held_until = _held_back_until(row)
            if held_until is not None:
                row.next_attempt_at = held_until
                row.save(update_fields=["next_attempt_at"])
                continue
            email = EmailMultiAlternatives(
                row.subject,
                row.text,
                settings.DEFAULT_FROM_EMAIL,
                [row.to],
                reply_to=[row.reply_to] if row.reply_to else None,
                headers={"Message-ID": message_id(row.key)},
                connection=mail,
            )
            if row.html:
                email.attach_alternative(row.html, "text/html")
            row.attempts += 1
            try:
                email.send()
            except Exception as exc:  # the mail server is down, refused, timed out…
                row.last_error = str(exc)[:1000]
                row.next_attempt_at = timezone.now() + _delay(row.attempts)
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = OutboxStatus.FAILED
                    logger.error("Giving up on e-mail %s to %s: %s", row.key, row.to, exc)
                row.save(update_fields=["attempts", "last_error", "next_attempt_at", "status"])
                failed += 1
                mail = get_connection(fail_silently=False)
                break  # the server is likely down for the rest too: retry later
            row.status, row.sent_at = OutboxStatus.SENT, timezone.now()
            row.save(update_fields=["status", "sent_at", "attempts"])
            sent += 1
    return sent, failed


@task()
def deliver_outbox() -> None:
    """Deliver due e-mail; if some must wait, come back when the next one is due."""
    deliver_due()
    following = (
        OutboundEmail.objects.filter(status=OutboxStatus.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if following is not None:
        deliver_outbox.using(run_after=max(following, timezone.now())).enqueue()
