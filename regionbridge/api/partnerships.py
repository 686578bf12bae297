"""Partnerships and their dated events; the registry's reference spheres and the overview.

Endpoints translate: JSON in, the service or selector called, its answer or error out; the rules
(who may, what may follow what) are the services' and the policy's.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from regionbridge import policy
from regionbridge.api.auth import MEMBERS, PUBLIC, require
from regionbridge.api.errors import answers
from regionbridge.api.pagination import Pages
from regionbridge.api.schemas import (
    DATE_RANGE,
    RegistryDate,
    Text,
    bilingual_input,
    refuse_future,
)
from regionbridge.lib import xlsx
from regionbridge.lib.csvexport import capped, rows_from
from regionbridge.lib.i18n import by_script, pick, reader_language
from regionbridge.partnerships import selectors, services, workbooks
from regionbridge.partnerships.lifecycle import EventKind, Stage
from regionbridge.partnerships.models import (
    EARLIEST_DATE,
    LATEST_DATE,
    Confidence,
    DatePrecision,
    PartnerKind,
    PartnershipEvent,
    Sphere,
)
from regionbridge.regions.models import Region

router = Router(tags=["partnerships"])
oversight = Router(tags=["oversight"])


def region_or_422(code: str) -> Region:
    region = Region.objects.select_related("country").filter(code=code.upper()).first()
    if region is None:
        raise ValidationError(f"Unknown region: {code}")
    return region


def spheres_or_422(codes: list[str]) -> list[Sphere]:
    spheres = list(Sphere.objects.filter(code__in=codes))
    if len(spheres) != len(set(codes)):
        raise ValidationError("Unknown sphere code.")
    return spheres


# --- schemas --------------------------------------------------------------------------------


class RegionRef(Schema):
    code: str
    name_en: str
    name_uk: str


class SphereOut(Schema):
    code: str
    name_en: str
    name_uk: str


class PartnershipOut(Schema):
    """`ukrainian_side`, `partner_name` and `next_step` are in the reader's language (falling
    back to the other when empty); `_uk` and `_en` beside them give both."""

    id: int
    ukrainian_region: RegionRef
    partner_region: RegionRef
    ukrainian_side: str
    ukrainian_side_uk: str
    ukrainian_side_en: str
    partner_name: str
    partner_name_uk: str
    partner_name_en: str
    partner_kind: str
    stage: str
    stage_since: date | None
    confidential: bool
    spheres: list[str]
    next_step: str
    next_step_uk: str
    next_step_en: str
    next_step_due: date | None
    last_event_on: date | None
    is_demo: bool

    @staticmethod
    def resolve_spheres(obj) -> list[str]:
        return [s.code for s in obj.spheres.all()]

    @staticmethod
    def resolve_stage(obj) -> str:
        return obj.state.stage or ""  # on the list's `as_of` day, else today's stored stage

    @staticmethod
    def resolve_stage_since(obj) -> date | None:
        return obj.state.since


class OverviewItem(Schema):
    id: int
    ukrainian_region: RegionRef
    partner_region: RegionRef
    partner_name: str
    partner_name_uk: str
    partner_name_en: str
    ukrainian_side: str
    ukrainian_side_uk: str
    ukrainian_side_en: str
    stage: str
    since: date | None
    confidential: bool
    is_demo: bool


class StageCount(Schema):
    count: int
    partnerships: list[OverviewItem]


class OverviewOut(Schema):
    as_of: date
    partner_country: str
    stages: dict[str, StageCount]


BILINGUAL_OLD = "The value in one language; kept for older scripts: `{}_uk` / `{}_en` say which."


def _old(stem: str) -> str:
    return BILINGUAL_OLD.format(stem, stem)


class PartnershipIn(Schema):
    """Names in Ukrainian (`_uk`) and English (`_en`); one may be left out. The single fields
    (`ukrainian_side`, `partner_name`, `next_step`) are still accepted: a value with Cyrillic
    letters is taken as Ukrainian, any other as English."""

    ukrainian_region: str = Field(..., max_length=10, examples=["UA-18"])
    partner_region: str = Field(..., max_length=10, examples=["US-IN"])
    ukrainian_side: Text(255, description=_old("ukrainian_side")) | None = None
    ukrainian_side_uk: Text(255) | None = None
    ukrainian_side_en: Text(255) | None = None
    partner_name: Text(255, description=_old("partner_name")) | None = None
    partner_name_uk: Text(255, examples=["штат Огайо"]) | None = None
    partner_name_en: Text(255, examples=["State of Ohio"]) | None = None
    partner_kind: PartnerKind = PartnerKind.REGION
    spheres: list[str] = []
    confidential: bool = False
    next_step: Text(500, description=_old("next_step")) | None = None
    next_step_uk: Text(500) | None = None
    next_step_en: Text(500) | None = None
    next_step_due: RegistryDate | None = None
    first_event: EventKind = EventKind.FIRST_CONTACT
    first_event_on: RegistryDate | None = None
    source: str = Field("", max_length=500)


class PartnershipPatch(Schema):
    """Only the fields sent change. `null` is accepted only where the value may be empty
    (`next_step_due`: null clears it); clear the next step with "" and the spheres with []."""

    # The defaults mark a field as not sent (dropped by `exclude_unset`); they are never stored.
    # A side's name may be empty in one language, not in both (a 400 says so).
    ukrainian_side: Text(255, min_length=1, description=_old("ukrainian_side")) = None
    ukrainian_side_uk: Text(255) = None
    ukrainian_side_en: Text(255) = None
    partner_name: Text(255, min_length=1, description=_old("partner_name")) = None
    partner_name_uk: Text(255) = None
    partner_name_en: Text(255) = None
    confidential: bool = Field(None)
    next_step: Text(500, description=_old("next_step")) = None
    next_step_uk: Text(500) = None
    next_step_en: Text(500) = None
    next_step_due: RegistryDate | None = None
    spheres: list[str] = Field(None)


class EventOut(Schema):
    """`instrument`, `signatories` and `place` are in the reader's language, `_uk` and `_en`
    beside them; a draft's approval says its order in `order_number`, and in `source` in words
    in the reader's language."""

    id: int
    kind: str
    occurred_on: date
    date_precision: str
    stage_after: str
    instrument: str
    instrument_uk: str
    instrument_en: str
    signatories: str
    signatories_uk: str
    signatories_en: str
    place: str
    place_uk: str
    place_en: str
    online: bool
    reason: str
    source: str
    order_number: str
    confidence: str
    document_id: int | None

    @staticmethod
    def resolve_source(obj) -> str:
        return obj.source or obj.order_label


