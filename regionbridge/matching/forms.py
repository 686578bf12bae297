"""The need-or-offer form, its status, and the list's filters.

The form offers what the user may choose (the organizations they may post for, the taxonomy's
topics, the spheres, the regions of Ukraine and the partner countries); the service decides, and
its answers are shown on the form.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from regionbridge.lib.forms import INT64
from regionbridge.lib.i18n import pick
from regionbridge.matching import services, taxonomy
from regionbridge.matching.models import Audience, PostKind, PostStatus
from regionbridge.organizations.models import InstitutionType
from regionbridge.partnerships.models import Sphere
from regionbridge.regions.models import Region

# Where posts are about: Ukraine and the countries of its partners on the platform.
POST_COUNTRIES = ("UA", "US")


class IdChoiceField(forms.ModelChoiceField):
    """A select by id; an id beyond 64 bits is refused like any unknown one."""

    def to_python(self, value: Any) -> Any:
        text = str(value).strip() if value is not None else ""
        if text.lstrip("-").isdigit() and int(text) not in INT64:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


def topic_choices() -> list[tuple[str, str]]:
    """The current taxonomy's topics, by their label in the page's language."""
    language = get_language() or "uk"
    choices = [
        (str(entry["code"]), pick(str(entry.get("uk") or ""), str(entry.get("en") or ""), language))
        for entry in taxonomy.export().get("topics", [])
        if entry.get("code")
    ]
    return sorted(choices, key=lambda choice: choice[1].casefold())


def post_regions(organizations: QuerySet) -> QuerySet[Region]:
    return (
        Region.objects.filter(
            Q(country__code__in=POST_COUNTRIES) | Q(pk__in=organizations.values("region"))
        )
        .select_related("country")
        .order_by("country__code", "name_uk" if (get_language() or "uk") == "uk" else "name_en")
    )


class PostForm(forms.Form):
    organization = NamedChoiceField(
        label=_("Posted for"),
        queryset=None,
        help_text=_("The organization that needs it or offers it."),
    )
    title = forms.CharField(
        label=pgettext_lazy("need or offer", "Title"),  # «Назва», not a person's «Посада»
        max_length=services.TITLE_MAX,
        help_text=_("In a few words: “Upper-limb prosthetics fitting for 40 veterans”."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=services.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "In Ukrainian or English: what exactly, for whom, how much. The other side may "
            "write in the other language; matching reads both."
        ),
    )
    sphere = NamedChoiceField(
        label=_("Sphere"), queryset=Sphere.objects.none(), required=False, to_field_name="code"
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose those that fit; the text is read for topics as well."),
    )
    institution_type = forms.ChoiceField(
        label=_("Type of institution"),
        required=False,
        help_text=_("Of the institution that needs or offers it."),
    )
    region = NamedChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        required=False,
        to_field_name="code",
        help_text=_("Where it is needed or offered; the organization's region if left empty."),
    )
    scale = forms.CharField(
        label=_("Scale"),
        required=False,
        max_length=services.SHORT_MAX,
        help_text=_("How much or how many: “40 patients”, “2 trainers for a week”."),
    )
    timing = forms.CharField(
        label=_("Timing"),
        required=False,
        max_length=services.SHORT_MAX,
        help_text=_("When: “from spring 2026”, “within 3 months”."),
    )
    audience = forms.ChoiceField(
        label=_("Who may see it"),
        choices=Audience.choices,
        widget=forms.RadioSelect,
        initial=Audience.MEMBERS,
    )

    def __init__(self, *args: Any, organizations: QuerySet, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations.order_by("name_en", "pk")
        self.fields["sphere"].queryset = Sphere.objects.all()
        self.fields["topics"].choices = topic_choices()
        self.fields["institution_type"].choices = [("", _("Not said")), *InstitutionType.choices]
        self.fields["region"].queryset = post_regions(organizations)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=PostStatus.choices, widget=forms.RadioSelect
    )


class FilterForm(forms.Form):
    """The list's filters; a value that is not one of the choices makes the list say so (400)."""

    filters = True  # every field is optional: no "(optional)" on each

    kind = forms.ChoiceField(
        label=_("Needs or offers"),
        required=False,
        choices=[("", _("Both")), *PostKind.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *PostStatus.choices]
    )
    sphere = NamedChoiceField(
        label=_("Sphere"),
        queryset=Sphere.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("Any sphere"),
    )
    region = NamedChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("Any region"),
    )
    institution_type = forms.ChoiceField(
        label=_("Type of institution"),
        required=False,
        choices=[("", _("Any type")), *InstitutionType.choices],
    )
    q = forms.CharField(label=_("Words"), required=False, max_length=200)
    mine = forms.BooleanField(label=_("Only ours"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = (
            Region.objects.filter(country__code__in=POST_COUNTRIES)
            .select_related("country")
            .order_by("country__code", "name_en")
        )
