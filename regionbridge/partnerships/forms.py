from django import forms
from django.utils.translation import gettext_lazy as _

from regionbridge.organizations.models import Person
from regionbridge.partnerships.clearance import POSITIVE
from regionbridge.partnerships.lifecycle import SIGNED_STAGES, EventKind, Stage
from regionbridge.partnerships.models import (
    EARLIEST_DATE,
    LATEST_DATE,
    ActivityKind,
    Confidence,
    DatePrecision,
    InstrumentKind,
    PartnerKind,
    ReviewDecision,
    Sphere,
    validate_registry_date,
)
from regionbridge.regions.models import Region


class DateInput(forms.DateInput):
    """The browser's date picker, limited to the dates the registry takes."""

    input_type = "date"

    def __init__(self, **kwargs):
        attrs = {"min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()}
        super().__init__(format="%Y-%m-%d", attrs=attrs | kwargs.pop("attrs", {}), **kwargs)


class RegistryDateField(forms.DateField):
    """A date between EARLIEST_DATE and LATEST_DATE (9999-12-31 is a typo, not a plan)."""

    widget = DateInput
    default_validators = [validate_registry_date]


class RegionCodeField(forms.CharField):
    """An ISO 3166-2 code typed by the user (a select of 5,000 regions would be too heavy)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=10, **kwargs)

    def clean(self, value):
        code = super().clean(value).strip().upper()
        region = Region.objects.select_related("country").filter(code=code).first()
        if region is None:
            raise forms.ValidationError(_("Unknown region code, e.g. US-IN or UA-18."))
        return region


def sphere_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=Sphere.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Spheres"),
        to_field_name="code",
    )


class PartnershipCreateForm(forms.Form):
    ukrainian_region = forms.ModelChoiceField(
        queryset=Region.objects.none(), label=_("Ukrainian region"), to_field_name="code"
    )
    ukrainian_side = forms.CharField(
        label=_("Ukrainian side"),
        max_length=255,
        required=False,
        help_text=_("Leave empty for the oblast's military administration."),
    )
    partner_region = RegionCodeField(
        label=_("Partner region (ISO code)"), help_text=_("e.g. US-IN for Indiana")
    )
    partner_kind = forms.ChoiceField(label=_("The partner is a"), choices=PartnerKind.choices)
    partner_name = forms.CharField(
        label=_("Partner side"),
        max_length=255,
        required=False,
        help_text=_("e.g. State of Indiana; Ulster County, New York"),
    )
    spheres = sphere_field()
    confidential = forms.BooleanField(label=_("Confidential negotiation"), required=False)
    first_event = forms.ChoiceField(
        label=_("Where it stands"),
        choices=[
            (EventKind.FIRST_CONTACT, EventKind.FIRST_CONTACT.label),
            (EventKind.NEGOTIATIONS_REPORTED, EventKind.NEGOTIATIONS_REPORTED.label),
        ],
    )
    first_event_on = RegistryDateField(label=_("Since"))
    source = forms.CharField(label=_("Source"), max_length=500, required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=500, required=False)
    next_step_due = RegistryDateField(label=_("Next step due"), required=False)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ukrainian_region"].queryset = regions


class PartnershipEditForm(forms.Form):
    ukrainian_side = forms.CharField(label=_("Ukrainian side"), max_length=255)
    ukrainian_lead = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label=_("Ukrainian lead contact")
    )
    partner_lead = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label=_("Partner lead contact")
    )
    partner_name = forms.CharField(label=_("Partner side"), max_length=255)
    partner_kind = forms.ChoiceField(label=_("The partner is a"), choices=PartnerKind.choices)
    spheres = sphere_field()
    confidential = forms.BooleanField(label=_("Confidential negotiation"), required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=500, required=False)
    next_step_due = RegistryDateField(label=_("Next step due"), required=False)

    def __init__(self, *args, people=None, partnership=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Lead contacts come from each side's own region.
        self.fields["ukrainian_lead"].queryset = people.filter(
            organization__region=partnership.ukrainian_region_id
        )
        self.fields["partner_lead"].queryset = people.filter(
            organization__region=partnership.partner_region_id
        )


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Event"), choices=EventKind.choices)
    occurred_on = RegistryDateField(label=_("Date"))
    date_precision = forms.ChoiceField(
        label=_("Date known to the"), choices=DatePrecision.choices, initial="day"
    )
    # Optional but for a tie going dormant or ending: the service says so, as a form error.
    reason = forms.CharField(
        label=_("What happened and why"),
        required=False,
        help_text=_("Required when the partnership goes dormant or ends."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=500,
        required=False,
        help_text=_("A letter's number, a press release, a link."),
    )
    instrument = forms.CharField(label=_("Instrument"), max_length=255, required=False)
    signed_stage = forms.ChoiceField(
        label=_("For signings: the instrument reaches"),
        choices=[("", "—"), *[(s.value, s.label) for s in SIGNED_STAGES]],
        required=False,
    )
    signatories = forms.CharField(label=_("Signatories"), max_length=500, required=False)
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    online = forms.BooleanField(label=_("Online"), required=False)
    confidence = forms.ChoiceField(
        label=_("Confidence"), choices=Confidence.choices, initial=Confidence.CONFIRMED
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Instrument"), choices=InstrumentKind.choices)
    title_uk = forms.CharField(label=_("Title (Ukrainian)"), max_length=300, required=False)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)


class UploadForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of the text"), choices=[("uk", _("Ukrainian")), ("en", _("English"))]
    )
    file = forms.FileField(
        label=_("File (PDF, DOCX or ODT)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.odt"}),
    )


class ReviewForm(forms.Form):
    """Each ministry sees the decisions it can take: the MFA has no objection or returns;
    the Ministry for Development approves by order (with its number) or returns."""

    decision = forms.ChoiceField(label=_("Decision"), choices=ReviewDecision.choices)
    order_number = forms.CharField(
        label=_("Order number"),
        max_length=100,
        required=False,
        help_text=_("The Ministry for Development approves by order."),
    )
    comments = forms.CharField(
        label=_("Comments"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, ministries=(), **kwargs):
        super().__init__(*args, **kwargs)
        if len(ministries) == 1:
            positive = POSITIVE[ministries[0].key]
            self.fields["decision"].choices = [
                (value, label)
                for value, label in ReviewDecision.choices
                if value in (positive, ReviewDecision.RETURNED)
            ]
            if positive != ReviewDecision.APPROVED:
                del self.fields["order_number"]


class SignForm(forms.Form):
    signed_on = RegistryDateField(label=_("Signed on"))
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    online = forms.BooleanField(label=_("Signed online"), required=False)
    valid_until = RegistryDateField(label=_("Valid until"), required=False)
    ukrainian_signatory = forms.CharField(
        label=_("Signs for the Ukrainian side"), max_length=200, required=False
    )
    ukrainian_title = forms.CharField(label=_("Title"), max_length=255, required=False)
    ukrainian_on_behalf_of = forms.CharField(
        label=_("On behalf of (if someone signs for the region)"), max_length=255, required=False
    )
    partner_signatory = forms.CharField(
        label=_("Signs for the partner side"), max_length=200, required=False
    )
    partner_title = forms.CharField(label=_("Title"), max_length=255, required=False)

    def signatories(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        return [
            {
                "name": data["ukrainian_signatory"],
                "title": data["ukrainian_title"],
                "signs_for": "ukrainian",
                "on_behalf_of": data["ukrainian_on_behalf_of"],
            },
            {
                "name": data["partner_signatory"],
                "title": data["partner_title"],
                "signs_for": "partner",
                "on_behalf_of": "",
            },
        ]


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    title_uk = forms.CharField(label=_("Title (Ukrainian)"), max_length=300, required=False)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    starts_on = RegistryDateField(label=_("From"))
    ends_on = RegistryDateField(label=_("To"), required=False)
    sphere = forms.ModelChoiceField(
        queryset=Sphere.objects.all(), required=False, label=_("Sphere"), to_field_name="code"
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.CharField(
        label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_public = forms.BooleanField(label=_("Show in the public registry"), required=False)


class FilterForm(forms.Form):
    """The list's filters; invalid values are dropped rather than refused."""

    stage = forms.ChoiceField(
        label=_("Stage"), choices=[("", _("All")), *Stage.choices], required=False
    )
    sphere = forms.ModelChoiceField(
        queryset=Sphere.objects.all(),
        required=False,
        label=_("Sphere"),
        to_field_name="code",
        empty_label=_("All"),
    )
    country = forms.CharField(label=_("Partner country"), max_length=2, required=False)
    region = forms.CharField(label=_("Region code"), max_length=10, required=False)
    idle_days = forms.IntegerField(
        label=_("Idle for at least N days"), min_value=0, max_value=36500, required=False
    )
    as_of = RegistryDateField(label=_("As of"), required=False)
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
