"""Reminders, each sent once by the worker: 24 hours and 1 hour before a meeting; the day before
an action's due date and the day after it, if it is still open (09:00 in the owner's time zone).

A change schedules jobs for the moments to come (`schedule_on_commit`); each job reads the row
again and does nothing if the meeting was cancelled or moved, or the action closed, moved or
handed over (the change scheduled the new ones). What is sent is once-only through keys: the
in-app notice's is unique per person, each e-mail's per person in the outbox. So a job run
twice, a worker that died halfway and ran it again, or the sweep (`reminders_sweep`, called by
the daily `send-reminders` and safe to run any time) after the job, never tell anyone twice; and
the sweep sends what a lost job did not, while the reminder still makes sense (its grace).
A moment already past when the meeting or action is made is skipped: the invitation, or the
notice of the new action, has just told.
"""

import logging
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from regionbridge import policy
from regionbridge.meetings.invitations import queue_mail, recipients
from regionbridge.meetings.models import (
    ActionItem,
    ActionStatus,
    Answer,
    Meeting,
    MeetingStatus,
)
from regionbridge.outbox.notifications import notify
from regionbridge.outbox.tasks import outbox_kick

logger = logging.getLogger(__name__)

BEFORE = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
# How long after its moment a reminder is still worth sending (a worker down for a while, a job
# lost): "tomorrow" until 12 hours before; "in an hour" until 10 minutes before.
GRACE = {"24h": timedelta(hours=12), "1h": timedelta(minutes=50)}
ACTION_HOUR = time(9, 0)  # in the owner's time zone
ACTION_GRACE = timedelta(hours=24)  # the daily sweep catches any lost job
ACTION_KINDS = ("due", "overdue")


def _schedule(task_: Any, at: datetime, *args: Any) -> None:
    """Enqueue `task_` for `at`; a backend that cannot wait (the immediate one, in some tests)
    leaves it to the sweep."""
    if not task_.get_backend().supports_defer:
        return
    task_.using(run_after=at).enqueue(*args)


# --- meetings ---------------------------------------------------------------------------------


def meeting_moment(starts_at: datetime, before: str) -> datetime:
    return starts_at - BEFORE[before]


def schedule_on_commit(meeting: Meeting) -> None:
    """After commit, schedule the meeting's reminders for its (new) time."""
    meeting_id, starts_at = meeting.pk, meeting.starts_at
    transaction.on_commit(lambda: meeting_reminders_schedule(meeting_id, starts_at))


def meeting_reminders_schedule(
    meeting_id: int, starts_at: datetime, *, now: datetime | None = None
) -> int:
    now = now or timezone.now()
    scheduled = 0
    for before in BEFORE:
        moment = meeting_moment(starts_at, before)
        if moment > now:
            _schedule(meeting_reminder, moment, meeting_id, before, starts_at.isoformat())
            scheduled += 1
    return scheduled


def meeting_reminder_due(meeting: Meeting, before: str, *, now: datetime) -> bool:
    """Planned, its reminder's moment passed (within the grace), and the meeting already at that
    time then (one moved to the next few hours has just been announced)."""
    moment = meeting_moment(meeting.starts_at, before)
    return (
        meeting.status == MeetingStatus.PLANNED
        and moment <= now < moment + GRACE[before]
        and meeting.updated_at < moment
    )


@task()
def meeting_reminder(meeting_id: int, before: str, starts_at: str) -> int:
    return meeting_remind(meeting_id, before, starts_at)


def _declined(meeting: Meeting) -> tuple[set[int], set[str]]:
    users, guests = set(), set()
    for user_id, guest in meeting.responses.filter(answer=Answer.DECLINED).values_list(
        "user_id", "guest_email"
    ):
        if user_id is not None:
            users.add(user_id)
        else:
            guests.add(guest.lower())
    return users, guests


