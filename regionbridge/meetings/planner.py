"""When people in different time zones can meet: the slots inside everyone's working hours.

A person's working hours are local: Monday to Friday 09:00–18:00 in their own zone unless they
say otherwise, on days that are not public holidays of their calendar. Each working day becomes
one interval of UTC through zoneinfo (never a fixed offset), so the overlap follows every
daylight-saving change of every side: Kyiv and Utah share an hour a day in the three weeks of
March when the US has moved its clocks and Europe has not, and none in the weeks around them.

Everything here is plain computation on `WorkSchedule`s, except `schedule_of` (a person's
schedule) and `planner_people` (who a user may plan with), which read accounts.
"""

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.accounts.models import User
from regionbridge.lib.workweek import is_public_holiday
from regionbridge.organizations.models import Person

GRID = timedelta(minutes=30)  # meetings start on the hour or the half hour (UTC)
MAX_DAYS = 92  # date_to - date_from, in days
MAX_PEOPLE = 20
MIN_DURATION = timedelta(minutes=15)
MAX_DURATION = timedelta(minutes=480)
FIRST_YEAR, LAST_YEAR = 2000, 2100
# The least bad times stay within these local hours for everyone (or within their own working
# hours, where those reach further): an early start or a late end, never a night.
EARLIEST = time(7, 0)
LATEST = time(21, 0)

Interval = tuple[datetime, datetime]  # [start, end), aware, UTC


@dataclass(frozen=True)
class WorkSchedule:
    """When one person works: ISO weekdays as digits ("12345"), hours in their zone `tz`, and
    the public holiday calendar whose days are off ("UA", "US-IN"; "" for none)."""

    tz: str
    work_days: str
    start: time
    end: time
    holidays: str
    label: str = ""
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "zone", ZoneInfo(self.tz))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(_("Unknown time zone: %(name)s") % {"name": self.tz}) from None
        if not self.work_days or not set(self.work_days) <= set("1234567"):
            raise ValidationError(_("Choose at least one working day."))
        if self.start >= self.end:
            raise ValidationError(_("The working day must end after it starts."))

    def works_on(self, day: date) -> bool:
        """A working day of the week that is not a public holiday of the person's calendar."""
        return str(day.isoweekday()) in self.work_days and not is_public_holiday(self.holidays, day)

    def day_off_reason(self, day: date) -> str:
        """ "" on a working day; "holiday" or "day-off" otherwise."""
        if str(day.isoweekday()) not in self.work_days:
            return "day-off"
        return "holiday" if is_public_holiday(self.holidays, day) else ""

    def at(self, day: date, moment: time) -> datetime:
        """The local `moment` of local `day`, in UTC."""
        return datetime.combine(day, moment, tzinfo=self.zone).astimezone(UTC)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def working_intervals(self, start: datetime, end: datetime) -> list[Interval]:
        """The person's working intervals (one per working day, in UTC) that meet [start, end)."""
        return [work for work, _stretch in self._days(start, end, self.start, self.end)]

    def _days(
        self, start: datetime, end: datetime, early: time, late: time
    ) -> list[tuple[Interval, Interval]]:
        """Per working local day meeting [start, end): (the working interval, the interval from
        `early` to `late` local, whichever reaches further), in time order."""
        first = self.local(start).date() - timedelta(days=1)
        last = self.local(end).date() + timedelta(days=1)
        days = []
        day = first
        while day <= last:
            if self.works_on(day):
                work = (self.at(day, self.start), self.at(day, self.end))
                stretch = (self.at(day, min(early, self.start)), self.at(day, max(late, self.end)))
                if stretch[1] > start and stretch[0] < end:
                    days.append((work, stretch))
            day += timedelta(days=1)
        return days


def schedule_of(user: User) -> WorkSchedule:
    """A person's working schedule as their account says (the profile changes it)."""
    return WorkSchedule(
        tz=user.timezone,
        work_days=user.work_days,
        start=user.work_start,
        end=user.work_end,
        holidays=user.holiday_calendar,
        label=user.get_full_name(),
    )


# --- checks ------------------------------------------------------------------------------------