class EventIn(Schema):
    kind: EventKind
    occurred_on: RegistryDate
    reason: str = Field(
        "", max_length=2000, description="Optional, but required for went_dormant and ended."
    )
    source: str = Field("", max_length=500)
    instrument: Text(255, description=_old("instrument")) | None = None
    instrument_uk: Text(255) | None = None
    instrument_en: Text(255) | None = None
    signed_stage: Stage | None = None
    date_precision: DatePrecision = DatePrecision.DAY
    signatories: Text(500, description=_old("signatories")) | None = None
    signatories_uk: Text(500) | None = None
    signatories_en: Text(500) | None = None
    place: Text(255, description=_old("place")) | None = None
    place_uk: Text(255) | None = None
    place_en: Text(255) | None = None
    online: bool = False
    confidence: Confidence = Confidence.CONFIRMED


# --- endpoints ------------------------------------------------------------------------------


@router.get("/spheres", response=answers(list[SphereOut], takes_input=False), auth=PUBLIC)
def list_spheres(request):
    return policy.visible(request.user, Sphere)


class PartnershipFilters(Schema):
    """The filters of `GET /partnerships` and of its export (the same rows, all of them)."""

    stage: Stage | None = None
    sphere: str = Field("", max_length=40)
    country: str = Field("", max_length=2)
    region: str = Field("", max_length=10)
    idle_days: int | None = Field(None, ge=0, le=36500)
    as_of: date | None = Field(None, ge=EARLIEST_DATE, le=LATEST_DATE, description=DATE_RANGE)
    q: str = Field("", max_length=200)

    def selected(self) -> selectors.Filters:
        return selectors.Filters(
            stage=self.stage or "",
            sphere=self.sphere.lower(),
            country=self.country,
            region=self.region,
            idle_days=self.idle_days,
            as_of=self.as_of,
            query=self.q,
        )


@router.get("/partnerships", response=answers(list[PartnershipOut], 403), auth=MEMBERS)
@paginate(Pages)
def list_partnerships(request, filters: Query[PartnershipFilters]):
    require(request.user, policy.Action.REGISTRY_BROWSE)
    refuse_future(request.user, filters.as_of)
    return selectors.partnerships_for(request.user, filters.selected())


