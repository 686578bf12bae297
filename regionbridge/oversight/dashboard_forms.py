"""The dashboard's period: the day every block shows ("as of") and the day changes are
counted from ("since"). A date that cannot be read, is out of the registry's range, lies in the
future, or a "since" after "as of", is said on the page with a 400, never silently replaced."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regionbridge.oversight.selectors import period_default
from regionbridge.partnerships.forms import FUTURE_DAY, RegistryDateField


class PeriodForm(forms.Form):
    # A filter: both may be left empty, so neither is marked "(optional)".
    filters = True

    as_of = RegistryDateField(
        label=_("As of"), required=False, help_text=_("The state on this day.")
    )
    since = RegistryDateField(
        label=_("Changes since"),
        required=False,
        help_text=_("Empty: 90 days before."),
    )

    def clean_as_of(self) -> date:
        day = self.cleaned_data.get("as_of") or timezone.localdate()
        if day > timezone.localdate():
            raise forms.ValidationError(FUTURE_DAY, code="future")
        return day

    def clean(self) -> dict:
        data = super().clean()
        as_of = data.get("as_of")
        if as_of is None:
            return data
        since = data.get("since") or period_default(as_of)
        if "since" not in self.errors and since > as_of:
            self.add_error("since", _("Enter a day on or before the “As of” day."))
        data["since"] = since
        return data
