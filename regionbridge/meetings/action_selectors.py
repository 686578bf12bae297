"""Reads of action items: one person's own, their office colleagues', everyone's overdue.

Every read starts from `policy.visible(user, ActionItem)`, so an action on a confidential
negotiation never shows to someone who may not see the negotiation, not even its owner once they
are moved off it. "Overdue" is `services.overdue`: the due date passed in the owner's time zone.
"""

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet, Window
from django.shortcuts import get_object_or_404

from regionbridge import policy
from regionbridge.accounts.models import User
from regionbridge.meetings import services
from regionbridge.meetings.models import ActionItem, ActionStatus

# The lists of the actions page: mine by status; the follow-up views, overdue only.
MINE, OFFICE, EVERYONE = "mine", "office", "everyone"
OPEN, OVERDUE = "open", "overdue"
STATUSES = (OPEN, OVERDUE, ActionStatus.DONE.value, ActionStatus.DROPPED.value)


def with_rows(qs: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    """What a row shows: the owner (and their time zone, for "overdue"), where it came from."""
    return qs.select_related("owner", "meeting", "thread", "partnership")


def access_action(user: Any, pk: int) -> ActionItem:
    """The action `pk` if `user` may see it; Http404 otherwise (missing or not theirs alike)."""
    rows = with_rows(policy.visible(user, ActionItem)).select_related("created_by")
    return get_object_or_404(rows, pk=pk)


def mark_late(actions: list[ActionItem], *, now: datetime | None = None) -> list[ActionItem]:
    """Set `is_late` on each row (its owner, already read, knows the time zone)."""
    for action in actions:
        action.is_late = services.is_overdue(action, now=now)
    return actions


def actions_of(user: Any) -> QuerySet[ActionItem]:
    """The actions `user` owns and may still see."""
    return policy.visible(user, ActionItem).filter(owner=user.pk)


def by_status(qs: QuerySet[ActionItem], status: str, *, now: datetime | None = None):
    """`qs` narrowed to one of STATUSES: open (overdue included), overdue, done or dropped."""
    if status == OVERDUE:
        return services.overdue(qs, now=now)
    return qs.filter(status=status)


def follow_up_view(user: Any) -> str | None:
    """Whose overdue actions the person follows beyond their own: everyone's (coordinators),
    their office colleagues' (whoever works in an office), or nobody's."""
    scope = policy.scope_of(user)
    if scope.is_coordinator:
        return EVERYONE
    if scope.is_member and scope.offices:
        return OFFICE
    return None


def followed_actions(user: Any) -> QuerySet[ActionItem]:
    """The others' actions the person follows up (see `follow_up_view`), all statuses."""
    view = follow_up_view(user)
    others = policy.visible(user, ActionItem).exclude(owner=user.pk)
    if view == EVERYONE:
        return others
    if view == OFFICE:
        offices = list(policy.scope_of(user).offices)
        colleagues = User.objects.filter(
            Q(role_assignments__organization__in=offices) | Q(person__organization__in=offices)
        )
        return others.filter(owner__in=colleagues.values("pk"))
    return others.none()


def followed_overdue(user: Any, *, now: datetime | None = None) -> QuerySet[ActionItem]:
    return services.overdue(followed_actions(user), now=now).order_by("due", "id")


def my_open_actions(user: Any, *, rows: int) -> dict[str, Any]:
    """The desk's "My actions": the first `rows` open ones, overdue first (by due date, which
    puts them first), and the counts of open and overdue ones (the owner's "today" is the
    person's own). Two queries."""
    mine = actions_of(user).filter(status=ActionStatus.OPEN)
    today = services.owner_today(user)
    counts = mine.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due__lt=today)))
    return {
        "actions": mark_late(list(with_rows(mine).order_by("due", "id")[:rows])),
        "open_count": counts["open"],
        "overdue_count": counts["overdue"],
        "today": today,
    }


def overdue_summary(user: Any, *, rows: int) -> dict[str, Any]:
    """The follow-up part of a desk: how many of the followed actions are overdue, and the
    oldest `rows` of them (two queries: the owners' time zones, then the rows)."""
    view = follow_up_view(user)
    if view is None:
        return {"view": None, "actions": [], "count": 0}
    overdue = followed_overdue(user)
    # The total rides on the rows (a window over the whole list, counted before the LIMIT).
    actions = mark_late(list(with_rows(overdue).annotate(total=Window(Count("pk")))[:rows]))
    return {"view": view, "actions": actions, "count": actions[0].total if actions else 0}
