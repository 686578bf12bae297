"""Reminders: 24 hours and 1 hour before a meeting; the day before an action's due date and the
day after it (09:00 in the owner's zone). Each sent once by the worker: a job run twice, a
worker that died halfway and ran the job again, a lost job caught by the sweep, the sweep after
the job: nobody is told twice, and nothing goes for a meeting cancelled or moved, or an action
closed, moved or handed over.
"""

import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from regionbridge.meetings import reminders
from regionbridge.meetings.models import Answer, Meeting
from regionbridge.meetings.reminders import (
    action_remind,
    meeting_remind,
    reminders_sweep,
)
from regionbridge.meetings.services import (
    action_add,
    action_update,
    meeting_cancel,
    meeting_create,
    meeting_respond,
    meeting_update,
)
from regionbridge.outbox.models import Notification, OutboundEmail
from regionbridge.outbox.tasks import deliver_due
from tests.test_meeting_mail import GUEST, person
from tests.test_outbox_faults import run_worker

pytestmark = pytest.mark.django_db

START = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def cast(reference, indiana):
    return {
        "olga": person("olga@example.org", language="uk"),
        "indiana": indiana,
        "dan": person("dan@example.org", mode="digest"),
        "otto": person("otto@example.org", mode="off"),
    }


def arrange(cast, starts_at: datetime = START, **kw) -> Meeting:
    return meeting_create(
        by=cast["olga"],
        title="Generators",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        users=[cast["indiana"], cast["dan"], cast["otto"]],
        people=[GUEST],
        **kw,
    )


@pytest.fixture
def meeting(cast) -> Meeting:
    return arrange(cast)


def at(meeting: Meeting, before: str, after: timedelta = timedelta(minutes=1)) -> datetime:
    return meeting.starts_at - reminders.BEFORE[before] + after


def remind(meeting: Meeting, before: str, now: datetime) -> int:
    return meeting_remind(meeting.pk, before, meeting.starts_at.isoformat(), now=now)


def told(meeting: Meeting, before: str) -> set[str]:
    return set(
        Notification.objects.filter(
            kind="meeting.reminder", key__startswith=f"meeting.reminder:{meeting.pk}:{before}:"
        ).values_list("user__email", flat=True)
    )


def mailed(meeting: Meeting, before: str) -> list[str]:
    return sorted(
        OutboundEmail.objects.filter(
            key__startswith=f"meeting.reminder:{meeting.pk}:{before}:"
        ).values_list("to", flat=True)
    )


EVERYONE_IN_THE_APP = {
    "olga@example.org",
    "indiana@example.org",
    "dan@example.org",
    "otto@example.org",
}
EVERYONE_BY_MAIL = sorted(["olga@example.org", "indiana@example.org", "dan@example.org", GUEST])


def jobs(task) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=task.module_path).order_by("run_after"))


# --- scheduling -------------------------------------------------------------------------------


