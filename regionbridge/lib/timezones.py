"""Time zones: validated by code, shown as a city with its UTC offset ("Київ (UTC+2)")."""

import zoneinfo
from datetime import datetime
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The zones of the places the platform serves (Ukraine, the United States and its territories,
# the European capitals of partners), by the city or place each is named after. Other zones
# show their code.
CITIES = {
    "Europe/Kyiv": gettext_lazy("Kyiv"),
    "Europe/Kiev": gettext_lazy("Kyiv"),
    "Europe/Simferopol": gettext_lazy("Simferopol"),
    "Europe/Warsaw": gettext_lazy("Warsaw"),
    "Europe/Berlin": gettext_lazy("Berlin"),
    "Europe/Brussels": gettext_lazy("Brussels"),
    "Europe/Paris": gettext_lazy("Paris"),
    "Europe/London": gettext_lazy("London"),
    "America/New_York": gettext_lazy("New York"),
    "America/Detroit": gettext_lazy("Detroit"),
    "America/Indiana/Indianapolis": gettext_lazy("Indianapolis"),
    "America/Chicago": gettext_lazy("Chicago"),
    "America/Denver": gettext_lazy("Denver"),
    "America/Boise": gettext_lazy("Boise"),
    "America/Phoenix": gettext_lazy("Phoenix"),
    "America/Los_Angeles": gettext_lazy("Los Angeles"),
    "America/Anchorage": gettext_lazy("Anchorage"),
    "Pacific/Honolulu": gettext_lazy("Honolulu"),
    "America/Puerto_Rico": gettext_lazy("Puerto Rico"),
    "America/St_Thomas": gettext_lazy("St. Thomas"),
    "Pacific/Guam": gettext_lazy("Guam"),
    "Pacific/Saipan": gettext_lazy("Saipan"),
    "Pacific/Pago_Pago": gettext_lazy("Pago Pago"),
    "Pacific/Wake": gettext_lazy("Wake Island"),
    "UTC": gettext_lazy("Coordinated Universal Time"),
}


@lru_cache(maxsize=1)
def timezone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(name: str) -> None:
    if name not in timezone_names():
        raise ValidationError(_("Unknown time zone: %(name)s") % {"name": name})


def utc_offset(name: str, at: datetime | None = None) -> str:
    """The zone's offset at `at` (now unless given): "UTC+2", "UTC-5", "UTC+5:30"."""
    moment = (at or dj_timezone.now()).astimezone(zoneinfo.ZoneInfo(name))
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def timezone_city(name: str) -> str:
    """The place a zone is named after: "Київ" / "Kyiv" for Europe/Kyiv; the last part of
    any other zone's code."""
    city = CITIES.get(name)
    return str(city) if city is not None else name.rsplit("/", 1)[-1].replace("_", " ")


def timezone_label(name: str, at: datetime | None = None) -> str:
    """The zone for people to read: "Київ (UTC+2)" / "Kyiv (UTC+2)" (the offset of the moment,
    so summer time shows); an unknown code is shown as it is."""
    if not name:
        return ""
    if name not in timezone_names():
        return name
    city = CITIES.get(name)
    return f"{city if city is not None else name} ({utc_offset(name, at)})"


# What a person picks from, in this order: Ukraine, the European capitals, the United States east
# to west, then its territories.
CHOICES = [
    "Europe/Kyiv",
    "Europe/Warsaw",
    "Europe/Berlin",
    "Europe/Brussels",
    "Europe/Paris",
    "Europe/London",
    "America/New_York",
    "America/Detroit",
    "America/Indiana/Indianapolis",
    "America/Chicago",
    "America/Denver",
    "America/Boise",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "America/St_Thomas",
    "Pacific/Guam",
    "Pacific/Saipan",
    "Pacific/Pago_Pago",
    "Pacific/Wake",
]


def timezone_choices(current: str = "", at: datetime | None = None) -> list[tuple[str, str]]:
    """The zones a person picks from, named; `current` is kept among them (first) when it is a
    zone outside the list, so saving the form never changes it unasked."""
    zones = list(CHOICES)
    if current and current not in zones and current in timezone_names():
        zones.insert(0, current)
    moment = at or dj_timezone.now()
    return [(name, timezone_label(name, moment)) for name in zones]
