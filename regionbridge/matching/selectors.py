"""Reads of needs and offers for the pages and the API: one post, the lists, a post's
suggestions, and the coordinators' overview.

Every read starts from `policy.visible`, so a partners-only post is invisible wherever its
partnerships do not reach (lists, counts, suggestions, exports); filters, counts and pages are
SQL.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from regionbridge import policy
from regionbridge.lib.search import filter_by_terms
from regionbridge.matching import engine, taxonomy
from regionbridge.matching.models import Connection, Match, Post, PostKind, PostStatus
from regionbridge.regions.models import Region

PAGE_SIZE = 30
SUGGESTIONS = 10
QUERY_MAX = 200


def _with_places(qs: QuerySet[Post]) -> QuerySet[Post]:
    return qs.select_related("organization", "region", "sphere")


def access_post(user: Any, pk: int) -> Post:
    """The post, as its page shows it; Http404 when `user` may not see it (as if it did not
    exist: nobody learns of a partners-only post beyond its partnerships)."""
    post = _with_places(policy.visible(user, Post)).filter(pk=pk).first()
    if post is None:
        raise Http404
    return post


@dataclass(frozen=True)
class PostFilter:
    """The list's filters, each already checked (codes that exist, choices that are)."""

    kind: str = ""
    status: str = ""
    sphere: Any = None  # a Sphere
    region: Any = None  # a Region
    institution_type: str = ""
    q: str = ""
    mine: bool = False


def posts_for(user: Any, filters: PostFilter = PostFilter()) -> QuerySet[Post]:
    """The needs and offers `user` may see, filtered, newest first, ready to count and page."""
    qs = policy.visible(user, Post)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.sphere is not None:
        qs = qs.filter(sphere=filters.sphere)
    if filters.region is not None:
        qs = qs.filter(region=filters.region)
    if filters.institution_type:
        qs = qs.filter(institution_type=filters.institution_type)
    if filters.mine:
        qs = qs.filter(ours(user))
    if filters.q:
        qs = filter_by_terms(qs, filters.q[:QUERY_MAX])
    return _with_places(qs).order_by("-created_at", "-id")


def ours(user: Any) -> Q:
    """The posts that are "ours" to the person: their own, their offices', and (but for a
    coordinator, who may post for anyone) those of the organizations they post for."""
    scope = policy.scope_of(user)
    rule = Q(author=scope.user_id) | Q(organization__in=scope.offices)
    if not scope.is_coordinator:
        rule |= Q(organization__in=policy.post_organizations(user).values("pk"))
    return rule


# --- suggestions ------------------------------------------------------------------------------


@dataclass
class Suggestion:
    """One suggestion as a page shows it: the other post, the score, the reasons in words."""

    match: Match
    other: Post
    strong: bool
    reasons: list[str] = field(default_factory=list)
    connection: Connection | None = None

    @property
    def need(self) -> Post:
        return self.match.need

    @property
    def offer(self) -> Post:
        return self.match.offer


def region_names(matches: list[Match]) -> dict[str, tuple[str, str]]:
    """Names (uk, en) of the regions a partnership reason names, read in one query."""
    codes = set()
    for match in matches:
        for reason in match.reasons or ():
            params = reason.get("params") or {}
            codes |= {str(params[key]) for key in ("a", "b", "region") if params.get(key)}
    if not codes:
        return {}
    rows = Region.objects.filter(code__in=codes).values_list("code", "name_uk", "name_en")
    return {code: (uk, en) for code, uk, en in rows}


