"""A past day's picture shows the meetings as they stood that day: one cancelled only later was
still planned then (`Meeting.cancelled_at`, not today's status), one cancelled before was not.
Today's picture goes by the status, as before."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from regionbridge.audit.models import AuditEntry
from regionbridge.meetings.models import Meeting, MeetingStatus
from regionbridge.meetings.services import meeting_cancel
from regionbridge.oversight import selectors
from tests.test_oversight_dashboard import _row, _ties, at, days_ago, meeting_on, opened, today
from tests.test_policy import thread_author

pytestmark = pytest.mark.django_db

AS_OF = 10  # days ago: the past day looked at


@pytest.fixture
def tie(reference):
    return opened("UA-18", "US-IN", 400)


@pytest.fixture
def author():
    return thread_author()


def _cancelled(meeting: Meeting, by, days: int) -> Meeting:
    """Cancelled through the service, then dated `days` ago (the service stamps now)."""
    before = timezone.now()
    meeting_cancel(meeting=meeting, by=by)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.cancelled_at is not None and meeting.cancelled_at >= before
    Meeting.objects.filter(pk=meeting.pk).update(cancelled_at=at(days_ago(days)))
    return meeting


def _upcoming_pks(user, n_days_ago: int) -> list[int]:
    return [m.pk for m in selectors.upcoming(user, as_of=days_ago(n_days_ago)).meetings]


def test_a_meeting_cancelled_after_the_day_is_in_that_days_upcoming_block(tie, author, coordinator):
    later = _cancelled(meeting_on(tie, author, days_ago(5)), author, 3)
    assert later.pk in _upcoming_pks(coordinator, AS_OF)
    assert later.pk not in _upcoming_pks(coordinator, 0)
    # An edit after the cancellation moves `updated_at`, not the picture of the day.
    Meeting.objects.filter(pk=later.pk).update(updated_at=at(days_ago(12)))
    assert later.pk in _upcoming_pks(coordinator, AS_OF)


def test_a_meeting_cancelled_before_the_day_is_not(tie, author, coordinator):
    earlier = _cancelled(meeting_on(tie, author, days_ago(5)), author, 12)
    planned = meeting_on(tie, author, days_ago(4))
    assert _upcoming_pks(coordinator, AS_OF) == [planned.pk]
    # Cancelled during the day itself: not planned as the day ended.
    Meeting.objects.filter(pk=earlier.pk).update(cancelled_at=at(days_ago(AS_OF), 23))
    assert _upcoming_pks(coordinator, AS_OF) == [planned.pk]


def test_today_goes_by_the_status(tie, author, coordinator):
    """Today a cancelled meeting is out whatever its `cancelled_at` says."""
    coming = meeting_on(tie, author, today() + timedelta(days=3))
    _cancelled(coming, author, 0)
    Meeting.objects.filter(pk=coming.pk).update(cancelled_at=None)
    assert _upcoming_pks(coordinator, 0) == []


def test_last_contact_of_a_past_day_counts_a_meeting_cancelled_only_later(tie, author, coordinator):
    met = _cancelled(meeting_on(tie, author, days_ago(15)), author, 3)
    assert _row(_ties(coordinator, days_ago(AS_OF)), tie.pk).last_contact == days_ago(15)
    Meeting.objects.filter(pk=met.pk).update(cancelled_at=at(days_ago(16)))
    assert _row(_ties(coordinator, days_ago(AS_OF)), tie.pk).last_contact != days_ago(15)


def test_the_migration_fills_cancelled_at_from_the_audit_log_else_updated_at(tie, author):
    migration = importlib.import_module(
        "regionbridge.meetings.migrations.0003_meeting_cancelled_at"
    )
    audited = _cancelled(meeting_on(tie, author, days_ago(5)), author, 3)
    entry = AuditEntry.objects.get(action="meeting.cancelled", target_id=str(audited.pk))
    unaudited = meeting_on(tie, author, days_ago(6), status=MeetingStatus.CANCELLED)
    Meeting.objects.filter(pk=unaudited.pk).update(updated_at=at(days_ago(8)))
    planned = meeting_on(tie, author, days_ago(7))
    Meeting.objects.update(cancelled_at=None)
    migration.backfill_cancelled_at(apps, None)
    found = dict(Meeting.objects.values_list("pk", "cancelled_at"))
    assert found[audited.pk] == entry.at
    assert found[unaudited.pk] == at(days_ago(8))
    assert found[planned.pk] is None
