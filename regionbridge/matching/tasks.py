"""The worker's matching: suggestions recomputed after posts change, never on a page view.

`recompute_matches(post_id, revision)` is enqueued by the services after each change, but a run
brings up to date every post changed since the last (`revision` ahead of `matched_revision`), so
an import of 500 offers or a burst of edits costs one or two runs, not one each: one index over
the open offers, the needs that may have moved matched against it in one batch. A changed need
is matched alone; a changed offer may enter or leave any need's list, so every open need is
matched again. Each need sees the offers its people could see: those meant for all members, and
the partners-only offers of its own region and of the regions with a live tie to it. A closed
post loses its rows. A pair that has newly become strong is told to the people of both posts,
once (the notification's key is the pair's). Two runs at once do the same work twice, harmlessly.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from regionbridge import policy
from regionbridge.matching import engine, taxonomy
from regionbridge.matching.models import Audience, Match, Post, PostKind, PostStatus
from regionbridge.outbox.notifications import notify

TOP = 10
CHUNK = 500  # ids per statement, well inside every database's limit on parameters
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


def near_regions() -> Callable[[int], set[int]]:
    """`near(region_id)`: the region and those with a live tie to it, either side (the ties are
    read once, for the whole run)."""
    ties: dict[int, set[int]] = {}
    for ukrainian, partner in policy.live_ties().values_list(
        "ukrainian_region_id", "partner_region_id"
    ):
        ties.setdefault(ukrainian, set()).add(partner)
        ties.setdefault(partner, set()).add(ukrainian)

    def near(region_id: int) -> set[int]:
        return {region_id} | ties.get(region_id, set())

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


def reasons_of(suggestion: engine.Suggestion) -> list[dict[str, Any]]:
    return [reason.as_dict() for reason in suggestion.reasons]


def good(result: engine.Result) -> list[engine.Suggestion]:
    """The suggestions worth showing: below the engine's threshold the answer is "no good match
    yet", not a weak guess, so those are not kept."""
    if result.no_good_match:
        return []
    return [s for s in result.matches if s.score >= engine.THRESHOLD]


def is_strong(suggestion: engine.Suggestion, result: engine.Result) -> bool:
    return suggestion.score >= engine.STRONG and not result.no_good_match


@task()
def recompute_matches(post_id: int, revision: int, again: bool = False) -> int:
    """Bring every changed post's suggestions up to date (the post that enqueued this run among
    them, unless an earlier run did it); `again`: match that post even if it has not changed
    (its ties changed). Returns how many rows were kept."""
    return refresh(again=(post_id, revision) if again else None)


def refresh(*, again: tuple[int, int] | None = None, everything: bool = False) -> int:
    """Match what changed since the last run; `again`: a post (id, revision) to match again
    even if it did not change (while that revision is still its own); `everything`: every post
    (`regionbridge refresh-matches`, after ties open or end, or a new taxonomy)."""
    changed = Q(matched_revision__lt=F("revision"))
    if again is not None:
        changed |= Q(pk=again[0], revision=again[1])
    if everything:
        changed = Q()
    dirty = list(Post.objects.filter(changed).values("pk", "kind", "status", "revision"))
    if not dirty:
        return 0
    closed = [row["pk"] for row in dirty if row["status"] != PostStatus.OPEN]
    for start in range(0, len(closed), CHUNK):
        part = closed[start : start + CHUNK]
        Match.objects.filter(Q(need__in=part) | Q(offer__in=part)).delete()
    needs = _open(PostKind.NEED)
    if not any(row["kind"] == PostKind.OFFER for row in dirty):
        needs = needs.filter(pk__in=[row["pk"] for row in dirty])
    kept = _match(needs)
    # Done with these revisions (a post changed again meanwhile keeps its newer one to do): one
    # update per revision number, not per post.
    by_revision: dict[int, list[int]] = {}
    for row in dirty:
        by_revision.setdefault(row["revision"], []).append(row["pk"])
    for revision, pks in by_revision.items():
        for start in range(0, len(pks), CHUNK):
            Post.objects.filter(pk__in=pks[start : start + CHUNK], revision=revision).update(
                matched_revision=revision
            )
    return kept


def _match(needs: QuerySet[Post]) -> int:
    """Match `needs` against the open offers, in one batch, and rewrite their rows."""
    need_rows = list(needs.values(*FIELDS))
    if not need_rows:
        return 0
    offers = list(_open(PostKind.OFFER).values(*FIELDS, "audience"))
    shared = {str(row["pk"]) for row in offers if row["audience"] == Audience.MEMBERS}
    region_of = {str(row["pk"]): row["region_id"] for row in offers}
    matcher = engine.Matcher([doc(row) for row in offers], taxonomy.current(), partnered_regions())
    near = near_regions()
    # Asked for more than are kept: partners-only offers outside a need's ties drop out after.
    results = matcher.match_many([doc(row) for row in need_rows], top=TOP * 3)
    rows = []
    for need_row, result in zip(need_rows, results, strict=True):
        seen = near(need_row["region_id"])
        visible = [s for s in good(result) if s.offer_id in shared or region_of[s.offer_id] in seen]
        rows += [(need_row["pk"], int(s.offer_id), s, result) for s in visible[:TOP]]
    return _rewrite(Q(need__in=needs.values("pk")), rows)


def _rewrite(which: Q, rows: Sequence[tuple[int, int, engine.Suggestion, engine.Result]]) -> int:
    """Replace the rows `which` selects with `rows`, keeping what the owners were told; then
    tell the owners of each pair that has newly become strong."""
    now = timezone.now()
    with transaction.atomic():
        existing = {(m.need_id, m.offer_id): m for m in Match.objects.filter(which)}
        wanted = {(need, offer) for need, offer, _s, _r in rows}
        stale = [m.pk for key, m in existing.items() if key not in wanted]
        for start in range(0, len(stale), CHUNK):
            Match.objects.filter(pk__in=stale[start : start + CHUNK]).delete()
        changed, new = [], []
        for need, offer, suggestion, result in rows:
            values = {
                "score": round(float(suggestion.score), 4),
                "reasons": reasons_of(suggestion),
                "strong": is_strong(suggestion, result),
                "computed_at": now,
            }
            match = existing.get((need, offer))
            was = match.strong_since if match is not None else None
            values["strong_since"] = (was or now) if values["strong"] else None
            if match is None:
                new.append(Match(need_id=need, offer_id=offer, **values))
            else:
                for name, value in values.items():
                    setattr(match, name, value)
                changed.append(match)
        if changed:
            Match.objects.bulk_update(
                changed,
                ["score", "reasons", "strong", "strong_since", "computed_at"],
                batch_size=CHUNK,
            )
        if new:
            # Another run may have written the same pair meanwhile: its row stands.
            Match.objects.bulk_create(new, ignore_conflicts=True, batch_size=CHUNK)
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
