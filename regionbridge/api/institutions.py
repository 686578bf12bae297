"""Institutions, the links between them, and activities (of partnerships and of links).

Endpoints translate; the services (`institutions.services`, `partnerships.services`) ask the
policy and decide, e.g. that a link ties institutions or local governments.
"""

from datetime import date
from typing import Annotated

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from regionbridge import policy
from regionbridge.api.auth import MEMBERS, PUBLIC, require
from regionbridge.api.errors import answers
from regionbridge.api.pagination import Pages
from regionbridge.api.partnerships import spheres_or_422
from regionbridge.api.schemas import RegistryDate
from regionbridge.institutions import selectors as institution_selectors
from regionbridge.institutions import services as institution_services
from regionbridge.institutions.models import InstitutionLink, LinkStatus
from regionbridge.organizations.models import InstitutionType, Organization
from regionbridge.partnerships import selectors
from regionbridge.partnerships import services as partnership_services
from regionbridge.partnerships.models import Activity, ActivityKind

router = Router(tags=["partnerships"])

# Operation ids from when these lived in api/partnerships.py: generated clients keep working.
OLD_ID = "regionbridge_api_partnerships_{}"


# --- schemas --------------------------------------------------------------------------------


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


@router.get(
    "/institutions",
    response=answers(list[InstitutionOut], 403),
    operation_id=OLD_ID.format("list_institutions"),
    auth=MEMBERS,
)
@paginate(Pages)
def list_institutions(
    request,
    type: InstitutionType | None = None,
    region: str = Query("", max_length=10),
    country: str = Query("", max_length=2),
    q: str = Query("", max_length=200),
):
    require(request.user, policy.Action.DIRECTORY_VIEW)
    return institution_selectors.institutions_for(
        request.user, institution_type=type or "", region=region, country=country, query=q
    )


@router.get(
    "/links",
    response=answers(list[LinkOut], 403),
    operation_id=OLD_ID.format("list_links"),
    auth=MEMBERS,
)
@paginate(Pages)
def list_links(request, partnership: int | None = Query(None, ge=1, le=2**63 - 1)):
    require(request.user, policy.Action.REGISTRY_BROWSE)
    links = policy.visible(request.user, InstitutionLink).prefetch_related("spheres")
    return links.filter(partnership=partnership) if partnership else links


@router.post(
    "/links",
    response=answers({201: LinkOut}, 403, 404, body=True),
    operation_id=OLD_ID.format("create_link"),
    auth=MEMBERS,
)
def create_link(request, payload: LinkIn):
    linkable = institution_selectors.linkable_for(request.user)
    ukrainian = get_object_or_404(linkable, pk=payload.ukrainian_institution)
    # Asked before the rest is looked up: who may not link learns nothing about the other side.
    require(request.user, policy.Action.LINK_CREATE, ukrainian)
    link = institution_services.link_create(
        by=request.user,
        ukrainian_institution=ukrainian,
        partner_institution=get_object_or_404(linkable, pk=payload.partner_institution),
        partnership=selectors.access_partnership(request.user, payload.partnership)
        if payload.partnership
        else None,
        status=payload.status,
        description=payload.description,
        started_on=payload.started_on,
        spheres=spheres_or_422(payload.spheres),
    )
    return Status(201, link)


@router.get(
    "/activities",
    response=answers(list[ActivityOut]),
    operation_id=OLD_ID.format("list_activities"),
    auth=PUBLIC,
)
@paginate(Pages)
def list_activities(request, partnership: int | None = Query(None, ge=1, le=2**63 - 1)):
    activities = policy.visible(request.user, Activity).select_related("sphere")
    return activities.filter(partnership=partnership) if partnership else activities


@router.post(
    "/activities",
    response=answers({201: ActivityOut}, 403, 404, body=True),
    operation_id=OLD_ID.format("create_activity"),
    auth=MEMBERS,
)
def create_activity(request, payload: ActivityIn):
    if bool(payload.partnership) == bool(payload.link):
        raise ValidationError("Tie the activity to a partnership or to an institution link.")
    target = (
        selectors.access_partnership(request.user, payload.partnership)
        if payload.partnership
        else get_object_or_404(policy.visible(request.user, InstitutionLink), pk=payload.link)
    )
    # Asked before the sphere and institutions are looked up.
    require(request.user, policy.Action.ACTIVITY_CREATE, target)
    activity = partnership_services.activity_create(
        by=request.user,
        target=target,
        kind=payload.kind,
        title_en=payload.title_en,
        title_uk=payload.title_uk,
        description=payload.description,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        sphere=spheres_or_422([payload.sphere])[0] if payload.sphere else None,
        outcome=payload.outcome,
        is_public=payload.is_public,
        institutions=list(
            policy.visible(request.user, Organization).filter(pk__in=payload.institutions)
        ),
    )
    return Status(201, activity)
