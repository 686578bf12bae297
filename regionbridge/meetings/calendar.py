"""iCalendar files for meetings (RFC 5545, with the methods of RFC 5546), built and read here.

A meeting keeps one UID for its whole life and a SEQUENCE that rises with each change of time or
place, so a calendar updates the event it has instead of adding another. Times are written in
UTC (`…Z`), which every calendar converts to its owner's zone, so no VTIMEZONE is needed.

Each invitee's file names as ORGANIZER the platform's reply address for that invitee in the
meeting's thread (`messaging.replies`): when their calendar answers (METHOD:REPLY), the answer
comes back through mailgate, is checked like any reply, and is recorded (`invitations`).
The file is deterministic for a meeting's state (DTSTAMP is the meeting's last change), so the
same invitation fetched twice is the same bytes.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from regionbridge import policy
from regionbridge.meetings.models import Answer, Meeting, MeetingResponse
from regionbridge.messaging.replies import reply_address

PRODID = "-//Region Bridge//Meetings 1.0//EN"
REQUEST, CANCEL, PUBLISH, REPLY = "REQUEST", "CANCEL", "PUBLISH", "REPLY"
REPLY_DAYS_AFTER = 30  # an invitation's reply address lasts until 30 days after its meeting
MAX_REPLY_BYTES = 256 * 1024  # a calendar's answer is a few kilobytes

PARTSTAT = {
    Answer.NEEDS_ACTION: "NEEDS-ACTION",
    Answer.ACCEPTED: "ACCEPTED",
    Answer.TENTATIVE: "TENTATIVE",
    Answer.DECLINED: "DECLINED",
}
ANSWER_OF_PARTSTAT = {value: key for key, value in PARTSTAT.items()}


@dataclass(frozen=True)
class Attendee:
    email: str  # lower case
    name: str
    answer: str  # an Answer value


def page_url(meeting: Meeting) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("meetings:detail", args=[meeting.pk])


def platform_address() -> str:
    """The platform's own sender address (DEFAULT_FROM_EMAIL without its name)."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.REPLY_ADDRESS


def organizer_address(meeting: Meeting, email: str) -> str:
    """Where `email`'s calendar sends its answer: their reply address in the meeting's thread,
    valid until 30 days after the meeting. Someone who no longer takes part (a cancellation sent
    to a guest taken off the list) has none: their file names the platform's own address."""
    expires_on = timezone.localdate(meeting.ends_at) + timedelta(days=REPLY_DAYS_AFTER)
    try:
        return reply_address(meeting.thread, email, expires_on=expires_on)
    except ValidationError:
        return platform_address()


