"""Meetings, their answers, minutes, decisions and action items: the only way they change.

Each step checks the policy, writes in one transaction, audits, tells in the app whoever must
act, and leaves e-mail (invitations with their calendar files, reminders) to the worker after
commit: a request never waits on rendering or on the mail server.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.accounts.models import User
from regionbridge.audit.services import audit_record
from regionbridge.meetings import invitations, reminders
from regionbridge.meetings.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Answer,
    Decision,
    Meeting,
    MeetingResponse,
    MeetingStatus,
)
from regionbridge.meetings.notifications import (
    action_assigned_notify,
    meeting_answered_notify,
    meeting_told,
)
from regionbridge.messaging import services as messaging
from regionbridge.messaging.models import Message, Participant, Thread
from regionbridge.messaging.text import render
from regionbridge.organizations.models import Organization

MAX_DURATION = timedelta(hours=12)
MAX_AGENDA_ITEMS = 30
MAX_TEXT = 20_000  # minutes, a decision, a purpose: as long as a message
VIAS = ("web", "api", "email")  # how an answer came


def _aware(value: Any, field: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            _("Give the %(field)s with its time zone or UTC offset.") % {"field": field}
        )
    if not (2000 <= value.year <= 2100):  # before converting: year 9999 + an offset overflows
        raise ValidationError(_("Choose a date between 2000 and 2100."))
    return value.astimezone(UTC)


def check_times(starts_at: Any, ends_at: Any) -> tuple[datetime, datetime]:
    """Both times aware, the end after the start, at most 12 hours apart; returned in UTC."""
    starts_at, ends_at = _aware(starts_at, _("start")), _aware(ends_at, _("end"))
    if ends_at <= starts_at:
        raise ValidationError(_("The meeting must end after it starts."))
    if ends_at - starts_at > MAX_DURATION:
        raise ValidationError(_("A meeting can last at most 12 hours."))
    if not (2000 <= starts_at.year <= 2100):
        raise ValidationError(_("Choose a date between 2000 and 2100."))
    return starts_at, ends_at


def _clean_agenda(agenda: Sequence[str] | str) -> list[str]:
    """The agenda's items in order, blank ones dropped; a text is one item a line."""
    if isinstance(agenda, str):
        agenda = agenda.splitlines()
    if not isinstance(agenda, list | tuple):
        raise ValidationError(_("Give the agenda as a list of items."))
    if len(agenda) > MAX_AGENDA_ITEMS * 10:  # not worth cleaning one by one
        raise ValidationError(
            _("An agenda can have at most %(limit)s items.") % {"limit": MAX_AGENDA_ITEMS}
        )
    items = [_clean_text(item, _("agenda item"), 500) for item in agenda]
    items = [item for item in items if item]
    if len(items) > MAX_AGENDA_ITEMS:
        raise ValidationError(
            _("An agenda can have at most %(limit)s items.") % {"limit": MAX_AGENDA_ITEMS}
        )
    return items


