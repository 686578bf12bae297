from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from regionbridge import policy
from regionbridge.accounts.models import RoleAssignment
from regionbridge.lib.collation import name_order
from regionbridge.lib.search import filter_by_terms
from regionbridge.messaging.models import Message, ReadState, Thread, UnreadBadge
from regionbridge.organizations.models import Organization, OrganizationKind, Person

if TYPE_CHECKING:
    from regionbridge.partnerships.models import Partnership

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


# Threads with the newest message first; a thread with no message yet (a meeting's, before anyone
# writes) after them, on every database (PostgreSQL puts NULL first in a descending order).
NEWEST_ACTIVITY = (F("last_message_at").desc(nulls_last=True), "-id")


def threads_for(user: Any) -> QuerySet[Thread]:
    """The user's threads, newest activity first, each with `unread` (messages by others after
    what the user has read). `unread` is counted for the rows fetched (a page), in one query
    over the ranges of ids after each one's read mark, never over the whole inbox."""
    return (
        policy.visible(user, Thread)
        .annotate(read_upto=read_upto(user))
        .with_unread(user)
        .select_related("partnership__ukrainian_region", "partnership__partner_region")
        .order_by(*NEWEST_ACTIVITY)
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


# --- whom a thread can be started with (the new-thread form, the "Write" buttons) ------------

RECIPIENTS_PAGE_SIZE = 20


def recipient_people(user: Any) -> QuerySet[Person]:
    """The directory entries `user` may start a thread with: people they may see in the
    directory who have an active account (a thread reaches someone through their account;
    nobody's e-mail address is taken from the directory, so none is revealed)."""
    if not policy.can(user, policy.Action.THREAD_START):
        return Person.objects.none()
    return (
        policy.visible(user, Person)
        .filter(user__is_active=True)
        .exclude(user=user.pk)
        .select_related("organization")
    )


def recipient_offices(user: Any) -> QuerySet[Organization]:
    """The offices `user` may see in the directory and address as a whole: those with someone
    in them (a directory entry with an account, or a role bound to the office)."""
    if not policy.can(user, policy.Action.THREAD_START):
        return Organization.objects.none()
    staffed = Exists(
        Person.objects.filter(organization=OuterRef("pk"), user__is_active=True)
    ) | Exists(RoleAssignment.objects.filter(organization=OuterRef("pk"), user__is_active=True))
    return policy.visible(user, Organization).filter(staffed)


def recipients_matching(
    user: Any, query: str, *, page: int = 1
) -> tuple[list[Person], list[Organization], bool]:
    """A page of people and offices whose names match `query` (both languages, as the directory
    searches), in the page's language's alphabetical order; and whether there are more. Each
    list is cut in SQL (LIMIT/OFFSET), never read whole."""
    size = RECIPIENTS_PAGE_SIZE
    start = (max(1, page) - 1) * size
    people = recipient_people(user)
    offices = recipient_offices(user)
    if query:
        people = filter_by_terms(people, query)
        offices = filter_by_terms(offices, query)
    found_people = list(people.order_by(name_order(), "id")[start : start + size + 1])
    found_offices = list(offices.order_by(name_order(), "id")[start : start + size + 1])
    more = len(found_people) > size or len(found_offices) > size
    return found_people[:size], found_offices[:size], more


def recipients_chosen(
    user: Any, *, people: Iterable[Any] = (), offices: Iterable[Any] = ()
) -> tuple[list[Person], list[Organization]]:
    """The people and offices named by id (from a link or a form) that `user` may write to; an
    id that is unknown, hidden or not a number is left out silently, the same for each, so a
    link reveals nothing of what exists."""
    person_ids = _ids(people)
    office_ids = _ids(offices)
    chosen_people = (
        list(recipient_people(user).filter(pk__in=person_ids).order_by(name_order(), "id"))
        if person_ids
        else []
    )
    chosen_offices = (
        list(
            recipient_offices(user)
            .filter(pk__in=office_ids)
            .select_related("region")
            .order_by(name_order(), "id")
        )
        if office_ids
        else []
    )
    return chosen_people, chosen_offices


def _ids(raw: Iterable[Any], most: int = 100) -> list[int]:
    ids = []
    for value in raw:
        text = str(value).strip()
        if text.isascii() and text.isdigit() and int(text) < 2**63:
            ids.append(int(text))
    return list(dict.fromkeys(ids))[:most]


def partnership_for_thread(user: Any, raw: Any) -> "Partnership | None":
    """The partnership named by id that `user` may see and talk about, or None (unknown, hidden
    and unreadable ids alike)."""
    from regionbridge.partnerships.models import Partnership

    ids = _ids([raw] if raw not in (None, "") else [])
    if not ids or not policy.can(user, policy.Action.THREAD_START):
        return None
    return (
        policy.visible(user, Partnership)
        .select_related("ukrainian_region", "partner_region")
        .filter(pk=ids[0])
        .first()
    )


COUNTERPART_KINDS = (
    OrganizationKind.STATE_GOVERNMENT,
    OrganizationKind.MILITARY_ADMINISTRATION,
    OrganizationKind.REGIONAL_COUNCIL,
    OrganizationKind.LOCAL_GOVERNMENT,
)


def counterpart_offices(user: Any, partnership: "Partnership", most: int = 5) -> list[Organization]:
    """The offices of the other side of `partnership`, seen from `user`: the partner side for
    the Ukrainian side, the Ukrainian side for the partner, both for everyone else
    (coordinators, ministries, missions). A side's own office when the partnership names one,
    else its region's governing offices. Only offices `user` may write to."""
    scope = policy.scope_of(user)
    mine = scope.offices
    ukrainian = (
        partnership.ukrainian_region_id in scope.region_ids
        or partnership.ukrainian_organization_id in mine
    )
    partner = (
        partnership.partner_region_id in scope.region_ids
        or partnership.partner_organization_id in mine
    )
    ukrainian_side = (partnership.ukrainian_organization_id, partnership.ukrainian_region_id)
    partner_side = (partnership.partner_organization_id, partnership.partner_region_id)
    if ukrainian and not partner:
        sides = [partner_side]
    elif partner and not ukrainian:
        sides = [ukrainian_side]
    else:
        sides = [ukrainian_side, partner_side]
    rule = Q()
    for organization_id, region_id in sides:
        if organization_id:
            rule |= Q(pk=organization_id)
        else:
            rule |= Q(region=region_id, kind__in=COUNTERPART_KINDS)
    offices = recipient_offices(user).filter(rule).exclude(pk__in=mine)
    return list(offices.order_by(name_order(), "id")[:most])


def other_time_zone(thread: Thread, user: Any, own: str) -> str:
    """The time zone of the other side of the conversation, when it differs from the reader's
    (`own`): on a partnership, the zone of the side's region that is not the reader's; else the
    zone of the first other participant with an account whose zone differs. '' if none."""
    partnership = thread.partnership
    if partnership is not None:
        zones = [partnership.ukrainian_region.timezone, partnership.partner_region.timezone]
        for zone in zones:
            if zone and zone != own:
                return zone
        return ""
    zone = (
        thread.participants.filter(user__isnull=False, user__is_active=True)
        .exclude(user=user.pk)
        .exclude(user__timezone=own)
        .exclude(user__timezone="")
        .order_by("id")
        .values_list("user__timezone", flat=True)
        .first()
    )
    return zone or ""


def can_write_to(user: Any, target: Any) -> bool:
    """May `user` start a thread with `target` (a Person, an Organization or a Partnership)?
    The same rules as the form's: a person they may see who has an account, an office with
    someone in it, a partnership they may see."""
    if not getattr(user, "is_authenticated", False):
        return False
    if isinstance(target, Person):
        if target.user_id is None or target.user_id == user.pk:
            return False
        return recipient_people(user).filter(pk=target.pk).exists()
    if isinstance(target, Organization):
        return recipient_offices(user).filter(pk=target.pk).exists()
    from regionbridge.partnerships.models import Partnership

    if isinstance(target, Partnership):
        return policy.can(user, policy.Action.THREAD_START) and policy.can(
            user, policy.Action.PARTNERSHIP_VIEW, target
        )
    return False


def inbox_top(user: Any) -> int:
    """The newest message id among the threads `user` may read (0 if none): where the inbox's
    live stream starts. The user's own threads only: it says nothing of anyone else's."""
    top = policy.visible(user, Message).aggregate(top=Max("pk"))["top"]
    return top or 0


def inbox_changes(user: Any, *, after: int) -> tuple[list[Thread], int]:
    """The threads `user` may read that have a message after the id `after`, newest activity
    first (at most a page, each with `unread`), and the newest such message id (the stream's
    next cursor). Starts from `policy.visible`, as the thread stream does: a message in a thread
    the person may not read never shows here."""
    newer = policy.visible(user, Message).filter(pk__gt=after)
    top = newer.aggregate(top=Max("pk"))["top"]
    if not top:
        return [], after
    changed = threads_for(user).filter(pk__in=newer.values("thread"))[:INBOX_PAGE_SIZE]
    return list(changed), top
