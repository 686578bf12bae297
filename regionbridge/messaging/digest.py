"""The daily digest, for people who chose one: what waits for them (their unread notifications of
the last day) and the unread messages of the last day, in their language and time zone."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from regionbridge import policy
from regionbridge.accounts.models import NotificationMode, User
from regionbridge.messaging.models import Message, ReadState
from regionbridge.outbox.models import Notification, OutboundEmail
from regionbridge.outbox.notifications import text_of
from regionbridge.outbox.tasks import outbox_kick


def _unread_for(user: User, since) -> list[Message]:
    read = dict(ReadState.objects.filter(user=user).values_list("thread_id", "last_read_id"))
    recent = (
        policy.visible(user, Message)
        .filter(created_at__gte=since)
        .exclude(author=user)
        .select_related("thread", "author")
        .order_by("thread_id", "id")
    )
    return [m for m in recent if m.pk > read.get(m.thread_id, 0)]


# A digest lists at most this many notifications (the newest); the rest wait on the site's list.
NOTICES = 30


def _notices_for(user: User, since, threads: set[int]) -> tuple[list[Notification], int]:
    """The person's unread notifications of the last day, newest first, and how many there are;
    not "added to a thread" for a thread whose messages the digest shows anyway."""
    unread = Notification.objects.filter(user=user, read=False, created_at__gte=since).exclude(
        kind="thread.added", params__thread__in=threads
    )
    return list(unread.order_by("-id")[:NOTICES]), unread.count()


@transaction.atomic
def digests_queue(*, now=None) -> int:
    """One digest per person per day (the key says which day), only when there is news."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    queued = 0
    for user in User.objects.filter(is_active=True, notification_mode=NotificationMode.DIGEST):
        since = now - timedelta(days=1)
        messages = _unread_for(user, since)
        notices, notices_total = _notices_for(user, since, {m.thread_id for m in messages})
        if not messages and not notices:
            continue
        with translation.override(user.language), timezone.override(user.timezone or "UTC"):
            context = {
                "user": user,
                "messages": messages,
                "notices": [(text_of(n), n) for n in notices],
                "notices_total": notices_total,
                "notices_more": notices_total - len(notices),
                "site_url": settings.SITE_URL.rstrip("/"),
            }
            subject = " ".join(
                render_to_string("messaging/email/digest_subject.txt", context).split()
            )
            text = render_to_string("messaging/email/digest.txt", context)
        _row, created = OutboundEmail.objects.get_or_create(
            key=f"digest:{day.isoformat()}:{user.pk}",
            defaults={"to": user.email, "subject": subject[:300], "text": text},
        )
        queued += int(created)
    if queued:
        transaction.on_commit(outbox_kick)
    return queued
