"""Partnership reads: lists with filters, the state of play on a date, the public registry."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from regionbridge import policy
from regionbridge.lib.text import normalize
from regionbridge.partnerships.lifecycle import SIGNED_STAGES, Stage, State, Step, state_on
from regionbridge.partnerships.models import (
    Activity,
    Document,
    DocumentStatus,
    Partnership,
    PartnershipEvent,
    Review,
)


@dataclass(frozen=True)
class Filters:
    stage: str = ""
    sphere: str = ""
    country: str = ""
    region: str = ""
    idle_days: int | None = None
    as_of: date | None = None
    query: str = ""


def _base(qs: QuerySet[Partnership]) -> QuerySet[Partnership]:
    return qs.select_related(
        "ukrainian_region", "partner_region", "partner_region__country"
    ).prefetch_related(
        "spheres",
        Prefetch("events", queryset=PartnershipEvent.objects.order_by("occurred_on", "id")),
    )


def steps_of(partnership: Partnership) -> list[Step]:
    """The history as the lifecycle reads it (uses prefetched events)."""
    return [
        Step(kind=e.kind, on=e.occurred_on, signed_stage=e.signed_level, order=e.pk)
        for e in partnership.events.all()
    ]


def stage_on(partnership: Partnership, day: date) -> State:
    return state_on(steps_of(partnership), day)


def partnerships_for(user: Any, filters: Filters = Filters()) -> list[Partnership]:
    """Partnerships the user may see, filtered; each carries `.state` for `filters.as_of`."""
    qs = _base(policy.visible(user, Partnership))
    if filters.sphere:
        qs = qs.filter(spheres__code=filters.sphere)
    if filters.country:
        qs = qs.filter(partner_region__country__code=filters.country.upper())
    if filters.region:
        code = filters.region.upper()
        qs = qs.filter(Q(ukrainian_region__code=code) | Q(partner_region__code=code))
    if filters.query:
        term = normalize(filters.query)
        qs = qs.filter(
            Q(partner_name__icontains=term)
            | Q(ukrainian_side__icontains=term)
            | Q(ukrainian_region__search_text__contains=term)
            | Q(partner_region__search_text__contains=term)
        )
    day = filters.as_of or timezone.localdate()
    result = []
    for partnership in qs.distinct().order_by("ukrainian_region__code", "partner_name", "id"):
        partnership.state = stage_on(partnership, day)
        if partnership.state.stage is None:
            continue  # it did not exist yet on that day
        if filters.stage and partnership.state.stage != filters.stage:
            continue
        if filters.idle_days is not None:
            last = max(
                (e.occurred_on for e in partnership.events.all() if e.occurred_on <= day),
                default=None,
            )
            if last and (day - last).days < filters.idle_days:
                continue
        result.append(partnership)
    return result


def partnership_detail(user: Any, pk: int) -> Partnership:
    qs = _base(policy.visible(user, Partnership)).select_related(
        "ukrainian_lead", "partner_lead", "ukrainian_organization", "partner_organization"
    )
    return qs.get(pk=pk)


def documents_of(user: Any, partnership: Partnership) -> QuerySet[Document]:
    return (
        policy.visible(user, Document)
        .filter(partnership=partnership)
        .prefetch_related("versions", "reviews__ministry", "signatories")
    )


def overview(user: Any, *, partner_country: str = "", as_of: date | None = None) -> dict:
    """The state of play on a date, per stage, counting only what the user may see."""
    day = as_of or timezone.localdate()
    items = partnerships_for(user, Filters(country=partner_country, as_of=day))
    stages: dict[str, dict] = {stage: {"count": 0, "partnerships": []} for stage in Stage.values}
    for p in items:
        bucket = stages[p.state.stage]
        bucket["count"] += 1
        bucket["partnerships"].append(
            {
                "id": p.pk,
                "ukrainian_region": {
                    "code": p.ukrainian_region.code,
                    "name_en": p.ukrainian_region.name_en,
                    "name_uk": p.ukrainian_region.name_uk,
                },
                "partner_region": {
                    "code": p.partner_region.code,
                    "name_en": p.partner_region.name_en,
                    "name_uk": p.partner_region.name_uk,
                },
                "partner_name": p.partner_name,
                "ukrainian_side": p.ukrainian_side,
                "stage": p.state.stage,
                "since": p.state.since.isoformat() if p.state.since else None,
                "confidential": p.confidential,
                "is_demo": p.is_demo,
            }
        )
    return {"as_of": day.isoformat(), "partner_country": partner_country.upper(), "stages": stages}


def public_partnerships() -> list[Partnership]:
    """What the public registry shows: signed memoranda and agreements that are not confidential,
    with their signing events and sources."""
    qs = _base(Partnership.objects.filter(confidential=False, stage__in=SIGNED_STAGES))
    return list(qs.order_by("ukrainian_region__name_uk", "partner_name"))


def public_activities() -> QuerySet[Activity]:
    return (
        policy.visible(None, Activity)
        .select_related("partnership__ukrainian_region", "partnership__partner_region", "sphere")
        .order_by("-starts_on")
    )


def review_queue(user: Any) -> QuerySet[Document]:
    """Drafts waiting for the user's ministry (all for coordinators), oldest first."""
    documents = policy.visible(user, Document).filter(status=DocumentStatus.UNDER_REVIEW)
    ministries = policy.clearing_ministries(user)
    if ministries and not policy.scope_of(user).is_coordinator:
        decided = Review.objects.filter(
            document=OuterRef("pk"), round=OuterRef("review_round"), ministry__in=ministries
        )
        documents = documents.exclude(Exists(decided))
    return (
        documents.select_related("partnership__ukrainian_region", "partnership__partner_region")
        .prefetch_related("versions", "reviews__ministry", "signatories")
        .order_by("submitted_at")
    )
