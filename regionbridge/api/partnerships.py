"""Partnerships, events, documents, institutions, links, activities and the overview."""

from contextlib import contextmanager
from datetime import date
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate

from regionbridge import policy
from regionbridge.api.auth import MEMBERS, PUBLIC, require
from regionbridge.api.errors import answers
from regionbridge.api.pagination import Pages
from regionbridge.api.schemas import DOWNLOAD
from regionbridge.institutions import services as institution_services
from regionbridge.institutions.models import InstitutionLink, LinkStatus
from regionbridge.lib.files import download
from regionbridge.organizations.models import InstitutionType, Organization, OrganizationKind
from regionbridge.partnerships import selectors, services
from regionbridge.partnerships.lifecycle import EventKind, Stage
from regionbridge.partnerships.models import (
    EARLIEST_DATE,
    LATEST_DATE,
    Activity,
    ActivityKind,
    Confidence,
    DatePrecision,
    Document,
    DocumentVersion,
    InstrumentKind,
    PartnerKind,
    Partnership,
    ReviewDecision,
    SignsFor,
    Sphere,
)
from regionbridge.regions.models import Region

router = Router(tags=["partnerships"])

# A date the registry takes (1950-01-01 … 2100-12-31): 9999-12-31 is a 422, not a stored typo.
DATE_RANGE = f"From {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}."
RegistryDate = Annotated[
    date, Field(ge=EARLIEST_DATE, le=LATEST_DATE, json_schema_extra={"description": DATE_RANGE})
]


def visible_or_404(user, model: type[Model], pk: int):
    return get_object_or_404(policy.visible(user, model), pk=pk)


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
    id: int
    ukrainian_region: RegionRef
    partner_region: RegionRef
    ukrainian_side: str
    partner_name: str
    partner_kind: str
    stage: str
    stage_since: date | None
    confidential: bool
    spheres: list[str]
    next_step: str
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
    ukrainian_side: str
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


class PartnershipIn(Schema):
    ukrainian_region: str = Field(..., max_length=10, examples=["UA-18"])
    partner_region: str = Field(..., max_length=10, examples=["US-IN"])
    ukrainian_side: str = Field("", max_length=255)
    partner_name: str = Field("", max_length=255)
    partner_kind: PartnerKind = PartnerKind.REGION
    spheres: list[str] = []
    confidential: bool = False
    next_step: str = Field("", max_length=500)
    next_step_due: RegistryDate | None = None
    first_event: EventKind = EventKind.FIRST_CONTACT
    first_event_on: RegistryDate | None = None
    source: str = Field("", max_length=500)


class PartnershipPatch(Schema):
    """Only the fields sent change. `null` is accepted only where the value may be empty
    (`next_step_due`: null clears it); clear the next step with "" and the spheres with []."""

    # The defaults mark a field as not sent (dropped by `exclude_unset`); they are never stored.
    ukrainian_side: str = Field(None, min_length=1, max_length=255)
    partner_name: str = Field(None, min_length=1, max_length=255)
    confidential: bool = Field(None)
    next_step: str = Field(None, max_length=500)
    next_step_due: RegistryDate | None = None
    spheres: list[str] = Field(None)


class EventOut(Schema):
    id: int
    kind: str
    occurred_on: date
    date_precision: str
    stage_after: str
    instrument: str
    signatories: str
    place: str
    online: bool
    reason: str
    source: str
    confidence: str
    document_id: int | None


class EventIn(Schema):
    kind: EventKind
    occurred_on: RegistryDate
    reason: str = Field("", max_length=2000)
    source: str = Field("", max_length=500)
    instrument: str = Field("", max_length=255)
    signed_stage: Stage | None = None
    date_precision: DatePrecision = DatePrecision.DAY
    signatories: str = Field("", max_length=500)
    place: str = Field("", max_length=255)
    online: bool = False
    confidence: Confidence = Confidence.CONFIRMED


class VersionOut(Schema):
    id: int
    language: str
    number: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    download_url: str

    @staticmethod
    def resolve_download_url(obj) -> str:
        return f"/api/v1/documents/versions/{obj.pk}/download"


class ReviewOut(Schema):
    ministry: str
    round: int
    decision: str
    comments: str
    order_number: str

    @staticmethod
    def resolve_ministry(obj) -> str:
        return obj.ministry.key or str(obj.ministry_id)


class SignatoryOut(Schema):
    name: str
    title: str
    signs_for: str
    on_behalf_of: str


class DocumentOut(Schema):
    id: int
    partnership_id: int
    kind: str
    title_en: str
    title_uk: str
    status: str
    review_round: int
    signed_on: date | None
    signed_place: str
    signed_online: bool
    valid_until: date | None
    versions: list[VersionOut]
    reviews: list[ReviewOut]
    signatories: list[SignatoryOut]


