from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from regionbridge.institutions.models import LinkStatus
from regionbridge.lib.collation import name_order
from regionbridge.lib.forms import CodeChoiceField, named_choices
from regionbridge.organizations.models import InstitutionType, Organization
from regionbridge.partnerships.forms import DateInput, RegionCodeField, sphere_field
from regionbridge.regions.models import Region


class InstitutionForm(forms.Form):
    name_uk = forms.CharField(label=_("Name (Ukrainian)"), max_length=255, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=255, required=False)
    institution_type = forms.ChoiceField(
        label=_("Type of institution"), choices=InstitutionType.choices
    )
    region = RegionCodeField(label=_("Region (ISO code)"), help_text=_("e.g. UA-18 or US-IN"))
    city = forms.CharField(label=_("City or community"), max_length=200, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)


class LinkForm(forms.Form):
    ukrainian_institution = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("Institution in Ukraine")
    )
    partner_institution = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("Institution abroad")
    )
    status = forms.ChoiceField(label=_("Status"), choices=LinkStatus.choices)
    started_on = forms.DateField(label=_("Since"), required=False, widget=DateInput())
    spheres = sphere_field()
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ukrainian_institution"].queryset = institutions.filter(country__code="UA")
        self.fields["partner_institution"].queryset = institutions.exclude(country__code="UA")


class InstitutionFilterForm(forms.Form):
    """The list's filters: the region asked by name among those with institutions the user may
    see (the query string keeps its code); an unknown value is said, not dropped."""

    # A filter: every field may be left empty, so none is marked "(optional)".
    filters = True

    q = forms.CharField(label=_("Name"), max_length=200, required=False)
    type = forms.ChoiceField(
        label=_("Type of institution"),
        choices=[("", _("All")), *InstitutionType.choices],
        required=False,
    )
    region = CodeChoiceField(label=_("Region"), required=False)

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        # A region without institutions, asked for by a link, answers "none", not an error.
        asked = str(self.data.get("region") or "").strip().upper()[:10]
        regions = (
            Region.objects.filter(Q(pk__in=institutions.values("region")) | Q(code=asked))
            .order_by(name_order())
            .only("code", "name_uk", "name_en")
        )
        self.fields["region"].choices = named_choices(regions, blank=_("All regions"))