def _clean_text(value: Any, what: str, limit: int) -> str:
    """Stripped text within `limit`; NUL bytes and values that are not text are refused."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("The %(what)s must be text.") % {"what": what})
    value = value.strip()
    if "\x00" in value:
        raise ValidationError(
            _("The %(what)s contains a character that is not allowed.") % {"what": what}
        )
    if len(value) > limit:
        raise ValidationError(
            _("The %(what)s can have at most %(limit)s characters.")
            % {"what": what, "limit": limit}
        )
    return value


def _clean_link(link: Any) -> str:
    link = _clean_text(link, _("online link"), 2000)
    if not link:
        return ""
    from django.core.validators import URLValidator

    try:
        URLValidator(schemes=["https", "http"])(link)
    except ValidationError:
        raise ValidationError(_("The online link must be a web address (https://…).")) from None
    if len(link) > 500:
        raise ValidationError(_("The online link can have at most 500 characters."))
    return link


def _set_agenda(meeting: Meeting, items: list[str]) -> None:
    meeting.agenda.all().delete()
    AgendaItem.objects.bulk_create(
        [AgendaItem(meeting=meeting, position=i, text=text) for i, text in enumerate(items)]
    )


@transaction.atomic
def meeting_create(
    *,
    by: User,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    people: Sequence[str] = (),
    users: Sequence[User] = (),
    organizations: Sequence[Organization] = (),
    partnership: Any = None,
    from_thread: Thread | None = None,
    purpose: str = "",
    place: str = "",
    online_link: str = "",
    agenda: Sequence[str] = (),
) -> Meeting:
    """Arrange a meeting; its creator organizes it and takes part. `people` are e-mail
    addresses as typed (an address without an account is a guest, under the guest rules);
    `organizations` invite whole offices. Each invitee gets an invitation with its calendar file."""
    policy.require(by, policy.Action.MEETING_CREATE)
    title = _clean_text(title, _("title"), 200)
    if not title:
        raise ValidationError(_("Give the meeting a title."))
    starts_at, ends_at = check_times(starts_at, ends_at)
    items = _clean_agenda(agenda)
    if from_thread is not None:
        policy.require(by, policy.Action.THREAD_VIEW, from_thread)
        if partnership is None:
            partnership = from_thread.partnership
        elif from_thread.partnership_id not in (None, partnership.pk):
            # A meeting arranged in a negotiation's thread stays within that negotiation.
            raise ValidationError(_("The meeting must be on the partnership its thread is on."))
    thread, _added = messaging.thread_open(
        by=by,
        subject=title,
        people=people,
        users=users,
        organizations=organizations,
        partnership=partnership,
    )
    meeting = Meeting.objects.create(
        title=title,
        purpose=_clean_text(purpose, _("purpose"), MAX_TEXT),
        partnership=partnership,
        thread=thread,
        from_thread=from_thread,
        organizer=by,
        starts_at=starts_at,
        ends_at=ends_at,
        place=_clean_text(place, _("place"), 300),
        online_link=_clean_link(online_link),
    )
    _set_agenda(meeting, items)
    audit_record(actor=by, action="meeting.created", target=meeting)
    meeting_told(meeting, "meeting.invited", by=by)
    invitations.send_on_commit(meeting)
    reminders.schedule_on_commit(meeting)
    return meeting


def _invitees(meeting: Meeting) -> set[tuple[str, int | str]]:
    """Who is invited, as the invitations name them: ("u", user id) for each account that may
    read the meeting's thread (named, or on the staff of an invited office), ("g", address) for
    each guest (none on a confidential negotiation)."""
    thread = meeting.thread
    users = policy.thread_readers(thread).values_list("pk", flat=True)
    return {("u", pk) for pk in users} | {("g", email) for email in messaging.guest_emails(thread)}


def _user_ids(people: set[tuple[str, int | str]]) -> set[int]:
    return {int(who) for kind, who in people if kind == "u"}


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    by: User,
    title: str | None = None,
    purpose: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    place: str | None = None,
    online_link: str | None = None,
    agenda: Sequence[str] | None = None,
    people: Sequence[str] | None = None,
    organizations: Sequence[Organization] | None = None,
) -> Meeting:
    """Change what is given (None: unchanged); a new start alone keeps the meeting's length.
    A new time, place or link raises the SEQUENCE
    and re-invites everyone; a new title or agenda does not (it changes no one's calendar slot).
    People added are invited; people taken off (named, of an office taken off, guests) lose
    their answer and get a cancellation. `people` and `organizations`, when given, are the whole
    new list (the organizer stays)."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("thread__partnership")
        .get(pk=meeting.pk)
    )
    policy.require(by, policy.Action.MEETING_EDIT, meeting)
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting was cancelled; arrange a new one."))
    changed: dict[str, Any] = {}
    if title is not None:
        title = _clean_text(title, _("title"), 200)
        if not title:
            raise ValidationError(_("Give the meeting a title."))
        if title != meeting.title:
            meeting.title = changed["title"] = meeting.thread.subject = title
            Thread.objects.filter(pk=meeting.thread_id).update(subject=title)
    if purpose is not None:
        purpose = _clean_text(purpose, _("purpose"), MAX_TEXT)
        if purpose != meeting.purpose:
            meeting.purpose = changed["purpose"] = purpose
    new_start = starts_at if starts_at is not None else meeting.starts_at
    new_end = ends_at if ends_at is not None else meeting.ends_at
    if starts_at is not None and ends_at is None:  # moved: the same length, later or earlier
        new_start = _aware(starts_at, _("start"))
        new_end = new_start + (meeting.ends_at - meeting.starts_at)
    if starts_at is not None or ends_at is not None:
        new_start, new_end = check_times(new_start, new_end)
    rescheduled = (new_start, new_end) != (meeting.starts_at, meeting.ends_at)
    if rescheduled:
        meeting.starts_at, meeting.ends_at = new_start, new_end
        changed.update(starts_at=new_start.isoformat(), ends_at=new_end.isoformat())
    moved = False
    if place is not None:
        place = _clean_text(place, _("place"), 300)
        if place != meeting.place:
            meeting.place = changed["place"] = place
            moved = True
    if online_link is not None:
        online_link = _clean_link(online_link)
        if online_link != meeting.online_link:
            meeting.online_link = changed["online_link"] = online_link
            moved = True
    if agenda is not None:
        items = _clean_agenda(agenda)
        if items != list(meeting.agenda.values_list("text", flat=True)):
            _set_agenda(meeting, items)
            changed["agenda"] = items
    before = _invitees(meeting)
    if people is not None or organizations is not None:
        _set_people(meeting, by=by, people=people, organizations=organizations)
    after = _invitees(meeting)
    added, removed = after - before, before - after
    if added or removed:
        changed["people"] = {"added": len(added), "removed": len(removed)}
    if not changed:
        return meeting
    if rescheduled or moved:
        meeting.sequence += 1
    meeting.updated_at = timezone.now()
    meeting.save()
    if removed:
        _forget_answers(meeting, removed)
    audit_record(actor=by, action="meeting.changed", target=meeting, changes=changed)
    if rescheduled or moved:
        meeting_told(meeting, "meeting.changed", by=by, exclude=_user_ids(added))
        invitations.send_on_commit(meeting)
        reminders.schedule_on_commit(meeting)
    if added:
        meeting_told(meeting, "meeting.invited", by=by, only=_user_ids(added))
        if not (rescheduled or moved):
            invitations.send_on_commit(meeting, only=added)
    if removed:
        invitations.send_on_commit(meeting, only=removed, cancel=True)
    return meeting


