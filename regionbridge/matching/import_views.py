"""Bulk import of needs and offers: upload a file, see every row with its problems, confirm.

The parsed rows wait in the person's session between the preview and the confirmation (at most
`imports.MAX_ROWS`, each cell cut a little past its field's size); they are checked again when
shown and when confirmed, so the preview's words are in the reader's language and a sphere
deleted meanwhile is caught. Nothing is written before the confirmation.
"""

import secrets
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from regionbridge import policy
from regionbridge.core.access import requires
from regionbridge.lib.collation import name_order
from regionbridge.lib.csvexport import csv_response
from regionbridge.matching import imports, services
from regionbridge.organizations.models import InstitutionType, Organization
from regionbridge.partnerships.models import Sphere

SESSION_KEY = "matching_import"

TEMPLATE_ROWS = [
    [
        "need",
        "Протезування верхніх кінцівок для ветеранів",
        "Потрібні навчання фахівців і обладнання для протезування верхніх кінцівок.",
        "healthcare",
        "",
        "rehabilitation",
        "UA-18",
        "20 пацієнтів на рік",
        "2026",
        "members",
    ],
    [
        "offer",
        "Upper-limb prosthetics fitting and training",
        "Our clinic trains prosthetists and fits upper-limb prostheses.",
        "healthcare",
        "",
        "hospital",
        "US-IN",
        "two trainers for a month",
        "spring 2026",
        "partners",
    ],
]


class ImportForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Posted for"),
        queryset=Organization.objects.none(),
        empty_label=gettext_lazy("Choose…"),
        help_text=gettext_lazy("Every need and offer of the file is posted for this organization."),
    )
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        help_text=gettext_lazy(
            "The first row names the columns; CSV in UTF-8, separated by commas or semicolons."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            self.rows = imports.read_upload(upload)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        return upload


def _organizations(user: Any) -> Any:
    return services.can_post_for(user).select_related("region").order_by(name_order(), "pk")


def _posting(user: Any) -> Any:
    """The organizations the user posts for; none (a member without a posting right) is a 403."""
    organizations = _organizations(user)
    if not organizations.exists():
        raise PermissionDenied
    return organizations


def _page(request: HttpRequest, form: ImportForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "columns": imports.COLUMNS,
        "required": imports.REQUIRED,
        "limits": imports.import_limits(),
        "spheres": Sphere.objects.order_by("order", "code"),
        "institution_types": InstitutionType.choices,
        "has_batch": SESSION_KEY in request.session,
    }
    return render(request, "matching/import.html", context, status=status)


@login_required
@requires(policy.Action.POST_BROWSE)
def import_upload(request: HttpRequest) -> HttpResponse:
    """The upload form, with the columns explained; a file that cannot be read is said on it."""
    organizations = _posting(request.user)
    if request.method != "POST":
        initial = {}
        if organizations.count() == 1:
            initial["organization"] = organizations.first()
        return _page(request, ImportForm(organizations=organizations, initial=initial))
    form = ImportForm(request.POST, request.FILES, organizations=organizations)
    if not form.is_valid():
        return _page(request, form, status=400)
    request.session[SESSION_KEY] = {
        "batch": secrets.token_urlsafe(12),
        "organization": form.cleaned_data["organization"].pk,
        "name": imports.files.clean_name(form.cleaned_data["file"].name or "")[:100],
        "rows": form.rows,
    }
    return redirect("matching:import_preview")


def _batch(request: HttpRequest) -> tuple[dict[str, Any], Organization] | None:
    """The rows waiting for confirmation, and the organization they are for (if the user may
    still post for it)."""
    batch = request.session.get(SESSION_KEY)
    if not isinstance(batch, dict):
        return None
    organization = _organizations(request.user).filter(pk=batch.get("organization")).first()
    if organization is None:
        request.session.pop(SESSION_KEY, None)
        return None
    return batch, organization


def _preview(
    request: HttpRequest,
    batch: dict[str, Any],
    organization: Organization,
    *,
    refused: Any = None,
    status: int = 200,
) -> HttpResponse:
    checked = [row for row, _fields in imports.check_rows(batch["rows"])]
    valid = sum(1 for row in checked if row.valid)
    context = {
        "batch": batch,
        "organization": organization,
        "rows": checked,
        "valid": valid,
        "invalid": len(checked) - valid,
        "refused": refused,
        "labels": imports.column_labels(),
    }
    return render(request, "matching/import_preview.html", context, status=status)


@login_required
@requires(policy.Action.POST_BROWSE)
def import_preview(request: HttpRequest) -> HttpResponse:
    """Every row of the file with its problems; nothing is written yet."""
    found = _batch(request)
    if found is None:
        flash.info(request, _("There is no file waiting: upload one."))
        return redirect("matching:import")
    return _preview(request, *found)


@login_required
@requires(policy.Action.POST_BROWSE)
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    """The valid rows written, all or none; the file is then forgotten (a second click writes
    nothing more)."""
    found = _batch(request)
    if found is None or request.POST.get("batch") != found[0].get("batch"):
        flash.info(request, _("This file was already imported or replaced; nothing was written."))
        return redirect("matching:import")
    batch, organization = found
    if "discard" in request.POST:
        request.session.pop(SESSION_KEY, None)
        flash.info(request, _("The file was discarded; nothing was written."))
        return redirect("matching:import")
    try:
        created = imports.import_posts(
            by=request.user, organization=organization, rows=batch["rows"]
        )
    except imports.RowRefused as refusal:
        return _preview(request, batch, organization, refused=refusal, status=400)
    request.session.pop(SESSION_KEY, None)
    flash.success(
        request,
        ngettext(
            "%(count)s need or offer was created for %(organization)s.",
            "%(count)s needs and offers were created for %(organization)s.",
            len(created),
        )
        % {"count": len(created), "organization": organization.name},
    )
    return redirect("matching:import")


@login_required
@requires(policy.Action.POST_BROWSE)
def import_template(request: HttpRequest) -> HttpResponse:
    """A CSV with the header row and two example rows, to fill in."""
    return csv_response("needs-and-offers.csv", list(imports.COLUMNS), TEMPLATE_ROWS)