def attendees(meeting: Meeting) -> list[Attendee]:
    """The people invited (accounts who may see the meeting, then guests), with their answers:
    two queries for the answers and people, one for the guests."""
    answers: dict[Any, str] = {}
    for user_id, guest, answer in MeetingResponse.objects.filter(meeting=meeting).values_list(
        "user_id", "guest_email", "answer"
    ):
        answers[user_id if user_id is not None else guest.lower()] = answer
    people = [
        Attendee(
            user.email.lower(), user.get_full_name(), answers.get(user.pk, Answer.NEEDS_ACTION)
        )
        for user in policy.audience("meeting.invited", meeting).order_by("pk")
    ]
    guests = meeting.thread.participants.exclude(guest_email="").order_by("pk")
    if meeting.partnership_id is not None and meeting.partnership.confidential:
        guests = guests.none()  # as messaging.guest_emails: none on a confidential negotiation
    for address, name in guests.values_list("guest_email", "guest_name"):
        address = address.lower()
        people.append(Attendee(address, name, answers.get(address, Answer.NEEDS_ACTION)))
    return people


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _address(email: str, *, name: str = "", **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = vText(value)
    return address


def _attendee(person: Attendee) -> vCalAddress:
    return _address(
        person.email,
        name=person.name,
        cutype="INDIVIDUAL",
        role="REQ-PARTICIPANT",
        partstat=PARTSTAT.get(person.answer, "NEEDS-ACTION"),
        rsvp="TRUE",
    )


def _organizer_name(meeting: Meeting) -> str:
    return meeting.organizer.get_full_name() if meeting.organizer_id else _("Region Bridge")


def location(meeting: Meeting) -> str:
    return " · ".join(part for part in (meeting.place, meeting.online_link) if part)


def description(meeting: Meeting) -> str:
    """Purpose, agenda and the meeting's page, in the active language."""
    parts = []
    if meeting.purpose:
        parts.append(meeting.purpose)
    agenda = [item.text for item in meeting.agenda.all()]
    if agenda:
        lines = [f"{i}. {text}" for i, text in enumerate(agenda, start=1)]
        parts.append("\n".join([_("Agenda:"), *lines]))
    if meeting.online_link:
        parts.append(f"{_('Join online:')} {meeting.online_link}")
    parts.append(f"{_('The meeting in Region Bridge:')} {page_url(meeting)}")
    return "\n\n".join(parts)


def _event(
    meeting: Meeting,
    *,
    organizer: vCalAddress,
    people: list[Attendee],
    cancelled: bool,
) -> Event:
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", _utc(meeting.updated_at))
    event.add("created", _utc(meeting.created_at))
    event.add("last-modified", _utc(meeting.updated_at))
    event.add("sequence", meeting.sequence)
    event.add("dtstart", _utc(meeting.starts_at))
    event.add("dtend", _utc(meeting.ends_at))
    event.add("summary", meeting.title)
    event.add("description", description(meeting))
    where = location(meeting)
    if where:
        event.add("location", where)
    event.add("url", page_url(meeting))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", organizer)
    for person in people:
        event.add("attendee", _attendee(person))
    return event


def _calendar(method: str, events: list[Event], **extra: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    for name, value in extra.items():
        calendar.add(name.replace("_", "-"), value)
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()  # CRLF line endings, lines folded at 75 octets


def _with(people: list[Attendee], email: str) -> list[Attendee]:
    """`people`, with the recipient among them (a calendar offers answers only to an ATTENDEE)."""
    email = email.lower()
    if any(person.email == email for person in people):
        return people
    return [*people, Attendee(email, "", Answer.NEEDS_ACTION)]


def invitation(meeting: Meeting, email: str) -> bytes:
    """The file `email`'s invitation carries: METHOD:REQUEST with every invitee and their
    answers, or, once the meeting is cancelled, its cancellation."""
    if meeting.is_cancelled:
        return cancellation(meeting, email)
    organizer = _address(organizer_address(meeting, email), name=_organizer_name(meeting))
    people = _with(attendees(meeting), email)
    return _calendar(
        REQUEST, [_event(meeting, organizer=organizer, people=people, cancelled=False)]
    )


def cancellation(meeting: Meeting, email: str) -> bytes:
    """METHOD:CANCEL, STATUS:CANCELLED: the whole meeting (every invitee listed), or, while it
    goes on, for `email` alone (taken off the list)."""
    organizer = _address(organizer_address(meeting, email), name=_organizer_name(meeting))
    email = email.lower()
    if meeting.is_cancelled:
        people = _with(attendees(meeting), email)
    else:
        people = [Attendee(email, "", Answer.NEEDS_ACTION)]
    return _calendar(CANCEL, [_event(meeting, organizer=organizer, people=people, cancelled=True)])


def feed(meetings: Any, user: Any) -> bytes:
    """A person's calendar feed (METHOD:PUBLISH): `meetings` with only that person as ATTENDEE
    (their own answer), organized in the organizer's name from the platform's address; cancelled
    ones stay, with STATUS:CANCELLED, so calendars remove them. One query for the answers."""
    meetings = list(meetings)
    answers = dict(
        MeetingResponse.objects.filter(meeting__in=[m.pk for m in meetings], user=user).values_list(
            "meeting_id", "answer"
        )
    )
    address = platform_address()
    events = [
        _event(
            meeting,
            organizer=_address(address, name=_organizer_name(meeting)),
            people=[
                Attendee(
                    user.email.lower(),
                    user.get_full_name(),
                    answers.get(meeting.pk, Answer.NEEDS_ACTION),
                )
            ],
            cancelled=meeting.is_cancelled,
        )
        for meeting in meetings
    ]
    return _calendar(
        PUBLISH,
        events,
        x_wr_calname=_("Region Bridge meetings"),
        x_published_ttl="PT1H",
    )


# --- reading a calendar's answer --------------------------------------------------------------


@dataclass(frozen=True)
class CalendarReply:
    """What a METHOD:REPLY says: for the event `uid` (as of `sequence`), each ATTENDEE's
    PARTSTAT (normally one: the person answering)."""

    uid: str
    answers: dict[str, str]  # lower-case address → PARTSTAT as written (ACCEPTED, DECLINED…)
    sequence: int
    comment: str = ""


def _mailto(value: Any) -> str:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def read_reply(data: bytes) -> CalendarReply | None:
    """The answer in a calendar's REPLY, or None if `data` is no readable METHOD:REPLY with an
    event (anything else, however malformed, is None, never an exception)."""
    if not data or len(data) > MAX_REPLY_BYTES:
        return None
    try:
        calendar = Calendar.from_ical(data)
        if str(calendar.get("method", "")).strip().upper() != REPLY:
            return None
        event = next(iter(calendar.walk("VEVENT")), None)
        if event is None or not str(event.get("uid", "")).strip():
            return None
        raw = event.get("attendee", [])
        answers = {}
        for attendee in raw if isinstance(raw, list) else [raw]:
            answers[_mailto(attendee)] = str(attendee.params.get("PARTSTAT", "")).upper()
        sequence = int(str(event.get("sequence", 0)) or 0)
        comment = event.get("comment", "")
        if isinstance(comment, list):
            comment = comment[0] if comment else ""
        return CalendarReply(
            uid=str(event["uid"]).strip()[:200],
            answers=answers,
            sequence=sequence,
            comment=str(comment).strip()[:500],
        )
    except Exception:  # a broken file is no answer; the caller refuses it with a reason
        return None
