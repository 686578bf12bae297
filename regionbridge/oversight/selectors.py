"""The oversight reads: the dashboard's blocks, reused by the briefing and the weekly digest.

Each takes the viewer and a day and starts from `part.overseen_partnerships(user)`, so whoever
reads it sees only their part of the picture (the embassy its host country's ties, nobody a
confidential negotiation they may not see). Each block is the state on that day: events,
meetings, messages, drafts and activities dated after it are ignored, and a tie's stage is the
one its history had reached (`partnerships.selectors.with_state_on`). Counting, filtering and
ordering happen in SQL; Python only shapes the rows it got back (a few hundred at most).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.lib.collation import name_order
from regionbridge.meetings import services as meetings
from regionbridge.meetings.models import ActionItem, ActionStatus, Meeting, MeetingStatus
from regionbridge.messaging.models import Message, Thread
from regionbridge.organizations.models import InstitutionType, Organization
from regionbridge.oversight.part import overseen_partnerships, oversees_everything
from regionbridge.partnerships.clearance import POSITIVE
from regionbridge.partnerships.lifecycle import (
    OPEN_STAGES,
    SIGNED_STAGES,
    STALLED_AFTER_DAYS,
    Stage,
)
from regionbridge.partnerships.models import (
    Activity,
    Document,
    DocumentStatus,
    Partnership,
    Review,
    ReviewDecision,
    Sphere,
    Submission,
)
from regionbridge.partnerships.selectors import by_name, with_state_on
from regionbridge.regions.models import Country, Region

CLOSED_STAGES = (Stage.DORMANT, Stage.ENDED)
NEVER = date(1900, 1, 1)  # "no contact" inside SQL, where a NULL would win GREATEST on SQLite
DEFAULT_PERIOD_DAYS = 90  # "since" when the reader names no date
UPCOMING_DAYS = 60
LISTED = 20  # rows a list shows; its count is complete
REGION_PAGE = 25  # ties on a page of one region's ties


def _end_of(day: date) -> datetime:
    """The first instant after `day`, in the reader's time zone: what happened on `day` is
    before it."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _is_today(day: date) -> bool:
    return day >= timezone.localdate()


def _bounded(qs: QuerySet, limit: int = LISTED) -> tuple[list, int]:
    """The first `limit` rows and the count of all (counted only when there are more)."""
    rows = list(qs[: limit + 1])
    if len(rows) <= limit:
        return rows, len(rows)
    return rows[:limit], qs.count()


# --- figures per partner country and stage --------------------------------------------------


@dataclass(frozen=True)
class Figure:
    stage: str
    label: str
    now: int
    then: int

    @property
    def change(self) -> int:
        return self.now - self.then

    @property
    def change_text(self) -> str:
        return signed(self.change)


def signed(n: int) -> str:
    """A change as read: "+2", "−1" (a true minus sign), "0"."""
    return f"+{n}" if n > 0 else f"\u2212{-n}" if n < 0 else "0"


@dataclass(frozen=True)
class CountryFigures:
    code: str  # "" for the total of all countries
    name: str
    figures: tuple[Figure, ...]

    @property
    def now(self) -> int:
        return sum(f.now for f in self.figures)

    @property
    def then(self) -> int:
        return sum(f.then for f in self.figures)

    @property
    def change(self) -> int:
        return self.now - self.then

    @property
    def change_text(self) -> str:
        return signed(self.change)

    def of(self, stage: str) -> Figure:
        return next(f for f in self.figures if f.stage == stage)


@dataclass(frozen=True)
class Figures:
    as_of: date
    since: date
    countries: tuple[CountryFigures, ...]
    total: CountryFigures


def _existing_on(user: Any, day: date) -> QuerySet[Partnership]:
    """The viewer's ties that existed on `day`, each with its state then (`day_stage`,
    `day_since`, `day_last_event`)."""
    return with_state_on(overseen_partnerships(user), day).filter(day_stage__isnull=False)


