from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Query, Router
from ninja.pagination import paginate

from regionbridge import policy
from regionbridge.api import errors
from regionbridge.api.auth import MEMBERS, PUBLIC, require
from regionbridge.api.documents import router as documents_router
from regionbridge.api.errors import answers
from regionbridge.api.institutions import router as institutions_router
from regionbridge.api.matching import router as matching_router
from regionbridge.api.meetings import router as meetings_router
from regionbridge.api.messaging import router as messaging_router
from regionbridge.api.notifications import router as notifications_router
from regionbridge.api.oversight import router as oversight_pictures_router
from regionbridge.api.pagination import Pages
from regionbridge.api.parser import ObjectBodyParser
from regionbridge.api.partnerships import oversight as oversight_router
from regionbridge.api.partnerships import router as partnerships_router
from regionbridge.api.schemas import (
    AuditOut,
    CountryOut,
    MeOut,
    OrganizationOut,
    PersonOut,
    RegionOut,
)
from regionbridge.audit.models import AuditEntry
from regionbridge.lib.search import filter_by_terms
from regionbridge.organizations import selectors as directory
from regionbridge.organizations.models import OrganizationKind
from regionbridge.regions.models import Country, Region, RegionKind
from regionbridge.regions.selectors import region_list

api = NinjaAPI(
    title="Region Bridge API",
    version="1",
    description=(
        "Regions, organizations and people of Region Bridge. Authenticate with a personal token: "
        "`Authorization: Bearer <token>` (profile page or `regionbridge issue-token`). "
        "Errors are JSON objects with a `message`."
    ),
    urls_namespace="api",
    parser=ObjectBodyParser(),
)
errors.install(api)


reference = Router(tags=["reference"])


@reference.get("/countries", response=answers(list[CountryOut]), auth=PUBLIC)
@paginate(Pages)
def list_countries(request, q: str = Query("", max_length=200)):
    countries = policy.visible(request.user, Country).order_by("code")
    if q:
        countries = filter_by_terms(countries, q)
    return countries


@reference.get("/regions", response=answers(list[RegionOut]), auth=PUBLIC)
@paginate(Pages)
def list_regions(
    request,
    country: str = Query("", max_length=2, description="ISO 3166-1 alpha-2, e.g. US"),
    q: str = Query("", max_length=200, description="Name in Ukrainian or English"),
    kind: RegionKind | None = None,
):
    return region_list(country=country, query=q, kind=kind or "").select_related("parent")


@reference.get("/regions/{code}", response=answers(RegionOut, 403, 404), auth=PUBLIC)
def get_region(request, code: str):
    require(request.user, policy.Action.REGION_VIEW)
    regions = policy.visible(request.user, Region).select_related("country", "parent")
    return get_object_or_404(regions, code=code.upper())


directory_router = Router(tags=["directory"])


@directory_router.get("/organizations", response=answers(list[OrganizationOut], 403), auth=MEMBERS)
@paginate(Pages)
def list_organizations(
    request,
    q: str = Query("", max_length=200),
    kind: OrganizationKind | None = None,
    country: str = Query("", max_length=2),
    region: str = Query("", max_length=10),
):
    require(request.user, policy.Action.DIRECTORY_VIEW)
    return directory.organizations_for(
        request.user, query=q, kind=kind or "", country=country, region=region
    )


@directory_router.get(
    "/organizations/{organization_id}", response=answers(OrganizationOut, 403, 404), auth=MEMBERS
)
def get_organization(request, organization_id: int):
    require(request.user, policy.Action.DIRECTORY_VIEW)
    return get_object_or_404(directory.organizations_for(request.user), pk=organization_id)


@directory_router.get("/people", response=answers(list[PersonOut], 403), auth=MEMBERS)
@paginate(Pages)
def list_people(
    request,
    q: str = Query("", max_length=200, description="e.g. 'Zhytomyr RMA' or 'Індіана'"),
    organization: int | None = Query(None, ge=1, le=2**63 - 1),
    country: str = Query("", max_length=2),
    region: str = Query("", max_length=10),
):
    require(request.user, policy.Action.DIRECTORY_VIEW)
    return directory.people_for(
        request.user, query=q, organization=organization, country=country, region=region
    )


@directory_router.get("/people/{person_id}", response=answers(PersonOut, 403, 404), auth=MEMBERS)
def get_person(request, person_id: int):
    require(request.user, policy.Action.DIRECTORY_VIEW)
    return get_object_or_404(directory.people_for(request.user), pk=person_id)


account = Router(tags=["account"])


@account.get("/me", response=answers(MeOut, takes_input=False), auth=MEMBERS)
def me(request):
    user = request.user
    return {
        "email": user.email,
        "full_name": user.get_full_name(),  # in the reader's script, as every name
        "full_name_uk": user.full_name,
        "full_name_en": user.full_name_en,
        "language": user.language,
        "timezone": user.timezone,
        "roles": list(user.role_assignments.select_related("region")),
    }


@account.get("/audit", response=answers(list[AuditOut], 403), auth=MEMBERS)
@paginate(Pages)
def list_audit(request, action: str = Query("", max_length=80)):
    require(request.user, policy.Action.AUDIT_VIEW)
    entries = policy.visible(request.user, AuditEntry)
    return entries.filter(action__startswith=action) if action else entries


api.add_router("/", reference)
api.add_router("/", directory_router)
api.add_router("/", account)
api.add_router("/", partnerships_router)
api.add_router("/", documents_router)
api.add_router("/", institutions_router)
api.add_router("/", oversight_router)
api.add_router("/", oversight_pictures_router)
api.add_router("/", messaging_router)
api.add_router("/", notifications_router)
api.add_router("/", meetings_router)
api.add_router("/", matching_router)
