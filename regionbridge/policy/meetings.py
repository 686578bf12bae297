"""Rules for meetings, their minutes and decisions, and action items.

A meeting is seen by the people it invites (its thread's participants: named people, the staff of
named offices) and, for oversight, by the coordinators; one on a confidential negotiation only by
those who may also see the negotiation. Its organizer and the coordinators change and cancel it;
everyone with a role who takes part writes its minutes, decisions and actions. An action item is
seen as its meeting or thread, and also by its owner and the owner's office (who follow up what
is overdue), always within its partnership's confidentiality.
"""

from typing import Any

from django.db.models import Q, QuerySet

from regionbridge.accounts.models import User
from regionbridge.meetings.models import ActionItem, AgendaItem, Decision, Meeting, MeetingResponse
from regionbridge.policy import scope as users
from regionbridge.policy.actions import Action
from regionbridge.policy.messaging import readable_threads, reads_thread, thread_readers
from regionbridge.policy.partnerships import partnership_rule, viewers_of
from regionbridge.policy.registry import allows, sees, shows, tells
from regionbridge.policy.scope import Scope


def meeting_rule(scope: Scope, prefix: str = "", *, per_row: bool = False) -> Q | None:
    """Which meetings a user may see (None: none; an empty Q: all); `per_row`: checked per
    meeting, for subqueries correlated with an outer row."""
    if scope.is_coordinator:
        return Q()
    if per_row:
        return reads_thread(scope, f"{prefix}thread")
    threads = readable_threads(scope)
    return None if threads is None else Q(**{f"{prefix}thread__in": threads})


def through_meeting(prefix: str, *, per_row: bool = False):
    def rule(scope: Scope, qs: QuerySet) -> QuerySet:
        q = meeting_rule(scope, prefix, per_row=per_row)
        return qs.none() if q is None else qs.filter(q)

    rule.__name__ = f"through_meeting_{prefix or 'self'}{'_per_row' if per_row else ''}"
    return rule


shows(Meeting)(through_meeting(""))
shows(Meeting, per_row=True)(through_meeting("", per_row=True))
shows(AgendaItem, Decision, MeetingResponse)(through_meeting("meeting__"))


@shows(ActionItem)
def _actions(scope: Scope, qs: QuerySet) -> QuerySet:
    threads = readable_threads(scope)
    seen = None if threads is None else Q(meeting__thread__in=threads) | Q(thread__in=threads)
    return _actions_seen(scope, qs, seen)


@shows(ActionItem, per_row=True)
def _actions_per_row(scope: Scope, qs: QuerySet) -> QuerySet:
    in_meeting, in_thread = reads_thread(scope, "meeting__thread"), reads_thread(scope, "thread")
    seen = None if in_meeting is None or in_thread is None else in_meeting | in_thread
    return _actions_seen(scope, qs, seen)


def _actions_seen(scope: Scope, qs: QuerySet, seen: Q | None) -> QuerySet:
    """Items in a meeting or thread the user reads (`seen`), or owned on the user's side."""
    if scope.is_coordinator:
        return qs
    if seen is None:
        return qs.none()
    own_side = Q(owner=scope.user_id)
    if scope.offices:
        colleagues = users.active_users().filter(users.working_in(list(scope.offices)))
        own_side |= Q(owner__in=colleagues.values("pk"))
    partnership = partnership_rule(scope, "partnership__")
    if partnership is None:
        own_side &= Q(partnership__isnull=True)
    elif partnership:
        own_side &= Q(partnership__isnull=True) | partnership
    return qs.filter(seen | own_side)


def takes_part(scope: Scope, meeting: Meeting | None) -> bool:
    """Is the user invited (named, or on the staff of an invited office), seeing the meeting?"""
    if meeting is None:
        return False
    threads = readable_threads(scope)
    return threads is not None and threads.filter(pk=meeting.thread_id).exists()


@allows(Action.MEETING_CREATE)
def _creates(scope: Scope, obj: Any) -> bool:
    return scope.is_member


@allows(Action.MEETING_VIEW)
def _views(scope: Scope, meeting: Meeting | None) -> bool:
    return meeting is not None and sees(scope, meeting)


@allows(Action.MEETING_EDIT)
def _edits(scope: Scope, meeting: Meeting | None) -> bool:
    if meeting is None:
        return False
    if scope.is_coordinator:
        return True
    return scope.is_member and meeting.organizer_id == scope.user_id and sees(scope, meeting)


@allows(Action.MEETING_RECORD)
def _records(scope: Scope, meeting: Meeting | None) -> bool:
    if meeting is None:
        return False
    return scope.is_coordinator or (scope.is_member and takes_part(scope, meeting))


@allows(Action.MEETING_RESPOND)
def _responds(scope: Scope, meeting: Meeting) -> bool:
    return takes_part(scope, meeting)


@allows(Action.ACTION_CREATE)
def _takes_action(scope: Scope, thread: Any) -> bool:
    return thread is not None and scope.is_member and sees(scope, thread)


@allows(Action.ACTION_EDIT)
def _edits_action(scope: Scope, action: ActionItem) -> bool:
    """Its owner (with or without a role: whoever must do it says when it is done), its
    creator, the meeting's organizer and the coordinators."""
    if action is None or not scope.authenticated or not sees(scope, action):
        return False
    if scope.user_id == action.owner_id:
        return True
    if not scope.is_member:
        return False
    if scope.is_coordinator or scope.user_id == action.created_by_id:
        return True
    meeting = action.meeting
    return meeting is not None and meeting.organizer_id == scope.user_id


def meeting_people(meeting: Meeting) -> QuerySet[User]:
    """The accounts invited to `meeting` who may see it: its thread's readers."""
    return thread_readers(meeting.thread)


@tells("meeting.invited", "meeting.changed", "meeting.cancelled", "meeting.reminder")
def _invitees(meeting: Meeting) -> QuerySet[User]:
    return meeting_people(meeting)


@tells("meeting.answered")
def _organizer(meeting: Meeting) -> QuerySet[User]:
    if meeting.organizer_id is None:
        return users.active_users().none()
    return meeting_people(meeting).filter(pk=meeting.organizer_id)


@tells("action.assigned", "action.due", "action.overdue")
def _owner(action: ActionItem) -> QuerySet[User]:
    """The owner, if they may see the item (an owner moved off the negotiation is not told)."""
    owner = users.active_users().filter(pk=action.owner_id)
    partnership = action.partnership
    return owner if partnership is None else owner.filter(viewers_of(partnership))
