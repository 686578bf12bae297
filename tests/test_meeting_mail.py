"""Invitations by e-mail, and the calendars' answers that come back through mailgate.

Each invitee gets one e-mail per change, in their language (a guest: Ukrainian, then English),
with the times in their zone and the organizer's, a text/calendar alternative whose Content-Type
names its METHOD (what Outlook and Gmail read as an invitation) and invite.ics. Its Reply-To and
its calendar file's ORGANIZER are the person's own reply address: a text reply is a message in
the meeting's thread; the calendar's accept/decline (METHOD:REPLY) is recorded as their answer.
"""

import email
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import make_msgid

import pytest
from django.core import mail
from icalendar import Calendar

from regionbridge.audit.models import AuditEntry
from regionbridge.meetings import calendar
from regionbridge.meetings.invitations import invitations_send
from regionbridge.meetings.models import Answer, Meeting, MeetingResponse
from regionbridge.meetings.services import (
    meeting_cancel,
    meeting_create,
    meeting_respond,
    meeting_update,
)
from regionbridge.messaging.inbound import receive
from regionbridge.messaging.models import Message
from regionbridge.messaging.replies import read_reply_token
from regionbridge.outbox.models import Notification, OutboundEmail
from regionbridge.outbox.tasks import deliver_due
from tests.conftest import make_member
from tests.test_mail import IMMEDIATE_TASKS, token_of
from tests.test_meeting_calendar import reply_ics

pytestmark = pytest.mark.django_db

START = datetime(2030, 3, 5, 13, 0, tzinfo=UTC)  # 15:00 in Kyiv, 08:00 in Indianapolis
GUEST = "guest@partner.example"
OUR_MX = "mx.regionbridge.test"


def person(address: str, *, language: str = "en", mode: str = "every", zone: str = "Europe/Kyiv"):
    return make_member(
        "regional",
        region_code="UA-18",
        email=address,
        language=language,
        notification_mode=mode,
        timezone=zone,
        full_name=address.split("@")[0].title(),
    )


@pytest.fixture
def cast(reference, indiana):
    """Olga organizes (uk, Kyiv); Indiana's liaison (en, Indianapolis); Dan reads a digest;
    Otto wants no e-mail; and a guest without an account."""
    indiana.timezone = "America/Indiana/Indianapolis"
    indiana.save(update_fields=["timezone"])
    return {
        "olga": person("olga@example.org", language="uk"),
        "indiana": indiana,
        "dan": person("dan@example.org", mode="digest"),
        "otto": person("otto@example.org", mode="off"),
    }


@pytest.fixture
def sent(settings, django_capture_on_commit_callbacks):
    """Jobs run at once (the immediate backend); `run()` runs a block's after-commit work."""
    settings.TASKS = IMMEDIATE_TASKS

    def run(work):
        with django_capture_on_commit_callbacks(execute=True):
            return work()

    return run


@pytest.fixture
def meeting(cast, sent) -> Meeting:
    return sent(
        lambda: meeting_create(
            by=cast["olga"],
            title="Generators",
            starts_at=START,
            ends_at=START + timedelta(hours=1),
            users=[cast["indiana"], cast["dan"], cast["otto"]],
            people=[GUEST],
            place="Zhytomyr RMA",
            agenda=["Dates"],
        )
    )


def parsed(message) -> EmailMessage:
    return email.message_from_bytes(message.message().as_bytes(), policy=default_policy)


def calendar_parts(message) -> tuple[EmailMessage, EmailMessage]:
    """The text/calendar alternative and the invite.ics attachment."""
    msg = parsed(message)
    alternative = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    attached = [p for p in msg.walk() if p.get_filename() == "invite.ics"]
    assert len(alternative) == 1 and len(attached) == 1
    return alternative[0], attached[0]


def event_of(message):
    alternative, attached = calendar_parts(message)
    data = alternative.get_payload(decode=True)
    # the attachment keeps its CRLF exactly (base64); the text part's lines end as the wire's do
    assert data.replace(b"\r\n", b"\n") == attached.get_payload(decode=True).replace(b"\r\n", b"\n")
    cal = Calendar.from_ical(data)
    (event,) = cal.walk("VEVENT")
    return cal, event


def to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def text(message) -> str:
    return parsed(message).get_body(preferencelist=("plain",)).get_content()


# --- out --------------------------------------------------------------------------------------


