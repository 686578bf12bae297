"""Oversight: the picture of ties, under the same policy as its page (`Action.OVERSIGHT_VIEW`,
and only what the caller oversees: `oversight.part.overseen_partnerships`)."""

from datetime import date
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from ninja import Query, Router
from ninja.errors import ValidationError

from regionbridge import policy
from regionbridge.api.auth import MEMBERS, require
from regionbridge.api.errors import answers
from regionbridge.api.schemas import DATE_RANGE, refuse_future
from regionbridge.core import results
from regionbridge.lib.i18n import reader_language
from regionbridge.oversight import briefing, ties
from regionbridge.oversight.briefing_views import pdf_response
from regionbridge.oversight.part import overseen_partnerships
from regionbridge.partnerships.models import EARLIEST_DATE, LATEST_DATE
from regionbridge.regions.models import Country

router = Router(tags=["oversight"])


SVG = {
    "responses": {
        200: {
            "description": "The picture of ties: an SVG image (tiles link to the regions' pages).",
            "content": {"image/svg+xml": {"schema": {"type": "string"}}},
        }
    }
}


@router.get(
    "/oversight/ties.svg", response=answers({200: None}, 403), auth=MEMBERS, openapi_extra=SVG
)
def ties_svg(
    request,
    partner_country: str = Query(
        "US", pattern="^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2 of the partner country"
    ),
    as_of: date | None = Query(None, ge=EARLIEST_DATE, le=LATEST_DATE, description=DATE_RANGE),
    layout: Literal["wide", "tall"] = Query(
        "wide", description="`wide`: the maps side by side; `tall`: stacked, for a phone"
    ),
):
    """The picture of ties with `partner_country` on `as_of` (default today), in the caller's
    language: only the ties the caller oversees, as on the page /oversight/ties/."""
    require(request.user, policy.Action.OVERSIGHT_VIEW)
    user = request.user
    refuse_future(user, as_of)
    with timezone.override(user.timezone):  # today where the caller is, as the page
        country = Country.objects.exclude(code=ties.UKRAINE).filter(code=partner_country.upper())
        country = country.first()
        if country is None:
            raise ValidationError(
                [{"loc": ["query", "partner_country"], "msg": "Unknown partner country."}]
            )
        svg = results.remember(  # drawn once while the ties are unchanged (decision 0013)
            "oversight.ties_svg",
            (results.viewer(user), country.code, as_of, layout, timezone.localdate()),
            lambda: ties.ties_svg(
                overseen_partnerships(user),
                country,
                language=translation.get_language(),
                as_of=as_of,
                shape=layout,
                href=lambda tile: reverse("regions:detail", args=[tile.code]),
            ),
        )
    return HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + svg,
        content_type="image/svg+xml; charset=utf-8",
    )


PDF = {
    "responses": {
        200: {
            "description": "The briefing: one or two pages of PDF, the same bytes for the same "
            "data.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/oversight/briefing.pdf", response=answers({200: None}, 403), auth=MEMBERS, openapi_extra=PDF
)
def briefing_pdf(
    request,
    lang: Literal["uk", "en"] | None = Query(None, description="Default: the caller's language"),
    as_of: date | None = Query(
        None, ge=EARLIEST_DATE, le=LATEST_DATE, description=f"Default: today. {DATE_RANGE}"
    ),
    since: date | None = Query(
        None,
        ge=EARLIEST_DATE,
        le=LATEST_DATE,
        description=f"Default: 7 days before `as_of`; on or before it. {DATE_RANGE}",
    ),
):
    """The briefing as of `as_of` with the changes since `since`, in `lang`: for coordinators,
    ministries and the embassy the whole picture they may see, for a region's staff their
    region's part, as on the page /oversight/briefing/."""
    require(request.user, policy.Action.BRIEFING_VIEW)
    language = lang or reader_language(translation.get_language())
    with timezone.override(request.user.timezone):  # today where the caller is, as the page
        today = timezone.localdate()
    day = as_of or today
    start = since or briefing.default_since(day)
    try:
        briefing.check_dates(as_of=day, since=start, today=today)
    except DjangoValidationError as error:
        raise ValidationError(
            [{"loc": ["query", error.code or "since"], "msg": text} for text in error.messages]
        ) from None
    pdf = briefing.briefing_pdf(request.user, language=language, as_of=day, since=start)
    return pdf_response(pdf, briefing.filename(language=language, as_of=day))
