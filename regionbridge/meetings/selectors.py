"""Reads of meetings for the pages: one meeting by id, a person's list, a partnership's section.

Every read starts from `policy.visible`, so a meeting on a confidential negotiation is invisible
wherever the negotiation is (lists, details, counts, the partnership's page).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.http import Http404
from django.utils import timezone

from regionbridge import policy
from regionbridge.meetings.models import (
    ActionItem,
    ActionStatus,
    Answer,
    Meeting,
    MeetingResponse,
    MeetingStatus,
)
from regionbridge.messaging.models import Participant, Thread

PAGE_SIZE = 30
SHOWN_ON_PARTNERSHIP = 10

# The list's filter: "" is everything of mine, upcoming first; "all" (coordinators) everyone's.
SHOWS = ("", "upcoming", "past", "cancelled", "all")


def _with_places(qs: QuerySet[Meeting]) -> QuerySet[Meeting]:
    return qs.select_related(
        "partnership__ukrainian_region",
        "partnership__partner_region",
    )


def access_meeting(user: Any, pk: int) -> Meeting:
    """The meeting, as its page shows it; Http404 when `user` may not see it (as if it did not
    exist: an outsider learns nothing of a confidential negotiation's meetings)."""
    meeting = (
        _with_places(policy.visible(user, Meeting))
        .select_related("organizer", "thread", "from_thread")
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def shows_all(user: Any) -> bool:
    """Only coordinators may list every meeting, for oversight."""
    return policy.scope_of(user).is_coordinator


def meetings_for(user: Any, show: str = "", *, now: datetime | None = None) -> QuerySet[Meeting]:
    """The meetings on `user`'s list, filtered by `show` (one of SHOWS; the caller has checked
    it), ordered and ready to be counted and paged in SQL: upcoming ones soonest first, then
    past ones latest first. Each row carries `my_answer` (the user's own, or needs-action)."""
    now = now or timezone.now()
    qs = policy.visible(user, Meeting)
    if show != "all" and shows_all(user):
        # A coordinator sees every meeting; their own list is the ones they take part in.
        qs = qs.filter(thread__in=policy.visible(user, Thread).values("pk"))
    if show == "upcoming":
        qs = qs.exclude(status=MeetingStatus.CANCELLED).filter(ends_at__gte=now)
    elif show == "past":
        qs = qs.exclude(status=MeetingStatus.CANCELLED).filter(ends_at__lt=now)
    elif show == "cancelled":
        qs = qs.filter(status=MeetingStatus.CANCELLED)
    answer = MeetingResponse.objects.filter(meeting=OuterRef("pk"), user=user.pk).values("answer")
    return (
        _with_places(qs)
        .annotate(
            is_past=Case(
                When(ends_at__lt=now, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
            my_answer=Subquery(answer[:1]),
        )
        .order_by(
            "is_past",
            # Upcoming: soonest first; past (NULL here, all alike): by the next key, latest first.
            Case(When(ends_at__gte=now, then=F("starts_at"))).asc(),
            F("starts_at").desc(),
            "-id",
        )
    )


@dataclass(frozen=True)
class Invitee:
    """One line of the participants' list: a person, a whole office or a guest, with the
    answer given (a person's or a guest's; an office answers through its people)."""

    kind: str  # "user", "office", "guest"
    name: str
    answer: str
    organizer: bool = False


def invitees(meeting: Meeting) -> tuple[list[Invitee], list[Invitee]]:
    """The meeting's participants with their answers, in two queries: the named (people,
    offices, guests) and, apart, the staff of invited offices who answered for themselves."""
    rows = list(
        Participant.objects.filter(thread=meeting.thread_id)
        .select_related("user", "organization")
        .order_by("id")
    )
    answers = {
        (row.user_id or row.guest_email): row
        for row in MeetingResponse.objects.filter(meeting=meeting).select_related("user")
    }
    named: list[Invitee] = []
    seen: set[Any] = set()
    for row in rows:
        if row.user_id:
            seen.add(row.user_id)
            given = answers.get(row.user_id)
            organizer = row.user_id == meeting.organizer_id
            # The organizer is there unless they say otherwise: no "no answer yet" for them.
            waiting = "" if organizer else Answer.NEEDS_ACTION
            named.append(
                Invitee(
                    "user",
                    row.user.get_full_name(),
                    given.answer if given else waiting,
                    organizer=organizer,
                )
            )
        elif row.organization_id:
            named.append(Invitee("office", row.organization.name, ""))
        elif row.guest_email:
            seen.add(row.guest_email)
            given = answers.get(row.guest_email)
            named.append(
                Invitee("guest", row.guest_email, given.answer if given else Answer.NEEDS_ACTION)
            )
    through_offices = [
        Invitee("user", given.user.get_full_name(), given.answer)
        for key, given in answers.items()
        if key not in seen and given.user is not None
    ]
    return named, through_offices


def answer_counts(people: list[Invitee]) -> dict[str, int]:
    """How many will attend, may attend, will not, and have not answered (offices aside)."""
    counts = dict.fromkeys(Answer.values, 0)
    for person in people:
        if person.answer:
            counts[person.answer] += 1
    counts["waiting"] = counts.pop(Answer.NEEDS_ACTION)
    return counts


def other_zones(meeting: Meeting, own: str) -> list[str]:
    """The time zones of the invited accounts (named or through their office) other than the
    viewer's `own`, so the page can show each side's local time: one query."""
    zones = (
        policy.thread_readers(meeting.thread)
        .exclude(timezone__in=["", own])
        .values_list("timezone", flat=True)
        .distinct()
        .order_by("timezone")
    )
    return list(zones[:6])


def actions_of(user: Any, meeting: Meeting) -> QuerySet[ActionItem]:
    return (
        policy.visible(user, ActionItem)
        .filter(meeting=meeting)
        .select_related("owner")
        .order_by("due", "id")
    )


def partnership_meetings(user: Any, partnership: Any) -> list[Meeting]:
    """The partnership's meetings `user` may see: the upcoming ones soonest first, then the
    latest past ones (a few; the meetings list has them all)."""
    return list(
        meetings_for(user, "all" if shows_all(user) else "")
        .filter(partnership=partnership)
        .select_related(None)[:SHOWN_ON_PARTNERSHIP]
    )


def partnership_open_actions(user: Any, partnership: Any) -> list[ActionItem]:
    return list(
        policy.visible(user, ActionItem)
        .filter(partnership=partnership, status=ActionStatus.OPEN)
        .select_related("owner", "meeting")
        .order_by("due", "id")[:SHOWN_ON_PARTNERSHIP]
    )
