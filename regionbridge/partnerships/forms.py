from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regionbridge.lib.collation import name_order
from regionbridge.lib.forms import CodeChoiceField, named_choices
from regionbridge.lib.i18n import has_bidi_controls
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
from regionbridge.regions.models import Country, Region


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


FUTURE_DAY = _("Enter today or a day in the past: the future is not known yet.")


def validate_not_future(day) -> None:
    """A day the figures can be known for: today (in the reader's time zone, the one active)
    or before. Events are never dated in the future, so a later day would show today's
    picture under tomorrow's date."""
    if day is not None and day > timezone.localdate():
        raise forms.ValidationError(FUTURE_DAY, code="future")


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


def no_bidi_controls(value: str) -> None:
    if has_bidi_controls(value):
        raise forms.ValidationError(
            _("Remove the hidden characters that change the direction of the text."),
            code="bidi_control",
        )


class BilingualWidget(forms.MultiWidget):
    """Two inputs side by side, Ukrainian and English, posted as `<name>_uk` and `<name>_en`."""

    template_name = "partnerships/widgets/bilingual.html"

    def __init__(self, attrs=None, max_length: int | None = None, textarea: bool = False):
        def make(language: str) -> forms.Widget:
            own = {"lang": language} | ({"maxlength": str(max_length)} if max_length else {})
            return forms.Textarea(attrs={"rows": 2} | own) if textarea else forms.TextInput(own)

        super().__init__({"uk": make("uk"), "en": make("en")}, attrs)

    def decompress(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        return ["", ""]


class BilingualField(forms.MultiValueField):
    """A value in Ukrainian and English, side by side; one may be left empty, and when the field
    is required, not both. Cleans to `(uk, en)`; `bilingual_data` spreads it into the service's
    `<name>_uk` and `<name>_en`."""

    def __init__(self, *, max_length: int, required: bool = True, textarea: bool = False, **kwargs):
        def part() -> forms.CharField:
            return forms.CharField(
                max_length=max_length, required=False, validators=[no_bidi_controls]
            )

        kwargs.setdefault("template_name", "partnerships/widgets/bilingual_field.html")
        super().__init__(
            fields=(part(), part()),
            widget=BilingualWidget(max_length=max_length, textarea=textarea),
            required=required,
            require_all_fields=False,
            error_messages={"required": _("Enter it in Ukrainian, in English or in both.")},
            **kwargs,
        )

    def compress(self, data_list) -> tuple[str, str]:
        uk, en = [*list(data_list), "", ""][:2]
        return ((uk or "").strip(), (en or "").strip())


def bilingual_data(data: dict) -> dict:
    """The cleaned data with each bilingual value `(uk, en)` as `<name>_uk` and `<name>_en`."""
    result = {}
    for name, value in data.items():
        if isinstance(value, tuple) and len(value) == 2:
            result[f"{name}_uk"], result[f"{name}_en"] = value
        else:
            result[name] = value
    return result


def bilingual_initial(obj, *names: str) -> dict:
    """Initial values of bilingual fields from a record's `<name>_uk` and `<name>_en`."""
    return {name: (getattr(obj, f"{name}_uk"), getattr(obj, f"{name}_en")) for name in names}


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
    ukrainian_side = BilingualField(
        label=_("Ukrainian side"),
        max_length=255,
        required=False,
        help_text=_("Leave empty for the oblast's military administration."),
    )
    partner_region = RegionCodeField(
        label=_("Partner region (ISO code)"), help_text=_("e.g. US-IN for Indiana")
    )
    partner_kind = forms.ChoiceField(label=_("The partner is a"), choices=PartnerKind.choices)
    partner_name = BilingualField(
        label=_("Partner side"),
        max_length=255,
        required=False,
        help_text=_(
            "e.g. штат Індіана / State of Indiana; округ Ольстер, Нью-Йорк / Ulster County, "
            "New York. Leave empty for the partner region's name."
        ),
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
    next_step = BilingualField(label=_("Next step"), max_length=500, required=False)
    next_step_due = RegistryDateField(label=_("Next step due"), required=False)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ukrainian_region"].queryset = regions


class PartnershipEditForm(forms.Form):
    ukrainian_side = BilingualField(label=_("Ukrainian side"), max_length=255)
    ukrainian_lead = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label=_("Ukrainian lead contact")
    )
    partner_lead = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label=_("Partner lead contact")
    )
    partner_name = BilingualField(label=_("Partner side"), max_length=255)
    partner_kind = forms.ChoiceField(label=_("The partner is a"), choices=PartnerKind.choices)
    spheres = sphere_field()
    confidential = forms.BooleanField(label=_("Confidential negotiation"), required=False)
    next_step = BilingualField(label=_("Next step"), max_length=500, required=False)
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
    instrument = BilingualField(label=_("Instrument"), max_length=255, required=False)
    signed_stage = forms.ChoiceField(
        label=_("For signings: the instrument reaches"),
        choices=[("", "—"), *[(s.value, s.label) for s in SIGNED_STAGES]],
        required=False,
    )
    signatories = BilingualField(label=_("Signatories"), max_length=500, required=False)
    place = BilingualField(label=_("Place"), max_length=255, required=False)
    online = forms.BooleanField(label=_("Online"), required=False)
    confidence = forms.ChoiceField(
        label=_("Confidence"), choices=Confidence.choices, initial=Confidence.CONFIRMED
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Instrument"), choices=InstrumentKind.choices)
    title = BilingualField(
        label=_("Document title"),
        max_length=300,
        required=False,
        help_text=_("Leave empty to call it by its kind."),
    )


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

    # Radios with none chosen: "no objection" is said on purpose, never by leaving a default.
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=ReviewDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose your ministry's decision.")},
    )
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
    place = BilingualField(label=_("Place"), max_length=255, required=False)
    online = forms.BooleanField(label=_("Signed online"), required=False)
    valid_until = RegistryDateField(label=_("Valid until"), required=False)
    ukrainian_signatory = BilingualField(
        label=_("Signs for the Ukrainian side"), max_length=200, required=False
    )
    ukrainian_title = BilingualField(label=_("Title"), max_length=255, required=False)
    ukrainian_on_behalf_of = BilingualField(
        label=_("On behalf of (if someone signs for the region)"), max_length=255, required=False
    )
    partner_signatory = BilingualField(
        label=_("Signs for the partner side"), max_length=200, required=False
    )
    partner_title = BilingualField(label=_("Title"), max_length=255, required=False)

    def signatories(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        empty = ("", "")
        rows = []
        for side, signs_for in (("ukrainian", "ukrainian"), ("partner", "partner")):
            name = data.get(f"{side}_signatory") or empty
            title = data.get(f"{side}_title") or empty
            body = data.get(f"{side}_on_behalf_of") or empty
            rows.append(
                {
                    "name_uk": name[0],
                    "name_en": name[1],
                    "title_uk": title[0],
                    "title_en": title[1],
                    "signs_for": signs_for,
                    "on_behalf_of_uk": body[0],
                    "on_behalf_of_en": body[1],
                }
            )
        return rows


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    title = BilingualField(label=_("Activity title"), max_length=300)
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
    """The list's filters, asked by name in the page's language while the query string keeps
    the codes (country=US, region=UA-18), so links and the API read the same. An unknown value
    is an error shown to the user, not a filter silently dropped."""

    # A filter: every field may be left empty, so none is marked "(optional)".
    filters = True

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
    country = CodeChoiceField(label=_("Partner country"), required=False)
    region = CodeChoiceField(label=_("Ukrainian region"), required=False)
    idle_days = forms.IntegerField(
        label=_("Idle for at least N days"), min_value=0, max_value=36500, required=False
    )
    as_of = RegistryDateField(label=_("As of"), required=False, validators=[validate_not_future])
    q = forms.CharField(label=_("Search"), max_length=200, required=False)

    def __init__(self, *args, partnerships: QuerySet | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        order = name_order()
        names = ("code", "name_uk", "name_en", "sort_uk", "sort_en")
        countries = Country.objects.exclude(code="UA")
        if partnerships is not None:
            # The countries of the ties the reader may see (a handful, not the world's 248),
            # and the one asked for, so a link to an empty result stays a valid filter.
            asked_country = str(self.data.get("country") or "").strip().upper()[:2]
            countries = countries.filter(
                Q(pk__in=partnerships.values("partner_region__country")) | Q(code=asked_country)
            )
        countries = countries.order_by(order).only(*names)
        self.fields["country"].choices = named_choices(countries, blank=_("All countries"))
        regions = list(Region.objects.filter(country__code="UA").order_by(order).only(*names))
        # A partner region's code (region=US-IN) still filters, as it always has: it is offered
        # beside the Ukrainian regions when it is the one asked for.
        asked = str(self.data.get("region") or "").strip().upper()[:10]
        if asked and not asked.startswith("UA-"):
            regions += Region.objects.filter(code=asked).only(*names)
        self.fields["region"].choices = named_choices(regions, blank=_("All regions"))
