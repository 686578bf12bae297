"""The planner's picture: everyone's working hours on one UTC axis, day by day, as inline SVG.

Consecutive days that look the same are drawn once ("Tue 11 – Fri 14 March"), so three months
fit on a page and a change (a daylight-saving switch, a holiday) stands out as a new block. The
SVG has no viewBox: bars are placed in percent of its width and text in pixels, so the bars
stretch with the screen while the labels keep their size and stay readable on a phone. The
shared hours are hatched, on everyone's bar and in a row of their own, not only
coloured, and named in words beside the picture; `<title>`/`<desc>` and the text list under
it say the same to screen readers.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from regionbridge.lib.timezones import timezone_city
from regionbridge.meetings.planner import DayOverlap, Interval, WorkSchedule

DAY = 24 * 60  # minutes
# Pixel geometry of one block (text never scales; the width is the page's).
NAME_Y = 15  # baseline of a person's name in their row
HOURS_Y = 32  # baseline of their hours
BAR_Y = 40  # top of their bar
BAR_H = 18
ROW_H = 68
AXIS_H = 26
TICKS = (0, 3, 6, 9, 12, 15, 18, 21, 24)
LABELLED_TICKS = (0, 6, 12, 18, 24)
NAME_CHARACTERS = 40  # longer names are cut (the full name is in the text list)


@dataclass(frozen=True)
class Bar:
    x: float  # percent of the width
    width: float

    @property
    def end(self) -> float:
        return self.x + self.width


@dataclass(frozen=True)
class Row:
    name: str  # cut to NAME_CHARACTERS
    full_name: str
    city: str
    hours: str  # "Local 09:00–18:00 = 13:00–22:00 UTC", or why not at work
    bars: tuple[Bar, ...]
    name_y: int  # baselines and the bar's top, in pixels from the top of the picture
    hours_y: int
    bar_y: int


@dataclass(frozen=True)
class Block:
    first: date
    last: date
    rows: tuple[Row, ...]
    everyone: Row  # the last row: the shared hours, hatched
    common: tuple[Bar, ...]
    common_text: str  # "15:00–16:00 UTC (Olena 17:00–18:00, Emily 11:00–12:00)" or ""
    height: int
    ticks: tuple[tuple[float, str, str], ...]  # (percent, label, text-anchor)
    axis_y: int  # baseline of the hour labels
    grid_bottom: int

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _minutes(moment: datetime, day: date) -> int:
    return round((moment - datetime.combine(day, time(0), moment.tzinfo)).total_seconds() / 60)


def _shape(overlap: DayOverlap) -> tuple:
    """What a day looks like, as minutes of its own UTC day: days alike are drawn once."""

    def spans(intervals: Sequence[Interval]) -> tuple:
        return tuple((_minutes(a, overlap.day), _minutes(b, overlap.day)) for a, b in intervals)

    people = tuple(
        (spans(person.intervals), spans(person.shifts), "" if person.intervals else person.off)
        for person in overlap.people
    )
    return people, spans(overlap.common)


def _bar(a: datetime, b: datetime, day: date) -> Bar:
    start, end = _minutes(a, day), _minutes(b, day)
    return Bar(x=round(100 * start / DAY, 3), width=round(100 * (end - start) / DAY, 3))


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def _utc_span(a: datetime, b: datetime, day: date) -> str:
    """ "13:00–22:00"; an end at midnight of the day is "24:00"."""
    end = (
        "24:00" if b == datetime.combine(day, time(0), b.tzinfo) + timedelta(days=1) else _clock(b)
    )
    return f"{_clock(a)}–{end}"


def _hours_text(schedule: WorkSchedule, overlap: DayOverlap, index: int) -> str:
    person = overlap.people[index]
    if not person.intervals:
        if person.off == "holiday":
            return _("Public holiday")
        if person.off == "day-off":
            return _("Day off")
        return _("Not at work")
    utc = ", ".join(dict.fromkeys(f"{_clock(a)}–{_clock(b)}" for a, b in person.shifts))
    return _("Local %(local)s = %(utc)s UTC") % {
        "local": f"{schedule.start:%H:%M}–{schedule.end:%H:%M}",
        "utc": utc,
    }


def _common_text(schedules: Sequence[WorkSchedule], overlap: DayOverlap) -> str:
    if not overlap.common:
        return ""
    parts = []
    for a, b in overlap.common:
        local = ", ".join(
            f"{schedule.label} {_clock(schedule.local(a))}–{_clock(schedule.local(b))}"
            for schedule in schedules
        )
        parts.append(f"{_utc_span(a, b, overlap.day)} UTC ({local})")
    return "; ".join(parts)


def _cut(name: str) -> str:
    return name if len(name) <= NAME_CHARACTERS else name[: NAME_CHARACTERS - 1] + "…"


def _ticks() -> tuple[tuple[float, str, str], ...]:
    ticks = []
    for hour in TICKS:
        label = f"{hour:02d}:00" if hour in LABELLED_TICKS else ""
        anchor = "start" if hour == 0 else "end" if hour == 24 else "middle"
        ticks.append((round(100 * hour / 24, 3), label, anchor))
    return tuple(ticks)


def blocks(schedules: Sequence[WorkSchedule], days: Sequence[DayOverlap]) -> list[Block]:
    """The days grouped into runs that look alike, each with its rows, bars and labels."""
    runs: list[list[DayOverlap]] = []
    for overlap in days:
        if runs and _shape(runs[-1][-1]) == _shape(overlap):
            runs[-1].append(overlap)
        else:
            runs.append([overlap])
    ticks = _ticks()
    result = []
    for run in runs:
        sample = run[0]
        rows = []
        for index, schedule in enumerate(schedules):
            name = schedule.label or _("Person %(number)s") % {"number": index + 1}
            rows.append(
                Row(
                    name=name
                    if len(name) <= NAME_CHARACTERS
                    else name[: NAME_CHARACTERS - 1] + "…",
                    full_name=name,
                    city=str(timezone_city(schedule.tz)),
                    hours=_hours_text(schedule, sample, index),
                    bars=tuple(_bar(a, b, sample.day) for a, b in sample.people[index].intervals),
                    name_y=index * ROW_H + NAME_Y,
                    hours_y=index * ROW_H + HOURS_Y,
                    bar_y=index * ROW_H + BAR_Y,
                )
            )
        common = tuple(_bar(a, b, sample.day) for a, b in sample.common)
        spans = ", ".join(_utc_span(a, b, sample.day) for a, b in sample.common)
        together = len(rows)
        everyone = Row(
            name=_("Everyone at work"),
            full_name=_("Everyone at work"),
            city="",
            hours=_("%(spans)s UTC") % {"spans": spans} if spans else _("No time in common"),
            bars=common,
            name_y=together * ROW_H + NAME_Y,
            hours_y=together * ROW_H + HOURS_Y,
            bar_y=together * ROW_H + BAR_Y,
        )
        height = (together + 1) * ROW_H + AXIS_H
        result.append(
            Block(
                first=run[0].day,
                last=run[-1].day,
                rows=tuple(rows),
                everyone=everyone,
                common=common,
                common_text=_common_text(schedules, sample),
                height=height,
                ticks=ticks,
                axis_y=height - 6,
                grid_bottom=height - AXIS_H + 4,
            )
        )
    return result


def render_picture(schedules: Sequence[WorkSchedule], days: Sequence[DayOverlap]) -> SafeString:
    """The picture as HTML: a figure per block of days, each an SVG and its words."""
    return render_to_string(
        "meetings/_planner_picture.html",
        {"blocks": blocks(schedules, days), "bar_h": BAR_H},
    )