def test_every_invitee_but_those_without_email_gets_one_invitation(meeting, cast):
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["olga@example.org", "indiana@example.org", "dan@example.org", GUEST]
    )
    # Otto chose no e-mail: told in the app only
    assert Notification.objects.filter(user=cast["otto"], kind="meeting.invited").exists()
    for message in mail.outbox:
        alternative, attached = calendar_parts(message)
        assert alternative.get_content_type() == "text/calendar"
        assert alternative.get_param("method") == "REQUEST"
        assert attached.get_content_type() == "application/ics"
        cal, event = event_of(message)
        assert cal["method"] == "REQUEST"
        assert str(event["uid"]) == meeting.uid
        address = message.to[0]
        people = {str(a).removeprefix("mailto:") for a in event["attendee"]}
        assert address in people
        organizer = str(event["organizer"]).removeprefix("mailto:")
        assert message.reply_to == [organizer]  # Reply-To and ORGANIZER: one reply address
        assert read_reply_token(token_of(organizer)).email == address
        assert read_reply_token(token_of(organizer)).thread_id == meeting.thread_id


def test_invitation_in_the_readers_language_and_time_zone(meeting):
    (to_indiana,) = to("indiana@example.org")
    assert to_indiana.subject.startswith("[Region Bridge] Invitation: Generators")
    body = text(to_indiana)
    assert "invites you to a meeting" in body
    assert "08:00–09:00 (America/Indiana/Indianapolis)" in body
    assert "15:00–16:00 (Europe/Kyiv) for the organizer" in body
    assert f"/meetings/{meeting.pk}/" in body

    (to_olga,) = to("olga@example.org")
    body = text(to_olga)
    assert "15:00–16:00 (Europe/Kyiv)" in body
    assert "for the organizer" not in body and "організатор" not in body.split("---")[0][-80:]
    assert "Запрошення" in to_olga.subject


def test_guest_reads_ukrainian_then_english_and_utc(meeting):
    (to_guest,) = to(GUEST)
    assert to_guest.subject.index("Запрошення") < to_guest.subject.index("Invitation")
    body = text(to_guest)
    assert body.index("Вітаємо,") < body.index("Hello,")
    assert "13:00–14:00 (UTC)" in body
    assert "15:00–16:00 (Europe/Kyiv) for the organizer" in body
    assert f"/meetings/{meeting.pk}/" not in body  # no account: the calendar file answers


def test_a_job_run_again_sends_nothing_twice(meeting):
    rows = OutboundEmail.objects.count()
    assert invitations_send.call(meeting.pk) == 0
    assert OutboundEmail.objects.count() == rows


def test_new_time_sends_everyone_the_update_with_a_higher_sequence(meeting, cast, sent):
    mail.outbox.clear()
    later = START + timedelta(days=1)
    sent(
        lambda: meeting_update(
            meeting=meeting, by=cast["olga"], starts_at=later, ends_at=later + timedelta(hours=1)
        )
    )
    assert len(mail.outbox) == 4
    for message in mail.outbox:
        _cal, event = event_of(message)
        assert str(event["uid"]) == meeting.uid
        assert event["sequence"] == 1
        assert event.decoded("dtstart") == later
    (to_indiana,) = to("indiana@example.org")
    assert to_indiana.subject.startswith("[Region Bridge] Changed: Generators")


def test_person_added_gets_a_first_invitation_and_nobody_else_mail(meeting, cast, sent):
    mail.outbox.clear()
    newcomer = person("nina@example.org")
    sent(
        lambda: meeting_update(
            meeting=meeting,
            by=cast["olga"],
            people=[
                "indiana@example.org",
                "dan@example.org",
                "otto@example.org",
                GUEST,
                newcomer.email,
            ],
        )
    )
    (message,) = mail.outbox
    assert message.to == ["nina@example.org"]
    assert message.subject.startswith("[Region Bridge] Invitation:")
    assert event_of(message)[0]["method"] == "REQUEST"


def test_person_taken_off_gets_a_cancellation_only(meeting, cast, sent):
    mail.outbox.clear()
    sent(
        lambda: meeting_update(
            meeting=meeting,
            by=cast["olga"],
            people=["indiana@example.org", "dan@example.org", "otto@example.org"],
        )
    )
    (message,) = mail.outbox
    assert message.to == [GUEST]
    alternative, _ = calendar_parts(message)
    assert alternative.get_param("method") == "CANCEL"
    cal, event = event_of(message)
    assert (cal["method"], event["status"]) == ("CANCEL", "CANCELLED")
    assert {str(a).removeprefix("mailto:") for a in [event["attendee"]]} == {GUEST}
    assert "No longer invited" in message.subject


