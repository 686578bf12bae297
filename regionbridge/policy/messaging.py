"""Rules for threads, their messages and attachments.

Threads are read by their participants only: named people, and the members of named offices; a
thread on a partnership also needs sight of the partnership. Every member may start a thread; only
participants with a role bring others in (a guest who claimed an account reads only).
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from regionbridge.accounts.models import User
from regionbridge.messaging.models import Attachment, Mention, Message, Participant, Thread
from regionbridge.policy import scope as users
from regionbridge.policy.actions import Action
from regionbridge.policy.partnerships import partnership_rule, viewers_of
from regionbridge.policy.registry import allows, sees, shows, tells
from regionbridge.policy.scope import Scope


def thread_rule(scope: Scope) -> Q | None:
    """Which threads a user may read (None: none)."""
    if not scope.authenticated:
        return None
    return _on_threads(
        scope,
        Q(participants__user=scope.user_id) | Q(participants__organization__in=scope.offices),
    )


def thread_rule_per_row(scope: Scope) -> Q | None:
    """`thread_rule` as a check per thread (EXISTS on its participants, no join): for subqueries
    correlated with an outer row."""
    if not scope.authenticated:
        return None
    taking_part = Exists(
        Participant.objects.filter(thread=OuterRef("pk")).filter(
            Q(user=scope.user_id) | Q(organization__in=scope.offices)
        )
    )
    return _on_threads(scope, Q(taking_part))


def _on_threads(scope: Scope, taking_part: Q) -> Q:
    """Taking part, and for a thread on a partnership, sight of the partnership."""
    partnership = partnership_rule(scope, "partnership__")
    if partnership is None:
        return taking_part & Q(partnership__isnull=True)
    if not partnership:
        return taking_part
    return taking_part & (Q(partnership__isnull=True) | partnership)


def readable_threads(scope: Scope) -> QuerySet | None:
    """The ids of the threads a user may read, as a subquery (None: none): for the rules of
    things kept in a thread (a meeting's people are its thread's participants)."""
    q = thread_rule(scope)
    return None if q is None else Thread.objects.filter(q).values("pk")


def reads_thread(scope: Scope, path: str) -> Q | None:
    """A condition on rows that lead to a thread through `path` (its id), checked per row: the
    user may read that thread (None: no thread at all)."""
    q = thread_rule_per_row(scope)
    return None if q is None else Q(Exists(Thread.objects.filter(q, pk=OuterRef(path))))


def through_thread(path: str):
    """A visibility rule for rows reached through a thread (`path` leads to its thread's id)."""

    def rule(scope: Scope, qs: QuerySet) -> QuerySet:
        q = thread_rule(scope)
        if q is None:
            return qs.none()
        return qs.filter(**{f"{path}__in": Thread.objects.filter(q).values("pk")})

    rule.__name__ = f"through_thread_{path}"
    return rule


shows(Thread)(through_thread("pk"))


@shows(Thread, per_row=True)
def _threads_per_row(scope: Scope, qs: QuerySet) -> QuerySet:
    q = thread_rule_per_row(scope)
    return qs.none() if q is None else qs.filter(q)


shows(Message)(through_thread("thread"))
shows(Attachment)(through_thread("message__thread"))


@allows(Action.THREAD_START)
def _starts_threads(scope: Scope, obj: Any) -> bool:
    return scope.is_member


@allows(Action.THREAD_VIEW)
def _reads_thread(scope: Scope, thread: Thread) -> bool:
    return sees(scope, thread)


@allows(Action.THREAD_INVITE)
def _invites(scope: Scope, thread: Thread) -> bool:
    return scope.is_member and sees(scope, thread)


def thread_readers(thread: Thread) -> QuerySet[User]:
    """The accounts that may read `thread`: `thread_rule` read the other way round, as one
    queryset of users (for notifications and mentions), so a recipient list and `can` agree."""
    offices = thread.participants.filter(organization__isnull=False).values("organization")
    named = thread.participants.filter(user__isnull=False).values("user")
    readers = users.active_users().filter(Q(pk__in=named) | users.working_in(offices))
    if thread.partnership is None:
        return readers
    return readers.filter(viewers_of(thread.partnership))


@tells("thread.added")
def _added(participant: Participant) -> QuerySet[User]:
    """Someone added to a thread: the person, or the people of the office, who may read it."""
    if participant.user_id is not None:
        who = Q(pk=participant.user_id)
    elif participant.organization_id is not None:
        who = users.working_in(Participant.objects.filter(pk=participant.pk).values("organization"))
    else:  # a guest is told by the thread's own e-mail
        return users.active_users().none()
    return thread_readers(participant.thread).filter(who)


@tells("message.mentioned")
def _mentioned(mention: Mention) -> QuerySet[User]:
    """A person named in a message, if they may read its thread."""
    return thread_readers(mention.message.thread).filter(pk=mention.user_id)
