"""Meetings, their calendar files, the planner's free times, and action items: the pages' rules.

Endpoints translate: JSON in, the service or selector called, its answer out. A meeting one may
not see is a 404, as if it did not exist (a confidential negotiation's meetings stay as hidden as
the negotiation); a change one may not make to a meeting one sees is a 403. What the services
refuse as it stands (a time, an address, a guest where none may be) is a 422 that says why, the
same shape as the schema's own refusals: the request as sent cannot be taken.
"""

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AwareDatetime

from regionbridge import policy
from regionbridge.accounts.models import User
from regionbridge.api.auth import MEMBERS
from regionbridge.api.errors import answers, refused_as_422
from regionbridge.api.pagination import Pages
from regionbridge.api.schemas import Text
from regionbridge.meetings import action_selectors, invitations, planner, selectors, services
from regionbridge.meetings.models import ActionItem, ActionStatus, Answer, Meeting
from regionbridge.messaging import services as messaging
from regionbridge.messaging.models import Participant
from regionbridge.organizations.models import Organization
from regionbridge.partnerships.models import Partnership

router = Router(tags=["meetings"])

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Email = Annotated[str, Field(max_length=254)]
# The days the services take (services.check_times, _check_due): a year 9999 is a 422.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
DAYS = f"A UTC date from {EARLIEST.isoformat()} to {LATEST.isoformat()}."
MeetingDate = Annotated[
    date, Field(ge=EARLIEST, le=LATEST, json_schema_extra={"description": DAYS})
]
TIME = "ISO 8601 with its UTC offset or Z, e.g. 2025-03-10T17:00:00+02:00; a naive time is a 422."
Moment = Annotated[AwareDatetime, Field(description=TIME)]
MAX_PEOPLE = 100

ICS = {
    "responses": {
        200: {
            "description": "The requesting person's invitation file (after a cancellation, the "
            "cancelling one).",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        }
    }
}


# --- schemas --------------------------------------------------------------------------------


class MeetingIn(Schema):
    """`people` are e-mail addresses: an account takes part as itself, any other address as a
    guest (never on a confidential negotiation); `organizations` invite whole offices. The
    creator organizes the meeting and takes part."""

    title: Text(200)
    starts_at: Moment
    ends_at: Moment
    people: list[Email] = Field([], max_length=MAX_PEOPLE)
    organizations: list[Id] = Field([], max_length=MAX_PEOPLE)
    partnership: Id | None = None
    agenda: list[Text(500)] = Field([], max_length=services.MAX_AGENDA_ITEMS)
    purpose: str = Field("", max_length=services.MAX_TEXT)
    place: Text(300) = ""
    online_link: str = Field("", max_length=500, examples=["https://meet.example.org/abc"])


class MeetingPatch(Schema):
    """Only the fields sent change. A new time, place or link raises `sequence` and sends
    everyone a new invitation; `people` and `organizations` are the whole new lists (the
    organizer stays): those added are invited, those taken off get a cancellation."""

    # The defaults mark a field as not sent (dropped by `exclude_unset`); null is a 422.
    title: Text(200) = None
    purpose: str = Field(None, max_length=services.MAX_TEXT)
    starts_at: Moment = None
    ends_at: Moment = None
    place: Text(300) = None
    online_link: str = Field(None, max_length=500)
    agenda: list[Text(500)] = Field(None, max_length=services.MAX_AGENDA_ITEMS)
    people: list[Email] = Field(None, max_length=MAX_PEOPLE)
    organizations: list[Id] = Field(None, max_length=MAX_PEOPLE)


class MeetingOut(Schema):
    """Times in UTC (written with Z). `people` are the addresses of the invited accounts and
    guests, `organizations` the invited offices; `my_answer` is the reader's own."""

    id: int
    title: str
    purpose: str
    starts_at: datetime
    ends_at: datetime
    status: str
    sequence: int
    uid: str
    place: str
    online_link: str
    partnership: int | None
    organizer: str | None
    people: list[str]
    organizations: list[int]
    agenda: list[str]
    my_answer: str
    url: str

    @staticmethod
    def resolve_starts_at(obj) -> datetime:
        return obj.starts_at.astimezone(UTC)

    @staticmethod
    def resolve_ends_at(obj) -> datetime:
        return obj.ends_at.astimezone(UTC)

    @staticmethod
    def resolve_partnership(obj) -> int | None:
        return obj.partnership_id

    @staticmethod
    def resolve_organizer(obj) -> str | None:
        return obj.organizer.email if obj.organizer_id else None

    @staticmethod
    def resolve_people(obj) -> list[str]:
        return [row.user.email if row.user_id else row.guest_email for row in _invited(obj)]

    @staticmethod
    def resolve_organizations(obj) -> list[int]:
        return [row.organization_id for row in obj.thread.api_rows if row.organization_id]

    @staticmethod
    def resolve_agenda(obj) -> list[str]:
        return [item.text for item in obj.agenda.all()]

    @staticmethod
    def resolve_my_answer(obj) -> str:
        return obj.my_answer or Answer.NEEDS_ACTION

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("meetings:detail", args=[obj.pk])