def _forget_answers(meeting: Meeting, people: set[tuple[str, int | str]]) -> None:
    """Those taken off the meeting no longer answer for it."""
    guests = [email for kind, email in people if kind == "g"]
    meeting.responses.filter(
        Q(user__in=_user_ids(people)) | Q(user__isnull=True, guest_email__in=guests)
    ).delete()


def _set_people(
    meeting: Meeting,
    *,
    by: User,
    people: Sequence[str] | None,
    organizations: Sequence[Organization] | None,
) -> None:
    """Make the invited people (and offices) the lists given; the organizer always stays.
    Everyone added is checked as any participant of the thread is (`participant_add`: on a
    confidential negotiation only those who may see it, no guests)."""
    thread = meeting.thread
    if people is not None:
        accounts, guests = messaging.people_split(people)
        keep_users = {user.pk for user in accounts} | {meeting.organizer_id}
        for user in accounts:
            messaging.participant_add(thread, by=by, user=user)
        for address in guests:
            messaging.participant_add(thread, by=by, guest_email=address)
        thread.participants.filter(organization__isnull=True).exclude(
            user__in=[pk for pk in keep_users if pk]
        ).exclude(guest_email__in=guests, user__isnull=True).delete()
    if organizations is not None:
        for organization in organizations:
            messaging.participant_add(thread, by=by, organization=organization)
        thread.participants.filter(organization__isnull=False).exclude(
            organization__in=[o.pk for o in organizations]
        ).delete()


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: User) -> Meeting:
    """Cancel (idempotent: cancelling again changes and sends nothing)."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    policy.require(by, policy.Action.MEETING_EDIT, meeting)
    if meeting.is_cancelled:
        return meeting
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    meeting.updated_at = meeting.cancelled_at = timezone.now()
    meeting.save(update_fields=["status", "sequence", "updated_at", "cancelled_at"])
    audit_record(actor=by, action="meeting.cancelled", target=meeting)
    meeting_told(meeting, "meeting.cancelled", by=by)
    invitations.send_on_commit(meeting, cancel=True)
    return meeting


@transaction.atomic
def meeting_mark_held(*, meeting: Meeting, by: User | None) -> Meeting:
    """The meeting took place (after its start; a cancelled one cannot be)."""
    policy.require(by, policy.Action.MEETING_RECORD, meeting)
    if meeting.is_cancelled:
        raise ValidationError(_("A cancelled meeting cannot have been held."))
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("The meeting has not started yet."))
    if meeting.status != MeetingStatus.HELD:
        meeting.status = MeetingStatus.HELD
        meeting.save(update_fields=["status"])
        audit_record(actor=by, action="meeting.held", target=meeting)
    return meeting


def _find_answer(meeting: Meeting, user: User | None, guest_email: str) -> MeetingResponse | None:
    rows = meeting.responses.select_for_update()
    if user is not None:
        return rows.filter(user=user).first()
    return rows.filter(user__isnull=True, guest_email=guest_email).first()


@transaction.atomic
def meeting_respond(
    *,
    meeting: Meeting,
    answer: str,
    by: User | None = None,
    guest_email: str = "",
    comment: str = "",
    via: str = "web",
) -> MeetingResponse:
    """Record an invitee's answer (a later answer replaces the earlier). A person answers for
    themselves (`by`); a guest only by e-mail (mailgate has checked the sender)."""
    if answer not in (Answer.ACCEPTED, Answer.TENTATIVE, Answer.DECLINED):
        raise ValidationError(_("Answer accept, maybe or decline."))
    if via not in VIAS:
        raise ValidationError(_("Unknown way of answering."))
    if by is not None:
        policy.require(by, policy.Action.MEETING_RESPOND, meeting)
        guest_email = ""
    else:
        guest_email = guest_email.strip().lower() if isinstance(guest_email, str) else ""
        # A guest of this meeting's thread (never of a confidential negotiation's).
        if not guest_email or guest_email not in messaging.guest_emails(meeting.thread):
            raise PermissionDenied(_("You may not do this."))
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting was cancelled."))
    comment = _clean_text(comment, _("comment"), 500)
    row = _find_answer(meeting, by, guest_email)
    created = False
    if row is None:
        try:
            with transaction.atomic():
                row = MeetingResponse.objects.create(
                    meeting=meeting,
                    user=by,
                    guest_email=guest_email,
                    answer=answer,
                    comment=comment,
                    via=via,
                )
                created = True
        except IntegrityError:  # the same person's answer at the same moment: the later wins
            row = _find_answer(meeting, by, guest_email)
            assert row is not None
    if not created:
        if (row.answer, row.comment) == (answer, comment):
            return row  # the same answer again (a retry, a second click): nothing changes
        row.answer, row.comment, row.via, row.answered_at = answer, comment, via, timezone.now()
        row.save(update_fields=["answer", "comment", "via", "answered_at"])
    audit_record(
        actor=by,
        action="meeting.answered",
        target=meeting,
        changes={"answer": answer, "guest": guest_email, "via": via},
    )
    meeting_answered_notify(meeting=meeting, response=row)
    return row


def answer_of(meeting: Meeting, user: User) -> str:
    row = meeting.responses.filter(user=user).values_list("answer", flat=True).first()
    return row or Answer.NEEDS_ACTION


@transaction.atomic
def minutes_save(*, meeting: Meeting, by: User, text: str) -> Meeting:
    """Write the minutes (Markdown, rendered and sanitized as messages are). Writing them after
    the meeting's start marks it held."""
    policy.require(by, policy.Action.MEETING_RECORD, meeting)
    if meeting.is_cancelled:
        raise ValidationError(_("A cancelled meeting has no minutes."))
    text = _clean_text(text, _("minutes"), MAX_TEXT)
    meeting.minutes, meeting.minutes_html = text, render(text) if text else ""
    fields = ["minutes", "minutes_html"]
    if meeting.status == MeetingStatus.PLANNED and meeting.starts_at <= timezone.now():
        meeting.status = MeetingStatus.HELD
        fields.append("status")
    meeting.save(update_fields=fields)
    audit_record(actor=by, action="meeting.minutes_written", target=meeting)
    return meeting


