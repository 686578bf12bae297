"""The meeting form (new and edit), the answer, the minutes and a decision.

The form reads the time as a person thinks of it (a day, a start and an end, in a time zone,
their own by default) and hands the service aware datetimes; the service's own rules
(`check_times`) decide, and their answers are shown on the fields they concern.
"""

import re
import zoneinfo
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from regionbridge.lib.forms import INT64
from regionbridge.lib.timezones import timezone_choices, timezone_names
from regionbridge.meetings import services
from regionbridge.meetings.models import Answer
from regionbridge.messaging.forms import RecipientsField

MAX_PEOPLE = 100  # addresses typed at once; the service allows 20 guests a thread
SEPARATORS = re.compile(r"[\s,;]+")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        attrs = {"min": "2000-01-01", "max": "2100-12-31"}
        super().__init__(format="%Y-%m-%d", attrs=attrs | kwargs.pop("attrs", {}), **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class PartnershipField(forms.ModelChoiceField):
    """A select of the partnerships the user may see; an id beyond 64 bits is refused like any
    unknown one (SQLite cannot bind it)."""

    def to_python(self, value: Any) -> Any:
        text = str(value).strip() if value is not None else ""
        if text.lstrip("-").isdigit() and int(text) not in INT64:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


def split_addresses(raw: str) -> list[str]:
    """Addresses one per line or separated by commas, each once, lower-cased; a word that is
    not an address is refused by name."""
    words = [word for word in SEPARATORS.split(raw or "") if word]
    if len(words) > MAX_PEOPLE:
        raise ValidationError(
            _("Name at most %(limit)s people at once (you named %(count)s).")
            % {"limit": MAX_PEOPLE, "count": len(words)}
        )
    validator = forms.EmailField()
    addresses = []
    for word in words:
        try:
            addresses.append(validator.clean(word).lower())
        except ValidationError:
            raise ValidationError(
                _("Not an e-mail address: %(address)s") % {"address": word[:254]}
            ) from None
    return list(dict.fromkeys(addresses))


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title of the meeting"), max_length=200)
    purpose = forms.CharField(
        label=_("Purpose"),
        required=False,
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    partnership = PartnershipField(
        label=_("Partnership"),
        queryset=None,
        required=False,
        empty_label=_("Not about a partnership"),
        help_text=_(
            "A meeting on a confidential negotiation is seen only by those who may see it."
        ),
    )
    day = forms.DateField(label=_("Date"), widget=DateInput())
    start = forms.TimeField(label=_("Starts"), widget=TimeInput())
    end = forms.TimeField(label=_("Ends"), widget=TimeInput())
    zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("The date and times above are in this time zone."),
    )
    # The picker of people and offices (as the new-thread form's), and the accounts already
    # invited (or taking part in the thread the meeting is arranged from).
    invited = RecipientsField(label=_("Invited"))
    persons = RecipientsField(label=_("People"))
    organizations = RecipientsField(label=_("Whole offices (their members follow)"))
    people = forms.CharField(
        label=_("Others by e-mail (addresses, one per line or separated by commas)"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Someone without an account takes part by e-mail and can claim one later."),
    )
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    online_link = forms.URLField(
        label=_("Online link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("The video call's address, if the meeting is online."),
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        max_length=services.MAX_AGENDA_ITEMS * 502,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One item per line."),
    )
    thread = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1
    )

    def __init__(
        self,
        *args: Any,
        partnerships: Any = None,
        people: Any,
        organizations: Any,
        invited: Any,
        zone: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if partnerships is None:  # editing: a meeting stays with its partnership
            del self.fields["partnership"]
        else:
            self.fields["partnership"].queryset = partnerships
        self.fields["persons"].queryset = people
        self.fields["organizations"].queryset = organizations
        self.fields["invited"].queryset = invited
        self.fields["zone"].choices = timezone_choices(zone)
        self.fields["zone"].initial = zone

    def clean_people(self) -> list[str]:
        return split_addresses(self.cleaned_data["people"])

    def clean_agenda(self) -> list[str]:
        items = [line.strip() for line in self.cleaned_data["agenda"].splitlines() if line.strip()]
        if len(items) > services.MAX_AGENDA_ITEMS:
            raise ValidationError(
                _("An agenda can have at most %(limit)s items.")
                % {"limit": services.MAX_AGENDA_ITEMS}
            )
        if any(len(item) > 500 for item in items):
            raise ValidationError(_("An agenda item can have at most 500 characters."))
        return items

    def clean_zone(self) -> str:
        zone = self.cleaned_data["zone"]
        if zone not in timezone_names():
            raise ValidationError(_("Choose a time zone from the list."))
        return zone

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, start, end, zone = (data.get(k) for k in ("day", "start", "end", "zone"))
        if day is None or start is None or end is None or zone is None:
            return data
        if not 2000 <= day.year <= 2100:
            self.add_error("day", _("Choose a date between 2000 and 2100."))
            return data
        starts_at, ends_at = _aware(day, start, zone), _aware(day, end, zone)
        try:  # the service's own rule, so its answer lands on the field it concerns
            data["starts_at"], data["ends_at"] = services.check_times(starts_at, ends_at)
        except ValidationError as exc:
            self.add_error("end", exc)
        return data


def _aware(day: date, moment: time, zone: str) -> datetime:
    return datetime.combine(day, moment.replace(tzinfo=None), tzinfo=zoneinfo.ZoneInfo(zone))


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[(a, a) for a in (Answer.ACCEPTED, Answer.TENTATIVE, Answer.DECLINED)]
    )


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Links, lists, *emphasis*, as in messages."),
    )


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("Decision"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
