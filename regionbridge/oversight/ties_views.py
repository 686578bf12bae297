"""The picture of ties for those who oversee (coordinators, ministries, the embassy): a partner
country and a date; what the viewer oversees (`part.overseen_partnerships`), nothing more."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regionbridge import policy
from regionbridge.core import results
from regionbridge.core.access import requires
from regionbridge.lib.forms import CodeChoiceField, named_choices
from regionbridge.oversight import ties
from regionbridge.oversight.part import overseen_partnerships
from regionbridge.partnerships.forms import RegistryDateField, validate_not_future
from regionbridge.regions.models import Country

DEFAULT_COUNTRY = "US"


class TiesForm(forms.Form):
    """`?partner_country=US&as_of=2025-01-31`: a country among those the viewer's ties reach,
    and the day whose stages are drawn (today when empty; never a day to come, whose stages are
    not known). A value that cannot be drawn is said, with a 400 and no picture (a picture of
    another country or day would mislead)."""

    filters = True  # every field may be left empty: none is marked "(optional)"

    partner_country = CodeChoiceField(label=_("Partner country"), required=False)
    as_of = RegistryDateField(label=_("As of"), required=False, validators=[validate_not_future])

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
        as_of, user = form.cleaned_data.get("as_of"), request.user
        # Drawn once while the ties are unchanged (decision 0013).
        context.update(
            results.remember(
                "oversight.ties",
                (results.viewer(user), country.code, as_of, timezone.localdate()),
                lambda: _drawn(overseen, country, as_of=as_of),
            )
        )
    return render(request, "oversight/ties.html", context)


def _drawn(overseen, country: Country, *, as_of) -> dict:
    """The picture and its list, drawn (`picture_html`), and the figures the page says."""
    drawn = ties.picture_context(overseen, country, as_of=as_of, region_href=region_href)
    picture = drawn["picture"]
    return {
        "total": picture.total,
        "country_name": picture.country_name,
        "day": picture.as_of,
        "picture_html": render_to_string("oversight/_ties_picture.html", drawn),
    }


def region_href(tile: ties.Tile) -> str:
    """A region of Ukraine's page of ties on the dashboard; a partner region's own page."""
    if tile.code.startswith(ties.UKRAINE + "-"):
        return reverse("oversight:region", args=[tile.code])
    return reverse("regions:detail", args=[tile.code])
