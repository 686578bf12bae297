"""Invitations by e-mail, each with its calendar file (`calendar`), written and sent by the worker;
and the calendars' answers that come back through mailgate.

A service calls `send_on_commit`; after commit a job renders, for each invitee, the e-mail in
their language (guests without an account: Ukrainian, then English) with the times in their
time zone and, beside, the organizer's, and writes one outbox row per person under a key of the
meeting's state, so a retried job sends nothing twice. Each e-mail's Reply-To and its calendar
file's ORGANIZER are the invitee's own reply address in the meeting's thread: a text reply is a
message to everyone invited, and the calendar's own accept/decline (METHOD:REPLY) is recorded as
their answer (`calendar_reply_receive`, registered with mailgate in MeetingsConfig.ready).
"""

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django_tasks import task

from regionbridge import policy
from regionbridge.accounts.models import NotificationMode, User
from regionbridge.meetings import calendar
from regionbridge.meetings.models import Answer, Meeting
from regionbridge.messaging import inbound
from regionbridge.messaging.models import Thread
from regionbridge.messaging.services import guest_emails
from regionbridge.outbox.models import OutboundEmail
from regionbridge.outbox.services import render_templated
from regionbridge.outbox.tasks import outbox_kick

logger = logging.getLogger(__name__)

GUEST_LANGUAGES = ("uk", "en")  # a guest's language is unknown: both, Ukrainian first
GUEST_CALENDAR_LANGUAGE = "en"  # the few words of a guest's calendar file (a foreign partner)


@dataclass(frozen=True)
class Recipient:
    email: str
    user: User | None  # None: a guest without an account

    @property
    def who(self) -> str:
        """Short and stable for an outbox key: the account's id, or a digest of the address."""
        if self.user is not None:
            return f"u{self.user.pk}"
        return "g" + hashlib.sha256(self.email.lower().encode()).hexdigest()[:16]


# --- who --------------------------------------------------------------------------------------


def _wants_mail(users: Any) -> Any:
    """Invitations are business mail the person has to act on, unlike message notifications, so
    they go whatever the e-mail mode, except to people who chose no e-mail at all ("off"): those
    are told in the app (`meeting_told`) and find the meeting on their list and calendar feed."""
    return users.exclude(notification_mode=NotificationMode.OFF)


def recipients(meeting: Meeting, *, only: Iterable | None = None, cancel: bool = False) -> list:
    """Who is sent the invitation (or cancellation): every invitee who may see the meeting, or
    `only` those ({("u", user_id), ("g", guest_email)}). A cancellation to people taken off the
    list goes to those who no longer take part (not to someone added back, or still invited
    through their office); guests only where the thread admits them (never on a confidential
    negotiation)."""
    invited = policy.audience("meeting.invited", meeting)
    guests = [address.lower() for address in guest_emails(meeting.thread)]
    if only is None:
        users = _wants_mail(invited)
        return [Recipient(u.email.lower(), u) for u in users.order_by("pk")] + [
            Recipient(g, None) for g in guests
        ]
    chosen = [(str(kind), value) for kind, value in only]
    user_ids = [int(value) for kind, value in chosen if kind == "u"]
    addresses = {str(value).lower() for kind, value in chosen if kind == "g"}
    taken_off = cancel and not meeting.is_cancelled
    if taken_off:
        users = User.objects.filter(pk__in=user_ids, is_active=True).exclude(
            pk__in=invited.values("pk")
        )
        if meeting.partnership_id is not None and meeting.partnership.confidential:
            addresses = set()
        chosen_guests = sorted(addresses - set(guests))
    else:
        users = invited.filter(pk__in=user_ids)
        chosen_guests = [g for g in guests if g in addresses]
    users = _wants_mail(users).order_by("pk")
    return [Recipient(u.email.lower(), u) for u in users] + [
        Recipient(g, None) for g in chosen_guests
    ]


# --- what -------------------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def span(starts_at: datetime, ends_at: datetime, zone_name: str) -> str:
    """ "Tuesday, 3 March 2026, 15:00–16:30 (Europe/Kyiv)" in the active language."""
    zone = _zone(zone_name)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    first = formats.date_format(start, "l, j E Y, H:i")
    last = (
        formats.date_format(end, "H:i")
        if end.date() == start.date()
        else formats.date_format(end, "l, j E Y, H:i")
    )
    return f"{first}–{last} ({zone.key})"


