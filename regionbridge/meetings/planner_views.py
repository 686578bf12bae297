"""The meeting planner page: when the people chosen are all at work, shown as times and as a
picture of everyone's hours; when they never are, the least bad times, labelled as such."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regionbridge import policy
from regionbridge.accounts.forms import holiday_calendar_choices
from regionbridge.accounts.models import User
from regionbridge.core.access import requires
from regionbridge.lib.timezones import timezone_city, timezone_label
from regionbridge.meetings import planner as plan
from regionbridge.meetings.picture import render_picture

DEFAULT_DAYS = 14
DEFAULT_MINUTES = 60
MAX_SHOWN = 200  # slots listed on the page; the picture shows the whole range
FIELDS = ("people", "date_from", "date_to", "duration")
SEPARATORS = re.compile(r"[\s,;]+")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class PlannerForm(forms.Form):
    people = forms.CharField(
        label=gettext_lazy("People"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy(
            "Their e-mail addresses, separated by commas or on separate lines; up to 20 people."
        ),
        error_messages={"required": gettext_lazy("Enter at least one e-mail address.")},
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        widget=DateInput(),
        help_text=gettext_lazy("A date in UTC, for example 2025-03-01."),
        error_messages={
            "required": gettext_lazy("Enter the first date."),
            "invalid": gettext_lazy("Enter a real date, like 2025-03-01."),
        },
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        widget=DateInput(),
        help_text=gettext_lazy("Included; at most 92 days after the first date."),
        error_messages={
            "required": gettext_lazy("Enter the last date."),
            "invalid": gettext_lazy("Enter a real date, like 2025-03-14."),
        },
    )
    duration = forms.IntegerField(
        label=gettext_lazy("Length of the meeting, in minutes"),
        min_value=15,
        max_value=480,
        widget=forms.NumberInput(attrs={"step": 15, "inputmode": "numeric"}),
        help_text=gettext_lazy("From 15 to 480."),
        error_messages={
            "required": gettext_lazy("Enter how long the meeting lasts."),
            "invalid": gettext_lazy("Enter the length as a whole number of minutes."),
            "min_value": gettext_lazy("A meeting for the planner lasts at least 15 minutes."),
            "max_value": gettext_lazy("A meeting for the planner lasts at most 480 minutes."),
        },
    )

    def __init__(self, *args, viewer: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.users: list[User] = []

    def clean_people(self) -> list[str]:
        addresses = [part for part in SEPARATORS.split(self.cleaned_data["people"]) if part]
        try:
            self.users = plan.planner_people(self.viewer, addresses)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return [user.email for user in self.users]

    def clean(self) -> dict:
        data = super().clean()
        if self.errors or not self.users:
            return data
        try:
            plan.check_request(
                [plan.schedule_of(user) for user in self.users],
                data["date_from"],
                data["date_to"],
                timedelta(minutes=data["duration"]),
            )
        except ValidationError as error:
            field = {"people": "people", "duration": "duration"}.get(error.code or "", "date_to")
            self.add_error(field, error)
        return data


def _data(request: HttpRequest) -> dict[str, str] | None:
    """The form's values: what the query string gives, defaults for the rest (the viewer and
    whoever a link names, from today for two weeks, an hour); None when it gives nothing."""
    if not any(name in request.GET for name in FIELDS):
        return None
    named = ", ".join(request.GET.getlist("people"))
    today = timezone.localdate()
    defaults = {
        "people": ", ".join([request.user.email, named] if named else [request.user.email]),
        "date_from": today.isoformat(),
        "date_to": (today + timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        "duration": str(DEFAULT_MINUTES),
    }
    given = {
        "date_from": request.GET.get("date_from"),
        "date_to": request.GET.get("date_to"),
        "duration": request.GET.get("duration"),
    }
    if "date_from" in request.GET:  # the form itself: the people as written
        given["people"] = named
    return {**defaults, **{name: value for name, value in given.items() if value is not None}}


def _initial(request: HttpRequest) -> dict:
    today = timezone.localdate()
    return {
        "people": request.user.email,
        "date_from": today,
        "date_to": today + timedelta(days=DEFAULT_DAYS - 1),
        "duration": DEFAULT_MINUTES,
    }


@dataclass(frozen=True)
class Slot:
    start: datetime  # in the viewer's zone
    end: datetime
    link: str


@dataclass
class Window:
    """Starts that follow one another on the grid, shown together: "16:00–18:00 (Indianapolis
    09:00–11:00), start at 16:00, 16:30, 17:00"."""

    start: datetime  # in the viewer's zone
    end: datetime
    slots: list[Slot]
    elsewhere: tuple[str, ...] = ()  # "Indianapolis 09:00–11:00", per other zone


