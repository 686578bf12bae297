"""Who is told in the app of a meeting's news and of action items, and the texts they read.

The audience is the policy's (`policy.audience`); each text is composed when shown, in the
reader's language, with times in the reader's time zone. Invitations, changes and cancellations
reach people by e-mail through their own invitation (with its calendar file, `invitations`),
so these notices are in the app only; reminders and assigned actions are e-mailed as well.
"""

from collections.abc import Collection
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.meetings.models import ActionItem, Answer, Meeting, MeetingResponse
from regionbridge.outbox.notifications import actor, name, notify, register_kind


def _params(meeting: Meeting, by: Any = None) -> dict[str, Any]:
    return {
        "meeting": meeting.pk,
        "title": meeting.title,
        "starts_at": meeting.starts_at.isoformat(),
        "by": actor(by),
    }


def meeting_told(
    meeting: Meeting,
    kind: str,
    *,
    by: Any = None,
    key: str = "",
    only: Collection[int] | None = None,
    exclude: Collection[int] = (),
) -> int:
    """Tell the invitees in the app (their e-mail is the invitation itself); `only` those
    (people just added), or all but `exclude`. Once per person, kind and SEQUENCE."""
    users = policy.audience(kind, meeting)
    if only is not None:
        users = users.filter(pk__in=list(only))
    if exclude:
        users = users.exclude(pk__in=list(exclude))
    return notify(
        kind=kind,
        users=users,
        params=_params(meeting, by),
        url=reverse("meetings:detail", args=[meeting.pk]),
        key=key or f"{kind}:{meeting.pk}:{meeting.sequence}",
        by=by,
        email=False,
    )


def meeting_answered_notify(*, meeting: Meeting, response: MeetingResponse) -> int:
    """Tell the organizer of an answer (each new answer once)."""
    who = response.user
    params = _params(meeting)
    params.update(
        who=actor(who) if who is not None else response.guest_email, answer=response.answer
    )
    return notify(
        kind="meeting.answered",
        users=policy.audience("meeting.answered", meeting),
        params=params,
        url=reverse("meetings:detail", args=[meeting.pk]),
        key=f"meeting.answered:{response.pk}:{response.answer}:{meeting.sequence}",
        by=who,
        email=False,
    )


def action_assigned_notify(*, action: ActionItem, by: Any) -> int:
    return notify(
        kind="action.assigned",
        users=policy.audience("action.assigned", action),
        params={
            "action": action.pk,
            "title": action.title,
            "due": action.due.isoformat(),
            "by": actor(by),
        },
        url=reverse("meetings:action", args=[action.pk]),
        key=f"action.assigned:{action.pk}:{action.owner_id}",
        by=by,
    )


def _when(params: dict[str, Any]) -> str:
    try:
        moment = datetime.fromisoformat(params["starts_at"])
    except (KeyError, TypeError, ValueError):
        return ""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _day(params: dict[str, Any]) -> str:
    from datetime import date

    try:
        return formats.date_format(date.fromisoformat(params["due"]), "DATE_FORMAT")
    except (KeyError, TypeError, ValueError):
        return ""


def _invited(params: dict[str, Any]) -> str:
    values = {
        "by": name(params, "by") or _("Someone"),
        "title": params["title"],
        "when": _when(params),
    }
    return _("%(by)s invited you to the meeting “%(title)s” on %(when)s.") % values


def _changed(params: dict[str, Any]) -> str:
    values = {"title": params["title"], "when": _when(params)}
    return _("The meeting “%(title)s” has changed: it is now on %(when)s.") % values


def _cancelled(params: dict[str, Any]) -> str:
    values = {"title": params["title"], "when": _when(params)}
    return _("The meeting “%(title)s” on %(when)s was cancelled.") % values


def _reminder(params: dict[str, Any]) -> str:
    values = {"title": params["title"], "when": _when(params)}
    if params.get("before") == "1h":
        return _("The meeting “%(title)s” starts in an hour (%(when)s).") % values
    return _("The meeting “%(title)s” is tomorrow: %(when)s.") % values


ANSWER_TEXTS = {
    Answer.ACCEPTED: lambda: _("%(who)s will attend “%(title)s”."),
    Answer.TENTATIVE: lambda: _("%(who)s may attend “%(title)s”."),
    Answer.DECLINED: lambda: _("%(who)s will not attend “%(title)s”."),
}


def _answered(params: dict[str, Any]) -> str:
    text = ANSWER_TEXTS[params["answer"]]()
    return text % {"who": name(params, "who"), "title": params["title"]}


def _assigned(params: dict[str, Any]) -> str:
    values = {
        "by": name(params, "by") or _("Someone"),
        "title": params["title"],
        "due": _day(params),
    }
    return _("%(by)s gave you an action: “%(title)s”, due %(due)s.") % values


def _due(params: dict[str, Any]) -> str:
    return _("Your action “%(title)s” is due %(due)s.") % {
        "title": params["title"],
        "due": _day(params),
    }


def _overdue(params: dict[str, Any]) -> str:
    return _("Your action “%(title)s” was due %(due)s and is still open.") % {
        "title": params["title"],
        "due": _day(params),
    }


def register() -> None:
    """Called from MeetingsConfig.ready."""
    register_kind("meeting.invited", _invited, email=False)
    register_kind("meeting.changed", _changed, email=False)
    register_kind("meeting.cancelled", _cancelled, email=False)
    register_kind("meeting.answered", _answered, email=False)
    register_kind("meeting.reminder", _reminder, email=False)  # e-mailed by `reminders`
    register_kind("action.assigned", _assigned)
    register_kind("action.due", _due)
    register_kind("action.overdue", _overdue)
