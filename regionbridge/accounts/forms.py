from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from regionbridge.accounts.models import Language, NotificationMode
from regionbridge.lib.i18n import pick
from regionbridge.lib.timezones import timezone_choices
from regionbridge.lib.workweek import profile_calendars
from regionbridge.regions.models import Region

WEEKDAYS = [
    ("1", _("Monday")),
    ("2", _("Tuesday")),
    ("3", _("Wednesday")),
    ("4", _("Thursday")),
    ("5", _("Friday")),
    ("6", _("Saturday")),
    ("7", _("Sunday")),
]
# The working-hours fields: a form posted without them (an older page, a script) leaves them be.
WORK_FIELDS = ("work_days", "work_start", "work_end", "holiday_calendar")


def holiday_calendar_choices(current: str = "") -> list[tuple[str, str]]:
    """None, Ukraine, the United States, then "United States — Indiana" for each state, DC and
    territory, by name in the reader's language; the account's own code stays a choice."""
    countries = {"UA": _("Ukraine"), "US": _("United States")}
    codes = profile_calendars()
    names = {
        region.code: pick(region.name_uk, region.name_en)
        for region in Region.objects.filter(code__in=codes).only("code", "name_uk", "name_en")
    }
    subdivisions = sorted(
        ((code, f"{countries[code[:2]]} — {names.get(code, code[3:])}") for code in codes[2:]),
        key=lambda choice: choice[1].casefold(),
    )
    choices = [("", _("None")), ("UA", countries["UA"]), ("US", countries["US"]), *subdivisions]
    if current and current not in codes:
        choices.append((current, current))
    return choices


class SignInForm(AuthenticationForm):
    # Not Django's "both fields may be case-sensitive": the address is not (clean_username).
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Enter a correct e-mail address and password. Check them and try again."
        ),
    }
    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address in the correct format, like name@example.org."),
        },
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class PreferencesForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        required=False,
        help_text=_("As you write it in Ukrainian (or your only form of it)."),
    )
    full_name_en = forms.CharField(
        label=_("Full name in Latin letters"),
        max_length=200,
        required=False,
        help_text=_("Shown to English readers, e.g. Olena Kovalenko."),
    )
    language = forms.ChoiceField(label=_("Interface language"), choices=Language.choices)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=())
    work_days = forms.MultipleChoiceField(
        label=_("Working days"),
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The meeting planner looks for times on these days."),
        error_messages={"required": _("Choose at least one working day.")},
    )
    work_start = forms.TimeField(
        label=_("Working day starts"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("In your time zone, for example 09:00."),
        error_messages={
            "required": _("Enter when your working day starts."),
            "invalid": _("Enter a time like 09:00."),
        },
    )
    work_end = forms.TimeField(
        label=_("Working day ends"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("In your time zone, for example 18:00."),
        error_messages={
            "required": _("Enter when your working day ends."),
            "invalid": _("Enter a time like 18:00."),
        },
    )
    holiday_calendar = forms.ChoiceField(
        label=_("Public holidays"),
        choices=(),
        required=False,
        help_text=_("Whose public holidays are your days off."),
    )
    notification_mode = forms.ChoiceField(
        label=_("E-mail me about messages"),
        choices=NotificationMode.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Named zones; the one the account has (or is being given) stays a choice even when it
        # is not among the usual ones.
        current = self.data.get("timezone") or self.initial.get("timezone") or ""
        self.fields["timezone"].choices = timezone_choices(str(current)[:64])
        self.fields["holiday_calendar"].choices = holiday_calendar_choices(
            str(self.initial.get("holiday_calendar") or "")
        )
        if self.is_bound and "work_start" not in self.data:
            # Posted without the working hours: they are not asked for, and stay as they are.
            for name in WORK_FIELDS:
                del self.fields[name]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("work_start"), data.get("work_end")
        if start is not None and end is not None and start >= end:
            self.add_error("work_end", _("The working day must end after it starts."))
        return data

    def working_hours(self) -> dict:
        """The working-hours values to save (none when the form was posted without them)."""
        if "work_start" not in self.fields:
            return {}
        data = self.cleaned_data
        return {
            "work_days": "".join(data["work_days"]),
            "work_start": data["work_start"],
            "work_end": data["work_end"],
            "holiday_calendar": data["holiday_calendar"],
        }


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “reporting script”."),
    )
    expires_on = forms.DateField(
        label=_("Last day it works"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Within a year. Leave empty for a token that works until you revoke it."),
    )
    read_only = forms.BooleanField(
        label=_("Read only"),
        required=False,
        help_text=_("It may read, but not create or change anything."),
    )