def _counts_on(user: Any, day: date) -> dict[tuple[str, str], int]:
    rows = (
        _existing_on(user, day)
        .order_by()
        .values_list("partner_region__country__code", "day_stage")
        .annotate(n=Count("pk"))
    )
    return {(country, stage): n for country, stage, n in rows}


def figures(user: Any, *, as_of: date, since: date) -> Figures:
    """How many ties were at each stage, per partner country, on `as_of` and on `since`: two
    aggregations and the countries' names."""
    now, then = _counts_on(user, as_of), _counts_on(user, since)
    codes = {code for code, _stage in now} | {code for code, _stage in then}
    countries = []
    for country in Country.objects.filter(code__in=codes).order_by(name_order(), "code"):
        cells = tuple(
            Figure(
                stage=stage.value,
                label=str(stage.label),
                now=now.get((country.code, stage.value), 0),
                then=then.get((country.code, stage.value), 0),
            )
            for stage in Stage
        )
        countries.append(CountryFigures(code=country.code, name=country.name, figures=cells))
    total = CountryFigures(
        code="",
        name=_("All countries"),
        figures=tuple(
            Figure(
                stage=stage.value,
                label=str(stage.label),
                now=sum(n for (_c, s), n in now.items() if s == stage.value),
                then=sum(n for (_c, s), n in then.items() if s == stage.value),
            )
            for stage in Stage
        ),
    )
    return Figures(as_of=as_of, since=since, countries=tuple(countries), total=total)


# --- the ties, with their last contact, next step and open actions ------------------------


def _not_cancelled_on(day: date) -> Q:
    """A meeting not cancelled as `day` ended. Today: its status. On a past day: not cancelled
    by then (`cancelled_at`), so one cancelled only later shows as the plan it still was; a
    cancelled one without the time (none should be left: the migration filled them) counts as
    cancelled all along, as before."""
    not_cancelled = ~Q(status=MeetingStatus.CANCELLED)
    if _is_today(day):
        return not_cancelled
    return not_cancelled | Q(cancelled_at__gte=_end_of(day))


def _visible_meetings(user: Any, day: date) -> QuerySet[Meeting]:
    """Meetings the viewer may see that had begun by the end of `day` (none cancelled by then),
    in the policy's per-row form: these reads are subqueries of each tie."""
    return (
        policy.visible(user, Meeting, per_row=True)
        .filter(starts_at__lt=_end_of(day))
        .filter(_not_cancelled_on(day))
    )


def _last_message_at(user: Any, day: date) -> Subquery:
    """The time of the last message on the tie's threads that the viewer may read, up to the end
    of `day`. Today that is each thread's `last_message_at` (a few threads per tie); on a past
    day, each thread's last message before the day ended (an indexed seek per thread)."""
    threads = policy.visible(user, Thread, per_row=True).filter(partnership=OuterRef("pk"))
    if _is_today(day):
        latest = threads.filter(last_message_at__isnull=False).order_by("-last_message_at")
        return Subquery(latest.values("last_message_at")[:1])
    before_end = (
        Message.objects.filter(thread=OuterRef("pk"), created_at__lt=_end_of(day))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    latest = threads.annotate(at=Subquery(before_end)).filter(at__isnull=False).order_by("-at")
    return Subquery(latest.values("at")[:1])


def _messages_after(user: Any, day: date, start: datetime) -> Exists:
    """Whether the viewer may read a message on the tie's threads from `start` to `day`'s end."""
    threads = policy.visible(user, Thread, per_row=True).filter(partnership=OuterRef("pk"))
    if _is_today(day):
        return Exists(threads.filter(last_message_at__gte=start))
    return Exists(
        Message.objects.filter(
            thread__in=threads.values("pk"), created_at__gte=start, created_at__lt=_end_of(day)
        )
    )


def _open_actions(user: Any, day: date) -> QuerySet[ActionItem]:
    """Action items the viewer may see that were open on `day`: made by then, not yet closed
    (a closed item keeps when it was closed)."""
    actions = policy.visible(user, ActionItem, per_row=True)
    if _is_today(day):
        return actions.filter(status=ActionStatus.OPEN)
    end = _end_of(day)
    return actions.filter(created_at__lt=end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=end)
    )


