"""Partnership reads: lists with filters, the state of play on a date, the public registry."""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import NullIf, RowNumber
from django.http import Http404
from django.utils import timezone

from regionbridge import policy
from regionbridge.lib.collation import name_order
from regionbridge.lib.i18n import pick
from regionbridge.lib.text import normalize
from regionbridge.partnerships.lifecycle import Stage, State, Step, state_on
from regionbridge.partnerships.models import (
    Activity,
    Document,
    DocumentStatus,
    Partnership,
    PartnershipEvent,
    Review,
)
from regionbridge.regions.models import Region


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
        Prefetch(
            "events",
            queryset=PartnershipEvent.objects.select_related("document").order_by(
                "occurred_on", "id"
            ),
        ),
    )


def steps_of(partnership: Partnership) -> list[Step]:
    """The history as the lifecycle reads it (uses prefetched events)."""
    return [
        Step(kind=e.kind, on=e.occurred_on, signed_stage=e.signed_level, order=e.pk)
        for e in partnership.events.all()
    ]


def stage_on(partnership: Partnership, day: date) -> State:
    """The stage on `day` by replaying the history in Python: the reference that the stored
    states (`with_state_on`) are checked against."""
    return state_on(steps_of(partnership), day)


def with_state_on(qs: QuerySet[Partnership], day: date | None) -> QuerySet[Partnership]:
    """Annotate each partnership with its state on `day` (None: today), in SQL.

    Today is the stored stage. A past day is the state stored on the last event on or before it
    (events in date order, then recording order, as the lifecycle replays them): one indexed
    lookup per row instead of a replay. `day_stage` is NULL when the tie did not exist yet."""
    if day is None or day >= timezone.localdate():
        return qs.annotate(
            day_stage=NullIf(F("stage"), Value("")),
            day_since=F("stage_since"),
            day_last_event=F("last_event_on"),
        )
    last = PartnershipEvent.objects.filter(
        partnership=OuterRef("pk"), occurred_on__lte=day
    ).order_by("-occurred_on", "-id")
    return qs.annotate(
        day_stage=Subquery(last.values("stage_after")[:1]),
        day_since=Subquery(last.values("stage_since")[:1]),
        day_last_event=Subquery(last.values("occurred_on")[:1]),
    )


def _filtered(user: Any, filters: Filters) -> QuerySet[Partnership]:
    """Visible partnerships that existed on the day, filtered in SQL, with their state."""
    qs = policy.visible(user, Partnership)
    if filters.sphere:
        # Sphere codes are unique: at most one joined row per partnership, no DISTINCT needed.
        qs = qs.filter(spheres__code=filters.sphere)
    if filters.country:
        qs = qs.filter(partner_region__country__code=filters.country.upper())
    if filters.region:
        code = filters.region.upper()
        qs = qs.filter(Q(ukrainian_region__code=code) | Q(partner_region__code=code))
    if filters.query:
        term = normalize(filters.query)
        qs = qs.filter(
            Q(partner_name_uk__icontains=term)
            | Q(partner_name_en__icontains=term)
            | Q(ukrainian_side_uk__icontains=term)
            | Q(ukrainian_side_en__icontains=term)
            | Q(ukrainian_region__search_text__contains=term)
            | Q(partner_region__search_text__contains=term)
        )
    day = filters.as_of or timezone.localdate()
    qs = with_state_on(qs, filters.as_of).filter(day_stage__isnull=False)
    if filters.stage:
        qs = qs.filter(day_stage=filters.stage)
    if filters.idle_days is not None:
        qs = qs.filter(day_last_event__lte=day - timedelta(days=filters.idle_days))
    return qs


def by_name(language: str | None = None) -> tuple[str, ...]:
    """The order of partnership lists in the page's language: the Ukrainian region, then the
    partner, by their stored sort keys (lib.collation), so that Ukrainian pages follow the
    Ukrainian alphabet (З, І, Ї) in SQL, which neither SQLite nor the CI's PostgreSQL collate."""
    return (name_order("ukrainian_region__", language), name_order("partner_", language), "id")


