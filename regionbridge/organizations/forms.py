from django import forms
from django.utils.translation import gettext_lazy as _

from regionbridge.organizations.models import OrganizationKind


class DirectoryFilter(forms.Form):
    """The directory's search: free text and a kind of office. An unknown kind is said, with no
    results under it, rather than dropped (a list the reader believes filtered would mislead)."""

    filters = True

    q = forms.CharField(max_length=200, required=False, strip=True)
    kind = forms.ChoiceField(
        label=_("Kind of office"),
        choices=[("", _("All")), *OrganizationKind.choices],
        required=False,
        error_messages={"invalid_choice": _("Choose a kind of office from the list.")},
    )

    def __init__(self, data, **kwargs):
        # The template's own inputs are named "q" and "kind": the summary links to those ids.
        super().__init__(data, auto_id="%s", **kwargs)

    def clean_q(self) -> str:
        return self.cleaned_data["q"][:200]