XLSX = {
    "responses": {
        200: {
            "description": "Every partnership the filters match (not one page), one row each.",
            "content": {xlsx.CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}
EXPORT_HEADER = [
    "id",
    "ukrainian_region",
    "ukrainian_region_uk",
    "ukrainian_region_en",
    "ukrainian_side_uk",
    "ukrainian_side_en",
    "partner_region",
    "partner_region_uk",
    "partner_region_en",
    "partner_kind",
    "partner",
    "partner_name_uk",
    "partner_name_en",
    "partner_country",
    "stage",
    "stage_since",
    "confidential",
    "started_on",
    "signed_on",
    "spheres",
    "next_step_uk",
    "next_step_en",
    "next_step_due",
    "last_event_on",
]


_EXPORT_COLUMNS = (
    "pk",
    "ukrainian_region__code",
    "ukrainian_region__name_uk",
    "ukrainian_region__name_en",
    "ukrainian_side_uk",
    "ukrainian_side_en",
    "partner_region__code",
    "partner_region__name_uk",
    "partner_region__name_en",
    "partner_kind",
    "partner_name_uk",
    "partner_name_en",
    "partner_region__country__code",
    "day_stage",
    "day_since",
    "confidential",
    "started_on",
    "signed_on",
    "next_step_uk",
    "next_step_en",
    "next_step_due",
    "day_last_event",
)


def _export_rows(partnerships) -> Iterator[list]:
    """Plain columns, not model instances (those cost most of an export at scale)."""
    language = reader_language()
    for r in selectors.with_sphere_codes(rows_from(partnerships.values(*_EXPORT_COLUMNS))):
        region_named = r["partner_kind"] == PartnerKind.REGION
        yield [
            r["pk"],
            r["ukrainian_region__code"],
            r["ukrainian_region__name_uk"],
            r["ukrainian_region__name_en"],
            r["ukrainian_side_uk"],
            r["ukrainian_side_en"],
            r["partner_region__code"],  # a county's or city's: the region that holds it
            r["partner_region__name_uk"],
            r["partner_region__name_en"],
            r["partner_kind"],
            pick(
                r["partner_region__name_uk" if region_named else "partner_name_uk"],
                r["partner_region__name_en" if region_named else "partner_name_en"],
                language,
            ),
            r["partner_name_uk"],
            r["partner_name_en"],
            r["partner_region__country__code"],
            r["day_stage"] or "",
            r["day_since"],
            r["confidential"],
            r["started_on"],
            r["signed_on"],
            r["spheres"],
            r["next_step_uk"],
            r["next_step_en"],
            r["next_step_due"],
            r["day_last_event"],
        ]


# Registered before /partnerships/{partnership_id}, which would not take it anyway (an int).
@router.get(
    "/partnerships/export.xlsx",
    response=answers({200: None}, 403),
    auth=MEMBERS,
    openapi_extra=XLSX,
)
def export_partnerships(request, filters: Query[PartnershipFilters]):
    """`GET /partnerships` as a worksheet: every partnership the same filters match (up to
    100,000; a last row says when cut), one row each, with the stage on `as_of` (the API's stage
    codes), region codes (ISO 3166-2; a county's or city's is its state's) and names in both
    languages, and dates as dates (the first event and the first signing, up to `as_of`)."""
    require(request.user, policy.Action.REGISTRY_BROWSE)
    refuse_future(request.user, filters.as_of)
    selected = filters.selected()
    events = PartnershipEvent.objects.filter(partnership=OuterRef("pk")).order_by(
        "occurred_on", "id"
    )
    if selected.as_of:
        events = events.filter(occurred_on__lte=selected.as_of)
    signed = events.filter(kind=EventKind.SIGNED)
    partnerships = selectors.partnerships_for(request.user, selected).annotate(
        started_on=Subquery(events.values("occurred_on")[:1]),
        signed_on=Subquery(signed.values("occurred_on")[:1]),
    )
    stamp = (selected.as_of or timezone.localdate()).isoformat()
    workbook = workbooks.kept(
        partnerships,
        name="api",
        as_of=selected.as_of,
        write=lambda: xlsx.xlsx_bytes(
            EXPORT_HEADER, capped(_export_rows(partnerships)), sheet="partnerships"
        ),
    )
    return xlsx.workbook_response(f"partnerships-{stamp}.xlsx", workbook)


@contextmanager
def conflict_as_409():
    """A tie recorded twice (also by two requests at once) is a 409 Conflict."""
    try:
        yield
    except services.PartnershipExists as exc:
        raise HttpError(409, exc.messages[0]) from None


@router.post(
    "/partnerships",
    response=answers({201: PartnershipOut}, 403, 409, body=True),
    auth=MEMBERS,
)
def create_partnership(request, payload: PartnershipIn):
    """Open a partnership; 409 when the tie is already recorded."""
    ukrainian_region = region_or_422(payload.ukrainian_region)
    # Asked before the rest of the input is resolved: who may not open here learns only that.
    require(request.user, policy.Action.PARTNERSHIP_OPEN, ukrainian_region)
    names = bilingual_input(payload.dict(include=set(PARTNERSHIP_NAMES_FIELDS)), *PARTNERSHIP_NAMES)
    with conflict_as_409():
        partnership = services.partnership_create(
            by=request.user,
            ukrainian_region=ukrainian_region,
            partner_region=region_or_422(payload.partner_region),
            partner_kind=payload.partner_kind,
            spheres=spheres_or_422(payload.spheres),
            confidential=payload.confidential,
            next_step_due=payload.next_step_due,
            first_event=payload.first_event,
            first_event_on=payload.first_event_on,
            source=payload.source,
            **names,
        )
    return Status(201, selectors.access_partnership(request.user, partnership.pk))


PARTNERSHIP_NAMES = ("ukrainian_side", "partner_name", "next_step")
PARTNERSHIP_NAMES_FIELDS = [
    f"{stem}{suffix}" for stem in PARTNERSHIP_NAMES for suffix in ("", "_uk", "_en")
]
EVENT_TEXTS = ("instrument", "signatories", "place")


def _unchanged_single(data: dict, obj, *stems: str) -> dict:
    """Drops an old single field that repeats the value stored in its language: re-sending it
    must not clear the other language (which a changed value does)."""
    for stem in stems:
        value = data.get(stem)
        if value is None:
            continue
        uk, en = by_script(value.strip())
        if (uk and uk == getattr(obj, f"{stem}_uk")) or (en and en == getattr(obj, f"{stem}_en")):
            del data[stem]
    return data


@router.get("/partnerships/{partnership_id}", response=answers(PartnershipOut, 404), auth=MEMBERS)
def get_partnership(request, partnership_id: int):
    return selectors.access_partnership(request.user, partnership_id)


@router.patch(
    "/partnerships/{partnership_id}",
    response=answers(PartnershipOut, 403, 404, 409, body=True),
    auth=MEMBERS,
)
def update_partnership(request, partnership_id: int, payload: PartnershipPatch):
    """Change the fields sent; 409 when a new partner name makes it a tie already recorded."""
    partnership = selectors.access_partnership(request.user, partnership_id)
    # Asked before the spheres are looked up, so an unknown sphere does not answer first.
    require(request.user, policy.Action.PARTNERSHIP_EDIT, partnership)
    data = payload.dict(exclude_unset=True)
    data = bilingual_input(
        _unchanged_single(data, partnership, *PARTNERSHIP_NAMES), *PARTNERSHIP_NAMES
    )
    spheres = data.pop("spheres", None)
    with conflict_as_409():
        services.partnership_update(
            partnership=partnership,
            by=request.user,
            spheres=spheres_or_422(spheres) if spheres is not None else None,
            **data,
        )
    return selectors.access_partnership(request.user, partnership.pk)


@router.get(
    "/partnerships/{partnership_id}/events", response=answers(list[EventOut], 404), auth=MEMBERS
)
def list_events(request, partnership_id: int):
    return selectors.access_partnership(request.user, partnership_id).events.all()


@router.post(
    "/partnerships/{partnership_id}/events",
    response=answers({201: EventOut}, 403, 404, body=True),
    auth=MEMBERS,
)
def record_event(request, partnership_id: int, payload: EventIn):
    texts = bilingual_input(
        payload.dict(include={f"{s}{x}" for s in EVENT_TEXTS for x in ("", "_uk", "_en")}),
        *EVENT_TEXTS,
    )
    event = services.partnership_record_event(
        partnership=selectors.access_partnership(request.user, partnership_id),
        by=request.user,
        kind=payload.kind,
        on=payload.occurred_on,
        reason=payload.reason,
        source=payload.source,
        signed_stage=payload.signed_stage or "",
        date_precision=payload.date_precision,
        online=payload.online,
        confidence=payload.confidence,
        **texts,
    )
    return Status(201, event)


@oversight.get(
    "/stats/overview",
    response=answers(OverviewOut, 403),
    auth=MEMBERS,
)
def stats_overview(
    request,
    partner_country: str = Query("", max_length=2),
    as_of: date | None = Query(None, ge=EARLIEST_DATE, le=LATEST_DATE, description=DATE_RANGE),
):
    """The state of play on `as_of` (default today), per stage, counting what you may see. Each
    stage lists at most 50 ties, those that entered it last; `GET /partnerships` with `stage`
    and `as_of` pages through all of them."""
    require(request.user, policy.Action.REGISTRY_BROWSE)
    refuse_future(request.user, as_of)
    return selectors.overview(request.user, partner_country=partner_country, as_of=as_of)
