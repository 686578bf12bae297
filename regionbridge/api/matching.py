"""Needs, offers and their matches; the taxonomy's current file (issue 14).

Needs live under `/needs`, offers under `/offers`, with the same shape (a need's id under
`/offers/…` is a 404, as any id one cannot see). Endpoints translate: JSON in, the service or
selector called, its answer out; the rules are `services` and `policy/matching.py`, the same the
pages ask. A post one may not see is a 404 everywhere (its matches, a connection naming it);
a change one may not make to a post one sees is a 403; what the services refuse as it stands (a
title too long, an unknown topic) is a 422 that says why. A match's reasons come as codes with
their parameters and as text in the reader's language (the token's account's, or `Accept-
Language` on a session).
"""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from regionbridge import policy
from regionbridge.api.auth import MEMBERS, require
from regionbridge.api.errors import answers, refused_as_422
from regionbridge.api.pagination import Pages
from regionbridge.api.schemas import Text
from regionbridge.lib.i18n import reader_language
from regionbridge.matching import selectors, services, taxonomy
from regionbridge.matching.models import (
    Audience,
    Post,
    PostKind,
    PostStatus,
)
from regionbridge.organizations.models import InstitutionType, Organization
from regionbridge.partnerships.models import Sphere
from regionbridge.regions.models import Region