def test_cancellation_reaches_everyone_with_method_cancel(meeting, cast, sent):
    mail.outbox.clear()
    sent(lambda: meeting_cancel(meeting=meeting, by=cast["olga"]))
    assert len(mail.outbox) == 4
    for message in mail.outbox:
        alternative, _attached = calendar_parts(message)
        assert alternative.get_param("method") == "CANCEL"
        cal, event = event_of(message)
        assert (cal["method"], event["status"], event["sequence"]) == ("CANCEL", "CANCELLED", 1)
        assert str(event["uid"]) == meeting.uid
    (to_indiana,) = to("indiana@example.org")
    assert to_indiana.subject.startswith("[Region Bridge] Cancelled: Generators")
    # cancelling again sends nothing
    mail.outbox.clear()
    sent(lambda: meeting_cancel(meeting=meeting, by=cast["olga"]))
    assert mail.outbox == []


def test_late_invitation_job_after_cancellation_sends_the_cancellation_once(meeting, cast, sent):
    """A job that ran late, after the meeting was cancelled, says what is true now."""
    mail.outbox.clear()
    sent(lambda: meeting_cancel(meeting=meeting, by=cast["olga"]))
    count = OutboundEmail.objects.count()
    assert invitations_send.call(meeting.pk) == 0  # the same cancellation, already written
    assert OutboundEmail.objects.count() == count


def test_email_delivered_later_through_the_outbox_keeps_its_calendar(cast, settings):
    """With the database queue the worker sends it later, still with the calendar part."""
    meeting = meeting_create(
        by=cast["olga"],
        title="Later",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        users=[cast["indiana"]],
    )
    invitations_send.call(meeting.pk)
    mail.outbox.clear()
    assert deliver_due() == (2, 0)
    (message,) = to("indiana@example.org")
    assert event_of(message)[0]["method"] == "REQUEST"


# --- in: the calendar's answer through mailgate -----------------------------------------------


@pytest.fixture
def trusted_mx(settings):
    settings.MAIL_TRUSTED_AUTHSERV_ID = OUR_MX