def check_request(
    schedules: Sequence[WorkSchedule], date_from: date, date_to: date, duration: timedelta
) -> None:
    """The limits every door answers the same: 1 to 20 people, dates between 2000 and 2100 at
    most 92 days apart (the past allowed), a meeting of 15 minutes to 8 hours."""
    if not schedules:
        raise ValidationError(_("Choose at least one person."))
    if len(schedules) > MAX_PEOPLE:
        raise ValidationError(
            _("Choose at most %(limit)s people.") % {"limit": MAX_PEOPLE}, code="people"
        )
    for value in (date_from, date_to):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValidationError(_("Give the dates as YYYY-MM-DD."), code="date")
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValidationError(
                _("Choose dates between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR},
                code="date",
            )
    if date_to < date_from:
        raise ValidationError(_("The last date must not be before the first."), code="date")
    if (date_to - date_from).days > MAX_DAYS:
        raise ValidationError(
            _("Choose dates at most %(days)s days apart.") % {"days": MAX_DAYS}, code="date"
        )
    if not isinstance(duration, timedelta) or not MIN_DURATION <= duration <= MAX_DURATION:
        raise ValidationError(
            _("A meeting for the planner lasts %(least)s to %(most)s minutes.")
            % {"least": 15, "most": 480},
            code="duration",
        )


# --- free slots --------------------------------------------------------------------------------


def _bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The first and the last start of the grid: date_from 00:00Z and date_to 23:30Z."""
    first = datetime.combine(date_from, time(0), tzinfo=UTC)
    last = datetime.combine(date_to, time(0), tzinfo=UTC) + timedelta(days=1) - GRID
    return first, last


def _intersect(xs: Sequence[Interval], ys: Sequence[Interval]) -> list[Interval]:
    """The common parts of two sorted lists of disjoint intervals (each part lies within one
    interval of each list: working days are never merged)."""
    out: list[Interval] = []
    i = j = 0
    while i < len(xs) and j < len(ys):
        lo, hi = max(xs[i][0], ys[j][0]), min(xs[i][1], ys[j][1])
        if lo < hi:
            out.append((lo, hi))
        if xs[i][1] < ys[j][1]:
            i += 1
        else:
            j += 1
    return out


def _starts_within(
    window: Interval, first: datetime, last: datetime, duration: timedelta
) -> Iterable[datetime]:
    """The grid starts s with [s, s + duration) inside `window`, from `first` to `last`."""
    lo, hi = window
    steps = max(0, -((first - lo) // GRID))  # ceil((lo - first) / GRID), not before first
    start = first + steps * GRID
    while start <= last and start + duration <= hi:
        yield start
        start += GRID


def common_intervals(
    schedules: Sequence[WorkSchedule], start: datetime, end: datetime
) -> list[Interval]:
    """The intervals in which everyone is inside the working hours of one of their working
    days, meeting [start, end)."""
    lists = [schedule.working_intervals(start, end) for schedule in schedules]
    return reduce(_intersect, lists) if lists else []


def free_slots(
    schedules: Sequence[WorkSchedule], date_from: date, date_to: date, duration: timedelta
) -> list[Interval]:
    """Every start on the 30-minute grid of UTC, from date_from 00:00Z to the last start on
    date_to, at which the whole meeting [start, start + duration) is inside every person's
    working hours of one of their working, non-holiday days; in time order."""
    check_request(schedules, date_from, date_to, duration)
    first, last = _bounds(date_from, date_to)
    slots: list[Interval] = []
    for window in common_intervals(schedules, first, last + duration):
        slots += [(s, s + duration) for s in _starts_within(window, first, last, duration)]
    return slots


# --- the least bad times ----------------------------------------------------------------------


@dataclass(frozen=True)
class Stretch:
    """How far one person would be outside their working hours: minutes `early` (before they
    start) and `late` (after they end), with the meeting in their local time."""

    index: int  # in the schedules given
    label: str
    early: int
    late: int
    local_start: datetime
    local_end: datetime

    @property
    def minutes(self) -> int:
        return self.early + self.late


@dataclass(frozen=True)
class Proposal:
    """A start outside someone's working hours, and whose and by how much."""

    start: datetime
    end: datetime
    stretches: tuple[Stretch, ...] = field(default_factory=tuple)

    @property
    def worst(self) -> int:
        return max((s.minutes for s in self.stretches), default=0)

    @property
    def total(self) -> int:
        return sum(s.minutes for s in self.stretches)


def least_bad(
    schedules: Sequence[WorkSchedule],
    date_from: date,
    date_to: date,
    duration: timedelta,
    limit: int = 5,
) -> list[Proposal]:
    """When no time fits, the times that ask least of anyone: grid starts on everyone's working
    day, within 07:00–21:00 local for everyone, ordered by the most minutes anyone is outside
    their hours, then the minutes of all together, then time. One proposal per time of day
    (UTC), on its first date, so the list shows the real choices (an early start for one side,
    a late end for the other, or half of each) rather than one time on many days."""
    check_request(schedules, date_from, date_to, duration)
    first, last = _bounds(date_from, date_to)
    days = [schedule._days(first, last + duration, EARLIEST, LATEST) for schedule in schedules]
    stretch_starts = [[stretch[0] for _work, stretch in rows] for rows in days]
    windows = reduce(_intersect, [[stretch for _work, stretch in rows] for rows in days])
    best: dict[time, Proposal] = {}
    for window in windows:
        for start in _starts_within(window, first, last, duration):
            end = start + duration
            stretches = []
            for index, schedule in enumerate(schedules):
                row = bisect_right(stretch_starts[index], start) - 1
                (work_start, work_end), _stretch = days[index][row]
                early = max(timedelta(0), work_start - start)
                late = max(timedelta(0), end - work_end)
                if early or late:
                    stretches.append(
                        Stretch(
                            index=index,
                            label=schedule.label,
                            early=int(early.total_seconds()) // 60,
                            late=int(late.total_seconds()) // 60,
                            local_start=schedule.local(start),
                            local_end=schedule.local(end),
                        )
                    )
            proposal = Proposal(start, end, tuple(stretches))
            key = start.time()
            if key not in best or _rank(proposal) < _rank(best[key]):
                best[key] = proposal
    return sorted(best.values(), key=_rank)[:limit]


def _rank(proposal: Proposal) -> tuple[int, int, datetime]:
    return (proposal.worst, proposal.total, proposal.start)


# --- the picture's data -----------------------------------------------------------------------


@dataclass(frozen=True)
class PersonDay:
    """One person on one UTC day: their working intervals clipped to the day, the whole
    intervals they come from (for labels), and why they do not work ("day-off", "holiday")
    when the local day at noon UTC is not a working day."""

    intervals: tuple[Interval, ...]
    shifts: tuple[Interval, ...]
    off: str


@dataclass(frozen=True)
class DayOverlap:
    day: date  # UTC
    people: tuple[PersonDay, ...]  # in the order of the schedules
    common: tuple[Interval, ...]  # clipped to the day


def overlap_days(
    schedules: Sequence[WorkSchedule], date_from: date, date_to: date
) -> list[DayOverlap]:
    """Per UTC day from date_from to date_to: each person's working hours on the UTC axis and
    the part everyone shares."""
    check_request(schedules, date_from, date_to, MIN_DURATION)
    first = datetime.combine(date_from, time(0), tzinfo=UTC)
    end = datetime.combine(date_to, time(0), tzinfo=UTC) + timedelta(days=1)
    shifts = [schedule.working_intervals(first, end) for schedule in schedules]
    common = reduce(_intersect, shifts)
    result = []
    day = first
    while day < end:
        next_day = day + timedelta(days=1)
        people = []
        for schedule, own in zip(schedules, shifts, strict=True):
            meeting = tuple(shift for shift in own if shift[1] > day and shift[0] < next_day)
            noon = schedule.local(day + timedelta(hours=12)).date()
            people.append(
                PersonDay(
                    intervals=_clip(meeting, day, next_day),
                    shifts=meeting,
                    off=schedule.day_off_reason(noon),
                )
            )
        result.append(
            DayOverlap(
                day=day.date(),
                people=tuple(people),
                common=_clip(
                    [part for part in common if part[1] > day and part[0] < next_day],
                    day,
                    next_day,
                ),
            )
        )
        day = next_day
    return result


def _clip(intervals: Iterable[Interval], lo: datetime, hi: datetime) -> tuple[Interval, ...]:
    return tuple((max(a, lo), min(b, hi)) for a, b in intervals if b > lo and a < hi)


# --- who may be planned with ------------------------------------------------------------------


def planner_people(viewer: User, addresses: Iterable[str]) -> list[User]:
    """The accounts named by e-mail address (as typed: any case, spaces, twice), in the order
    given: the viewer themself and people with an active account whose directory entry the
    viewer may see (as the messaging recipient picker chooses). An address that is not one,
    unknown, or hidden, is refused naming it, the same for each: the answer reveals nothing of
    who has an account."""
    policy.require(viewer, policy.Action.MEETING_CREATE)
    wanted = []
    for raw in addresses:
        address = str(raw).strip().lower()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                _("Not an e-mail address: %(address)s") % {"address": str(raw)[:254]},
                code="people",
            ) from None
        wanted.append(address)
    wanted = list(dict.fromkeys(wanted))
    if len(wanted) > MAX_PEOPLE:
        raise ValidationError(
            _("Choose at most %(limit)s people.") % {"limit": MAX_PEOPLE}, code="people"
        )
    if not wanted:
        raise ValidationError(_("Choose at least one person."), code="people")
    seen_people = policy.visible(viewer, Person).filter(user__isnull=False).values("user")
    found = {
        user.address: user
        for user in User.objects.annotate(address=Lower("email")).filter(
            Q(pk=viewer.pk) | Q(pk__in=seen_people), address__in=wanted, is_active=True
        )
    }
    for address in wanted:
        if address not in found:
            raise ValidationError(
                _("Nobody you can plan with has the address %(address)s.") % {"address": address},
                code="people",
            )
    return [found[address] for address in wanted]
