"""Whose public holidays a person keeps: a calendar code of the `holidays` package ("UA", "US",
"US-IN": a country, or a country and one of its subdivisions), chosen from where they work.

Ukraine's public holidays are not days off while martial law lasts (Law 2136-IX, 2022): the
package knows that, and gives no Ukrainian holidays from 2022 on; its dates come back by
themselves when the law changes and the package with it.
"""

from datetime import date
from functools import lru_cache

import holidays
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@lru_cache(maxsize=1)
def _supported() -> dict[str, frozenset[str]]:
    return {
        country: frozenset(subdivisions)
        for country, subdivisions in holidays.list_supported_countries().items()
    }


def split_calendar(code: str) -> tuple[str, str | None]:
    """ "US-IN" -> ("US", "IN"); "UA" -> ("UA", None)."""
    country, _dash, subdivision = code.upper().partition("-")
    return country, subdivision or None


def validate_holiday_calendar(code: str) -> None:
    """ "" (none) or a calendar the package has."""
    if not code:
        return
    country, subdivision = split_calendar(code)
    subdivisions = _supported().get(country)
    if subdivisions is None or (subdivision is not None and subdivision not in subdivisions):
        raise ValidationError(_("Unknown public holiday calendar: %(code)s") % {"code": code})


def calendar_for(country_code: str, region_code: str = "") -> str:
    """The calendar of a place: the region's own where the package has one (a US state), else
    the country's; "" where the package knows neither."""
    country = (country_code or "").upper()
    if country not in _supported():
        return ""
    country_part, _dash, subdivision = (region_code or "").upper().partition("-")
    if country_part == country and subdivision in _supported()[country]:
        return f"{country}-{subdivision}"
    return country


@lru_cache(maxsize=256)
def _holidays(code: str, year: int) -> frozenset[date]:
    country, subdivision = split_calendar(code)
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def is_public_holiday(code: str, day: date) -> bool:
    """Is `day` a public holiday (a day off) in the calendar `code` ("" has none)?"""
    if not code:
        return False
    return day in _holidays(code, day.year)


# The calendars a person chooses from on their profile: Ukraine's, and the United States' with
# each state's, DC's and each territory's own.
PROFILE_COUNTRIES = ("UA", "US")


def profile_calendars() -> list[str]:
    """ "UA", "US", then "US-AK" … "US-WY": the codes offered on the profile, in that order."""
    codes = []
    for country in PROFILE_COUNTRIES:
        codes.append(country)
        codes += [f"{country}-{sub}" for sub in sorted(_supported().get(country, ()))]
    return codes