def calendar_answer(
    *,
    sender: str,
    to_address: str,
    ics: bytes,
    body: str = "Indiana has accepted this invitation.",
    as_attachment_only: bool = False,
) -> bytes:
    """An answer as Gmail sends one: a text part, a text/calendar; method=REPLY part (or only an
    .ics file), vouched for by our MTA."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to_address
    msg["Subject"] = "Accepted: Generators"
    msg["Message-ID"] = make_msgid(domain="mail.example")
    msg.set_content(body)
    if as_attachment_only:
        msg.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    else:
        msg.add_alternative(ics.decode(), subtype="calendar", params={"method": "REPLY"})
    domain = sender.rpartition("@")[2]
    top = f"Authentication-Results: {OUR_MX}; dkim=pass header.d={domain}\n".encode()
    return top + msg.as_bytes()


def organizer_of(meeting: Meeting, address: str) -> str:
    return calendar.organizer_address(meeting, address)


@pytest.mark.usefixtures("trusted_mx")
@pytest.mark.parametrize("attachment_only", [False, True])
def test_calendar_accept_is_recorded_as_the_answer(meeting, cast, attachment_only):
    messages = Message.objects.count()
    indiana = cast["indiana"]
    outcome = receive(
        calendar_answer(
            sender=indiana.email,
            to_address=organizer_of(meeting, indiana.email),
            ics=reply_ics(meeting.uid, indiana.email, "ACCEPTED"),
            as_attachment_only=attachment_only,
        )
    )
    assert (outcome.accepted, outcome.reason) == (True, "calendar answer recorded")
    assert outcome.smtp_reply.startswith("250 ")
    row = MeetingResponse.objects.get(meeting=meeting, user=indiana)
    assert (row.answer, row.via) == (Answer.ACCEPTED, "email")
    assert Message.objects.count() == messages  # "has accepted" is not posted to the thread


@pytest.mark.usefixtures("trusted_mx")
def test_guest_declines_from_their_calendar(meeting):
    outcome = receive(
        calendar_answer(
            sender=GUEST,
            to_address=organizer_of(meeting, GUEST),
            ics=reply_ics(meeting.uid, GUEST, "DECLINED"),
        )
    )
    assert outcome.accepted
    row = MeetingResponse.objects.get(meeting=meeting, guest_email=GUEST)
    assert row.answer == Answer.DECLINED


@pytest.mark.usefixtures("trusted_mx")
def test_answer_changes_the_file_that_follows(meeting, cast):
    indiana = cast["indiana"]
    receive(
        calendar_answer(
            sender=indiana.email,
            to_address=organizer_of(meeting, indiana.email),
            ics=reply_ics(meeting.uid, indiana.email, "TENTATIVE"),
        )
    )
    cal = Calendar.from_ical(calendar.invitation(meeting, cast["olga"].email))
    (event,) = cal.walk("VEVENT")
    partstat = {str(a).removeprefix("mailto:"): a.params["PARTSTAT"] for a in event["attendee"]}
    assert partstat[indiana.email] == "TENTATIVE"


def refused(outcome, reason: str, status: str) -> None:
    assert outcome.accepted is False
    assert outcome.reason == reason
    assert outcome.smtp_reply.startswith(f"550 {status} Refused: {reason}")
    assert AuditEntry.objects.filter(action="mail.refused", changes__reason=reason).exists()
    assert not MeetingResponse.objects.exists()


@pytest.mark.usefixtures("trusted_mx")
def test_answer_for_another_meeting_is_refused(meeting, cast):
    indiana = cast["indiana"]
    outcome = receive(
        calendar_answer(
            sender=indiana.email,
            to_address=organizer_of(meeting, indiana.email),
            ics=reply_ics("someone-else@regionbridge", indiana.email, "ACCEPTED"),
        )
    )
    refused(outcome, "calendar answer for another meeting", "5.1.1")


@pytest.mark.usefixtures("trusted_mx")
def test_answer_for_another_attendee_is_refused(meeting, cast):
    """Indiana's liaison cannot answer for Dan through their own reply address."""
    indiana = cast["indiana"]
    outcome = receive(
        calendar_answer(
            sender=indiana.email,
            to_address=organizer_of(meeting, indiana.email),
            ics=reply_ics(meeting.uid, "dan@example.org", "DECLINED"),
        )
    )
    refused(outcome, "calendar answer for another attendee", "5.7.1")


@pytest.mark.usefixtures("trusted_mx")
def test_answer_sent_to_someone_elses_address_is_refused(meeting, cast):
    indiana = cast["indiana"]
    outcome = receive(
        calendar_answer(
            sender=indiana.email,
            to_address=organizer_of(meeting, "dan@example.org"),
            ics=reply_ics(meeting.uid, indiana.email, "ACCEPTED"),
        )
    )
    refused(outcome, "sender is not the addressee", "5.7.1")


