"""The forms of action items: a new one (from a meeting or a message), its changes, the list's
filter. The owner is chosen among the people who may see where the action comes from; the
services check it again (and everything else) whatever door the action comes through."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from regionbridge.accounts.models import User
from regionbridge.meetings.action_selectors import EVERYONE, MINE, OFFICE, STATUSES
from regionbridge.meetings.models import ActionStatus

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
TITLE_LENGTH = 300


def _within_years(value: date) -> None:
    if not EARLIEST <= value <= LATEST:
        raise ValidationError(_("Choose a date between 2000 and 2100."), code="out_of_range")


class DueDateInput(forms.DateInput):
    """The browser's date picker, limited to the dates the services take."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"min": EARLIEST.isoformat(), "max": LATEST.isoformat()}
        super().__init__(format="%Y-%m-%d", attrs=attrs, **kwargs)


class ActionForm(forms.Form):
    """A new action: what, who, by when. `people` are the accounts the owner may be."""

    title = forms.CharField(
        label=_("What is to be done"),
        max_length=TITLE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TITLE_LENGTH}),
    )
    owner = forms.TypedChoiceField(label=_("Who does it"), coerce=int)
    due = forms.DateField(
        label=_("Due"),
        widget=DueDateInput,
        validators=[_within_years],
        help_text=_("It becomes overdue the day after, in the owner's time zone."),
    )

    def __init__(self, *args: Any, people: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {person.pk: person for person in people}
        self.fields["owner"].choices = [
            ("", _("Choose…")),
            *((pk, person.get_full_name()) for pk, person in self.people.items()),
        ]

    def clean_owner(self) -> User:
        return self.people[self.cleaned_data["owner"]]


class ActionEditForm(ActionForm):
    """The changes its owner, its creator, the meeting's organizer or a coordinator make."""

    status = forms.ChoiceField(
        label=_("Status"), choices=ActionStatus.choices, widget=forms.RadioSelect
    )

    field_order = ["status", "title", "owner", "due"]


class ActionStatusForm(forms.Form):
    """The one-button change: done, dropped, open again."""

    status = forms.ChoiceField(choices=ActionStatus.choices)


class ActionFilterForm(forms.Form):
    """The actions page: whose (mine, my office's overdue, everyone's overdue) and, for mine,
    which status. An unknown value is said, never dropped."""

    filters = True

    show = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False, choices=[(s, s) for s in STATUSES])

    def __init__(self, *args: Any, follow_up: str | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        views = [MINE, *([follow_up] if follow_up in (OFFICE, EVERYONE) else [])]
        self.fields["show"].choices = [(view, view) for view in views]

    def clean_show(self) -> str:
        return self.cleaned_data["show"] or MINE

    def clean_status(self) -> str:
        return self.cleaned_data["status"] or "open"