class DocumentIn(Schema):
    kind: InstrumentKind
    title_en: str = Field("", max_length=300)
    title_uk: str = Field("", max_length=300)


class ReviewIn(Schema):
    decision: ReviewDecision
    comments: str = Field("", max_length=5000)
    order_number: str = Field("", max_length=100)
    ministry: str | None = Field(None, description="mfa or mindev, when you review for both")


class SignatoryIn(Schema):
    name: str = Field(..., max_length=200)
    title: str = Field("", max_length=255)
    signs_for: SignsFor
    on_behalf_of: str = Field("", max_length=255)


class SignIn(Schema):
    signed_on: RegistryDate
    place: str = Field("", max_length=255)
    online: bool = False
    valid_until: RegistryDate | None = None
    signatories: list[SignatoryIn] = []
    source: str = Field("", max_length=500)


class CloseIn(Schema):
    status: str = Field(..., pattern="^(expired|terminated)$")


class InstitutionOut(Schema):
    id: int
    name_en: str
    name_uk: str
    institution_type: str
    region: str | None
    country: str
    city: str
    website: str

    @staticmethod
    def resolve_region(obj) -> str | None:
        return obj.region.code if obj.region_id else None

    @staticmethod
    def resolve_country(obj) -> str:
        return obj.country.code


class LinkOut(Schema):
    id: int
    ukrainian_institution_id: int
    partner_institution_id: int
    partnership_id: int | None
    status: str
    description: str
    started_on: date | None
    spheres: list[str]
    is_demo: bool

    @staticmethod
    def resolve_spheres(obj) -> list[str]:
        return [s.code for s in obj.spheres.all()]


class LinkIn(Schema):
    ukrainian_institution: int = Field(..., ge=1, le=2**63 - 1)
    partner_institution: int = Field(..., ge=1, le=2**63 - 1)
    partnership: int | None = Field(None, ge=1, le=2**63 - 1)
    status: LinkStatus = LinkStatus.PROPOSED
    description: str = Field("", max_length=5000)
    started_on: RegistryDate | None = None
    spheres: list[str] = []


class ActivityOut(Schema):
    id: int
    kind: str
    title_en: str
    title_uk: str
    description: str
    starts_on: date
    ends_on: date | None
    sphere: str | None
    outcome: str
    is_public: bool
    partnership_id: int | None
    link_id: int | None
    is_demo: bool

    @staticmethod
    def resolve_sphere(obj) -> str | None:
        return obj.sphere.code if obj.sphere_id else None


class ActivityIn(Schema):
    kind: ActivityKind
    title_en: str = Field("", max_length=300)
    title_uk: str = Field("", max_length=300)
    description: str = Field("", max_length=5000)
    starts_on: RegistryDate
    ends_on: RegistryDate | None = None
    sphere: str | None = None
    outcome: str = Field("", max_length=5000)
    is_public: bool = False
    partnership: int | None = Field(None, ge=1, le=2**63 - 1)
    link: int | None = Field(None, ge=1, le=2**63 - 1)
    institutions: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = []


# --- endpoints ------------------------------------------------------------------------------


@router.get("/spheres", response=answers(list[SphereOut], takes_input=False), auth=PUBLIC)
def list_spheres(request):
    return policy.visible(request.user, Sphere)


@router.get("/partnerships", response=answers(list[PartnershipOut], 403), auth=MEMBERS)
@paginate(Pages)
def list_partnerships(
    request,
    stage: Stage | None = None,
    sphere: str = Query("", max_length=40),
    country: str = Query("", max_length=2),
    region: str = Query("", max_length=10),
    idle_days: int | None = Query(None, ge=0, le=36500),
    as_of: date | None = Query(None, ge=EARLIEST_DATE, le=LATEST_DATE, description=DATE_RANGE),
    q: str = Query("", max_length=200),
):
    require(request.user, policy.Action.REGISTRY_BROWSE)
    filters = selectors.Filters(
        stage=stage or "",
        sphere=sphere.lower(),
        country=country,
        region=region,
        idle_days=idle_days,
        as_of=as_of,
        query=q,
    )
    return selectors.partnerships_for(request.user, filters)


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
    require(request.user, policy.Action.PARTNERSHIP_OPEN, ukrainian_region)
    data = payload.dict()
    with conflict_as_409():
        partnership = services.partnership_create(
            by=request.user,
            ukrainian_region=ukrainian_region,
            partner_region=region_or_422(data.pop("partner_region")),
            spheres=spheres_or_422(data.pop("spheres")),
            **{k: v for k, v in data.items() if k != "ukrainian_region"},
        )
    return Status(201, selectors.partnership_detail(request.user, partnership.pk))


@router.get("/partnerships/{partnership_id}", response=answers(PartnershipOut, 404), auth=MEMBERS)
def get_partnership(request, partnership_id: int):
    try:
        return selectors.partnership_detail(request.user, partnership_id)
    except Partnership.DoesNotExist:
        raise Http404 from None