@transaction.atomic
def decision_add(*, meeting: Meeting, by: User, text: str) -> Decision:
    """A decision taken at the meeting (plain text, shown escaped)."""
    policy.require(by, policy.Action.MEETING_RECORD, meeting)
    if meeting.is_cancelled:
        raise ValidationError(_("A cancelled meeting takes no decisions."))
    text = _clean_text(text, _("decision"), MAX_TEXT)
    if not text:
        raise ValidationError(_("Write the decision."))
    decision = Decision.objects.create(meeting=meeting, text=text, created_by=by)
    audit_record(actor=by, action="meeting.decision_added", target=meeting)
    return decision


def _check_owner(owner: Any, partnership: Any, thread: Thread) -> User:
    """An owner is an active account with a role (or one who reads where the action comes
    from), and may see the partnership: the action is theirs to see and follow up."""
    if not isinstance(owner, User) or not owner.is_active:
        raise ValidationError(_("The owner must be a person with an account."))
    if not (
        policy.scope_of(owner).is_member or policy.can(owner, policy.Action.THREAD_VIEW, thread)
    ):
        raise ValidationError(
            _("%(who)s has no role here, so cannot own an action.") % {"who": owner.get_full_name()}
        )
    if partnership is not None and not policy.can(
        owner, policy.Action.PARTNERSHIP_VIEW, partnership
    ):
        raise ValidationError(
            _("%(who)s may not see this partnership, so cannot own its actions.")
            % {"who": owner.get_full_name()}
        )
    return owner


