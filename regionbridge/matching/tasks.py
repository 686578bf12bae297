"""The worker's matching: a post's suggestions recomputed after it changes, never on a page view.

`recompute_matches(post_id, revision)` is enqueued by the services after commit; a run whose
post has moved on to a later revision does nothing (the later run will do it). A need is matched
against the open offers its people could see: every offer meant for all members, and the
partners-only offers of its own region and of the regions that have a live tie with it. A
changed offer is matched the other way round: the open needs that could see it, each against the
open offers, keeping the rows of that offer. Each run rewrites its post's `Match` rows; a pair
that has newly become strong is told to the people of both posts, once (the notification's key
is the pair's).
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from regionbridge import policy
from regionbridge.matching import engine, taxonomy
from regionbridge.matching.models import Audience, Match, Post, PostKind, PostStatus
from regionbridge.outbox.notifications import notify

TOP = 10
FIELDS = (
    "pk",
    "title",
    "description",
    "language",
    "sphere__code",
    "region_id",
    "region__code",
    "institution_type",
    "topics",
)


def partnered_regions() -> Callable[[str | None, str | None], bool]:
    """`partnered(a, b)`: do regions `a` and `b` (ISO codes) have a live tie (being worked out or
    signed, not confidential)? The ties are read once, for the whole run."""
    pairs = {
        frozenset(pair)
        for pair in policy.live_ties().values_list("ukrainian_region__code", "partner_region__code")
    }

    def partnered(a: str | None, b: str | None) -> bool:
        return bool(a and b and a != b and frozenset((a, b)) in pairs)

    return partnered


def near_region_ids(region_id: int) -> set[int]:
    """The region and those with a live tie to it, either side."""
    ties = policy.live_ties().filter(Q(ukrainian_region=region_id) | Q(partner_region=region_id))
    near = {region_id}
    for ukrainian, partner in ties.values_list("ukrainian_region_id", "partner_region_id"):
        near |= {ukrainian, partner}
    return near


def doc(row: dict[str, Any]) -> engine.Doc:
    return engine.Doc(
        id=str(row["pk"]),
        title=row["title"],
        description=row["description"],
        language=row["language"],
        sphere=row["sphere__code"] or None,
        region=row["region__code"] or None,
        institution_type=row["institution_type"] or None,
        topics=tuple(str(code) for code in (row["topics"] or ())),
    )


def _open(kind: str) -> Any:
    return Post.objects.filter(kind=kind, status=PostStatus.OPEN)


def _seen_from(region_ids: Iterable[int]) -> Q:
    """Posts that people of `region_ids` could see: for all members, or partners-only there."""
    return Q(audience=Audience.MEMBERS) | Q(region__in=list(region_ids))


def _reasons(suggestion: engine.Suggestion) -> list[dict[str, Any]]:
    return [{"code": reason.code, "params": dict(reason.params)} for reason in suggestion.reasons]


def _good(result: engine.Result) -> list[engine.Suggestion]:
    """The suggestions worth showing: below the engine's threshold the answer is "no good match
    yet", not a weak guess, so those are not kept."""
    if result.no_good_match:
        return []
    return [s for s in result.matches if s.score >= engine.THRESHOLD]


def _strong(suggestion: engine.Suggestion, result: engine.Result) -> bool:
    return suggestion.score >= engine.STRONG and not result.no_good_match


@task()
def recompute_matches(post_id: int, revision: int) -> int:
    """Recompute the suggestions of one post; returns how many rows it kept."""
    post = Post.objects.filter(pk=post_id).select_related("region").first()
    if post is None or post.revision != revision:
        return 0
    if post.status != PostStatus.OPEN:
        Match.objects.filter(Q(need=post) | Q(offer=post)).delete()
        return 0
    partnered = partnered_regions()
    near = near_region_ids(post.region_id)
    if post.kind == PostKind.NEED:
        offers = list(_open(PostKind.OFFER).filter(_seen_from(near)).values(*FIELDS))
        matcher = engine.Matcher([doc(row) for row in offers], taxonomy.current(), partnered)
        need_row = Post.objects.filter(pk=post.pk).values(*FIELDS).get()
        result = matcher.match(doc(need_row), top=TOP)
        rows = [(post.pk, int(s.offer_id), s, result) for s in _good(result)]
        return _rewrite(Q(need=post), rows)
    # An offer: the open needs that could see it, each against the open offers.
    needs = _open(PostKind.NEED)
    if post.audience == Audience.PARTNERS:
        needs = needs.filter(region__in=list(near))
    need_rows = list(needs.values(*FIELDS))
    offers = list(_open(PostKind.OFFER).values(*FIELDS))
    matcher = engine.Matcher([doc(row) for row in offers], taxonomy.current(), partnered)
    results = matcher.match_many([doc(row) for row in need_rows], top=TOP)
    mine = str(post.pk)
    rows = []
    for need_row, result in zip(need_rows, results, strict=True):
        for suggestion in _good(result):
            if suggestion.offer_id == mine:
                rows.append((need_row["pk"], post.pk, suggestion, result))
    return _rewrite(Q(offer=post), rows)


def _rewrite(which: Q, rows: Sequence[tuple[int, int, engine.Suggestion, engine.Result]]) -> int:
    """Replace the rows `which` selects with `rows`, keeping what the owners were told; then
    tell the owners of each pair that has newly become strong."""
    now = timezone.now()
    with transaction.atomic():
        existing = {(m.need_id, m.offer_id): m for m in Match.objects.filter(which)}
        wanted = {(need, offer) for need, offer, _s, _r in rows}
        stale = [m.pk for key, m in existing.items() if key not in wanted]
        if stale:
            Match.objects.filter(pk__in=stale).delete()
        changed, new = [], []
        for need, offer, suggestion, result in rows:
            values = {
                "score": round(float(suggestion.score), 4),
                "reasons": _reasons(suggestion),
                "strong": _strong(suggestion, result),
                "computed_at": now,
            }
            match = existing.get((need, offer))
            if match is None:
                new.append(Match(need_id=need, offer_id=offer, **values))
            else:
                for name, value in values.items():
                    setattr(match, name, value)
                changed.append(match)
        if changed:
            Match.objects.bulk_update(changed, ["score", "reasons", "strong", "computed_at"])
        if new:
            # Another run may have written the same pair meanwhile: its row stands.
            Match.objects.bulk_create(new, ignore_conflicts=True)
        for match in Match.objects.filter(which, strong=True, notified=False).select_related(
            "need", "offer"
        ):
            match_found_notify(match)
    return len(rows)


def match_found_notify(match: Match) -> int:
    """Tell the people of both posts (who may see both) of a strong new match, once per pair."""
    told = notify(
        kind="match.found",
        users=policy.audience("match.found", match),
        params={
            "need": match.need_id,
            "offer": match.offer_id,
            "need_title": match.need.title,
            "offer_title": match.offer.title,
        },
        url=reverse("matching:detail", args=[match.need_id]),
        key=f"match.found:{match.need_id}:{match.offer_id}",
    )
    Match.objects.filter(pk=match.pk).update(notified=True)
    return told