@router.patch(
    "/partnerships/{partnership_id}",
    response=answers(PartnershipOut, 403, 404, 409, body=True),
    auth=MEMBERS,
)
def update_partnership(request, partnership_id: int, payload: PartnershipPatch):
    """Change the fields sent; 409 when a new partner name makes it a tie already recorded."""
    partnership = visible_or_404(request.user, Partnership, partnership_id)
    require(request.user, policy.Action.PARTNERSHIP_EDIT, partnership)
    data = payload.dict(exclude_unset=True)
    spheres = data.pop("spheres", None)
    with conflict_as_409():
        services.partnership_update(
            partnership=partnership,
            by=request.user,
            spheres=spheres_or_422(spheres) if spheres is not None else None,
            **data,
        )
    return selectors.partnership_detail(request.user, partnership.pk)


@router.get(
    "/partnerships/{partnership_id}/events", response=answers(list[EventOut], 404), auth=MEMBERS
)
def list_events(request, partnership_id: int):
    partnership = visible_or_404(request.user, Partnership, partnership_id)
    return partnership.events.order_by("occurred_on", "id")


@router.post(
    "/partnerships/{partnership_id}/events",
    response=answers({201: EventOut}, 403, 404, body=True),
    auth=MEMBERS,
)
def record_event(request, partnership_id: int, payload: EventIn):
    partnership = visible_or_404(request.user, Partnership, partnership_id)
    require(request.user, policy.Action.EVENT_RECORD, partnership)
    data = payload.dict()
    event = services.partnership_record_event(
        partnership=partnership,
        on=data.pop("occurred_on"),
        by=request.user,
        signed_stage=data.pop("signed_stage") or "",
        **data,
    )
    return Status(201, event)


@router.get(
    "/partnerships/{partnership_id}/documents",
    response=answers(list[DocumentOut], 404),
    auth=MEMBERS,
)
def list_documents(request, partnership_id: int):
    partnership = visible_or_404(request.user, Partnership, partnership_id)
    return selectors.documents_of(request.user, partnership)


@router.post(
    "/partnerships/{partnership_id}/documents",
    response=answers({201: DocumentOut}, 403, 404, body=True),
    auth=MEMBERS,
)
def create_document(request, partnership_id: int, payload: DocumentIn):
    partnership = visible_or_404(request.user, Partnership, partnership_id)
    require(request.user, policy.Action.DOCUMENT_ADD, partnership)
    document = services.document_create(partnership=partnership, by=request.user, **payload.dict())
    return Status(201, document)


def _document(request, document_id: int) -> Document:
    qs = policy.visible(request.user, Document).select_related(
        "partnership", "partnership__ukrainian_region", "partnership__partner_region"
    )
    return get_object_or_404(qs, pk=document_id)


@router.get("/documents/{document_id}", response=answers(DocumentOut, 404), auth=MEMBERS)
def get_document(request, document_id: int):
    return _document(request, document_id)


@router.post(
    "/documents/{document_id}/versions",
    response=answers({201: VersionOut}, 403, 404, body=True),
    auth=MEMBERS,
)
def upload_version(
    request,
    document_id: int,
    file: UploadedFile = File(...),
    language: str = Form(..., pattern="^(uk|en)$"),
):
    document = _document(request, document_id)
    require(request.user, policy.Action.DOCUMENT_MANAGE, document)
    version = services.document_add_version(
        document=document, language=language, upload=file, by=request.user
    )
    return Status(201, version)


@router.get(
    "/documents/versions/{version_id}/download",
    response=answers({200: None}, 404),
    auth=MEMBERS,
    openapi_extra=DOWNLOAD,
)
def download_version(request, version_id: int):
    version = visible_or_404(request.user, DocumentVersion, version_id)
    return download(version)


@router.post(
    "/documents/{document_id}/submit", response=answers(DocumentOut, 403, 404), auth=MEMBERS
)
def submit_document(request, document_id: int):
    document = _document(request, document_id)
    require(request.user, policy.Action.DOCUMENT_MANAGE, document)
    services.document_submit(document=document, by=request.user)
    return _document(request, document_id)


@router.post(
    "/documents/{document_id}/reviews",
    response=answers({201: ReviewOut}, 403, 404, body=True),
    auth=MEMBERS,
)
def review_document(request, document_id: int, payload: ReviewIn):
    document = _document(request, document_id)
    require(request.user, policy.Action.DOCUMENT_REVIEW, document)
    ministries = policy.clearing_ministries(request.user)
    if payload.ministry:
        ministries = [m for m in ministries if m.key == payload.ministry]
    if len(ministries) != 1:
        raise ValidationError("Say which ministry you review for: mfa or mindev.")
    review = services.document_review(
        document=document,
        ministry=ministries[0],
        decision=payload.decision,
        comments=payload.comments,
        order_number=payload.order_number,
        by=request.user,
    )
    return Status(201, review)