def _check_due(due: Any) -> date:
    if not isinstance(due, date) or isinstance(due, datetime):
        raise ValidationError(_("Give the due date as a date."))
    if not (2000 <= due.year <= 2100):
        raise ValidationError(_("Choose a date between 2000 and 2100."))
    return due


@transaction.atomic
def action_add(
    *,
    by: User,
    title: str,
    owner: User | None,
    due: date,
    meeting: Meeting | None = None,
    message: Message | None = None,
) -> ActionItem:
    """An action item from a meeting (its minutes), or from a message in a thread."""
    if (meeting is None) == (message is None):
        raise ValueError("an action comes from a meeting or from a message")
    thread = None
    if meeting is not None:
        policy.require(by, policy.Action.MEETING_RECORD, meeting)
        if meeting.is_cancelled:
            raise ValidationError(_("A cancelled meeting gives no actions."))
        partnership = meeting.partnership
        source = meeting.thread
    else:
        assert message is not None
        thread = source = message.thread
        policy.require(by, policy.Action.ACTION_CREATE, thread)
        partnership = thread.partnership
    title = _clean_text(title, _("title"), 300)
    if not title:
        raise ValidationError(_("Say what is to be done."))
    action = ActionItem.objects.create(
        title=title,
        owner=_check_owner(owner, partnership, source),
        due=_check_due(due),
        meeting=meeting,
        message=message,
        thread=thread,
        partnership=partnership,
        created_by=by,
    )
    audit_record(actor=by, action="action.created", target=action)
    action_assigned_notify(action=action, by=by)
    reminders.schedule_action_on_commit(action)
    return action