def _past_due(day: date) -> Q:
    """An action item past its due date on `day`: today, where its owner is (as the owner's
    desk says, `meetings.services.overdue`); on a past day, before that day."""
    if not _is_today(day):
        return Q(due__lt=day)
    return meetings.past_due_where_owners_are(meetings.owners_zones())


def _count_of(qs: QuerySet) -> Coalesce:
    """The number of rows of `qs` (filtered on OuterRef("pk") as a partnership), as a subquery."""
    counted = qs.order_by().values("partnership").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), Value(0))


def _with_contact(user: Any, day: date) -> QuerySet[Partnership]:
    """The viewer's ties on `day`, each with its last meeting and message (those the viewer may
    see), its last contact of any kind (`last_contact_on`, a date in the reader's zone), its
    open and overdue action items, whether its next step is overdue and whether it has stalled
    (an open stage with no event, meeting or message for STALLED_AFTER_DAYS)."""
    meetings = _visible_meetings(user, day).filter(partnership=OuterRef("pk"))
    actions = _open_actions(user, day).filter(partnership=OuterRef("pk"))
    quiet_since = day - timedelta(days=STALLED_AFTER_DAYS)
    after_quiet = _end_of(quiet_since)
    next_step_overdue: Any = Value(False)
    if _is_today(day):
        next_step_overdue = Case(
            When(Q(next_step_due__lt=day) & ~Q(day_stage__in=CLOSED_STAGES), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    return (
        _existing_on(user, day)
        .select_related("ukrainian_region", "partner_region__country")
        .annotate(
            last_meeting_at=Subquery(meetings.order_by("-starts_at").values("starts_at")[:1]),
            last_message_at=_last_message_at(user, day),
        )
        .annotate(
            last_contact_on=Greatest(
                Coalesce("day_last_event", Value(NEVER)),
                Coalesce(TruncDate("last_meeting_at"), Value(NEVER)),
                Coalesce(TruncDate("last_message_at"), Value(NEVER)),
                output_field=DateField(),
            ),
            open_actions=_count_of(actions),
            overdue_actions=_count_of(actions.filter(_past_due(day))),
            next_step_overdue=next_step_overdue,
            is_stalled=Case(
                When(
                    Q(day_stage__in=OPEN_STAGES)
                    & Q(day_last_event__lte=quiet_since)
                    & ~Exists(meetings.filter(starts_at__gte=after_quiet))
                    & ~_messages_after(user, day, after_quiet),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )


@dataclass(frozen=True)
class TieRow:
    """One tie as the oversight blocks show it, on a given day."""

    pk: int
    region_id: int
    region: str
    partner: str
    partner_name: Any  # a lib.i18n.Shown
    country: str
    stage: str
    stage_label: str
    since: date | None
    confidential: bool
    is_demo: bool
    last_contact: date | None
    last_contact_kind: str  # "event", "meeting" or "message"
    days_idle: int | None
    next_step: Any  # a lib.i18n.Shown, or "" on a past day (only today's next step is kept)
    next_step_due: date | None
    next_step_overdue: bool
    open_actions: int
    overdue_actions: int
    stalled: bool

    @property
    def overdue(self) -> bool:
        return self.next_step_overdue or self.overdue_actions > 0

    @property
    def contact_label(self) -> str:
        return {"event": _("event"), "meeting": _("meeting"), "message": _("message")}.get(
            self.last_contact_kind, ""
        )


def _tie_row(p: Partnership, day: date) -> TieRow:
    contacts = [(p.day_last_event, "event")]
    if p.last_meeting_at:
        contacts.append((timezone.localdate(p.last_meeting_at), "meeting"))
    if p.last_message_at:
        contacts.append((timezone.localdate(p.last_message_at), "message"))
    known = [c for c in contacts if c[0] is not None]
    last, kind = max(known, key=lambda c: c[0]) if known else (None, "")
    today = _is_today(day)
    stage = p.day_stage or ""
    return TieRow(
        pk=p.pk,
        region_id=p.ukrainian_region_id,
        region=p.ukrainian_region.name,
        partner=p.partner_display,
        partner_name=p.partner_name,
        country=p.partner_region.country.code,
        stage=stage,
        stage_label=str(Stage(stage).label) if stage else "",
        since=p.day_since,
        confidential=p.confidential,
        is_demo=p.is_demo,
        last_contact=last,
        last_contact_kind=kind,
        days_idle=(day - last).days if last else None,
        next_step=p.next_step if today else "",
        next_step_due=p.next_step_due if today else None,
        next_step_overdue=bool(p.next_step_overdue),
        open_actions=p.open_actions,
        overdue_actions=p.overdue_actions,
        stalled=bool(p.is_stalled),
    )


@dataclass(frozen=True)
class RegionRow:
    """A Ukrainian region with the sums of the viewer's ties of it on the day."""

    region_id: int
    code: str
    name: str
    ties: int
    signed: int
    stalled: int
    overdue: int  # ties with an overdue next step or overdue action items
    open_actions: int
    overdue_actions: int
    last_contact: date | None
    days_idle: int | None
    stages: tuple[tuple[str, str, int], ...]  # (stage, label, ties), in the lifecycle's order


@dataclass(frozen=True)
class RegionTable:
    regions: list[RegionRow]
    without_ties: list[str]  # Ukrainian regions with none of the viewer's ties on the day

    @property
    def ties(self) -> int:
        return sum(row.ties for row in self.regions)

    @property
    def stalled(self) -> int:
        return sum(row.stalled for row in self.regions)


def _flag(condition: Q) -> Sum:
    """How many rows of a group meet `condition` (a SUM of 1s, on every database)."""
    return Sum(Case(When(condition, then=Value(1)), default=Value(0)), output_field=IntegerField())


def region_rows(user: Any, *, as_of: date) -> RegionTable:
    """Each Ukrainian region with the sums of its ties on `as_of` (how many, at which stage,
    stalled, overdue, open action items, the last contact): two aggregations in SQL, however
    many ties there are; the ties themselves are `region_ties`, a page at a time."""
    ties = _with_contact(user, as_of).order_by()
    sums = {
        row["ukrainian_region"]: row
        for row in ties.values("ukrainian_region").annotate(
            n=Count("pk"),
            signed=_flag(Q(day_stage__in=SIGNED_STAGES)),
            stalled=_flag(Q(is_stalled=True)),
            overdue=_flag(Q(next_step_overdue=True) | Q(overdue_actions__gt=0)),
            open=Sum("open_actions"),
            overdue_open=Sum("overdue_actions"),
            last=Max("last_contact_on"),
        )
    }
    stages: dict[int, dict[str, int]] = defaultdict(dict)
    for region_id, stage, n in (
        _existing_on(user, as_of)
        .order_by()
        .values_list("ukrainian_region", "day_stage")
        .annotate(n=Count("pk"))
    ):
        stages[region_id][stage] = n
    regions, others = [], []
    for region in (
        Region.objects.filter(country__code="UA")
        .order_by(name_order(), "code")
        .only("code", "name_uk", "name_en", "sort_uk", "sort_en")
    ):
        row = sums.get(region.pk)
        if row is None:
            others.append(region.name)
            continue
        last = _as_date(row["last"]) if row["last"] and _as_date(row["last"]) > NEVER else None
        regions.append(
            RegionRow(
                region_id=region.pk,
                code=region.code,
                name=region.name,
                ties=row["n"],
                signed=row["signed"] or 0,
                stalled=row["stalled"] or 0,
                overdue=row["overdue"] or 0,
                open_actions=row["open"] or 0,
                overdue_actions=row["overdue_open"] or 0,
                last_contact=last,
                days_idle=(as_of - last).days if last else None,
                stages=tuple(
                    (stage.value, str(stage.label), stages[region.pk][stage.value])
                    for stage in Stage
                    if stages[region.pk].get(stage.value)
                ),
            )
        )
    return RegionTable(regions=regions, without_ties=others)


def region_ties(user: Any, *, as_of: date, region: Region) -> QuerySet[Partnership]:
    """One Ukrainian region's ties on `as_of` with their contact, the stalled and overdue ones
    first, then by name: page it, then turn the page into rows with `tie_rows`."""
    attention = Case(
        When(
            Q(is_stalled=True) | Q(next_step_overdue=True) | Q(overdue_actions__gt=0),
            then=Value(0),
        ),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        _with_contact(user, as_of)
        .filter(ukrainian_region=region)
        .annotate(attention=attention)
        .order_by("attention", *by_name())
    )


def tie_rows(ties: Any, day: date) -> list[TieRow]:
    """Rows for a page (or a slice) of `_with_contact`'s ties."""
    return [_tie_row(p, day) for p in ties]


def stalled(user: Any, *, as_of: date, limit: int = LISTED) -> list[TieRow]:
    """Negotiations (exploring or negotiating on `as_of`) with no event, meeting or message the
    viewer may see for STALLED_AFTER_DAYS: the `limit` idle longest, ordered in SQL. How many
    there are in all is `region_rows(...).stalled` or `stalled_count`."""
    qs = _with_contact(user, as_of).filter(is_stalled=True)
    return tie_rows(qs.order_by("last_contact_on", *by_name())[:limit], as_of)


def stalled_count(user: Any, *, as_of: date) -> int:
    return _with_contact(user, as_of).filter(is_stalled=True).count()


# --- what comes next ------------------------------------------------------------------------


@dataclass(frozen=True)
class Upcoming:
    signings: list[Document]  # cleared, not yet signed on the day; each with `waited` days
    signings_count: int
    meetings: list[Meeting]
    meetings_count: int
    renewals: list[Document]  # signed instruments running out in the window
    renewals_count: int
    next_steps: list[TieRow]  # next steps due in the window (today only: none kept for the past)
    next_steps_count: int
    until: date


def _documents(user: Any) -> QuerySet[Document]:
    return (
        policy.visible(user, Document)
        .filter(partnership__in=overseen_partnerships(user).values("pk"))
        .select_related("partnership__ukrainian_region", "partnership__partner_region__country")
    )


def upcoming(user: Any, *, as_of: date, days: int = UPCOMING_DAYS) -> Upcoming:
    """Signings (drafts cleared and not yet signed on the day, the longest waiting first),
    meetings in the next `days`, instruments running out in them, and (for today) next steps
    due in them."""
    end = _end_of(as_of)
    until = as_of + timedelta(days=days)
    signings_qs = (
        _documents(user)
        .filter(
            status__in=(DocumentStatus.CLEARED, DocumentStatus.SIGNED, DocumentStatus.EXPIRED),
            cleared_at__lt=end,
        )
        .filter(Q(signed_on__isnull=True) | Q(signed_on__gt=as_of))
        .order_by("cleared_at", "id")
    )
    signings, signings_count = _bounded(signings_qs)
    for document in signings:
        document.waited = (as_of - timezone.localdate(document.cleared_at)).days
    meetings_qs = (
        policy.visible(user, Meeting)
        .filter(
            partnership__in=overseen_partnerships(user).values("pk"),
            starts_at__gte=_end_of(as_of - timedelta(days=1)),
            starts_at__lt=_end_of(until),
        )
        .filter(_not_cancelled_on(as_of))
        .select_related("partnership__ukrainian_region", "partnership__partner_region__country")
        .order_by("starts_at", "id")
    )
    meetings, meetings_count = _bounded(meetings_qs)
    renewals_qs = (
        _documents(user)
        .filter(
            status__in=(DocumentStatus.SIGNED, DocumentStatus.EXPIRED),
            signed_on__lte=as_of,
            valid_until__gte=as_of,
            valid_until__lte=until,
        )
        .order_by("valid_until", "id")
    )
    renewals, renewals_count = _bounded(renewals_qs)
    next_steps: list[TieRow] = []
    next_steps_count = 0
    if _is_today(as_of):
        due = (
            _with_contact(user, as_of)
            .filter(next_step_due__gte=as_of, next_step_due__lte=until)
            .exclude(day_stage__in=CLOSED_STAGES)
            .order_by("next_step_due", *by_name())
        )
        rows, next_steps_count = _bounded(due)
        next_steps = [_tie_row(p, as_of) for p in rows]
    return Upcoming(
        signings=signings,
        signings_count=signings_count,
        meetings=meetings,
        meetings_count=meetings_count,
        renewals=renewals,
        renewals_count=renewals_count,
        next_steps=next_steps,
        next_steps_count=next_steps_count,
        until=until,
    )


# --- clearance: who waits on whom -----------------------------------------------------------


@dataclass(frozen=True)
class MinistryWait:
    ministry: Organization
    drafts: list[Document]  # each with `waited` days since it was submitted
    count: int
    longest: int  # days the oldest has waited


@dataclass(frozen=True)
class ClearanceWaits:
    ministries: list[MinistryWait]
    returned: list[Document]  # back with the region; each with `waited` days since the return
    returned_count: int


def _submitted(user: Any, day: date) -> QuerySet[Document]:
    """Documents submitted for review by the end of `day`, each with the round in force then
    (`round_then`) and when it was submitted (`submitted_then`): the latest submission before
    the end of the day.

    The document's own `review_round`/`submitted_at` are its latest submission (written with
    its `Submission` row), so when that came before the end of the day it is the one in force;
    otherwise its history says which was. One query, the history read in subqueries."""
    end = _end_of(day)
    earlier = Submission.objects.filter(document=OuterRef("pk"), submitted_at__lt=end).order_by(
        "-round"
    )
    latest_then = Q(submitted_at__lt=end)
    return (
        _documents(user)
        .annotate(
            round_then=Case(
                When(latest_then, then=F("review_round")),
                default=Subquery(earlier.values("round")[:1]),
            ),
            submitted_then=Case(
                When(latest_then, then=F("submitted_at")),
                default=Subquery(earlier.values("submitted_at")[:1]),
            ),
        )
        .filter(submitted_then__isnull=False)
    )


def _undecided_then(day: date) -> Q:
    """Neither cleared nor signed by the end of `day`."""
    return (Q(cleared_at__isnull=True) | Q(cleared_at__gte=_end_of(day))) & (
        Q(signed_on__isnull=True) | Q(signed_on__gt=day)
    )


def _reviews_then(day: date, **kw: Any) -> QuerySet[Review]:
    """Decisions on the round in force (`round_then`) of the outer document, taken by the end
    of `day`."""
    return Review.objects.filter(
        document=OuterRef("pk"), round=OuterRef("round_then"), decided_at__lt=_end_of(day), **kw
    )


def _in_clearance(user: Any, day: date) -> QuerySet[Document]:
    """Drafts in clearance at the end of `day`: submitted by then, neither cleared, signed nor
    returned in the round in force then."""
    returned = _reviews_then(day, decision=ReviewDecision.RETURNED)
    return _submitted(user, day).filter(_undecided_then(day)).exclude(Exists(returned))


def clearance_waits(user: Any, *, as_of: date) -> ClearanceWaits:
    """Per clearing ministry, the drafts waiting for its decision on `as_of` (the longest
    waiting first) and how many days each has waited since the submission of the round in force
    then; and the drafts returned to their region in that round, which it had not yet sent back
    (the region is the one awaited), with the days since the return."""
    waits = []
    for ministry in Organization.objects.filter(key__in=POSITIVE).order_by("key"):
        decided = _reviews_then(as_of, ministry=ministry)
        qs = _in_clearance(user, as_of).exclude(Exists(decided)).order_by("submitted_then", "id")
        drafts, count = _bounded(qs)
        for document in drafts:
            document.waited = (as_of - timezone.localdate(document.submitted_then)).days
        waits.append(
            MinistryWait(
                ministry=ministry,
                drafts=drafts,
                count=count,
                longest=drafts[0].waited if drafts else 0,
            )
        )
    return_of = _reviews_then(as_of, decision=ReviewDecision.RETURNED).order_by("-decided_at")
    returned_qs = (
        _submitted(user, as_of)
        .filter(_undecided_then(as_of))
        .annotate(returned_at=Subquery(return_of.values("decided_at")[:1]))
        .filter(returned_at__isnull=False)
        .order_by("returned_at", "id")
    )
    returned, returned_count = _bounded(returned_qs)
    for document in returned:
        document.waited = (as_of - timezone.localdate(document.returned_at)).days
    return ClearanceWaits(ministries=waits, returned=returned, returned_count=returned_count)


# --- activity over time ---------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesRow:
    key: str
    label: str
    counts: tuple[int, ...]  # one per month, oldest first

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Series:
    months: tuple[date, ...]  # the first day of each month, oldest first
    by_sphere: tuple[SeriesRow, ...]
    by_institution_type: tuple[SeriesRow, ...]

    @property
    def total(self) -> int:
        return sum(row.total for row in self.by_sphere)


def _months_back(day: date, months: int) -> tuple[date, ...]:
    first = day.replace(day=1)
    out = []
    year, month = first.year, first.month
    for _i in range(months):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return tuple(reversed(out))


def _overseen_activities(user: Any) -> QuerySet[Activity]:
    """Activities under the viewer's ties (or under links of them); for those who oversee
    everything, those of standalone links too."""
    overseen = overseen_partnerships(user).values("pk")
    scope = Q(partnership__in=overseen) | Q(link__partnership__in=overseen)
    if oversees_everything(user):
        scope |= Q(partnership__isnull=True, link__partnership__isnull=True)
    return policy.visible(user, Activity).filter(scope)


def _series(
    counted: dict[tuple[date, str], int], months: tuple[date, ...], labels: dict[str, str]
) -> tuple[SeriesRow, ...]:
    keys = {key for _month, key in counted}
    rows = [
        SeriesRow(
            key=key,
            label=labels.get(key, key),
            counts=tuple(counted.get((month, key), 0) for month in months),
        )
        for key in keys
    ]
    return tuple(sorted(rows, key=lambda r: (-r.total, r.label)))


def activity_series(user: Any, *, as_of: date, months: int = 12) -> Series:
    """Activities begun in each of the `months` months up to `as_of`, per sphere and per type
    of the institutions taking part (an activity with two types counts under each): two
    aggregations."""
    month_list = _months_back(as_of, months)
    activities = _overseen_activities(user).filter(
        starts_on__gte=month_list[0], starts_on__lte=as_of
    )
    by_sphere: dict[tuple[date, str], int] = defaultdict(int)
    rows = (
        activities.order_by()
        .annotate(month=TruncMonth("starts_on"))
        .values_list("month", "sphere__code")
        .annotate(n=Count("pk"))
    )
    for month, code, n in rows:
        by_sphere[(_as_date(month), code or "")] += n
    by_type: dict[tuple[date, str], int] = defaultdict(int)
    rows = (
        activities.filter(institutions__isnull=False)
        .order_by()
        .annotate(month=TruncMonth("starts_on"))
        .values_list("month", "institutions__institution_type")
        .annotate(n=Count("pk", distinct=True))
    )
    for month, kind, n in rows:
        by_type[(_as_date(month), kind or "")] += n
    spheres = {s.code: s.name for s in Sphere.objects.all()}
    spheres[""] = _("no sphere")
    types = {value: str(label) for value, label in InstitutionType.choices}
    types[""] = _("type not given")
    return Series(
        months=month_list,
        by_sphere=_series(by_sphere, month_list, spheres),
        by_institution_type=_series(by_type, month_list, types),
    )


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def period_default(as_of: date) -> date:
    """The "since" date when the reader names none."""
    return as_of - timedelta(days=DEFAULT_PERIOD_DAYS)
