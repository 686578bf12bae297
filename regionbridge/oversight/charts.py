"""Small charts drawn on the server as inline SVG: activity per month, one strip per series.

Small multiples rather than one stacked chart: each sphere (or type of institution) gets its own
strip of monthly bars under its name and total, written in HTML beside it, so nothing is told
by colour alone and nothing needs a legend. Every strip shares one scale, so strips compare.
Like the planner's picture, the SVG has no viewBox: bars are placed in percent of the width and
text in pixels, so bars stretch with the screen while the numbers stay readable on a phone.
Each strip carries `<title>`/`<desc>` (the counts in words), and the page a table of the same
counts under a disclosure.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from regionbridge.oversight.selectors import SeriesRow

HEIGHT = 66  # pixels: value labels, bars, month labels
BASELINE = 48  # y of the bars' foot
BAR_SPACE = 32  # the tallest bar; the value label sits above it
MONTH_Y = 62
GAP = 0.25  # share of a month's slot left empty between bars
STRIPS = 8  # series shown as strips; the rest are summed into "other"


@dataclass(frozen=True)
class Bar:
    x: float  # percent of the width
    width: float
    center: float
    y: int  # pixels
    height: int
    value: int
    month: str  # short label under the bar
    month_long: str


@dataclass(frozen=True)
class Strip:
    key: str
    label: str
    total: int
    bars: tuple[Bar, ...]
    desc: str


def _bars(counts: Sequence[int], months: Sequence[date], peak: int) -> tuple[Bar, ...]:
    slot = 100 / max(len(counts), 1)
    bars = []
    for index, (value, month) in enumerate(zip(counts, months, strict=True)):
        height = round(BAR_SPACE * value / peak) if peak else 0
        if value and not height:
            height = 1  # a count of one among hundreds still shows
        x = slot * index + slot * GAP / 2
        bars.append(
            Bar(
                x=round(x, 3),
                width=round(slot * (1 - GAP), 3),
                center=round(slot * index + slot / 2, 3),
                y=BASELINE - height,
                height=height,
                value=value,
                month=date_format(month, "M"),
                month_long=date_format(month, "F Y"),
            )
        )
    return tuple(bars)


def strips(rows: Sequence[SeriesRow], months: Sequence[date]) -> list[Strip]:
    """One strip per series, the largest first; beyond STRIPS the rest summed as "other"."""
    shown = list(rows[:STRIPS])
    rest = rows[STRIPS:]
    if rest:
        summed = tuple(sum(row.counts[i] for row in rest) for i in range(len(months)))
        shown.append(SeriesRow(key="other", label=_("other"), counts=summed))
    peak = max((max(row.counts, default=0) for row in shown), default=0)
    out = []
    for row in shown:
        bars = _bars(row.counts, months, peak)
        desc = "; ".join(f"{bar.month_long}: {bar.value}" for bar in bars)
        out.append(Strip(key=row.key, label=row.label, total=row.total, bars=bars, desc=desc))
    return out


def month_labels(months: Sequence[date]) -> list[str]:
    return [date_format(month, "M Y") for month in months]