class SlotOut(Schema):
    start: datetime
    end: datetime


class SlotsOut(Schema):
    slots: list[SlotOut]


class ActionIn(Schema):
    title: Text(300)
    owner: Email = Field(..., description="The e-mail of a person with an account.")
    due: MeetingDate


class ActionPatch(Schema):
    """Only the fields sent change; a new owner is told, as the first was."""

    title: Text(300) = None
    owner: Email = Field(None, description="The e-mail of a person with an account.")
    due: MeetingDate = None
    status: ActionStatus = None


class ActionOut(Schema):
    """`status` as kept (open, done, dropped); `overdue`: open and its due date passed in the
    owner's time zone."""

    id: int
    title: str
    owner: str
    due: date
    status: str
    overdue: bool
    meeting_id: int | None
    thread_id: int | None
    url: str

    @staticmethod
    def resolve_owner(obj) -> str:
        return obj.owner.email

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return services.is_overdue(obj)

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("meetings:action", args=[obj.pk])


class Show(StrEnum):
    UPCOMING = "upcoming"
    PAST = "past"
    CANCELLED = "cancelled"
    ALL = "all"


class ActionFilter(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    DONE = "done"
    DROPPED = "dropped"


# --- helpers --------------------------------------------------------------------------------


def _invited(meeting: Meeting) -> list[Participant]:
    return [row for row in meeting.thread.api_rows if row.user_id or row.guest_email]


def _meetings(user: Any, show: str = "all") -> QuerySet[Meeting]:
    """`selectors.meetings_for` with what an answer shows, in a fixed number of queries."""
    rows = Participant.objects.select_related("user").order_by("id")
    return (
        selectors.meetings_for(user, show)
        .select_related("organizer", "thread")
        .prefetch_related(Prefetch("thread__participants", rows, to_attr="api_rows"), "agenda")
    )


def _meeting(request, meeting_id: int) -> Meeting:
    return selectors.access_meeting(request.user, meeting_id)


def _answer(request, meeting: Meeting) -> Meeting:
    return _meetings(request.user).get(pk=meeting.pk)


def _offices(user: Any, ids: list[int] | None) -> list[Organization] | None:
    """The offices named by id that `user` may see; others are left out, as threads do."""
    if ids is None:
        return None
    return list(policy.visible(user, Organization).filter(pk__in=ids)) if ids else []


def _account(address: str) -> User | None:
    """The active account an address names (None: no account, which the service refuses)."""
    accounts, _guests = messaging.people_split([address])
    return accounts[0] if accounts else None


# --- meetings -------------------------------------------------------------------------------


@router.get("/meetings", response=answers(list[MeetingOut]), auth=MEMBERS)
@paginate(Pages)
def list_meetings(request, show: Show | None = None):
    """The meetings one takes part in (coordinators: `show=all` for everyone's): upcoming
    soonest first, then past ones latest first."""
    return _meetings(request.user, show or "")


@router.post("/meetings", response=answers({201: MeetingOut}, 403, 404, body=True), auth=MEMBERS)
@refused_as_422("body")
def create_meeting(request, payload: MeetingIn):
    partnership = (
        get_object_or_404(policy.visible(request.user, Partnership), pk=payload.partnership)
        if payload.partnership
        else None
    )
    meeting = services.meeting_create(
        by=request.user,
        title=payload.title,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        people=payload.people,
        organizations=_offices(request.user, payload.organizations),
        partnership=partnership,
        purpose=payload.purpose,
        place=payload.place,
        online_link=payload.online_link,
        agenda=payload.agenda,
    )
    return Status(201, _answer(request, meeting))


# Before /meetings/{meeting_id}, which would take "slots" for an id.
@router.get("/meetings/slots", response=answers(SlotsOut, 403), auth=MEMBERS)
@refused_as_422("query")
def meeting_slots(
    request,
    people: str = Query(
        ..., max_length=planner.MAX_PEOPLE * 255, description="Comma-separated e-mail addresses."
    ),
    date_from: MeetingDate = Query(...),
    date_to: MeetingDate = Query(...),
    duration: int = Query(60, ge=15, le=480, description="Minutes."),
):
    """Every start, on a 30-minute grid of UTC, at which a meeting of `duration` fits the
    working hours of everyone named, on their working days, from `date_from` to `date_to`
    (UTC dates, both included, at most 92 days apart); only the people named count."""
    users = planner.planner_people(request.user, people.split(","))
    found = planner.free_slots(
        [planner.schedule_of(user) for user in users],
        date_from,
        date_to,
        timedelta(minutes=duration),
    )
    return {"slots": [{"start": start, "end": end} for start, end in found]}


@router.get("/meetings/{meeting_id}", response=answers(MeetingOut, 404), auth=MEMBERS)
def get_meeting(request, meeting_id: int):
    return get_object_or_404(_meetings(request.user), pk=meeting_id)


@router.patch(
    "/meetings/{meeting_id}", response=answers(MeetingOut, 403, 404, body=True), auth=MEMBERS
)
@refused_as_422("body")
def edit_meeting(request, meeting_id: int, payload: MeetingPatch):
    meeting = _meeting(request, meeting_id)
    changes = payload.dict(exclude_unset=True)
    if "organizations" in changes:
        changes["organizations"] = _offices(request.user, changes["organizations"])
    meeting = services.meeting_update(meeting=meeting, by=request.user, **changes)
    return _answer(request, meeting)


@router.post("/meetings/{meeting_id}/cancel", response=answers(MeetingOut, 403, 404), auth=MEMBERS)
def cancel_meeting(request, meeting_id: int):
    """Idempotent: cancelling again changes and sends nothing."""
    meeting = services.meeting_cancel(meeting=_meeting(request, meeting_id), by=request.user)
    return _answer(request, meeting)


@router.get(
    "/meetings/{meeting_id}/ics",
    response=answers({200: None}, 404),
    auth=MEMBERS,
    openapi_extra=ICS,
)
def meeting_ics(request, meeting_id: int):
    """The calendar file the reader's invitation carries (after a cancellation, the
    cancelling one). Whoever only oversees the meeting has no invitation: 404, as the page."""
    meeting = _meeting(request, meeting_id)
    data = invitations.invitation_for(request.user, meeting)
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


# --- action items ---------------------------------------------------------------------------


@router.post(
    "/meetings/{meeting_id}/actions",
    response=answers({201: ActionOut}, 403, 404, body=True),
    auth=MEMBERS,
)
@refused_as_422("body")
def add_action(request, meeting_id: int, payload: ActionIn):
    meeting = _meeting(request, meeting_id)
    action = services.action_add(
        by=request.user,
        title=payload.title,
        owner=_account(payload.owner),
        due=payload.due,
        meeting=meeting,
    )
    return Status(201, action_selectors.access_action(request.user, action.pk))


@router.get("/actions", response=answers(list[ActionOut]), auth=MEMBERS)
@paginate(Pages)
def list_actions(
    request,
    owner: str = Query("", pattern="^(me)?$", description="`me`: the caller's own."),
    status: ActionFilter | None = None,
):
    """The action items one may see (`owner=me`: one's own), by due date; `status=open`
    includes the overdue ones."""
    user = request.user
    actions = action_selectors.actions_of(user) if owner else policy.visible(user, ActionItem)
    if status:
        actions = action_selectors.by_status(actions, status)
    return action_selectors.with_rows(actions).order_by("due", "id")


@router.patch(
    "/actions/{action_id}", response=answers(ActionOut, 403, 404, body=True), auth=MEMBERS
)
@refused_as_422("body")
def edit_action(request, action_id: int, payload: ActionPatch):
    action = action_selectors.access_action(request.user, action_id)
    changes = payload.dict(exclude_unset=True)
    if "owner" in changes:
        changes["owner"] = _account(changes["owner"])
        if changes["owner"] is None:
            raise ValidationError(_("The owner must be a person with an account."))
    action = services.action_update(action=action, by=request.user, **changes)
    return action_selectors.access_action(request.user, action.pk)