def test_arranging_a_meeting_schedules_both_reminders(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = arrange(cast)
    scheduled = jobs(reminders.meeting_reminder)
    assert [job.run_after for job in scheduled] == [
        START - timedelta(hours=24),
        START - timedelta(hours=1),
    ]
    assert [job.args_kwargs["args"] for job in scheduled] == [
        [meeting.pk, "24h", START.isoformat()],
        [meeting.pk, "1h", START.isoformat()],
    ]


def test_a_meeting_arranged_for_today_gets_only_the_hour_reminder(
    cast, django_capture_on_commit_callbacks
):
    soon = timezone.now().replace(microsecond=0) + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = arrange(cast, soon)
    assert [job.args_kwargs["args"][1] for job in jobs(reminders.meeting_reminder)] == ["1h"]
    # nor does the sweep send "tomorrow": the invitation has just told
    assert reminders_sweep(now=timezone.now()) == 0
    assert remind(meeting, "24h", timezone.now()) == 0


# --- once each --------------------------------------------------------------------------------


@pytest.mark.parametrize("before", ["24h", "1h"])
def test_each_reminder_is_sent_once(meeting, before):
    now = at(meeting, before)
    assert remind(meeting, before, now) == 4 + 4  # in the app, and by e-mail
    assert told(meeting, before) == EVERYONE_IN_THE_APP  # Otto (no e-mail) in the app
    assert mailed(meeting, before) == EVERYONE_BY_MAIL  # the guest by e-mail
    # the job again, the sweep after it: nothing more
    assert remind(meeting, before, now) == 0
    assert reminders_sweep(now=now) == 0
    assert reminders_sweep(now=now + timedelta(minutes=5)) == 0
    assert mailed(meeting, before) == EVERYONE_BY_MAIL


def test_the_sweep_sends_a_lost_reminder_once_and_the_late_job_nothing(meeting):
    now = at(meeting, "24h", timedelta(hours=3))  # the worker was down for three hours
    assert reminders_sweep(now=now) == 8
    assert remind(meeting, "24h", now + timedelta(minutes=1)) == 0
    assert reminders_sweep(now=now + timedelta(hours=1)) == 0
    assert told(meeting, "24h") == EVERYONE_IN_THE_APP
    assert told(meeting, "1h") == set()


def test_a_reminder_past_its_grace_is_not_sent(meeting):
    assert reminders_sweep(now=at(meeting, "24h", timedelta(hours=13))) == 0
    assert remind(meeting, "1h", meeting.starts_at - timedelta(minutes=5)) == 0
    assert remind(meeting, "1h", meeting.starts_at + timedelta(minutes=5)) == 0
    assert not Notification.objects.filter(kind="meeting.reminder").exists()


def test_a_reminder_before_its_moment_is_not_sent(meeting):
    assert remind(meeting, "24h", at(meeting, "24h", -timedelta(minutes=1))) == 0
    assert reminders_sweep(now=at(meeting, "24h", -timedelta(minutes=1))) == 0


def test_worker_that_dies_halfway_runs_the_job_again_and_tells_each_once(meeting, monkeypatch):
    now = at(meeting, "1h")
    real = reminders.queue_mail
    calls = {"n": 0}

    def dies_on_the_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit(1)  # the worker is killed
        return real(*args, **kwargs)

    monkeypatch.setattr(reminders, "queue_mail", dies_on_the_third)
    with pytest.raises(SystemExit):
        remind(meeting, "1h", now)
    monkeypatch.setattr(reminders, "queue_mail", real)
    assert remind(meeting, "1h", now + timedelta(minutes=2)) == 8
    assert remind(meeting, "1h", now + timedelta(minutes=3)) == 0
    assert told(meeting, "1h") == EVERYONE_IN_THE_APP
    assert mailed(meeting, "1h") == EVERYONE_BY_MAIL


@pytest.mark.django_db(transaction=True)  # a real worker closes its connection
def test_a_job_left_running_by_a_dead_worker_runs_again_and_tells_nobody_twice(
    cast, django_capture_on_commit_callbacks, monkeypatch
):
    """The real queue: the job is due, a worker runs it; a worker that died with it RUNNING
    has it put back (the reaper) and a new worker runs it again: each person told once."""
    starts_at = timezone.now().replace(microsecond=0) + timedelta(hours=24, minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = arrange(cast, starts_at)
    DBTaskResult.objects.exclude(task_path=reminders.meeting_reminder.module_path).delete()
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(minutes=3))
    run_worker()
    (job, _hour) = jobs(reminders.meeting_reminder)
    assert job.status == TaskResultStatus.SUCCESSFUL
    assert job.return_value == 8
    # as if that worker had died before marking it done: put back, run by the next worker
    DBTaskResult.objects.filter(pk=job.pk).update(status=TaskResultStatus.READY)
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.return_value) == (TaskResultStatus.SUCCESSFUL, 0)
    assert told(meeting, "24h") == EVERYONE_IN_THE_APP
    assert mailed(meeting, "24h") == EVERYONE_BY_MAIL


# --- what the job finds -----------------------------------------------------------------------


def test_those_who_declined_are_not_reminded(meeting, cast):
    meeting_respond(meeting=meeting, answer=Answer.DECLINED, by=cast["indiana"])
    meeting_respond(meeting=meeting, answer=Answer.DECLINED, guest_email=GUEST, via="email")
    remind(meeting, "1h", at(meeting, "1h"))
    assert "indiana@example.org" not in told(meeting, "1h")
    assert mailed(meeting, "1h") == ["dan@example.org", "olga@example.org"]


def test_a_cancelled_meeting_is_not_reminded(meeting, cast):
    meeting_cancel(meeting=meeting, by=cast["olga"])
    assert remind(meeting, "1h", at(meeting, "1h")) == 0
    assert reminders_sweep(now=at(meeting, "1h")) == 0


def test_a_moved_meeting_reminds_at_its_new_time_only(
    meeting, cast, django_capture_on_commit_callbacks
):
    old = meeting.starts_at
    later = old + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_update(
            meeting=meeting, by=cast["olga"], starts_at=later, ends_at=later + timedelta(hours=1)
        )
    meeting.refresh_from_db()
    # the old job finds the meeting moved: nothing
    assert meeting_remind(meeting.pk, "1h", old.isoformat(), now=old - timedelta(minutes=59)) == 0
    assert reminders_sweep(now=old - timedelta(minutes=59)) == 0
    scheduled = [job.args_kwargs["args"] for job in jobs(reminders.meeting_reminder)]
    assert [meeting.pk, "1h", later.isoformat()] in scheduled
    assert remind(meeting, "1h", at(meeting, "1h")) == 8