def _windows(
    found: Sequence[tuple[datetime, datetime]],
    zone: ZoneInfo,
    zones: Sequence[str],
    own: str,
    invite: Sequence[str],
) -> dict[date, list[Window]]:
    """The slots per day of the viewer, runs of consecutive starts made one window."""
    by_day: dict[date, list[Window]] = {}
    for start, end in found:
        local_start, local_end = start.astimezone(zone), end.astimezone(zone)
        slot = Slot(local_start, local_end, _new_meeting_link(start, end, invite))
        windows = by_day.setdefault(local_start.date(), [])
        if windows and windows[-1].slots[-1].start + plan.GRID == local_start:
            windows[-1].slots.append(slot)
            windows[-1].end = local_end
        else:
            windows.append(Window(local_start, local_end, [slot]))
    for windows in by_day.values():
        for window in windows:
            window.elsewhere = _elsewhere(zones, own, window.start, window.end)
    return by_day


def _elsewhere(zones: Sequence[str], own: str, start: datetime, end: datetime) -> tuple[str, ...]:
    return tuple(
        f"{timezone_city(zone)} {start.astimezone(ZoneInfo(zone)):%H:%M}–"
        f"{end.astimezone(ZoneInfo(zone)):%H:%M}"
        for zone in zones
        if zone != own
    )


def _new_meeting_link(start: datetime, end: datetime, emails: Sequence[str]) -> str:
    query = {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ends_at": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "people": ",".join(emails),
    }
    return f"{reverse('meetings:new')}?{urlencode(query)}"


def _days_text(work_days: str) -> str:
    if work_days == "12345":
        return _("Monday to Friday")
    return ", ".join(str(WEEKDAYS_ABBR[int(day) - 1]) for day in work_days)


def _stretch_text(stretch: plan.Stretch) -> str:
    parts = []
    if stretch.early:
        parts.append(
            _("%(minutes)s min early for %(name)s (starts at %(time)s local time)")
            % {
                "minutes": stretch.early,
                "name": stretch.label,
                "time": f"{stretch.local_start:%H:%M}",
            }
        )
    if stretch.late:
        parts.append(
            _("%(minutes)s min late for %(name)s (ends at %(time)s local time)")
            % {"minutes": stretch.late, "name": stretch.label, "time": f"{stretch.local_end:%H:%M}"}
        )
    return "; ".join(parts)


def _results(request: HttpRequest, form: PlannerForm) -> dict:
    users = form.users
    schedules = [plan.schedule_of(user) for user in users]
    data = form.cleaned_data
    date_from, date_to = data["date_from"], data["date_to"]
    duration = timedelta(minutes=data["duration"])
    # Offsets as on the first day planned (a plan made in February for April shows April's).
    first_day = datetime.combine(date_from, time(12), tzinfo=UTC)
    own_zone = request.user.timezone
    viewer_zone = ZoneInfo(own_zone)
    zones = list(dict.fromkeys(schedule.tz for schedule in schedules))
    invite = [user.email for user in users if user.pk != request.user.pk]
    found = plan.free_slots(schedules, date_from, date_to, duration)
    by_day = _windows(found[:MAX_SHOWN], viewer_zone, zones, own_zone, invite)
    proposals = []
    if not found:
        for proposal in plan.least_bad(schedules, date_from, date_to, duration):
            proposals.append(
                {
                    "start": proposal.start.astimezone(viewer_zone),
                    "end": proposal.end.astimezone(viewer_zone),
                    "utc": f"{proposal.start:%H:%M}–{proposal.end:%H:%M} UTC",
                    "elsewhere": _elsewhere(zones, own_zone, proposal.start, proposal.end),
                    "why": [_stretch_text(stretch) for stretch in proposal.stretches],
                    "link": _new_meeting_link(proposal.start, proposal.end, invite),
                }
            )
    calendars = dict(holiday_calendar_choices())
    return {
        "people": [
            {
                "name": schedule.label,
                "email": user.email,
                "zone": timezone_label(schedule.tz, at=first_day),
                "days": _days_text(schedule.work_days),
                "hours": f"{schedule.start:%H:%M}–{schedule.end:%H:%M}",
                "holidays": calendars.get(schedule.holidays, schedule.holidays),
            }
            for user, schedule in zip(users, schedules, strict=True)
        ],
        "slot_days": sorted(by_day.items()),
        "slot_count": len(found),
        "shown": min(len(found), MAX_SHOWN),
        "proposals": proposals,
        "picture": render_picture(schedules, plan.overlap_days(schedules, date_from, date_to)),
        "viewer_zone": timezone_label(own_zone, at=first_day),
        "duration": data["duration"],
    }


@requires(policy.Action.MEETING_CREATE)
def planner(request: HttpRequest) -> HttpResponse:
    data = _data(request)
    if data is None:
        form = PlannerForm(initial=_initial(request), viewer=request.user)
        return render(request, "meetings/planner.html", {"form": form})
    form = PlannerForm(data, viewer=request.user)
    if not form.is_valid():
        return render(request, "meetings/planner.html", {"form": form}, status=400)
    context = {"form": form, "planned": True, **_results(request, form)}
    return render(request, "meetings/planner.html", context)
