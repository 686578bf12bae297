"""The picture of ties for those who oversee (coordinators, ministries, the embassy): a partner
country and a date; what the viewer oversees (`part.overseen_partnerships`), nothing more."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from regionbridge import policy
from regionbridge.core.access import requires
from regionbridge.lib.forms import CodeChoiceField, named_choices
from regionbridge.oversight import ties
from regionbridge.oversight.part import overseen_partnerships
from regionbridge.partnerships.forms import RegistryDateField
from regionbridge.regions.models import Country

DEFAULT_COUNTRY = "US"


class TiesForm(forms.Form):
    """`?partner_country=US&as_of=2025-01-31`: a country among those the viewer's ties reach,
    and the day whose stages are drawn (today when empty). A value that cannot be drawn is said,
    with a 400 and no picture (a picture of another country or day would mislead)."""

    filters = True  # every field may be left empty: none is marked "(optional)"

    partner_country = CodeChoiceField(label=_("Partner country"), required=False)
    as_of = RegistryDateField(label=_("As of"), required=False)

    def __init__(self, *args, countries: list[Country], **kwargs):
        super().__init__(*args, **kwargs)
        self.countries = {country.code: country for country in countries}
        self.fields["partner_country"].choices = named_choices(countries, blank=_("Choose"))[1:]
        self.fields["partner_country"].error_messages["invalid_choice"] = _(
            "Choose a country from the list."
        )

    def country(self) -> Country | None:
        """The country chosen (None when no country has ties)."""
        return self.countries.get(self.cleaned_data.get("partner_country") or "")


def _with_default_country(query, countries: list[Country]):
    """The query with a country when it names none: the US, else the first with ties."""
    data = query.copy()
    if not data.get("partner_country") and countries:
        codes = [country.code for country in countries]
        data["partner_country"] = DEFAULT_COUNTRY if DEFAULT_COUNTRY in codes else codes[0]
    return data


@requires(policy.Action.OVERSIGHT_VIEW)
def ties_page(request: HttpRequest) -> HttpResponse:
    overseen = overseen_partnerships(request.user)
    countries = list(ties.partner_countries(overseen))
    form = TiesForm(_with_default_country(request.GET, countries), countries=countries)
    if not form.is_valid():
        return render(request, "oversight/ties.html", {"form": form}, status=400)
    country = form.country()
    context = {"form": form, "country": country}
    if country is not None:
        context.update(
            ties.picture_context(overseen, country, as_of=form.cleaned_data.get("as_of"))
        )
    return render(request, "oversight/ties.html", context)