router = Router(tags=["needs and offers"])

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Code = Annotated[str, Field(max_length=60)]
RegionCode = Annotated[str, Field(max_length=10, examples=["UA-18", "US-IN"])]
TAXONOMY_FILE = {
    "responses": {
        200: {
            "description": "The taxonomy file (`regionbridge match --taxonomy FILE` reads it).",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }
}


# --- schemas --------------------------------------------------------------------------------


class PostIn(Schema):
    """`organization`: the id of one the caller may post for; `region`: ISO 3166-2 (UA-18,
    US-IN); `sphere`: a code of `/spheres`; `topics`: codes of `/taxonomy`. The language is
    detected from the text."""

    title: Text(services.TITLE_MAX)
    description: str = Field(..., max_length=services.DESCRIPTION_MAX)
    region: RegionCode
    organization: Id
    sphere: Code | None = None
    topics: list[Code] = Field([], max_length=services.TOPICS_MAX)
    institution_type: InstitutionType | None = None
    scale: Text(services.SHORT_MAX) = ""
    timing: Text(services.SHORT_MAX) = ""
    audience: Audience = Audience.MEMBERS


class PostPatch(Schema):
    """Only the fields sent change; `sphere` or `institution_type` "" clears it; `status`
    open, in_talks, met or closed."""

    # The defaults mark a field as not sent (dropped by `exclude_unset`); null is a 422.
    title: Text(services.TITLE_MAX) = None
    description: str = Field(None, max_length=services.DESCRIPTION_MAX)
    region: RegionCode = None
    organization: Id = None
    sphere: Code = None
    topics: list[Code] = Field(None, max_length=services.TOPICS_MAX)
    institution_type: str = Field(None, max_length=30)
    scale: Text(services.SHORT_MAX) = None
    timing: Text(services.SHORT_MAX) = None
    audience: Audience = None
    status: PostStatus = None


class PostOut(Schema):
    """`language`: detected from the text (uk or en); `region` and `sphere` as codes."""

    id: int
    kind: str
    title: str
    description: str
    language: str
    sphere: str | None
    topics: list[str]
    institution_type: str
    region: str
    organization: int
    organization_name: str
    scale: str
    timing: str
    status: str
    audience: str
    created_at: datetime
    updated_at: datetime
    url: str

    @staticmethod
    def resolve_sphere(obj) -> str | None:
        return obj.sphere.code if obj.sphere_id else None

    @staticmethod
    def resolve_region(obj) -> str:
        return obj.region.code

    @staticmethod
    def resolve_organization(obj) -> int:
        return obj.organization_id

    @staticmethod
    def resolve_organization_name(obj) -> str:
        return obj.organization.name

    @staticmethod
    def resolve_topics(obj) -> list[str]:
        return [str(code) for code in obj.topics or []]

    @staticmethod
    def resolve_created_at(obj) -> datetime:
        return obj.created_at.astimezone(UTC)

    @staticmethod
    def resolve_updated_at(obj) -> datetime:
        return obj.updated_at.astimezone(UTC)

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("matching:detail", args=[obj.pk])


class ReasonOut(Schema):
    """`code` and `params` as the matcher gave them; `text` in the reader's language."""

    code: str
    params: dict[str, Any]
    text: str


class PostRef(Schema):
    id: int
    kind: str
    title: str
    language: str
    region: str
    organization_name: str
    status: str


class MatchOut(Schema):
    """One suggestion: the other side (`post`), the score (0..1), `strong` (worth telling the
    owners), and why."""

    need_id: int
    offer_id: int
    score: float
    strong: bool
    computed_at: datetime
    post: PostRef
    thread_id: int | None = Field(description="The thread already opened for the pair, if any.")
    reasons: list[ReasonOut]


class ConnectIn(Schema):
    need_id: Id
    offer_id: Id


class ConnectionOut(Schema):
    need_id: int
    offer_id: int
    thread_id: int
    url: str


class Status_(StrEnum):
    OPEN = PostStatus.OPEN.value
    IN_TALKS = PostStatus.IN_TALKS.value
    MET = PostStatus.MET.value
    CLOSED = PostStatus.CLOSED.value


# --- helpers --------------------------------------------------------------------------------


def _post(request, kind: str, post_id: int) -> Post:
    """The post as its page shows it; one of the other kind, or out of sight, is a 404."""
    post = selectors.access_post(request.user, post_id)
    if post.kind != kind:
        raise Http404
    return post


def _region(code: str) -> Region:
    region = Region.objects.filter(code=code.strip().upper()).first()
    if region is None:
        raise ValidationError(f"Unknown region: {code[:20]}")
    return region


def _sphere(code: str | None) -> Sphere | None:
    if not code:
        return None
    sphere = Sphere.objects.filter(code=code).first()
    if sphere is None:
        raise ValidationError(f"Unknown sphere: {code[:60]}")
    return sphere


def _organization(user: Any, pk: int) -> Organization:
    """An organization the user may see (an unknown id is a 422); whether they may post for
    it is the service's question (a 403)."""
    organization = policy.visible(user, Organization).filter(pk=pk).first()
    if organization is None:
        raise ValidationError(f"Unknown organization: {pk}")
    return organization


def _create(request, kind: str, payload: PostIn) -> Status:
    require(request.user, policy.Action.POST_BROWSE)
    post = services.post_create(
        by=request.user,
        kind=kind,
        title=payload.title,
        description=payload.description,
        region=_region(payload.region),
        organization=_organization(request.user, payload.organization),
        sphere=_sphere(payload.sphere),
        topics=payload.topics,
        institution_type=payload.institution_type or "",
        scale=payload.scale,
        timing=payload.timing,
        audience=payload.audience,
    )
    return Status(201, selectors.access_post(request.user, post.pk))


def _update(request, kind: str, post_id: int, payload: PostPatch) -> Post:
    post = _post(request, kind, post_id)
    changes = payload.dict(exclude_unset=True)
    if "region" in changes:
        changes["region"] = _region(changes["region"])
    if "organization" in changes:
        changes["organization"] = _organization(request.user, changes["organization"])
    if "sphere" in changes:
        changes["sphere"] = _sphere(changes["sphere"])
    post = services.post_update(by=request.user, post=post, **changes)
    return selectors.access_post(request.user, post.pk)


def _suggestions(request, post: Post) -> list[dict[str, Any]]:
    """The post's suggestions as its page shows them (the other side visible and open, best
    first), each reason with its code, parameters and words in the reader's language."""
    language = reader_language()
    found = selectors.suggestions_for(request.user, post, language)
    vocabulary = taxonomy.current()
    names = selectors.region_names([item.match for item in found])
    answers_ = []
    for item in found:
        reasons = []
        for raw in item.match.reasons or ():
            words = selectors.reason_words([raw], vocabulary, language, names)
            if words:
                reasons.append(
                    {"code": raw["code"], "params": raw.get("params") or {}, "text": words[0]}
                )
        other = item.other
        answers_.append(
            {
                "need_id": item.match.need_id,
                "offer_id": item.match.offer_id,
                "score": round(item.match.score, 4),
                "strong": item.strong,
                "computed_at": item.match.computed_at.astimezone(UTC),
                "post": {
                    "id": other.pk,
                    "kind": other.kind,
                    "title": other.title,
                    "language": other.language,
                    "region": other.region.code,
                    "organization_name": other.organization.name,
                    "status": other.status,
                },
                "thread_id": item.connection.thread_id if item.connection else None,
                "reasons": reasons,
            }
        )
    return answers_


# --- needs and offers -----------------------------------------------------------------------


class Filters(Schema):
    status: Status_ | None = None
    sphere: str = Field("", max_length=40, description="A code of /spheres")
    region: str = Field("", max_length=10, description="ISO 3166-2, e.g. UA-18")
    institution_type: InstitutionType | None = None
    q: str = Field("", max_length=200, description="Words of the title or description")


def _list(request, kind: str, filters: Filters) -> QuerySet[Post]:
    """`selectors.posts_for`, as the list page: an unknown sphere or region is a 422."""
    require(request.user, policy.Action.POST_BROWSE)
    wanted = selectors.PostFilter(
        kind=kind,
        status=filters.status or "",
        sphere=_sphere(filters.sphere),
        region=_region(filters.region) if filters.region else None,
        institution_type=filters.institution_type or "",
        q=filters.q,
    )
    return selectors.posts_for(request.user, wanted)


def _post_matches(request, kind: str, post_id: int) -> list[dict[str, Any]]:
    return _suggestions(request, _post(request, kind, post_id))


@router.get("/needs", response=answers(list[PostOut], 403), auth=MEMBERS)
@refused_as_422("query")
@paginate(Pages)
def list_needs(request, filters: Query[Filters]):
    """The needs the caller may see, newest first."""
    return _list(request, PostKind.NEED, filters)


@router.post("/needs", response=answers({201: PostOut}, 403, body=True), auth=MEMBERS)
@refused_as_422("body")
def create_need(request, payload: PostIn):
    return _create(request, PostKind.NEED, payload)


@router.get("/needs/{need_id}", response=answers(PostOut, 404), auth=MEMBERS)
def get_need(request, need_id: int):
    return _post(request, PostKind.NEED, need_id)


@router.patch("/needs/{need_id}", response=answers(PostOut, 403, 404, body=True), auth=MEMBERS)
@refused_as_422("body")
def edit_need(request, need_id: int, payload: PostPatch):
    return _update(request, PostKind.NEED, need_id, payload)


@router.get("/needs/{need_id}/matches", response=answers(list[MatchOut], 404), auth=MEMBERS)
@paginate(Pages)
def need_matches(request, need_id: int):
    """The offers suggested for the need (those the caller may see), best first."""
    return _post_matches(request, PostKind.NEED, need_id)


@router.get("/offers", response=answers(list[PostOut], 403), auth=MEMBERS)
@refused_as_422("query")
@paginate(Pages)
def list_offers(request, filters: Query[Filters]):
    """The offers the caller may see, newest first."""
    return _list(request, PostKind.OFFER, filters)


@router.post("/offers", response=answers({201: PostOut}, 403, body=True), auth=MEMBERS)
@refused_as_422("body")
def create_offer(request, payload: PostIn):
    return _create(request, PostKind.OFFER, payload)


@router.get("/offers/{offer_id}", response=answers(PostOut, 404), auth=MEMBERS)
def get_offer(request, offer_id: int):
    return _post(request, PostKind.OFFER, offer_id)


@router.patch("/offers/{offer_id}", response=answers(PostOut, 403, 404, body=True), auth=MEMBERS)
@refused_as_422("body")
def edit_offer(request, offer_id: int, payload: PostPatch):
    return _update(request, PostKind.OFFER, offer_id, payload)


@router.get("/offers/{offer_id}/matches", response=answers(list[MatchOut], 404), auth=MEMBERS)
@paginate(Pages)
def offer_matches(request, offer_id: int):
    """The needs suggested for the offer (those the caller may see), best first."""
    return _post_matches(request, PostKind.OFFER, offer_id)


@router.post("/matches/connect", response=answers(ConnectionOut, 403, 404, body=True), auth=MEMBERS)
@refused_as_422("body")
def connect(request, payload: ConnectIn):
    """Open (or find again) the thread between a need's and an offer's people, both posts
    linked in its first message. A post the caller may not see is a 404."""
    need = _post(request, PostKind.NEED, payload.need_id)
    offer = _post(request, PostKind.OFFER, payload.offer_id)
    connection = services.connect(by=request.user, need=need, offer=offer)
    return {
        "need_id": connection.need_id,
        "offer_id": connection.offer_id,
        "thread_id": connection.thread_id,
        "url": reverse("messaging:thread", args=[connection.thread_id]),
    }


@router.get(
    "/taxonomy",
    response=answers({200: dict}, 403, takes_input=False),
    auth=MEMBERS,
    openapi_extra=TAXONOMY_FILE,
)
def get_taxonomy(request):
    """The current taxonomy file: topics with their Ukrainian and English labels, synonyms,
    related topics, spheres and types of institution (the format `regionbridge match
    --taxonomy FILE` reads)."""
    require(request.user, policy.Action.POST_BROWSE)
    return taxonomy.export()
