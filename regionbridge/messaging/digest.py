"""The daily digest: unread messages of the last day, for people who chose a digest."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from regionbridge import policy
from regionbridge.accounts.models import NotificationMode, User
from regionbridge.messaging.models import Message, ReadState
from regionbridge.outbox.models import OutboundEmail
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


@transaction.atomic
def digests_queue(*, now=None) -> int:
    """One digest per person per day (the key says which day), only when there is news."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    queued = 0
    for user in User.objects.filter(is_active=True, notification_mode=NotificationMode.DIGEST):
        messages = _unread_for(user, now - timedelta(days=1))
        if not messages:
            continue
        with translation.override(user.language):
            context = {"user": user, "messages": messages, "site_url": settings.SITE_URL}
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