@pytest.mark.usefixtures("trusted_mx")
@pytest.mark.parametrize(
    ("ics", "reason"),
    [
        (b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n", "calendar answer cannot be read"),
        (None, "calendar answer must accept, decline or be tentative"),
    ],
)
def test_unreadable_or_odd_answer_is_refused(meeting, cast, ics, reason):
    indiana = cast["indiana"]
    ics = ics or reply_ics(meeting.uid, indiana.email, "DELEGATED")
    outcome = receive(
        calendar_answer(
            sender=indiana.email, to_address=organizer_of(meeting, indiana.email), ics=ics
        )
    )
    refused(outcome, reason, "5.6.0")


@pytest.mark.usefixtures("trusted_mx")
def test_answer_to_an_earlier_version_is_ignored(meeting, cast, sent):
    olga, indiana = cast["olga"], cast["indiana"]
    sent(lambda: meeting_update(meeting=meeting, by=olga, place="Kyiv"))  # SEQUENCE 1
    meeting.refresh_from_db()
    outcome = receive(
        calendar_answer(
            sender=indiana.email,
            to_address=organizer_of(meeting, indiana.email),
            ics=reply_ics(meeting.uid, indiana.email, "ACCEPTED", sequence=0),
        )
    )
    assert (outcome.accepted, outcome.reason) == (
        True,
        "calendar answer to an earlier version ignored",
    )
    assert not MeetingResponse.objects.exists()


@pytest.mark.usefixtures("trusted_mx")
def test_answer_to_a_cancelled_meeting_is_refused(meeting, cast, sent):
    sent(lambda: meeting_cancel(meeting=meeting, by=cast["olga"]))
    indiana = cast["indiana"]
    outcome = receive(
        calendar_answer(
            sender=indiana.email,
            to_address=organizer_of(meeting, indiana.email),
            ics=reply_ics(meeting.uid, indiana.email, "ACCEPTED", sequence=1),
        )
    )
    refused(outcome, "the meeting was cancelled", "5.6.0")


@pytest.mark.usefixtures("trusted_mx")
def test_answer_of_someone_taken_off_is_refused(meeting, cast, sent):
    indiana = cast["indiana"]
    address = organizer_of(meeting, indiana.email)
    sent(
        lambda: meeting_update(
            meeting=meeting, by=cast["olga"], people=["dan@example.org", "otto@example.org"]
        )
    )
    outcome = receive(
        calendar_answer(
            sender=indiana.email,
            to_address=address,
            ics=reply_ics(meeting.uid, indiana.email, "ACCEPTED"),
        )
    )
    refused(outcome, "not a participant", "5.7.1")


@pytest.mark.usefixtures("trusted_mx")
def test_forged_answer_is_refused_like_any_reply(meeting, cast):
    indiana = cast["indiana"]
    raw = calendar_answer(
        sender=indiana.email,
        to_address=organizer_of(meeting, indiana.email),
        ics=reply_ics(meeting.uid, indiana.email, "DECLINED"),
    ).replace(b"dkim=pass", b"dkim=fail")
    outcome = receive(raw)
    assert outcome.accepted is False
    assert not MeetingResponse.objects.exists()


@pytest.mark.usefixtures("trusted_mx")
def test_text_reply_to_an_invitation_is_a_message_in_the_meetings_thread(meeting, cast):
    indiana = cast["indiana"]
    msg = EmailMessage()
    msg["From"] = indiana.email
    msg["To"] = organizer_of(meeting, indiana.email)
    msg["Subject"] = "Re: Invitation"
    msg["Message-ID"] = make_msgid(domain="mail.example")
    msg.set_content("Could we start half an hour later?")
    raw = f"Authentication-Results: {OUR_MX}; dkim=pass header.d=example.org\n".encode()
    outcome = receive(raw + msg.as_bytes())
    assert (outcome.accepted, outcome.reason) == (True, "accepted")
    assert outcome.message.thread_id == meeting.thread_id
    assert outcome.message.author == indiana


@pytest.mark.usefixtures("trusted_mx")
def test_calendar_reply_to_an_ordinary_thread_is_posted_as_a_message(cast):
    """Only a meeting's thread takes calendar answers; elsewhere it is a reply like any."""
    from regionbridge.messaging.replies import reply_address
    from regionbridge.messaging.services import thread_create

    indiana = cast["indiana"]
    thread = thread_create(by=cast["olga"], subject="Plain", users=[indiana])
    outcome = receive(
        calendar_answer(
            sender=indiana.email,
            to_address=reply_address(thread, indiana.email),
            ics=reply_ics("whatever@x", indiana.email, "ACCEPTED"),
        )
    )
    assert (outcome.accepted, outcome.reason) == (True, "accepted")
    assert outcome.message.thread == thread


def test_api_helper_answer_and_file_agree(meeting, cast):
    """The answer given in the platform shows in the next file of anyone's invitation."""
    meeting_respond(meeting=meeting, answer=Answer.DECLINED, by=cast["dan"])
    cal = Calendar.from_ical(calendar.invitation(meeting, cast["indiana"].email))
    (event,) = cal.walk("VEVENT")
    partstat = {str(a).removeprefix("mailto:"): a.params["PARTSTAT"] for a in event["attendee"]}
    assert partstat["dan@example.org"] == "DECLINED"


def test_confidential_meeting_mails_only_who_may_see_it(reference, chernihiv, embassy, indiana):
    """Someone named in the thread who may not see the negotiation gets no invitation, and is
    named in nobody's file."""
    from regionbridge.messaging.models import Participant
    from tests.test_policy import chernihiv_minnesota

    meeting = meeting_create(
        by=chernihiv,
        title="Terms",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        users=[embassy],
        partnership=chernihiv_minnesota(),
    )
    Participant.objects.create(thread=meeting.thread, user=indiana)
    invitations_send.call(meeting.pk)
    deliver_due()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([chernihiv.email, embassy.email])
    for message in mail.outbox:
        _cal, event = event_of(message)
        assert indiana.email not in str(event.to_ical())
