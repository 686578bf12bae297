"""The briefing's page (choose a language and dates) and its PDF (`oversight.briefing`).

The form sends its values to the PDF's address; a value the PDF cannot take brings the form
back with what is wrong (400), as the page itself does for a query it cannot take."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regionbridge import policy
from regionbridge.core.access import requires
from regionbridge.lib.i18n import reader_language
from regionbridge.oversight import briefing

FIELDS = ("lang", "as_of", "since")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class BriefingForm(forms.Form):
    lang = forms.ChoiceField(
        label=_("Language"),
        choices=(("uk", _("Ukrainian")), ("en", _("English"))),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose Ukrainian or English."),
            "invalid_choice": _("Choose Ukrainian or English."),
        },
    )
    as_of = forms.DateField(
        label=_("As of"),
        widget=DateInput(),
        help_text=_("The day the figures are for, for example 2025-03-12."),
        error_messages={
            "required": _("Enter the day the briefing is for."),
            "invalid": _("Enter a real date, like 2025-03-12."),
        },
    )
    since = forms.DateField(
        label=_("Changes since"),
        widget=DateInput(),
        help_text=_("What changed after this day is reported; a week before unless you say."),
        error_messages={
            "required": _("Enter the day the changes start from."),
            "invalid": _("Enter a real date, like 2025-03-05."),
        },
    )

    def clean(self) -> dict:
        data = super().clean()
        if "as_of" not in data or "since" not in data:
            return data  # a date that is not one: its field says so
        try:
            briefing.check_dates(as_of=data["as_of"], since=data["since"])
        except ValidationError as error:
            self.add_error(error.code if error.code in FIELDS else None, error)
        return data


def _defaults(request: HttpRequest, as_of: date | None = None) -> dict[str, str]:
    day = as_of or timezone.localdate()
    return {
        "lang": reader_language(getattr(request, "LANGUAGE_CODE", None)),
        "as_of": day.isoformat(),
        "since": briefing.default_since(day).isoformat(),
    }


def _as_of(raw: str | None) -> date | None:
    """The day asked for, when it is one a briefing may be for."""
    try:
        day = date.fromisoformat(raw or "")
    except ValueError:
        return None
    return day if briefing.EARLIEST_DATE <= day <= briefing.LATEST_DATE else None


def _data(request: HttpRequest) -> dict[str, str]:
    """The query's values over the defaults: the reader's language, today, a week before the
    day asked for."""
    given = {name: request.GET[name] for name in FIELDS if name in request.GET}
    return {**_defaults(request, _as_of(given.get("as_of"))), **given}


def _page(request: HttpRequest, form: BriefingForm, status: int = 200) -> HttpResponse:
    return render(request, "oversight/briefing.html", {"form": form}, status=status)


@requires(policy.Action.BRIEFING_VIEW)
def briefing_page(request: HttpRequest) -> HttpResponse:
    if not any(name in request.GET for name in FIELDS):
        return _page(request, BriefingForm(initial=_defaults(request)))
    form = BriefingForm(_data(request))
    return _page(request, form, status=200 if form.is_valid() else 400)


@requires(policy.Action.BRIEFING_VIEW)
def briefing_pdf(request: HttpRequest) -> HttpResponse:
    form = BriefingForm(_data(request))
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    pdf = briefing.briefing_pdf(
        request.user, language=data["lang"], as_of=data["as_of"], since=data["since"]
    )
    return pdf_response(pdf, briefing.filename(language=data["lang"], as_of=data["as_of"]))


def pdf_response(pdf: bytes, name: str) -> HttpResponse:
    """The briefing as a download; never kept by a shared cache (it holds what only its reader
    may see)."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