@router.post(
    "/documents/{document_id}/sign",
    response=answers(DocumentOut, 403, 404, body=True),
    auth=MEMBERS,
)
def sign_document(request, document_id: int, payload: SignIn):
    document = _document(request, document_id)
    require(request.user, policy.Action.DOCUMENT_MANAGE, document)
    data = payload.dict()
    services.document_sign(document=document, by=request.user, **data)
    return _document(request, document_id)


@router.post(
    "/documents/{document_id}/close",
    response=answers(DocumentOut, 403, 404, body=True),
    auth=MEMBERS,
)
def close_document(request, document_id: int, payload: CloseIn):
    document = _document(request, document_id)
    require(request.user, policy.Action.DOCUMENT_MANAGE, document)
    services.document_close(document=document, by=request.user, status=payload.status)
    return _document(request, document_id)


@router.get(
    "/reviews/queue",
    response=answers(list[DocumentOut], 403, takes_input=False),
    auth=MEMBERS,
)
def review_queue(request):
    require(request.user, policy.Action.REVIEW_QUEUE_VIEW)
    return selectors.review_queue(request.user)


@router.get("/institutions", response=answers(list[InstitutionOut], 403), auth=MEMBERS)
@paginate(Pages)
def list_institutions(
    request,
    type: InstitutionType | None = None,
    region: str = Query("", max_length=10),
    country: str = Query("", max_length=2),
    q: str = Query("", max_length=200),
):
    require(request.user, policy.Action.DIRECTORY_VIEW)
    return institution_services.institutions_for(
        request.user, institution_type=type or "", region=region, country=country, query=q
    )


@router.get("/links", response=answers(list[LinkOut], 403), auth=MEMBERS)
@paginate(Pages)
def list_links(request, partnership: int | None = Query(None, ge=1, le=2**63 - 1)):
    require(request.user, policy.Action.REGISTRY_BROWSE)
    links = policy.visible(request.user, InstitutionLink).prefetch_related("spheres")
    return links.filter(partnership=partnership) if partnership else links


@router.post("/links", response=answers({201: LinkOut}, 403, 404, body=True), auth=MEMBERS)
def create_link(request, payload: LinkIn):
    institutions = policy.visible(request.user, Organization).filter(
        kind__in=[OrganizationKind.INSTITUTION, OrganizationKind.LOCAL_GOVERNMENT]
    )
    data = payload.dict()
    partnership_id = data.pop("partnership")
    ukrainian = get_object_or_404(institutions, pk=data.pop("ukrainian_institution"))
    require(request.user, policy.Action.LINK_CREATE, ukrainian)
    link = institution_services.link_create(
        by=request.user,
        ukrainian_institution=ukrainian,
        partner_institution=get_object_or_404(institutions, pk=data.pop("partner_institution")),
        partnership=visible_or_404(request.user, Partnership, partnership_id)
        if partnership_id
        else None,
        spheres=spheres_or_422(data.pop("spheres")),
        **data,
    )
    return Status(201, link)


@router.get("/activities", response=answers(list[ActivityOut]), auth=PUBLIC)
@paginate(Pages)
def list_activities(request, partnership: int | None = Query(None, ge=1, le=2**63 - 1)):
    activities = policy.visible(request.user, Activity).select_related("sphere")
    return activities.filter(partnership=partnership) if partnership else activities


@router.post(
    "/activities",
    response=answers({201: ActivityOut}, 403, 404, body=True),
    auth=MEMBERS,
)
def create_activity(request, payload: ActivityIn):
    data = payload.dict()
    partnership_id, link_id = data.pop("partnership"), data.pop("link")
    if bool(partnership_id) == bool(link_id):
        raise ValidationError("Tie the activity to a partnership or to an institution link.")
    target = (
        visible_or_404(request.user, Partnership, partnership_id)
        if partnership_id
        else visible_or_404(request.user, InstitutionLink, link_id)
    )
    require(request.user, policy.Action.ACTIVITY_CREATE, target)
    sphere_code = data.pop("sphere")
    institution_ids = data.pop("institutions")
    activity = institution_services.activity_create(
        by=request.user,
        target=target,
        sphere=spheres_or_422([sphere_code])[0] if sphere_code else None,
        institutions=list(
            policy.visible(request.user, Organization).filter(pk__in=institution_ids)
        ),
        **data,
    )
    return Status(201, activity)


@router.get(
    "/stats/overview",
    response=answers(OverviewOut, 403),
    auth=MEMBERS,
    tags=["oversight"],
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
    return selectors.overview(request.user, partner_country=partner_country, as_of=as_of)