def meeting_remind(
    meeting_id: int, before: str, starts_at: str, *, now: datetime | None = None
) -> int:
    """Remind the invitees of the meeting, if it still starts at `starts_at` (ISO) and the
    reminder is due: in the app, and by e-mail to all but those who chose no e-mail (guests
    too); not those who said they will not attend. Returns how many were told now."""
    now = now or timezone.now()
    meeting = (
        Meeting.objects.select_related("organizer", "thread", "partnership")
        .prefetch_related("agenda")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None or before not in BEFORE or meeting.starts_at.isoformat() != starts_at:
        return 0
    if not meeting_reminder_due(meeting, before, now=now):
        return 0
    key = f"meeting.reminder:{meeting.pk}:{before}:{starts_at}"
    declined_users, declined_guests = _declined(meeting)
    told = 0
    with transaction.atomic():
        told += notify(
            kind="meeting.reminder",
            users=policy.audience("meeting.reminder", meeting).exclude(pk__in=declined_users),
            params={
                "meeting": meeting.pk,
                "title": meeting.title,
                "starts_at": meeting.starts_at.isoformat(),
                "by": "",
                "before": before,
            },
            url=reverse("meetings:detail", args=[meeting.pk]),
            key=key,
            email=False,  # e-mailed below, to guests and digest readers too
        )
        for recipient in recipients(meeting):
            declined = (
                recipient.user.pk in declined_users
                if recipient.user is not None
                else recipient.email in declined_guests
            )
            if not declined:
                told += queue_mail(
                    meeting,
                    recipient,
                    key=f"{key}:{recipient.who}",
                    template="meetings/email/reminder",
                    extra={"before": before},
                )
        if told:
            transaction.on_commit(outbox_kick)
    return told


# --- action items -----------------------------------------------------------------------------


def _owner_zone(action: ActionItem) -> ZoneInfo:
    try:
        return ZoneInfo(action.owner.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def action_moment(action: ActionItem, kind: str) -> datetime:
    """09:00 in the owner's zone, the day before the due date ("due") or after it ("overdue")."""
    day = action.due + timedelta(days=-1 if kind == "due" else 1)
    return datetime.combine(day, ACTION_HOUR, tzinfo=_owner_zone(action))


def schedule_action_on_commit(action: ActionItem) -> None:
    """After commit, schedule the action's reminders for its (new) due date and owner."""
    action_id = action.pk
    transaction.on_commit(lambda: action_reminders_schedule(action_id))


def action_reminders_schedule(action_id: int, *, now: datetime | None = None) -> int:
    now = now or timezone.now()
    action = ActionItem.objects.select_related("owner").filter(pk=action_id).first()
    if action is None or action.status != ActionStatus.OPEN:
        return 0
    scheduled = 0
    for kind in ACTION_KINDS:
        moment = action_moment(action, kind)
        if moment > now:
            _schedule(
                action_reminder, moment, action.pk, kind, action.due.isoformat(), action.owner_id
            )
            scheduled += 1
    return scheduled


def action_reminder_due(action: ActionItem, kind: str, *, now: datetime) -> bool:
    moment = action_moment(action, kind)
    return (
        action.status == ActionStatus.OPEN
        and moment <= now < moment + ACTION_GRACE
        and action.created_at < moment
    )


@task()
def action_reminder(action_id: int, kind: str, due: str, owner_id: int) -> int:
    return action_remind(action_id, kind, due, owner_id)


def action_remind(
    action_id: int, kind: str, due: str, owner_id: int, *, now: datetime | None = None
) -> int:
    """Tell the owner that the action is due tomorrow, or overdue, if it is still open, still due
    on `due` (ISO), still theirs, and the moment has come; in the app and, as every notification,
    by e-mail if they want every one. Once per action, kind and due date."""
    now = now or timezone.now()
    action = ActionItem.objects.select_related("owner").filter(pk=action_id).first()
    if action is None or kind not in ACTION_KINDS:
        return 0
    if action.due.isoformat() != due or action.owner_id != owner_id:
        return 0
    if not action_reminder_due(action, kind, now=now):
        return 0
    return notify(
        kind=f"action.{kind}",
        users=policy.audience(f"action.{kind}", action),
        params={"action": action.pk, "title": action.title, "due": action.due.isoformat()},
        url=reverse("meetings:action", args=[action.pk]),
        key=f"action.{kind}:{action.pk}:{action.due.isoformat()}",
    )


# --- the sweep --------------------------------------------------------------------------------


def reminders_sweep(*, now: datetime | None = None) -> int:
    """Send every reminder whose moment has passed within its grace and that nobody sent (a job
    lost, a worker that was down): the same functions as the jobs, so nothing goes twice.
    Returns how many people were told now."""
    now = now or timezone.now()
    told = 0
    for before, ahead in BEFORE.items():
        # moment = starts_at - ahead, in (now - grace, now]
        meetings = Meeting.objects.filter(
            status=MeetingStatus.PLANNED,
            starts_at__gt=now + ahead - GRACE[before],
            starts_at__lte=now + ahead,
        ).values_list("pk", "starts_at")
        for pk, starts_at in meetings:
            told += meeting_remind(pk, before, starts_at.isoformat(), now=now)
    today = now.date()
    # Due dates whose reminders' moments (09:00 the day before or after, in any zone) can fall
    # within the last ACTION_GRACE.
    actions = ActionItem.objects.filter(
        Q(status=ActionStatus.OPEN),
        due__gte=today - timedelta(days=3),
        due__lte=today + timedelta(days=2),
    ).values_list("pk", "due", "owner_id")
    for pk, due, owner_id in actions:
        for kind in ACTION_KINDS:
            told += action_remind(pk, kind, due.isoformat(), owner_id, now=now)
    return told
