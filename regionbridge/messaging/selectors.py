from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from regionbridge import policy
from regionbridge.messaging.models import Message, ReadState, Thread, UnreadBadge

INBOX_PAGE_SIZE = 30
THREAD_PAGE_SIZE = 40  # messages on a thread page; earlier ones a link away


def access_thread(user: Any, pk: int) -> Thread:
    """The thread `pk`, if `user` may read it (the policy's `visible`); Http404 otherwise, the
    same for a thread that is not there and one that is not theirs. Pages and API use it."""
    return get_object_or_404(policy.visible(user, Thread), pk=pk)


def read_upto(user: Any) -> Coalesce:
    """The last message id `user` has read in the thread at hand (0 if none): one lookup in the
    read states' unique (thread, user) index."""
    last_read = ReadState.objects.filter(thread=OuterRef("pk"), user=user.pk).values(
        "last_read_id"
    )[:1]
    return Coalesce(Subquery(last_read), Value(0))


def threads_for(user: Any) -> QuerySet[Thread]:
    """The user's threads, newest activity first, each with `unread` (messages by others after
    what the user has read). `unread` is counted for the rows fetched (a page), in one query
    over the ranges of ids after each one's read mark, never over the whole inbox."""
    return (
        policy.visible(user, Thread)
        .annotate(read_upto=read_upto(user))
        .with_unread(user)
        .select_related("partnership__ukrainian_region", "partnership__partner_region")
        .order_by("-last_message_at", "-id")
    )


def unread_counts(threads: list[Thread], user: Any) -> dict[int, int]:
    """Messages by others after `read_upto`, per thread, for these threads only (one query)."""
    ranges = Q()
    for thread in threads:
        ranges |= Q(thread=thread.pk, pk__gt=thread.read_upto)
    if not threads:
        return {}
    counted = (
        Message.objects.filter(ranges)
        .exclude(author=user.pk)
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values_list("thread", "n")
    )
    return dict(counted)


def unread_total(user: Any) -> int:
    """The header's badge: messages by others, in every thread the user may read, after what
    they have read. One query: each thread's unread messages are a range of the (thread, id)
    index, so the cost is the user's threads plus what is actually unread, not their history."""
    if not getattr(user, "is_authenticated", False):
        return 0
    counted = (
        policy.visible(user, Thread)
        .order_by()
        .annotate(read_upto=read_upto(user))
        .filter(messages__id__gt=F("read_upto"))
        .aggregate(n=Count("messages", filter=~Q(messages__author=user.pk)))
    )
    return counted["n"] or 0


def unread_badge(user: Any) -> int:
    """`unread_total`, kept per person (`UnreadBadge`) until a message is posted anywhere or the
    person reads: one query on most pages; on the first page after news, the count and a write."""
    if not getattr(user, "is_authenticated", False):
        return 0
    newest = Message.objects.order_by("-pk").values_list("pk", flat=True)[:1]
    kept = UnreadBadge.objects.filter(
        user=user.pk, upto=Coalesce(Subquery(newest), Value(0))
    ).values_list("count")
    for (count,) in kept:
        return count
    upto = next(iter(newest), 0)
    count = unread_total(user)  # counted after `upto` was read: never older than it says
    UnreadBadge.objects.bulk_create(
        [UnreadBadge(user_id=user.pk, upto=upto, count=count)],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["upto", "count"],
    )
    return count


def unread_badge_of(request: Any) -> int:
    """The badge of this request's person, counted once however many parts of the page show it
    (the header, the desk)."""
    known = getattr(request, "_unread_badge", None)
    if known is None:
        known = request._unread_badge = unread_badge(request.user)
    return known


def unread_badge_forget(user: Any) -> None:
    """The person read something: their count is worked out again on their next page."""
    UnreadBadge.objects.filter(user=user.pk).delete()


def messages_of(thread: Thread, *, after: int = 0) -> QuerySet[Message]:
    return (
        thread.messages.filter(pk__gt=after)
        .select_related("author", "reply_to__author")
        .prefetch_related("attachments")
        .order_by("id")
    )


def messages_page(thread: Thread, *, before: int | None = None) -> tuple[list[Message], bool]:
    """The last THREAD_PAGE_SIZE messages of the thread (before the id `before`, when given),
    oldest first, and whether earlier ones exist: one query for the page (and its prefetch)."""
    chosen = messages_of(thread)
    if before is not None:
        chosen = chosen.filter(pk__lt=before)
    newest_first = list(chosen.order_by("-id")[: THREAD_PAGE_SIZE + 1])
    earlier = len(newest_first) > THREAD_PAGE_SIZE
    return newest_first[:THREAD_PAGE_SIZE][::-1], earlier


def threads_for_page(user: Any) -> QuerySet[Thread]:
    """The threads `user` may open, each with what its page shows of it (its partnership and
    regions) and how far the user has read it (`read_upto`): one query for a thread page."""
    return (
        policy.visible(user, Thread)
        .annotate(read_upto=read_upto(user))
        .select_related("partnership__ukrainian_region", "partnership__partner_region")
    )
