"""Dates as precise as they are known: a year, a month of a year, or a day.

Historical ties are often known only to the year (Cherkasy – Iowa, "1996") or the month; the
stored date is then the first of that year or month, and showing it as a day would invent a
fact. One function says how such a date reads, in the page's language, wherever one is shown.
"""

from datetime import date

from django.utils import translation
from django.utils.dates import MONTHS
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from regionbridge.lib.i18n import reader_language

YEAR = "year"
MONTH = "month"
DAY = "day"


def _ukrainian(language: str | None) -> bool:
    return reader_language(language) == "uk"


def precise_date_text(day: date, precision: str = DAY, language: str | None = None) -> str:
    """ "1996"; "березень 2001" / "March 2001" (the month in the nominative, as Ukrainian names a
    month with its year); "5 березня 2001 р." / "March 5, 2001"."""
    uk = _ukrainian(language)
    with translation.override("uk" if uk else "en"):
        if precision == YEAR:
            return str(day.year)
        if precision == MONTH:
            month = str(MONTHS[day.month])
            return f"{month.lower() if uk else month} {day.year}"
        return date_format(day, "j E Y р." if uk else "F j, Y")


def precise_date(day: date | None, precision: str = DAY, language: str | None = None) -> SafeString:
    """The date as a `<time>` element whose machine-readable value is as precise as the text."""
    if day is None:
        return SafeString("")
    machine = {YEAR: "%Y", MONTH: "%Y-%m"}.get(precision, "%Y-%m-%d")
    return format_html(
        '<time datetime="{}">{}</time>',
        day.strftime(machine),
        precise_date_text(day, precision, language),
    )
