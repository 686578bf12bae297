"""Meetings, answers, minutes, decisions and action items: the services as a spec.

Every write goes through `regionbridge.meetings.services`; these tests hold each rule both ways
(allowed and refused) with the nastiest inputs, and check what each change leaves behind: an
audit entry, one in-app notice per person (never two on a retry), invitations or cancellations
for the right people.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from regionbridge.audit.models import AuditEntry
from regionbridge.meetings import invitations
from regionbridge.meetings import services as meetings
from regionbridge.meetings.models import (
    ActionItem,
    ActionStatus,
    Answer,
    Decision,
    Meeting,
    MeetingResponse,
    MeetingStatus,
)
from regionbridge.messaging import services as messaging
from regionbridge.messaging.models import Participant
from regionbridge.outbox.models import Notification
from tests.conftest import org
from tests.factories import UserFactory
from tests.test_policy import chernihiv_minnesota, zhytomyr_indiana

pytestmark = pytest.mark.django_db

KYIV = ZoneInfo("Europe/Kyiv")
SOON = datetime(2030, 5, 6, 10, 0, tzinfo=KYIV)
PAST = timezone.now() - timedelta(days=2)


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def sent(monkeypatch):
    """The invitations and cancellations the services ask for (the calendar helper sends them)."""
    calls: list[dict] = []

    def record(meeting, *, only=None, cancel=False):
        calls.append({"meeting": meeting.pk, "only": only, "cancel": cancel})

    monkeypatch.setattr(invitations, "send_on_commit", record)
    return calls


def arrange(by, *, starts_at=SOON, hours=1, **kw) -> Meeting:
    kw.setdefault("title", "Hospital twinning: next steps")
    return meetings.meeting_create(
        by=by, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), **kw
    )


def notices(kind: str, user=None):
    rows = Notification.objects.filter(kind=kind)
    return rows.filter(user=user) if user is not None else rows


def audited(action: str, target) -> int:
    return AuditEntry.objects.filter(
        action=action, target_type=target._meta.label_lower, target_id=str(target.pk)
    ).count()


# --- creating ---------------------------------------------------------------------------------


def test_creating_a_meeting_invites_its_people_and_the_organizer_takes_part(
    zhytomyr, indiana, sent
):
    meeting = arrange(
        zhytomyr,
        users=[indiana],
        people=["guest@partner.example.org"],
        organizations=[org("gov-US-IN")],
        agenda=["Welcome", "  ", "Equipment list"],
        place="Online",
        online_link="https://meet.example.org/abc",
    )
    assert meeting.organizer == zhytomyr
    assert meeting.starts_at == SOON and meeting.starts_at.utcoffset() == timedelta(0)
    participants = meeting.thread.participants
    assert participants.filter(user=zhytomyr).exists()
    assert participants.filter(user=indiana).exists()
    assert participants.filter(guest_email="guest@partner.example.org").exists()
    assert participants.filter(organization=org("gov-US-IN")).exists()
    assert list(meeting.agenda.values_list("text", flat=True)) == ["Welcome", "Equipment list"]
    assert meeting.sequence == 0 and meeting.status == MeetingStatus.PLANNED
    assert audited("meeting.created", meeting) == 1
    assert notices("meeting.invited", indiana).count() == 1
    assert not notices("meeting.invited", zhytomyr).exists()  # the organizer is not told
    assert sent == [{"meeting": meeting.pk, "only": None, "cancel": False}]


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "message"),
    [
        (datetime(2030, 5, 6, 10), datetime(2030, 5, 6, 11), "time zone"),  # naive
        (SOON, datetime(2030, 5, 6, 11), "time zone"),  # one of the two naive
        (SOON, SOON, "end after"),
        (SOON, SOON - timedelta(minutes=1), "end after"),
        (SOON, SOON + timedelta(hours=12, seconds=1), "12 hours"),
        (date(2030, 5, 6), SOON, "time zone"),  # a date
        ("2030-05-06T10:00+03:00", SOON, "time zone"),  # a string
        (
            datetime(9999, 12, 31, 23, tzinfo=ZoneInfo("Pacific/Honolulu")),
            datetime(9999, 12, 31, 23, 30, tzinfo=ZoneInfo("Pacific/Honolulu")),
            "between 2000 and 2100",
        ),
        (datetime(1, 1, 1, tzinfo=UTC), datetime(1, 1, 1, 1, tzinfo=UTC), "between"),
    ],
)
def test_times_must_be_aware_in_order_and_reasonable(zhytomyr, starts_at, ends_at, message):
    with pytest.raises(ValidationError, match=message):
        meetings.meeting_create(by=zhytomyr, title="T", starts_at=starts_at, ends_at=ends_at)
    assert not Meeting.objects.exists()


def test_twelve_hours_exactly_is_allowed(zhytomyr):
    meeting = arrange(zhytomyr, hours=12)
    assert meeting.ends_at - meeting.starts_at == timedelta(hours=12)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "x" * 200_000, "at most 200"),
        ("title", "Ti\x00tle", "not allowed"),
        ("title", "   ", "title"),
        ("title", ["a list"], "must be text"),
        ("purpose", "p" * 20_001, "at most"),
        ("purpose", "a\x00b", "not allowed"),
        ("place", "p" * 301, "at most 300"),
        ("online_link", "javascript:alert(1)", "web address"),
        ("online_link", "https://ex\x00ample.org", "not allowed"),
        ("agenda", [f"item {i}" for i in range(31)], "at most 30"),
        ("agenda", ["x" * 501], "at most 500"),
        ("agenda", ["ok", "bad\x00item"], "not allowed"),
        ("agenda", [["nested"]], "must be text"),
        ("agenda", ["i"] * 100_000, "at most 30"),
        ("people", ["not an address"], "Not an e-mail address"),
        ("people", ["a\x00@example.org"], "Not an e-mail address"),
    ],
)
def test_hostile_values_are_refused_with_a_clear_message(zhytomyr, field, value, message):
    kwargs = {"title": "Fine title", field: value}
    with pytest.raises(ValidationError, match=message):
        arrange(zhytomyr, **kwargs)
    assert not Meeting.objects.exists()


def test_an_agenda_given_as_text_is_one_item_a_line(zhytomyr):
    meeting = arrange(zhytomyr, agenda="Welcome\n\nBudget\r\nNext steps")
    assert list(meeting.agenda.values_list("text", flat=True)) == [
        "Welcome",
        "Budget",
        "Next steps",
    ]


def test_only_members_arrange_meetings(outsider):
    with pytest.raises(PermissionDenied):
        arrange(outsider)


def test_a_meeting_on_a_confidential_negotiation_invites_only_people_who_may_see_it(
    chernihiv, zhytomyr, embassy, institution_user
):
    secret = chernihiv_minnesota()
    with pytest.raises(ValidationError, match="may not see this partnership"):
        arrange(chernihiv, partnership=secret, users=[zhytomyr])
    with pytest.raises(ValidationError, match="may not see this partnership"):
        arrange(chernihiv, partnership=secret, people=["zhytomyr@example.org"])  # by address
    with pytest.raises(ValidationError, match="no account"):
        arrange(chernihiv, partnership=secret, people=["guest@partner.example.org"])
    hospital = institution_user.role_assignments.get().organization
    with pytest.raises(ValidationError, match="may not see this partnership"):
        arrange(chernihiv, partnership=secret, organizations=[hospital])
    assert not Meeting.objects.exists()
    meeting = arrange(chernihiv, partnership=secret, users=[embassy])
    with pytest.raises(ValidationError, match="may not see this partnership"):
        meetings.meeting_update(meeting=meeting, by=chernihiv, people=["zhytomyr@example.org"])
    with pytest.raises(ValidationError, match="no account"):
        meetings.meeting_update(meeting=meeting, by=chernihiv, people=["guest@example.org"])
    with pytest.raises(ValidationError, match="may not see this partnership"):
        meetings.meeting_update(meeting=meeting, by=chernihiv, organizations=[hospital])
    assert not meeting.thread.participants.filter(user=zhytomyr).exists()


def test_nobody_arranges_a_meeting_on_a_negotiation_they_cannot_see(zhytomyr):
    with pytest.raises(PermissionDenied):
        arrange(zhytomyr, partnership=chernihiv_minnesota())


def test_a_meeting_arranged_in_a_thread_keeps_its_partnership(zhytomyr, indiana, chernihiv):
    thread = messaging.thread_create(
        by=zhytomyr, subject="Plans", users=[indiana], partnership=zhytomyr_indiana(), body="Hi"
    )
    meeting = arrange(zhytomyr, from_thread=thread, users=[indiana])
    assert meeting.partnership == thread.partnership and meeting.from_thread == thread
    with pytest.raises(ValidationError, match="partnership its thread"):
        arrange(zhytomyr, from_thread=thread, partnership=chernihiv_minnesota())
    with pytest.raises(PermissionDenied):  # a thread one does not read
        arrange(chernihiv, from_thread=thread)


# --- changing ---------------------------------------------------------------------------------


def test_a_new_time_place_or_link_raises_the_sequence_a_title_or_agenda_does_not(
    zhytomyr, indiana, sent
):
    meeting = arrange(zhytomyr, users=[indiana], place="Room 1")
    sent.clear()
    meeting = meetings.meeting_update(
        meeting=meeting, by=zhytomyr, title="New title", agenda=["One"], purpose="Why"
    )
    assert meeting.sequence == 0 and meeting.thread.subject == "New title"
    assert sent == [] and not notices("meeting.changed").exists()
    meeting = meetings.meeting_update(meeting=meeting, by=zhytomyr, starts_at=SOON + timedelta(1))
    assert meeting.sequence == 1
    assert meeting.ends_at == SOON + timedelta(days=1, hours=1)  # a new start keeps the length
    meeting = meetings.meeting_update(meeting=meeting, by=zhytomyr, place="Room 2")
    meeting = meetings.meeting_update(meeting=meeting, by=zhytomyr, online_link="https://x.org/")
    assert meeting.sequence == 3
    assert notices("meeting.changed", indiana).count() == 3  # once per sequence
    assert [c["only"] for c in sent] == [None, None, None]
    # The same values again change nothing: no sequence, no audit, no notice.
    entries = AuditEntry.objects.count()
    meeting = meetings.meeting_update(
        meeting=meeting, by=zhytomyr, place="Room 2", title="New title", starts_at=meeting.starts_at
    )
    assert meeting.sequence == 3 and AuditEntry.objects.count() == entries
    assert audited("meeting.changed", meeting) == 4


def test_a_new_end_is_checked_against_the_start(zhytomyr):
    meeting = arrange(zhytomyr)
    with pytest.raises(ValidationError, match="end after"):
        meetings.meeting_update(meeting=meeting, by=zhytomyr, ends_at=SOON - timedelta(hours=2))
    with pytest.raises(ValidationError, match="end after"):
        meetings.meeting_update(meeting=meeting, by=zhytomyr, starts_at=SOON, ends_at=SOON)
    with pytest.raises(ValidationError, match="time zone"):
        meetings.meeting_update(meeting=meeting, by=zhytomyr, ends_at=datetime(2030, 5, 6, 12))


def test_people_given_replace_the_list_but_keep_the_organizer(
    zhytomyr, indiana, embassy, ministry, sent
):
    meeting = arrange(
        zhytomyr, users=[indiana, embassy], people=["old.guest@example.org"], organizations=[]
    )
    MeetingResponse.objects.create(meeting=meeting, user=embassy, answer=Answer.ACCEPTED)
    sent.clear()
    meetings.meeting_update(
        meeting=meeting,
        by=zhytomyr,
        people=["INDIANA@example.org ", "mfa@example.org", "new.guest@example.org"],
    )
    people = set(meeting.thread.participants.values_list("user__email", "guest_email"))
    assert people == {
        ("zhytomyr@example.org", ""),
        ("indiana@example.org", ""),
        ("mfa@example.org", ""),
        (None, "new.guest@example.org"),
    }
    # Those taken off lose their answer and get a cancellation; those added an invitation.
    assert not MeetingResponse.objects.filter(user=embassy).exists()
    cancelled = [c for c in sent if c["cancel"]]
    assert cancelled == [
        {
            "meeting": meeting.pk,
            "only": {("u", embassy.pk), ("g", "old.guest@example.org")},
            "cancel": True,
        }
    ]
    invited = [c for c in sent if not c["cancel"]]
    assert invited == [
        {
            "meeting": meeting.pk,
            "only": {("u", ministry.pk), ("g", "new.guest@example.org")},
            "cancel": False,
        }
    ]
    assert notices("meeting.invited", ministry).count() == 1
    assert notices("meeting.invited", indiana).count() == 1  # not told again


def test_an_office_taken_off_cancels_for_its_staff(zhytomyr, embassy, sent):
    meeting = arrange(zhytomyr, organizations=[org("embassy-us")])
    sent.clear()
    meetings.meeting_update(meeting=meeting, by=zhytomyr, organizations=[])
    assert sent == [{"meeting": meeting.pk, "only": {("u", embassy.pk)}, "cancel": True}]


def test_people_added_after_a_reschedule_are_invited_not_told_of_a_change(
    zhytomyr, indiana, ministry
):
    meeting = arrange(zhytomyr, users=[indiana])
    meetings.meeting_update(meeting=meeting, by=zhytomyr, starts_at=SOON + timedelta(hours=1))
    meetings.meeting_update(
        meeting=meeting, by=zhytomyr, people=["indiana@example.org", "mfa@example.org"]
    )
    assert notices("meeting.invited", indiana).count() == 1
    assert notices("meeting.invited", ministry).count() == 1
    assert not notices("meeting.changed", ministry).exists()


def test_only_the_organizer_or_a_coordinator_changes_a_meeting(
    zhytomyr, indiana, coordinator, outsider
):
    meeting = arrange(zhytomyr, users=[indiana])
    for intruder in (indiana, outsider):
        with pytest.raises(PermissionDenied):
            meetings.meeting_update(meeting=meeting, by=intruder, title="Hijacked")
        with pytest.raises(PermissionDenied):
            meetings.meeting_cancel(meeting=meeting, by=intruder)
    meetings.meeting_update(meeting=meeting, by=coordinator, title="Fixed by the coordinator")
    meeting.refresh_from_db()
    assert meeting.title == "Fixed by the coordinator"


def test_cancelling_is_idempotent_and_a_cancelled_meeting_stays_so(zhytomyr, indiana, sent):
    meeting = arrange(zhytomyr, users=[indiana])
    sent.clear()
    meetings.meeting_cancel(meeting=meeting, by=zhytomyr)
    meetings.meeting_cancel(meeting=meeting, by=zhytomyr)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED and meeting.sequence == 1
    assert sent == [{"meeting": meeting.pk, "only": None, "cancel": True}]
    assert notices("meeting.cancelled", indiana).count() == 1
    assert audited("meeting.cancelled", meeting) == 1
    with pytest.raises(ValidationError, match="cancelled"):
        meetings.meeting_update(meeting=meeting, by=zhytomyr, title="Again")
    with pytest.raises(ValidationError, match="cancelled"):
        meetings.meeting_respond(meeting=meeting, by=indiana, answer=Answer.ACCEPTED)
    with pytest.raises(ValidationError, match="cancelled"):
        meetings.minutes_save(meeting=meeting, by=zhytomyr, text="We met")
    with pytest.raises(ValidationError, match="cancelled"):
        meetings.decision_add(meeting=meeting, by=zhytomyr, text="Decided")
    with pytest.raises(ValidationError, match="cancelled"):
        meetings.action_add(
            by=zhytomyr, title="Do", owner=indiana, due=date(2030, 6, 1), meeting=meeting
        )
    with pytest.raises(ValidationError, match="cancelled"):
        meetings.meeting_mark_held(meeting=meeting, by=zhytomyr)


# --- answers ----------------------------------------------------------------------------------


def test_a_later_answer_replaces_the_earlier_and_the_organizer_is_told_once_each(zhytomyr, indiana):
    meeting = arrange(zhytomyr, users=[indiana])
    assert meetings.answer_of(meeting, indiana) == Answer.NEEDS_ACTION
    meetings.meeting_respond(meeting=meeting, by=indiana, answer=Answer.TENTATIVE)
    meetings.meeting_respond(meeting=meeting, by=indiana, answer=Answer.TENTATIVE)  # a retry
    assert notices("meeting.answered", zhytomyr).count() == 1
    assert audited("meeting.answered", meeting) == 1
    row = meetings.meeting_respond(
        meeting=meeting, by=indiana, answer=Answer.ACCEPTED, comment="See you", via="api"
    )
    assert MeetingResponse.objects.filter(meeting=meeting).count() == 1
    assert (row.answer, row.comment, row.via) == (Answer.ACCEPTED, "See you", "api")
    assert meetings.answer_of(meeting, indiana) == Answer.ACCEPTED
    assert notices("meeting.answered", zhytomyr).count() == 2
    assert not notices("meeting.answered", indiana).exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"answer": "needs-action"}, "Answer"),
        ({"answer": "yes"}, "Answer"),
        ({"answer": ["accepted"]}, "Answer"),
        ({"answer": "accepted", "comment": "c" * 501}, "at most 500"),
        ({"answer": "accepted", "comment": "a\x00b"}, "not allowed"),
        ({"answer": "accepted", "via": "carrier-pigeon"}, "Unknown way"),
    ],
)
def test_hostile_answers_are_refused(zhytomyr, indiana, kwargs, message):
    meeting = arrange(zhytomyr, users=[indiana])
    with pytest.raises(ValidationError, match=message):
        meetings.meeting_respond(meeting=meeting, by=indiana, **kwargs)
    assert not MeetingResponse.objects.exists()


def test_only_invitees_answer(zhytomyr, indiana, chernihiv, coordinator, outsider):
    meeting = arrange(zhytomyr, users=[indiana])
    for stranger in (chernihiv, coordinator, outsider):
        with pytest.raises(PermissionDenied):
            meetings.meeting_respond(meeting=meeting, by=stranger, answer=Answer.ACCEPTED)
    assert not MeetingResponse.objects.exists()


def test_a_guest_answers_only_for_a_guest_of_the_meetings_thread(zhytomyr):
    meeting = arrange(zhytomyr, people=["Guest@Partner.example.org"])
    row = meetings.meeting_respond(
        meeting=meeting, guest_email=" GUEST@partner.example.org ", answer="declined", via="email"
    )
    assert (row.user, row.guest_email) == (None, "guest@partner.example.org")
    assert notices("meeting.answered", zhytomyr).count() == 1
    other = arrange(zhytomyr, title="Another")
    for address in ("guest@partner.example.org", "", "zhytomyr@example.org", None, 42):
        with pytest.raises(PermissionDenied):
            meetings.meeting_respond(meeting=other, guest_email=address, answer="accepted")
    with pytest.raises(PermissionDenied):  # an empty address is nobody, even where users are
        meetings.meeting_respond(meeting=meeting, guest_email="", answer="accepted")
    assert MeetingResponse.objects.count() == 1


def test_a_guest_of_a_tie_that_became_confidential_no_longer_answers(zhytomyr, indiana):
    tie = zhytomyr_indiana()
    meeting = arrange(zhytomyr, partnership=tie, people=["guest@partner.example.org"])
    type(tie).objects.filter(pk=tie.pk).update(confidential=True)
    meeting = Meeting.objects.get(pk=meeting.pk)
    with pytest.raises(PermissionDenied):
        meetings.meeting_respond(
            meeting=meeting, guest_email="guest@partner.example.org", answer="accepted"
        )


# --- minutes, decisions -----------------------------------------------------------------------


def test_minutes_are_sanitized_and_writing_them_after_the_start_marks_it_held(zhytomyr):
    meeting = arrange(zhytomyr, starts_at=PAST)
    text = (
        "We agreed.\n\n<script>alert(1)</script><iframe src='https://evil.example'></iframe>"
        "[click](javascript:alert(2)) <img src=x onerror=alert(3)> [ok](https://ok.example.org)"
    )
    meeting = meetings.minutes_save(meeting=meeting, by=zhytomyr, text=text)
    html = meeting.minutes_html.lower()
    for bad in ("<script", "<iframe", 'href="javascript', "<img"):
        assert bad not in html  # escaped as text at most, never markup
    assert 'href="https://ok.example.org"' in meeting.minutes_html
    assert meeting.minutes == text.strip()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert audited("meeting.minutes_written", meeting) == 1


def test_minutes_before_the_start_leave_it_planned_and_hostile_minutes_are_refused(zhytomyr):
    meeting = arrange(zhytomyr)
    meetings.minutes_save(meeting=meeting, by=zhytomyr, text="Draft agenda notes")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    for text, message in (("m" * 200_000, "at most"), ("a\x00b", "not allowed"), (7, "text")):
        with pytest.raises(ValidationError, match=message):
            meetings.minutes_save(meeting=meeting, by=zhytomyr, text=text)
    with pytest.raises(ValidationError, match="not started"):
        meetings.meeting_mark_held(meeting=meeting, by=zhytomyr)


def test_participants_with_a_role_record_others_do_not(zhytomyr, indiana, chernihiv, outsider):
    meeting = arrange(zhytomyr, users=[indiana, outsider], starts_at=PAST)
    decision = meetings.decision_add(meeting=meeting, by=indiana, text="  Sign in June  ")
    assert decision.text == "Sign in June" and decision.created_by == indiana
    assert audited("meeting.decision_added", meeting) == 1
    for stranger in (chernihiv, outsider):  # not invited / invited but without a role
        with pytest.raises(PermissionDenied):
            meetings.decision_add(meeting=meeting, by=stranger, text="Mine")
        with pytest.raises(PermissionDenied):
            meetings.minutes_save(meeting=meeting, by=stranger, text="Mine")
    for text in ("", "   ", "d" * 20_001, "x\x00"):
        with pytest.raises(ValidationError):
            meetings.decision_add(meeting=meeting, by=zhytomyr, text=text)
    assert Decision.objects.count() == 1
    meetings.meeting_mark_held(meeting=meeting, by=indiana)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD


# --- action items -----------------------------------------------------------------------------


def test_an_action_from_a_meeting_is_assigned_audited_and_told_once(zhytomyr, indiana):
    meeting = arrange(zhytomyr, users=[indiana], partnership=zhytomyr_indiana())
    action = meetings.action_add(
        by=zhytomyr,
        title="Send the equipment list",
        owner=indiana,
        due=date(2030, 6, 1),
        meeting=meeting,
    )
    assert action.partnership == meeting.partnership and action.thread is None
    assert audited("action.created", action) == 1
    assert notices("action.assigned", indiana).count() == 1
    assert not notices("action.assigned", zhytomyr).exists()


def test_an_action_from_a_message_takes_its_thread_and_partnership(zhytomyr, indiana, chernihiv):
    thread = messaging.thread_create(
        by=zhytomyr, subject="Plans", users=[indiana], partnership=zhytomyr_indiana(), body="Hi"
    )
    message = thread.messages.get()
    action = meetings.action_add(
        by=indiana, title="Reply", owner=zhytomyr, due=date(2030, 1, 1), message=message
    )
    assert (action.thread, action.message, action.partnership) == (
        thread,
        message,
        thread.partnership,
    )
    with pytest.raises(PermissionDenied):  # not in the thread
        meetings.action_add(
            by=chernihiv, title="Reply", owner=chernihiv, due=date(2030, 1, 1), message=message
        )
    with pytest.raises(ValueError):
        meetings.action_add(by=zhytomyr, title="x", owner=zhytomyr, due=date(2030, 1, 1))


def test_the_owner_must_be_an_active_account_that_may_see_the_partnership(
    chernihiv, zhytomyr, embassy, outsider
):
    meeting = arrange(chernihiv, users=[embassy], partnership=chernihiv_minnesota())
    gone = UserFactory(is_active=False)
    for owner, message in (
        (zhytomyr, "may not see this partnership"),
        (gone, "person with an account"),
        (None, "person with an account"),
        (zhytomyr.pk, "person with an account"),
        (outsider, "no role"),
    ):
        with pytest.raises(ValidationError, match=message):
            meetings.action_add(
                by=chernihiv, title="Do", owner=owner, due=date(2030, 1, 1), meeting=meeting
            )
    for due in ("2030-01-01", datetime(2030, 1, 1, tzinfo=UTC), date(9999, 1, 1), None):
        with pytest.raises(ValidationError, match="date"):
            meetings.action_add(by=chernihiv, title="Do", owner=embassy, due=due, meeting=meeting)
    for title in ("", "t" * 301, "a\x00"):
        with pytest.raises(ValidationError):
            meetings.action_add(
                by=chernihiv, title=title, owner=embassy, due=date(2030, 1, 1), meeting=meeting
            )
    assert not ActionItem.objects.exists()


def test_updating_an_action_dates_its_closing_and_tells_a_new_owner(
    zhytomyr, indiana, embassy, chernihiv
):
    meeting = arrange(zhytomyr, users=[indiana, embassy], partnership=zhytomyr_indiana())
    action = meetings.action_add(
        by=zhytomyr, title="Do", owner=indiana, due=date(2030, 1, 1), meeting=meeting
    )
    action = meetings.action_update(action=action, by=indiana, status=ActionStatus.DONE)
    assert action.closed_at is not None
    action = meetings.action_update(action=action, by=indiana, status=ActionStatus.OPEN)
    assert action.closed_at is None
    with pytest.raises(ValidationError, match="Unknown status"):
        meetings.action_update(action=action, by=indiana, status="finished")
    action = meetings.action_update(action=action, by=zhytomyr, owner=embassy)
    assert action.owner == embassy
    assert notices("action.assigned", embassy).count() == 1
    meetings.action_update(action=action, by=zhytomyr, owner=embassy)  # the same: no notice
    assert notices("action.assigned", embassy).count() == 1
    with pytest.raises(ValidationError, match="person with an account"):
        meetings.action_update(action=action, by=zhytomyr, owner="embassy@example.org")
    with pytest.raises(PermissionDenied):  # invited, not the owner, creator or organizer
        meetings.action_update(action=action, by=indiana, status=ActionStatus.DROPPED)
    with pytest.raises(PermissionDenied):  # a stranger
        meetings.action_update(action=action, by=chernihiv, status=ActionStatus.DROPPED)
    assert audited("action.changed", action) == 3


# --- overdue, in the owner's time zone --------------------------------------------------------


@pytest.mark.parametrize(
    "zone", ["Europe/Kyiv", "America/Indiana/Indianapolis", "Pacific/Honolulu", "", "Mars/Base"]
)
def test_overdue_in_sql_agrees_with_is_overdue_around_midnight(zhytomyr, zone):
    owners = {
        name: UserFactory(timezone=name)
        for name in ("Europe/Kyiv", "America/Indiana/Indianapolis", "Pacific/Honolulu")
    }
    owners[zone] = owner = UserFactory(timezone=zone) if zone not in owners else owners[zone]
    meeting = arrange(zhytomyr)
    ActionItem.objects.bulk_create(
        ActionItem(
            title=f"{who.timezone} {due} {status}",
            owner=who,
            due=due,
            status=status,
            meeting=meeting,
        )
        for who in owners.values()
        for due in (date(2030, 3, 9), date(2030, 3, 10), date(2030, 3, 11))
        for status in (ActionStatus.OPEN, ActionStatus.DONE)
    )
    local = (
        ZoneInfo(zone)
        if zone in ("Europe/Kyiv", "America/Indiana/Indianapolis", "Pacific/Honolulu")
        else UTC
    )
    midnight = datetime.combine(date(2030, 3, 11), time(0), tzinfo=local)
    for now in (
        midnight - timedelta(seconds=1),
        midnight,
        midnight + timedelta(seconds=1),
        midnight + timedelta(hours=12),
    ):
        items = ActionItem.objects.select_related("owner")
        expected = {a.pk for a in items if meetings.is_overdue(a, now=now)}
        assert (
            set(meetings.overdue(ActionItem.objects.all(), now=now).values_list("pk", flat=True))
            == expected
        )
    # Just after the owner's midnight, yesterday's open item is overdue; just before, not.
    yesterday = ActionItem.objects.get(owner=owner, due=date(2030, 3, 10), status="open")
    assert meetings.is_overdue(yesterday, now=midnight + timedelta(seconds=1))
    assert not meetings.is_overdue(yesterday, now=midnight - timedelta(seconds=1))


def test_overdue_reads_the_zones_in_one_small_query(zhytomyr, django_assert_max_num_queries):
    meeting = arrange(zhytomyr)
    ActionItem.objects.bulk_create(
        ActionItem(title="t", owner=zhytomyr, due=date(2000, 1, 1), meeting=meeting)
        for _ in range(50)
    )
    with django_assert_max_num_queries(2):
        assert len(meetings.overdue(ActionItem.objects.all())) == 50


def test_participant_rows_name_everyone_in_the_thread(zhytomyr, indiana):
    meeting = arrange(zhytomyr, users=[indiana], people=["g@example.org"])
    assert meetings.participant_rows(meeting).count() == 3
    assert Participant.objects.filter(thread=meeting.thread).count() == 3


# --- the demo ---------------------------------------------------------------------------------


def test_the_demo_has_meetings_made_by_the_services_once(reference):
    from regionbridge.demo.services import demo_load

    demo_load()
    demo_load()  # idempotent
    held, upcoming = Meeting.objects.order_by("starts_at")
    assert held.status == MeetingStatus.HELD and held.minutes_html.startswith("<p>")
    assert held.decisions.count() == 1 and held.responses.count() == 2
    assert upcoming.status == MeetingStatus.PLANNED and upcoming.agenda.count() == 2
    assert upcoming.thread.participants.filter(organization__key="mfa").exists()
    assert meetings.overdue(ActionItem.objects.all()).count() == 1
    assert audited("meeting.created", held) == 1


def test_the_back_office_shows_meetings_and_actions_read_only(client, zhytomyr, indiana):
    meeting = arrange(zhytomyr, users=[indiana], purpose="Private purpose")
    action = meetings.action_add(
        by=zhytomyr, title="Do", owner=indiana, due=date(2030, 1, 1), meeting=meeting
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in (
        "/admin/meetings/meeting/",
        f"/admin/meetings/meeting/{meeting.pk}/change/",
        "/admin/meetings/actionitem/",
        f"/admin/meetings/actionitem/{action.pk}/change/",
        "/admin/meetings/calendarfeed/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Private purpose" not in response.content
    assert client.get("/admin/meetings/meeting/add/").status_code == 403
    response = client.post(f"/admin/meetings/meeting/{meeting.pk}/change/", {"title": "Changed"})
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.title == "Hospital twinning: next steps"