def test_reminder_email_in_the_readers_language(meeting):
    remind(meeting, "1h", at(meeting, "1h"))
    mail.outbox.clear()
    deliver_due()
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["indiana@example.org"].subject.startswith(
        "[Region Bridge] In an hour: Generators"
    )
    assert by_address["olga@example.org"].subject.startswith(
        "[Region Bridge] За годину: Generators"
    )
    guest = by_address[GUEST].subject
    assert guest.index("За годину") < guest.index("In an hour")
    assert not any(m.alternatives and "calendar" in str(m.alternatives) for m in mail.outbox)


# --- action items -----------------------------------------------------------------------------


@pytest.fixture
def action(meeting, cast, django_capture_on_commit_callbacks):
    indiana = cast["indiana"]
    indiana.timezone = "America/Indiana/Indianapolis"
    indiana.save(update_fields=["timezone"])
    with django_capture_on_commit_callbacks(execute=True):
        return action_add(
            by=cast["olga"],
            title="Send the customs papers",
            owner=indiana,
            due=(timezone.now() + timedelta(days=5)).date(),
            meeting=meeting,
        )


def nine(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(9), tzinfo=ZoneInfo(zone))


def test_an_action_schedules_its_two_reminders_at_nine_in_the_owners_zone(action):
    zone = "America/Indiana/Indianapolis"
    scheduled = jobs(reminders.action_reminder)
    assert [job.run_after for job in scheduled] == [
        nine(action.due - timedelta(days=1), zone).astimezone(UTC),
        nine(action.due + timedelta(days=1), zone).astimezone(UTC),
    ]
    assert [job.args_kwargs["args"] for job in scheduled] == [
        [action.pk, "due", action.due.isoformat(), action.owner_id],
        [action.pk, "overdue", action.due.isoformat(), action.owner_id],
    ]


def remind_action(action, kind: str, now: datetime) -> int:
    return action_remind(action.pk, kind, action.due.isoformat(), action.owner_id, now=now)


@pytest.mark.parametrize("kind", ["due", "overdue"])
def test_action_reminders_once_each(action, kind):
    moment = reminders.action_moment(action, kind)
    assert remind_action(action, kind, moment - timedelta(minutes=1)) == 0
    assert remind_action(action, kind, moment + timedelta(minutes=1)) == 1
    assert remind_action(action, kind, moment + timedelta(minutes=2)) == 0
    assert reminders_sweep(now=moment + timedelta(hours=2)) == 0
    (notice,) = Notification.objects.filter(kind=f"action.{kind}")
    assert notice.user == action.owner
    assert notice.key == f"action.{kind}:{action.pk}:{action.due.isoformat()}"


def test_the_sweep_catches_a_lost_action_reminder(action):
    moment = reminders.action_moment(action, "due")
    assert reminders_sweep(now=moment + timedelta(hours=5)) == 1
    assert remind_action(action, "due", moment + timedelta(hours=6)) == 0


def test_a_done_action_is_not_reminded(action, cast):
    action_update(action=action, by=cast["olga"], status="done")
    moment = reminders.action_moment(action, "overdue")
    assert remind_action(action, "overdue", moment + timedelta(minutes=1)) == 0
    assert reminders_sweep(now=moment + timedelta(minutes=1)) == 0


def test_a_moved_or_handed_over_action_is_reminded_by_its_new_jobs_only(action, cast):
    old_due, old_owner = action.due.isoformat(), action.owner_id
    moment = reminders.action_moment(action, "due")
    action_update(action=action, by=cast["olga"], due=action.due + timedelta(days=7))
    assert (
        action_remind(action.pk, "due", old_due, old_owner, now=moment + timedelta(minutes=1)) == 0
    )
    action.refresh_from_db()
    action_update(action=action, by=cast["olga"], owner=cast["dan"])
    action.refresh_from_db()
    moment = reminders.action_moment(action, "due")
    assert action_remind(action.pk, "due", action.due.isoformat(), old_owner, now=moment) == 0
    assert remind_action(action, "due", moment) == 1
    assert Notification.objects.get(kind="action.due").user == cast["dan"]


def test_the_daily_command_runs_the_sweep(meeting):
    out = io.StringIO()
    call_command("send-reminders", stdout=out)
    assert "Meeting and action reminders caught up: 0 sent." in out.getvalue()