def times(meeting: Meeting, zone_name: str) -> list[str]:
    """When the meeting is in the reader's zone and, when it differs, in the organizer's."""
    shown = [span(meeting.starts_at, meeting.ends_at, zone_name)]
    organizer_zone = meeting.organizer.timezone if meeting.organizer_id else ""
    if organizer_zone and _zone(organizer_zone).key != _zone(zone_name).key:
        shown.append(
            _("%(when)s for the organizer")
            % {"when": span(meeting.starts_at, meeting.ends_at, organizer_zone)}
        )
    return shown


def _context(meeting: Meeting, recipient: Recipient, zone_name: str) -> dict[str, Any]:
    return {
        "meeting": meeting,
        "agenda": [item.text for item in meeting.agenda.all()],
        "times": times(meeting, zone_name),
        "organizer": meeting.organizer.get_full_name() if meeting.organizer_id else "",
        "url": calendar.page_url(meeting),
        "guest": recipient.user is None,
        "name": recipient.user.get_full_name() if recipient.user is not None else "",
        "short": formats.date_format(meeting.starts_at.astimezone(_zone(zone_name)), "j E, H:i"),
    }


def render_for(
    recipient: Recipient, template: str, meeting: Meeting, extra: dict | None = None
) -> tuple[str, str, str]:
    """Subject, text and HTML for one person: in their language and time zone; for a guest,
    in Ukrainian and then in English, with the times in UTC and the organizer's zone."""
    user = recipient.user
    if user is not None:
        languages, zone_name = [user.language or settings.LANGUAGE_CODE], user.timezone
    else:
        languages, zone_name = list(GUEST_LANGUAGES), "UTC"
    parts = []
    for language in languages:
        with translation.override(language):
            context = {**_context(meeting, recipient, zone_name), **(extra or {})}
            parts.append(
                (
                    language,
                    *render_templated(template, context, language=language, time_zone=zone_name),
                )
            )
    if len(parts) == 1:
        return parts[0][1:]
    subject = " / ".join(dict.fromkeys(part[1] for part in parts))  # one if both are the same
    text = "\n\n— — —\n\n".join(part[2] for part in parts)
    html = "\n<hr>\n".join(f'<div lang="{part[0]}">{part[3]}</div>' for part in parts)
    return subject, text, html


def calendar_file(meeting: Meeting, recipient: Recipient, method: str) -> bytes:
    """The invitee's calendar file, its few words in their language."""
    user = recipient.user
    language = (user.language if user else GUEST_CALENDAR_LANGUAGE) or settings.LANGUAGE_CODE
    with translation.override(language):
        if method == calendar.CANCEL:
            return calendar.cancellation(meeting, recipient.email)
        return calendar.invitation(meeting, recipient.email)


def outbox_key(meeting: Meeting, method: str, who: str) -> str:
    """One e-mail per person and state of the meeting: SEQUENCE, method and the moment of the
    change it tells of (people added, taken off and added back at one SEQUENCE each get theirs);
    a job run again, or run late after a later change, finds its rows already written."""
    stamp = meeting.updated_at.strftime("%Y%m%dT%H%M%S%f")
    return f"meeting:{meeting.pk}:{meeting.sequence}:{method.lower()}:{stamp}:{who}"


def html_document(body: str) -> str:
    return (
        '<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5; '
        f'color: #1b1f24">{body}</body></html>'
    )


def queue_mail(
    meeting: Meeting,
    recipient: Recipient,
    *,
    key: str,
    template: str,
    extra: dict | None = None,
    method: str = "",
) -> bool:
    """Write one rendered e-mail about the meeting to the outbox under `key` (once: a key
    already written writes nothing), replying to the person's reply address in the meeting's
    thread, with the calendar file for `method` (REQUEST, CANCEL) if given."""
    if OutboundEmail.objects.filter(key=key).exists():
        return False
    subject, text, html = render_for(recipient, template, meeting, extra)
    reply_to = calendar.organizer_address(meeting, recipient.email)
    defaults = {
        "to": recipient.email,
        "subject": subject[:300],
        "text": text,
        "html": html_document(html),
        "reply_to": "" if reply_to == calendar.platform_address() else reply_to,
        "user": recipient.user,
    }
    if method:
        defaults["calendar"] = calendar_file(meeting, recipient, method).decode()
        defaults["calendar_method"] = method
    _row, created = OutboundEmail.objects.get_or_create(key=key, defaults=defaults)
    return created


def _queue(meeting: Meeting, recipient: Recipient, method: str, *, updated: bool) -> bool:
    cancelling = method == calendar.CANCEL
    return queue_mail(
        meeting,
        recipient,
        key=outbox_key(meeting, method, recipient.who),
        template="meetings/email/cancellation" if cancelling else "meetings/email/invitation",
        extra={"taken_off": cancelling and not meeting.is_cancelled, "updated": updated},
        method=method,
    )


