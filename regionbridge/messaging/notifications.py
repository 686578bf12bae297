"""Who is told in the app of a thread's news: a person (or an office) added to a thread, and a
person mentioned in a message. The audience is the policy's (`policy.audience`); the texts are
composed here, in the reader's language. A mention is not e-mailed here: the message's own
e-mail already goes to whoever is mentioned (see `services._queue_notifications`)."""

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.messaging.models import Mention, Message, Participant
from regionbridge.outbox.notifications import actor, name, notify, register_kind


def participant_added_notify(*, participant: Participant, by: Any, email: bool = True) -> int:
    """Tell whoever the new participant row brings in (a person, an office's people); without
    e-mail when the thread's messages are mailed to them anyway (a thread just started)."""
    thread = participant.thread
    return notify(
        kind="thread.added",
        users=policy.audience("thread.added", participant),
        params={"thread": thread.pk, "subject": thread.subject, "by": actor(by)},
        url=reverse("messaging:thread", args=[thread.pk]),
        key=f"thread.added:{participant.pk}",
        by=by,
        email=email,
    )


def mentions_notify(*, message: Message, mentions: Sequence[Mention]) -> int:
    """Tell each person the message mentions (who may read the thread), not its author."""
    thread = message.thread
    told = 0
    for mention in mentions:
        told += notify(
            kind="message.mentioned",
            users=policy.audience("message.mentioned", mention),
            params={
                "thread": thread.pk,
                "message": message.pk,
                "subject": thread.subject,
                "by": actor(message.author) if message.author_id else message.guest_email,
            },
            url=f"{reverse('messaging:thread', args=[thread.pk])}#message-{message.pk}",
            key=f"message.mentioned:{message.pk}",
            by=message.author,
        )
    return told


def _added(params: dict[str, Any]) -> str:
    if params.get("by"):
        return _("%(by)s added you to the thread “%(subject)s”.") % {
            "by": name(params, "by"),
            "subject": params["subject"],
        }
    return _("You were added to the thread “%(subject)s”.") % {"subject": params["subject"]}


def _mentioned(params: dict[str, Any]) -> str:
    return _("%(by)s mentioned you in the thread “%(subject)s”.") % {
        "by": name(params, "by") or _("Someone"),
        "subject": params["subject"],
    }


def register() -> None:
    """Called from MessagingConfig.ready."""
    register_kind("thread.added", _added)
    # The message's e-mail already reaches whoever it mentions, in every notification mode.
    register_kind("message.mentioned", _mentioned, email=False)