def partnerships_for(user: Any, filters: Filters = Filters()) -> QuerySet[Partnership]:
    """Partnerships the user may see, filtered, sorted (by name, in the active language's
    alphabet) and ready to be counted and paged in SQL; each carries `.state` for
    `filters.as_of`; the page's rows get their spheres, not their histories (the lists show
    none)."""
    return (
        _filtered(user, filters)
        .select_related("ukrainian_region", "partner_region", "partner_region__country")
        .prefetch_related("spheres")
        .order_by(*by_name())
    )


def partnership_detail(user: Any, pk: int) -> Partnership:
    qs = _base(policy.visible(user, Partnership)).select_related(
        "ukrainian_lead", "partner_lead", "ukrainian_organization", "partner_organization"
    )
    return qs.get(pk=pk)


def access_partnership(user: Any, pk: int) -> Partnership:
    """The partnership, with its history, as pages and the API show it; Http404 when the user may
    not see it (outsiders never learn that it exists: 404, not 403)."""
    try:
        return partnership_detail(user, pk)
    except Partnership.DoesNotExist:
        raise Http404 from None


def access_document(user: Any, pk: int) -> Document:
    """The document and its partnership's sides; Http404 when the user may not see it."""
    qs = policy.visible(user, Document).select_related(
        "partnership__ukrainian_region", "partnership__partner_region__country"
    )
    try:
        return qs.get(pk=pk)
    except Document.DoesNotExist:
        raise Http404 from None


def documents_of(user: Any, partnership: Partnership) -> QuerySet[Document]:
    return (
        policy.visible(user, Document)
        .filter(partnership=partnership)
        .prefetch_related("versions", "reviews__ministry", "signatories")
    )


OVERVIEW_LISTED = 50  # ties listed per stage; the list of all is paged (/api/v1/partnerships)


def _order_terms(fields: tuple[str, ...]) -> list:
    return [F(f[1:]).desc(nulls_last=True) if f.startswith("-") else F(f).asc() for f in fields]


def overview(user: Any, *, partner_country: str = "", as_of: date | None = None) -> dict:
    """The state of play on a date, per stage, counting only what the user may see: the counts
    are one aggregation, the ties one query of plain values (no history is replayed), at most
    OVERVIEW_LISTED a stage, those that entered it last."""
    day = as_of or timezone.localdate()
    qs = _filtered(user, Filters(country=partner_country, as_of=as_of))
    counts = dict(qs.order_by().values_list("day_stage").annotate(n=Count("pk")))
    stages: dict[str, dict] = {
        stage: {"count": counts.get(stage, 0), "partnerships": []} for stage in Stage.values
    }
    # Each stage lists the OVERVIEW_LISTED ties that entered it most recently (its count is
    # complete): one query, ranked per stage by the database.
    recent = _order_terms(("-day_since", *by_name()))
    ranked = qs.annotate(rank=Window(RowNumber(), partition_by=F("day_stage"), order_by=recent))
    rows = (
        ranked.filter(rank__lte=OVERVIEW_LISTED)
        .order_by(*recent)
        .values(
            "pk",
            "ukrainian_region__code",
            "ukrainian_region__name_en",
            "ukrainian_region__name_uk",
            "partner_region__code",
            "partner_region__name_en",
            "partner_region__name_uk",
            "partner_name_uk",
            "partner_name_en",
            "ukrainian_side_uk",
            "ukrainian_side_en",
            "day_stage",
            "day_since",
            "confidential",
            "is_demo",
        )
    )
    for row in rows:
        stages[row["day_stage"]]["partnerships"].append(
            {
                "id": row["pk"],
                "ukrainian_region": _region_ref(row, "ukrainian_region"),
                "partner_region": _region_ref(row, "partner_region"),
                "partner_name": pick(row["partner_name_uk"], row["partner_name_en"]),
                "partner_name_uk": row["partner_name_uk"],
                "partner_name_en": row["partner_name_en"],
                "ukrainian_side": pick(row["ukrainian_side_uk"], row["ukrainian_side_en"]),
                "ukrainian_side_uk": row["ukrainian_side_uk"],
                "ukrainian_side_en": row["ukrainian_side_en"],
                "stage": row["day_stage"],
                "since": row["day_since"].isoformat() if row["day_since"] else None,
                "confidential": row["confidential"],
                "is_demo": row["is_demo"],
            }
        )
    return {"as_of": day.isoformat(), "partner_country": partner_country.upper(), "stages": stages}


def _region_ref(row: dict, prefix: str) -> dict:
    return {key: row[f"{prefix}__{key}"] for key in ("code", "name_en", "name_uk")}


