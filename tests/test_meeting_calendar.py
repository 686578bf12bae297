"""Calendar files of meetings (RFC 5545 / 5546), parsed back with icalendar, field by field.

The UID stays for a meeting's life; SEQUENCE rises with each change of time or place; a
cancellation is METHOD:CANCEL with STATUS:CANCELLED; times are UTC. Each invitee's file names as
ORGANIZER their own reply address in the meeting's thread (so their calendar's answer comes back
through mailgate), and lists them as an ATTENDEE with their answer. The feed is METHOD:PUBLISH.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from icalendar import Calendar

from regionbridge.meetings import calendar
from regionbridge.meetings.invitations import invitation_for
from regionbridge.meetings.models import Answer, Meeting
from regionbridge.meetings.services import meeting_cancel, meeting_respond, meeting_update
from regionbridge.messaging.replies import read_reply_token
from tests.test_mail import token_of

pytestmark = pytest.mark.django_db

START = datetime(2030, 3, 5, 13, 0, tzinfo=UTC)
GUEST = "guest@partner.example"


def parse(data: bytes):
    """The calendar and its one event."""
    assert isinstance(data, bytes)
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")  # CRLF only
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))  # folded
    cal = Calendar.from_ical(data)
    (event,) = cal.walk("VEVENT")
    return cal, event


def mailto(value) -> str:
    return str(value).removeprefix("mailto:").removeprefix("MAILTO:").lower()


def attendees(event) -> dict[str, object]:
    raw = event.get("attendee", [])
    raw = raw if isinstance(raw, list) else [raw]
    return {mailto(a): a for a in raw}


@pytest.fixture
def meeting(reference, zhytomyr, indiana, django_capture_on_commit_callbacks) -> Meeting:
    from regionbridge.meetings.services import meeting_create

    with django_capture_on_commit_callbacks(execute=False):
        return meeting_create(
            by=zhytomyr,
            title="Generators, second shipment",
            starts_at=START,
            ends_at=START + timedelta(hours=1, minutes=30),
            users=[indiana],
            people=[GUEST],
            purpose="Agree the dates.",
            place="Zhytomyr RMA, room 12",
            online_link="https://meet.example/abc",
            agenda=["Dates", "Customs; papers, stamps"],
        )


def test_invitation_fields(meeting, zhytomyr, indiana):
    cal, event = parse(calendar.invitation(meeting, indiana.email))
    assert cal["method"] == "REQUEST"
    assert cal["version"] == "2.0"
    assert str(cal["prodid"]) == calendar.PRODID
    assert str(event["uid"]) == meeting.uid
    assert event["sequence"] == 0
    assert event["status"] == "CONFIRMED"
    assert event.decoded("dtstart") == START
    assert event.decoded("dtend") == START + timedelta(hours=1, minutes=30)
    assert b"DTSTART:20300305T130000Z" in calendar.invitation(meeting, indiana.email)
    assert event.decoded("dtstamp") == meeting.updated_at.replace(microsecond=0)
    assert str(event["summary"]) == "Generators, second shipment"
    assert str(event["location"]) == "Zhytomyr RMA, room 12 · https://meet.example/abc"
    url = settings.SITE_URL.rstrip("/") + f"/meetings/{meeting.pk}/"
    assert str(event["url"]) == url
    description = str(event["description"])
    assert "Agree the dates." in description
    assert "1. Dates" in description and "2. Customs; papers, stamps" in description
    assert url in description


def test_organizer_is_the_invitees_own_reply_address(meeting, zhytomyr, indiana):
    _cal, event = parse(calendar.invitation(meeting, indiana.email))
    organizer = event["organizer"]
    token = read_reply_token(token_of(mailto(organizer)))
    assert token.thread_id == meeting.thread_id
    assert token.email == indiana.email
    # valid until 30 days after the meeting
    assert token.expires_on == timezone.localdate(meeting.ends_at) + timedelta(days=30)
    assert str(organizer.params["CN"]) == zhytomyr.get_full_name()
    # another invitee's file names another address
    _cal, other = parse(calendar.invitation(meeting, GUEST))
    assert mailto(other["organizer"]) != mailto(organizer)
    assert read_reply_token(token_of(mailto(other["organizer"]))).email == GUEST


def test_attendees_carry_their_answers(meeting, zhytomyr, indiana):
    meeting_respond(meeting=meeting, answer=Answer.ACCEPTED, by=indiana)
    meeting_respond(meeting=meeting, answer=Answer.DECLINED, guest_email=GUEST, via="email")
    _cal, event = parse(calendar.invitation(meeting, zhytomyr.email))
    people = attendees(event)
    assert set(people) == {zhytomyr.email, indiana.email, GUEST}
    assert people[indiana.email].params["PARTSTAT"] == "ACCEPTED"
    assert people[GUEST].params["PARTSTAT"] == "DECLINED"
    assert people[zhytomyr.email].params["PARTSTAT"] == "NEEDS-ACTION"
    assert all(p.params["RSVP"] == "TRUE" for p in people.values())
    assert str(people[indiana.email].params["CN"]) == indiana.get_full_name()


def test_uid_stays_and_sequence_rises_with_time_or_place(meeting, zhytomyr, indiana):
    first = parse(calendar.invitation(meeting, indiana.email))[1]
    meeting_update(meeting=meeting, by=zhytomyr, title="Generators: the second shipment")
    meeting.refresh_from_db()
    renamed = parse(calendar.invitation(meeting, indiana.email))[1]
    assert str(renamed["uid"]) == str(first["uid"])
    assert renamed["sequence"] == 0  # a new title moves nobody's calendar slot
    assert str(renamed["summary"]) == "Generators: the second shipment"

    moved_to = START + timedelta(days=1)
    meeting_update(
        meeting=meeting, by=zhytomyr, starts_at=moved_to, ends_at=moved_to + timedelta(hours=1)
    )
    meeting.refresh_from_db()
    moved = parse(calendar.invitation(meeting, indiana.email))[1]
    assert str(moved["uid"]) == str(first["uid"])
    assert moved["sequence"] == 1
    assert moved.decoded("dtstart") == moved_to
    assert moved.decoded("dtstamp") >= first.decoded("dtstamp")  # seconds: may be the same one

    meeting_update(meeting=meeting, by=zhytomyr, place="Kyiv, the Ministry")
    meeting.refresh_from_db()
    replaced = parse(calendar.invitation(meeting, indiana.email))[1]
    assert replaced["sequence"] == 2
    assert str(replaced["location"]).startswith("Kyiv, the Ministry")


def test_cancellation(meeting, zhytomyr, indiana):
    meeting_cancel(meeting=meeting, by=zhytomyr)
    meeting.refresh_from_db()
    for data in (
        calendar.invitation(meeting, indiana.email),
        calendar.cancellation(meeting, GUEST),
    ):
        cal, event = parse(data)
        assert cal["method"] == "CANCEL"
        assert event["status"] == "CANCELLED"
        assert str(event["uid"]) == meeting.uid
        assert event["sequence"] == 1  # above the last invitation's
        assert set(attendees(event)) == {zhytomyr.email, indiana.email, GUEST}


def test_cancellation_for_one_person_taken_off(meeting, zhytomyr, indiana):
    meeting_update(meeting=meeting, by=zhytomyr, people=[indiana.email])  # the guest is taken off
    meeting.refresh_from_db()
    cal, event = parse(calendar.cancellation(meeting, GUEST))
    assert cal["method"] == "CANCEL"
    assert event["status"] == "CANCELLED"
    assert set(attendees(event)) == {GUEST}
    # no reply address for someone who no longer takes part: the platform's own
    assert mailto(event["organizer"]) == calendar.platform_address()


def test_same_state_same_bytes(meeting, indiana):
    assert calendar.invitation(meeting, indiana.email) == calendar.invitation(
        meeting, indiana.email
    )


def test_hostile_text_stays_inside_its_property(zhytomyr, indiana, reference):
    from regionbridge.meetings.services import meeting_create

    nasty = "Line one\r\nMETHOD:CANCEL\r\nEND:VEVENT;,\\ «лапки» " + "я" * 400
    meeting = meeting_create(
        by=zhytomyr,
        title=nasty[:200],
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        users=[indiana],
        purpose=nasty,
        place=nasty[:300],
    )
    cal, event = parse(calendar.invitation(meeting, indiana.email))
    assert cal["method"] == "REQUEST"
    flat = nasty.replace("\r\n", "\n")  # a line break inside a text value is written \n
    assert str(event["summary"]) == flat[:198].strip()
    assert flat.strip() in str(event["description"])
    assert len(cal.walk("VEVENT")) == 1


def test_feed_is_publish_with_only_the_reader_as_attendee(meeting, zhytomyr, indiana):
    meeting_respond(meeting=meeting, answer=Answer.TENTATIVE, by=indiana)
    data = calendar.feed([meeting], indiana)
    cal = Calendar.from_ical(data)
    assert cal["method"] == "PUBLISH"
    (event,) = cal.walk("VEVENT")
    assert set(attendees(event)) == {indiana.email}
    assert attendees(event)[indiana.email].params["PARTSTAT"] == "TENTATIVE"
    assert mailto(event["organizer"]) == calendar.platform_address()
    assert str(event["organizer"].params["CN"]) == zhytomyr.get_full_name()


def test_read_reply_of_a_calendar_answer(meeting, indiana):
    _cal, event = parse(calendar.invitation(meeting, indiana.email))
    reply = reply_ics(
        meeting.uid, indiana.email, "ACCEPTED", sequence=0, organizer=event["organizer"]
    )
    answer = calendar.read_reply(reply)
    assert answer == calendar.CalendarReply(
        uid=meeting.uid, answers={indiana.email: "ACCEPTED"}, sequence=0, comment=""
    )


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00" * 100,
        b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n",  # no event
        b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\n" + b"X:" + b"a" * 300_000,
        b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\nSEQUENCE:nine\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n",
    ],
)
def test_read_reply_refuses_what_is_no_answer(data):
    assert calendar.read_reply(data) is None


def reply_ics(
    uid: str, attendee: str, partstat: str, *, sequence: int = 0, organizer="mailto:x@y"
) -> bytes:
    """A METHOD:REPLY as Outlook and Gmail write one."""
    return (
        "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\n"
        "CALSCALE:GREGORIAN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
        "DTSTART:20300305T130000Z\r\nDTEND:20300305T143000Z\r\nDTSTAMP:20300101T000000Z\r\n"
        f"ORGANIZER;CN=Organizer:{organizer}\r\nUID:{uid}\r\n"
        f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN=Someone;\r\n"
        f" X-NUM-GUESTS=0:mailto:{attendee}\r\n"
        f"SEQUENCE:{sequence}\r\nSTATUS:CONFIRMED\r\nSUMMARY:Generators\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


# --- whose file: the person's own invitation (pages and API share `invitation_for`) -----------


def test_invitation_for_an_invitee(meeting, indiana):
    cal, event = parse(invitation_for(indiana, meeting))
    assert cal["method"] == "REQUEST"
    assert read_reply_token(token_of(mailto(event["organizer"]))).email == indiana.email


def test_invitation_for_after_cancellation_is_the_cancellation(meeting, zhytomyr, indiana):
    meeting_cancel(meeting=meeting, by=zhytomyr)
    meeting.refresh_from_db()
    cal, event = parse(invitation_for(indiana, meeting))
    assert (cal["method"], event["status"]) == ("CANCEL", "CANCELLED")


@pytest.mark.parametrize("name", ["coordinator", "embassy", "chernihiv", "outsider"])
def test_no_invitation_for_someone_not_invited(meeting, request, name):
    """A coordinator sees every meeting for oversight, but has no invitation to it."""
    assert invitation_for(request.getfixturevalue(name), meeting) is None


def test_confidential_meeting_file_only_for_those_who_may_see_it(
    reference, chernihiv, embassy, indiana
):
    from regionbridge.meetings.services import meeting_create
    from tests.test_policy import chernihiv_minnesota

    negotiation = chernihiv_minnesota()
    meeting = meeting_create(
        by=chernihiv,
        title="Confidential terms",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        users=[embassy],
        partnership=negotiation,
    )
    assert invitation_for(embassy, meeting) is not None
    # Indiana's liaison is no side of the Minnesota negotiation: even named, no file
    from regionbridge.messaging.models import Participant

    Participant.objects.create(thread=meeting.thread, user=indiana)
    assert invitation_for(indiana, meeting) is None
    _cal, event = parse(calendar.invitation(meeting, embassy.email))
    assert indiana.email not in attendees(event)  # nor is named in anyone's file