def reason_words(
    reasons: list[dict[str, Any]],
    tax: Any,
    language: str,
    names: dict[str, tuple[str, str]],
) -> list[str]:
    """The stored reasons in the reader's language (region names given for a partnership)."""
    words = []
    for raw in reasons or ():
        if not isinstance(raw, dict) or not raw.get("code"):
            continue
        params = dict(raw.get("params") or {})
        for key in ("a", "b"):
            name = names.get(str(params.get(key, "")))
            if name is not None:
                params[f"{key}_name_uk"], params[f"{key}_name_en"] = name
        region = names.get(str(params.get("region", "")))
        if region is not None:
            params["region"] = region[0] if language == "uk" else region[1]
        try:
            words.append(engine.reason_text(engine.Reason(str(raw["code"]), params), tax, language))
        except (KeyError, TypeError, ValueError):
            continue  # a reason an older engine wrote and this one cannot say: left out
    return [text for text in words if text]


def suggestions_for(user: Any, post: Post, language: str) -> list[Suggestion]:
    """The post's suggestions that `user` may see (the other post visible and open), best
    first, with their reasons in `language` and the thread already opened for the pair."""
    if post.status != PostStatus.OPEN:
        return []
    visible = policy.visible(user, Post).filter(status=PostStatus.OPEN).values("pk")
    if post.kind == PostKind.NEED:
        qs = Match.objects.filter(need=post, offer__in=visible)
        other = "offer"
    else:
        qs = Match.objects.filter(offer=post, need__in=visible)
        other = "need"
    matches = list(
        qs.select_related(f"{other}__organization", f"{other}__region").order_by("-score", "pk")[
            :SUGGESTIONS
        ]
    )
    if not matches:
        return []
    for match in matches:  # the page's own post, without reading it again
        setattr(match, "need" if other == "offer" else "offer", post)
    pairs = Q()
    for match in matches:
        pairs |= Q(need=match.need_id, offer=match.offer_id)
    connections = {
        (c.need_id, c.offer_id): c
        for c in Connection.objects.filter(pairs).only("pk", "need", "offer", "thread")
    }
    tax = taxonomy.current()
    names = region_names(matches)
    return [
        Suggestion(
            match=match,
            other=getattr(match, other),
            strong=match.strong,
            reasons=reason_words(match.reasons, tax, language, names),
            connection=connections.get((match.need_id, match.offer_id)),
        )
        for match in matches
    ]


# --- the coordinators' overview ---------------------------------------------------------------


def found_partner() -> Q:
    """A need that found a partner: met, in talks, or connected with an offer."""
    connected = Connection.objects.filter(need=OuterRef("pk"))
    return Q(status__in=[PostStatus.MET, PostStatus.IN_TALKS]) | Q(Exists(connected))


def unmatched_needs(user: Any) -> QuerySet[Post]:
    """Open needs with no suggestion and no thread opened for them."""
    suggested = Match.objects.filter(need=OuterRef("pk"))
    connected = Connection.objects.filter(need=OuterRef("pk"))
    return (
        policy.visible(user, Post)
        .filter(kind=PostKind.NEED, status=PostStatus.OPEN)
        .filter(~Exists(suggested), ~Exists(connected))
    )


@dataclass(frozen=True)
class Overview:
    by_region: list[dict[str, Any]]
    by_sphere: list[dict[str, Any]]
    needs: int
    found: int

    @property
    def share(self) -> int:
        """Percent of needs that found a partner (whole percent)."""
        return round(100 * self.found / self.needs) if self.needs else 0


def overview(user: Any) -> Overview:
    """Unmatched open needs by region and by sphere, and how many needs found a partner: three
    counting queries."""
    unmatched = unmatched_needs(user).order_by()
    by_region = list(
        unmatched.values("region__code", "region__name_uk", "region__name_en")
        .annotate(count=Count("pk"))
        .order_by("-count", "region__code")
    )
    by_sphere = list(
        unmatched.values("sphere__code", "sphere__name_uk", "sphere__name_en")
        .annotate(count=Count("pk"))
        .order_by("-count", "sphere__code")
    )
    totals = (
        policy.visible(user, Post)
        .filter(kind=PostKind.NEED)
        .order_by()
        .aggregate(needs=Count("pk"), found=Count("pk", filter=found_partner()))
    )
    return Overview(
        by_region=by_region, by_sphere=by_sphere, needs=totals["needs"], found=totals["found"]
    )
