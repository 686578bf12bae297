from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from regionbridge import policy
from regionbridge.messaging.models import Message, ReadState, Thread


def threads_for(user: Any) -> QuerySet[Thread]:
    """The user's threads, newest activity first, each with `unread` (messages by others after
    what the user has read)."""
    last_read = ReadState.objects.filter(thread=OuterRef("pk"), user=user.pk).values(
        "last_read_id"
    )[:1]
    return (
        policy.visible(user, Thread)
        .annotate(read_upto=Coalesce(Subquery(last_read), Value(0)))
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__id__gt=F("read_upto")) & ~Q(messages__author=user.pk),
                distinct=True,
            )
        )
        .select_related("partnership__ukrainian_region", "partnership__partner_region")
        .order_by("-last_message_at", "-id")
    )


def unread_total(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return sum(threads_for(user).values_list("unread", flat=True))


def messages_of(thread: Thread, *, after: int = 0) -> QuerySet[Message]:
    return (
        thread.messages.filter(pk__gt=after)
        .select_related("author", "reply_to__author")
        .prefetch_related("attachments")
        .order_by("id")
    )
