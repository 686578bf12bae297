"""Notifications that move the work: who waits for what, told in the app and by e-mail.

A workflow step calls `notify(kind=…, users=policy.audience(kind, obj), …, by=actor)`
inside its transaction: one row per person, in a few queries however many people, and a key per
person so that a retried step tells nobody twice. After commit a job e-mails, through the outbox,
those who want every notification; it renders each e-mail in the recipient's language, in the
worker, never in the request.

Texts are never stored: each domain registers, in its AppConfig.ready, how a kind's text is
composed from its params (`register_kind`), and `text_of` composes it in the active language.
The outbox knows no domain: params carry the ids and both languages' names a text needs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django_tasks import task

from regionbridge.accounts.models import NotificationMode
from regionbridge.lib.i18n import pick
from regionbridge.outbox.models import Notification
from regionbridge.outbox.services import queue_templated

Compose = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Kind:
    compose: Compose
    email: bool  # False where another e-mail already tells of it (a mention: the message's own)


_KINDS: dict[str, Kind] = {}


def register_kind(kind: str, compose: Compose, *, email: bool = True) -> None:
    """How the text of `kind` is composed from its params: `compose(params) -> str`, called in the
    reader's language. Registered once, by the domain whose workflow it is."""
    registered = _KINDS.get(kind)
    if registered is not None and registered.compose is not compose:
        raise ValueError(f"notification kind {kind!r} is registered twice")
    _KINDS[kind] = Kind(compose=compose, email=email)


def name(params: dict[str, Any], field: str) -> str:
    """A name kept in params in both languages ({"uk": …, "en": …}), in the active language."""
    value = params.get(field) or {}
    if isinstance(value, str):
        return value
    return pick(str(value.get("uk") or ""), str(value.get("en") or ""))


def both(uk: str, en: str) -> dict[str, str]:
    """A name in both languages, as params keep it."""
    return {"uk": uk or "", "en": en or ""}


def actor(user: Any) -> dict[str, str] | str:
    """Who did it, as params keep it: the name in both scripts ("" for the system)."""
    if user is None:
        return ""
    return both(user.get_full_name("uk"), user.get_full_name("en"))


def text_of(notification: Notification) -> str:
    """The notification's text in the active language (a kind nobody registered shows its code)."""
    kind = _KINDS.get(notification.kind)
    if kind is None:
        return notification.kind
    try:
        return kind.compose(notification.params or {})
    except (KeyError, TypeError, ValueError, AttributeError):
        return notification.kind


@transaction.atomic
def notify(
    *,
    kind: str,
    users: QuerySet,
    params: dict[str, Any],
    url: str,
    key: str,
    by: Any = None,
    email: bool = True,
) -> int:
    """Tell each of `users` (a queryset: the policy's audience) of `kind`, all but `by`, who did
    it: one row each, written in three queries however many they are; those already told under
    `key` are skipped. Returns how many were told now. E-mail follows after commit, unless the
    kind or the caller (`email=False`: another e-mail already says it) leaves it out."""
    if kind not in _KINDS:
        raise LookupError(f"no text is registered for the notification kind {kind!r}")
    if getattr(by, "pk", None) is not None:
        users = users.exclude(pk=by.pk)
    key = key[:200]
    told = Notification.objects.filter(key=key, user__in=users.values("pk")).values("user_id")
    new = list(users.exclude(pk__in=told).values_list("pk", flat=True).distinct())
    if not new:
        return 0
    Notification.objects.bulk_create(
        [Notification(user_id=pk, kind=kind, params=params, url=url, key=key) for pk in new],
        ignore_conflicts=True,  # another process told the same person meanwhile: once is enough
    )
    if email and _KINDS[kind].email:
        transaction.on_commit(lambda: notifications_email.enqueue(key))
    return len(new)


@task()
def notifications_email(key: str) -> int:
    """E-mail, through the outbox, the notifications under `key` to those who want every one;
    each in the recipient's language. The outbox's own key makes a rerun send nothing twice."""
    rows = Notification.objects.filter(
        key=key,
        user__is_active=True,
        user__notification_mode=NotificationMode.EVERY,
    ).select_related("user")
    queued = 0
    for notification in rows:
        user = notification.user
        with translation.override(user.language or settings.LANGUAGE_CODE):
            text = text_of(notification)
        queued += queue_templated(
            user=user,
            template="outbox/email/notification",
            context={"text": text, "link": settings.SITE_URL.rstrip("/") + notification.url},
            key=f"notification:{notification.pk}",
        )
    return queued


def notifications_for(user: Any) -> QuerySet[Notification]:
    """The person's own notifications, newest first (an anonymous visitor has none)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user=user.pk).order_by("-id")


def unread_count(user: Any) -> int:
    """How many of the person's notifications are unread: one query on a partial index."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user.pk, read=False).count()


def mark_read(*, user: Any, upto: int) -> int:
    """Mark the person's notifications up to `upto` (inclusive) as read; nobody else's."""
    return Notification.objects.filter(user=user.pk, read=False, pk__lte=upto).update(read=True)