PUBLIC_PAGE_SIZE = 50


def public_scope(
    *,
    region: Region | None = None,
    ukrainian_region: Region | None = None,
    partner_region: Region | None = None,
) -> Q:
    """The part of the registry a public page lists: one region's ties (on either side), or
    those of a Ukrainian region and/or of a partner region (the registry's filter)."""
    scope = Q()
    if region is not None:
        scope &= Q(ukrainian_region=region) | Q(partner_region=region)
    if ukrainian_region is not None:
        scope &= Q(ukrainian_region=ukrainian_region)
    if partner_region is not None:
        scope &= Q(partner_region=partner_region)
    return scope


def public_partnerships(
    *, scope: Q | None = None, region: Region | None = None
) -> QuerySet[Partnership]:
    """What the public registry shows (the policy's `published`): signed memoranda, agreements
    and resolutions that are not confidential (all, or those in `scope`, or those of one region
    on either side), with the events the policy publishes (their signings, with the document
    that names the instrument's kind) and sources; a queryset to count and page in SQL, in the
    order of the Ukrainian region's name in the page's language."""
    qs = policy.published(Partnership).filter(scope or public_scope(region=region))
    signings = (
        policy.published(PartnershipEvent).select_related("document").order_by("occurred_on", "id")
    )
    return (
        qs.select_related("ukrainian_region", "partner_region", "partner_region__country")
        .prefetch_related(Prefetch("events", queryset=signings))
        .order_by(name_order("ukrainian_region__"), name_order("partner_"), "id")
    )


def public_sides() -> tuple[QuerySet[Region], QuerySet[Region]]:
    """The Ukrainian regions and the partner regions with a tie in the registry, each by name in
    the page's language: the registry's filter offers these (never a confidential tie's side)."""
    published = policy.published(Partnership).order_by()
    ukrainian = Region.objects.filter(pk__in=published.values("ukrainian_region"))
    partners = Region.objects.filter(pk__in=published.values("partner_region"))
    return (
        ukrainian.order_by(name_order(), "code"),
        partners.select_related("country").order_by(name_order("country__"), name_order(), "code"),
    )


def public_activities() -> QuerySet[Activity]:
    """The activities the policy publishes, newest first."""
    return (
        policy.published(Activity)
        .select_related("partnership__ukrainian_region", "partnership__partner_region", "sphere")
        .order_by("-starts_on")
    )


def _waiting_for(user: Any) -> QuerySet[Document]:
    documents = policy.visible(user, Document).filter(status=DocumentStatus.UNDER_REVIEW)
    ministries = policy.clearing_ministries(user)
    if ministries and not policy.scope_of(user).is_coordinator:
        decided = Review.objects.filter(
            document=OuterRef("pk"), round=OuterRef("review_round"), ministry__in=ministries
        )
        documents = documents.exclude(Exists(decided))
    return documents


def review_next(user: Any) -> Document | None:
    """The draft to decide next, after a decision: the oldest still waiting for the user's
    ministry (the review queue's first row), or None when nothing else waits."""
    return _waiting_for(user).order_by("submitted_at", "id").first()


def review_queue(user: Any) -> QuerySet[Document]:
    """Drafts waiting for the user's ministry (all for coordinators), oldest first."""
    return (
        _waiting_for(user)
        .select_related("partnership__ukrainian_region", "partnership__partner_region")
        .prefetch_related("versions", "reviews__ministry", "signatories")
        .order_by("submitted_at", "id")
    )


def with_sphere_codes(rows: Iterator[dict], chunk: int = 2000) -> Iterator[dict]:
    """Rows of partnerships (dicts with "pk"), each given "spheres": its sphere codes,
    space-separated, in the spheres' order; one query for each `chunk` rows (for exports)."""
    while batch := list(itertools.islice(rows, chunk)):
        codes: dict[int, list[str]] = {}
        links = (
            Partnership.spheres.through.objects.filter(partnership_id__in=[r["pk"] for r in batch])
            .order_by("sphere__order", "sphere__code")
            .values_list("partnership_id", "sphere__code")
        )
        for partnership, code in links:
            codes.setdefault(partnership, []).append(code)
        for row in batch:
            row["spheres"] = " ".join(codes.get(row["pk"], ()))
            yield row
