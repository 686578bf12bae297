from django import forms
from django.utils.translation import gettext_lazy as _

from regionbridge.institutions.models import LinkStatus
from regionbridge.organizations.models import InstitutionType, Organization
from regionbridge.partnerships.forms import DateInput, RegionCodeField, sphere_field


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