def _meeting_of(action: ActionItem) -> Meeting:
    """The meeting an action not taken from a message comes from (the table's constraint)."""
    assert action.meeting is not None
    return action.meeting


@transaction.atomic
def action_update(
    *,
    action: ActionItem,
    by: User,
    status: str | None = None,
    due: date | None = None,
    title: str | None = None,
    owner: User | None = None,
) -> ActionItem:
    """Change what is given (None: unchanged). Closing (done, dropped) dates it; reopening
    clears the date; a new owner is told, as the first was."""
    action = ActionItem.objects.select_for_update().get(pk=action.pk)
    policy.require(by, policy.Action.ACTION_EDIT, action)
    changed: dict[str, Any] = {}
    if status is not None and status != action.status:
        if status not in ActionStatus.values:
            raise ValidationError(_("Unknown status."))
        action.status = changed["status"] = status
        action.closed_at = None if status == ActionStatus.OPEN else timezone.now()
    if due is not None and due != action.due:
        action.due = _check_due(due)
        changed["due"] = due.isoformat()
    if title is not None:
        title = _clean_text(title, _("title"), 300)
        if not title:
            raise ValidationError(_("Say what is to be done."))
        if title != action.title:
            action.title = changed["title"] = title
    new_owner = owner is not None and getattr(owner, "pk", None) != action.owner_id
    if new_owner:
        source = action.thread if action.thread is not None else _meeting_of(action).thread
        action.owner = _check_owner(owner, action.partnership, source)
        changed["owner"] = action.owner.pk
    if not changed:
        return action
    action.save()
    audit_record(actor=by, action="action.changed", target=action, changes=changed)
    if new_owner:
        action_assigned_notify(action=action, by=by)
    if "due" in changed or new_owner or changed.get("status") == ActionStatus.OPEN:
        reminders.schedule_action_on_commit(action)
    return action


def is_overdue(action: ActionItem, *, now: datetime | None = None) -> bool:
    """Open, and its due date has passed in the owner's time zone."""
    if action.status != ActionStatus.OPEN:
        return False
    return action.due < owner_today(action.owner, now=now)


def _zone(name: str) -> ZoneInfo:
    """The owner's zone; an empty or unknown one is UTC (both `is_overdue` and `overdue`)."""
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError, ZoneInfoNotFoundError):
        return ZoneInfo("UTC")


def owner_today(owner: User, *, now: datetime | None = None) -> date:
    """Today's date where the owner is."""
    return (now or timezone.now()).astimezone(_zone(owner.timezone)).date()


def overdue(qs: QuerySet[ActionItem], *, now: datetime | None = None) -> QuerySet[ActionItem]:
    """The open items of `qs` past their due date in their owner's time zone, in SQL (the same
    answer as `is_overdue`, row by row): one condition per time zone the owners have (a few),
    read in one small query."""
    open_items = qs.filter(status=ActionStatus.OPEN)
    zones = open_items.order_by().values_list("owner__timezone", flat=True).distinct()
    return open_items.filter(past_due_where_owners_are(zones, now=now))


def past_due_where_owners_are(zones: Iterable[str], *, now: datetime | None = None) -> Q:
    """Due before today in the owner's time zone, for owners in any of `zones`: one condition
    per zone (`overdue`; the oversight's counts, as a subquery of each tie)."""
    now = now or timezone.now()
    condition = Q(pk__in=[])
    for name in sorted(set(zones)):
        condition |= Q(owner__timezone=name, due__lt=now.astimezone(_zone(name)).date())
    return condition


def owners_zones() -> list[str]:
    """The time zones of the owners of open action items (a few)."""
    items = ActionItem.objects.filter(status=ActionStatus.OPEN).order_by()
    return list(items.values_list("owner__timezone", flat=True).distinct())


def participant_rows(meeting: Meeting) -> QuerySet[Participant]:
    return meeting.thread.participants.select_related("user", "organization")