# --- when -------------------------------------------------------------------------------------


def send_on_commit(meeting: Meeting, *, only: Iterable | None = None, cancel: bool = False) -> None:
    """After commit, queue the invitation (or, with `cancel`, the cancellation) of `meeting`
    for every invitee, or for `only` ({("u", user_id), ("g", guest_email)})."""
    chosen = None if only is None else sorted([str(kind), str(value)] for kind, value in only)
    if chosen == []:
        return
    meeting_id = meeting.pk
    transaction.on_commit(lambda: invitations_send.enqueue(meeting_id, chosen, cancel))


@task()
def invitations_send(meeting_id: int, only: list | None = None, cancel: bool = False) -> int:
    """Write the invitations (or cancellations) of the meeting as it is now: a job that runs
    after the meeting was cancelled sends the cancellation instead. Returns how many were new."""
    meeting = (
        Meeting.objects.select_related("organizer", "thread", "partnership")
        .prefetch_related("agenda")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        return 0
    method = calendar.CANCEL if cancel or meeting.is_cancelled else calendar.REQUEST
    if cancel and not meeting.is_cancelled and only is None:
        return 0  # a whole-meeting cancellation that was not: nothing to say
    # Everyone is told of a change of time or place; people just added get a first invitation.
    updated = only is None and meeting.sequence > 0
    queued = 0
    with transaction.atomic():
        for recipient in recipients(meeting, only=only, cancel=cancel):
            queued += _queue(meeting, recipient, method, updated=updated)
        if queued:
            transaction.on_commit(outbox_kick)
    return queued


# --- the file the person's invitation carries (pages and API) ---------------------------------


def invitation_for(user: Any, meeting: Meeting) -> bytes | None:
    """The calendar file of `user`'s own invitation (after a cancellation, the cancellation), or
    None when they are not invited (someone who only oversees the meeting has no invitation)."""
    if not policy.can(user, policy.Action.MEETING_RESPOND, meeting):
        return None
    with translation.override(user.language or settings.LANGUAGE_CODE):
        return calendar.invitation(meeting, user.email)


# --- the calendar's answer, through mailgate --------------------------------------------------

RECORDED = "calendar answer recorded"
EARLIER_VERSION = "calendar answer to an earlier version ignored"
UNREADABLE = "calendar answer cannot be read"
OTHER_MEETING = "calendar answer for another meeting"
OTHER_ATTENDEE = "calendar answer for another attendee"
UNSUPPORTED = "calendar answer must accept, decline or be tentative"
CANCELLED = "the meeting was cancelled"
NOT_INVITED = "not a participant"


def calendar_reply_receive(
    *, thread: Thread, sender: str, account: User | None, data: bytes
) -> tuple[bool, str, str] | None:
    """Record a calendar's METHOD:REPLY that came to `sender`'s reply address in `thread`
    (mailgate has checked the address, that `sender` is its addressee, and the sender's domain).
    Returns (accepted, reason, SMTP status), or None when the thread is no meeting's (then the
    e-mail is an ordinary reply). The answer must be for this meeting (its UID) and by the
    addressee (an ATTENDEE with their address); an answer to an earlier SEQUENCE is ignored."""
    meeting = Meeting.objects.filter(thread=thread).first()
    if meeting is None:
        return None
    reply = calendar.read_reply(data)
    if reply is None:
        return False, UNREADABLE, inbound.CONTENT
    if reply.uid != meeting.uid:
        return False, OTHER_MEETING, inbound.ADDRESS
    partstat = reply.answers.get(sender.lower())
    if partstat is None:
        return False, OTHER_ATTENDEE, inbound.SECURITY
    answer = calendar.ANSWER_OF_PARTSTAT.get(partstat)
    if answer not in (Answer.ACCEPTED, Answer.TENTATIVE, Answer.DECLINED):
        return False, UNSUPPORTED, inbound.CONTENT
    if meeting.is_cancelled:
        return False, CANCELLED, inbound.CONTENT
    if reply.sequence < meeting.sequence:
        return True, EARLIER_VERSION, "2.0.0"
    from regionbridge.meetings.services import meeting_respond  # services imports this module

    try:
        meeting_respond(
            meeting=meeting,
            answer=answer,
            by=account,
            guest_email="" if account is not None else sender,
            comment=reply.comment,
            via="email",
        )
    except PermissionDenied:
        return False, NOT_INVITED, inbound.SECURITY
    except ValidationError:
        return False, UNREADABLE, inbound.CONTENT
    logger.info("Calendar answer %s from %s for meeting %s", answer, sender, meeting.pk)
    return True, RECORDED, "2.0.0"
