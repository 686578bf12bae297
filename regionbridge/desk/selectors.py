"""Each person's desk: one block per role, each a read of what waits for them.

Every block starts from the policy (`policy.visible`, `policy.scope_of`, `policy.can`) and
narrows to the person's own region, office or host country; it returns plain data (rows already
cut to `ROWS`, totals counted in SQL) so that the page costs the same with 3 rows or 3,000.
The desk sits above the domains: it may read them all, and nothing imports it.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from regionbridge import policy
from regionbridge.accounts.models import Role, User
from regionbridge.institutions.models import InstitutionLink, LinkStatus
from regionbridge.institutions.selectors import LINKABLE_KINDS
from regionbridge.lib.collation import name_order
from regionbridge.matching.models import Match, Post, PostKind, PostStatus
from regionbridge.matching.selectors import ours as ours_rule
from regionbridge.matching.selectors import unmatched_needs
from regionbridge.meetings.action_selectors import my_open_actions, overdue_summary
from regionbridge.meetings.models import Meeting, MeetingStatus
from regionbridge.messaging.models import Message, Thread
from regionbridge.messaging.selectors import threads_for
from regionbridge.organizations.models import Organization, Person
from regionbridge.partnerships.lifecycle import OPEN_STAGES, STALLED_AFTER_DAYS, Stage
from regionbridge.partnerships.models import Activity, Document, DocumentStatus, Partnership, Review
from regionbridge.partnerships.selectors import review_queue

ROWS = 8  # rows a block shows; the rest is a link away
CLOSED_STAGES = (Stage.DORMANT, Stage.ENDED)
# The order of the blocks when as much waits in each.
ROLE_ORDER = (
    Role.COORDINATOR,
    Role.MINISTRY,
    Role.EMBASSY,
    Role.REGIONAL,
    Role.PARTNER,
    Role.INSTITUTION,
)


@dataclass
class Block:
    """One role's block: its template, how much waits for the person, and what it shows."""

    role: str
    waiting: int
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return f"desk/block_{self.role}.html"


def _today() -> date:
    return timezone.localdate()


def _partnership_rows(qs):
    return qs.select_related("ukrainian_region", "partner_region")


def _overdue_first(qs, today: date):
    """Overdue next steps first (oldest due first), then the rest by their due date."""
    return qs.annotate(
        overdue=Case(
            When(next_step_due__lt=today, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("overdue", "next_step_due", name_order("partner_"), "id")


def _overdue(qs, today: date):
    return qs.filter(next_step_due__lt=today).exclude(stage__in=CLOSED_STAGES)


def _threads(user: Any, unread: int) -> dict[str, Any]:
    """The person's latest conversations with their unread counts (messaging's inbox rows) and
    the unread total of the header's badge."""
    return {"threads": list(threads_for(user)[:ROWS]), "unread": unread}


def regional_block(user: Any, *, unread: int = 0) -> Block:
    """My oblast's partnerships (overdue next steps first), conversations, drafts returned to
    us, activities coming up."""
    scope = policy.scope_of(user)
    today = _today()
    mine = policy.visible(user, Partnership).filter(ukrainian_region__in=scope.region_ids)
    overdue = _overdue(mine, today).count()
    returned = policy.visible(user, Document).filter(
        status=DocumentStatus.RETURNED, partnership__ukrainian_region__in=scope.region_ids
    )
    activities = policy.visible(user, Activity).filter(
        Q(partnership__ukrainian_region__in=scope.region_ids)
        | Q(link__ukrainian_institution__region__in=scope.region_ids),
        starts_on__gte=today,
    )
    talk = _threads(user, unread)
    returned_count = returned.count()
    return Block(
        role=Role.REGIONAL,
        waiting=overdue + returned_count + talk["unread"],
        data={
            "partnerships": list(_partnership_rows(_overdue_first(mine, today))[:ROWS]),
            "partnership_count": mine.count(),
            "overdue_count": overdue,
            "returned": list(
                returned.select_related(
                    "partnership__ukrainian_region", "partnership__partner_region"
                ).order_by("-submitted_at", "-id")[:ROWS]
            ),
            "returned_count": returned_count,
            "activities": list(
                activities.select_related(
                    "partnership__ukrainian_region", "partnership__partner_region"
                ).order_by("starts_on", "id")[:ROWS]
            ),
            "today": today,
            **talk,
        },
    )


def ministry_block(user: Any, *, unread: int = 0) -> Block:
    """Drafts waiting for my ministry's decision, oldest first; what my ministry decided lately."""
    queue = review_queue(user).prefetch_related(None)
    waiting = queue.count()
    ministries = policy.clearing_ministries(user)
    decided = (
        policy.visible(user, Review)
        .filter(ministry__in=ministries)
        .select_related(
            "ministry",
            "document__partnership__ukrainian_region",
            "document__partnership__partner_region",
        )
        .order_by("-decided_at", "-id")
    )
    return Block(
        role=Role.MINISTRY,
        waiting=waiting,
        data={
            "queue": list(queue[:ROWS]),
            "queue_count": waiting,
            "decided": list(decided[:ROWS]),
            "ministries": ministries,
        },
    )


def embassy_block(user: Any, *, unread: int = 0) -> Block:
    """Ties and negotiations in my host country, conversations, drafts in clearance."""
    scope = policy.scope_of(user)
    here = policy.visible(user, Partnership).filter(
        partner_region__country__in=scope.host_country_ids
    )
    negotiating = here.filter(stage__in=OPEN_STAGES)
    in_clearance = policy.visible(user, Document).filter(
        status=DocumentStatus.UNDER_REVIEW,
        partnership__partner_region__country__in=scope.host_country_ids,
    )
    talk = _threads(user, unread)
    clearance_count = in_clearance.count()
    return Block(
        role=Role.EMBASSY,
        waiting=clearance_count + talk["unread"],
        data={
            "negotiations": list(
                _partnership_rows(negotiating).order_by("-last_event_on", "id")[:ROWS]
            ),
            "negotiation_count": negotiating.count(),
            "tie_count": here.count(),
            "in_clearance": list(
                in_clearance.select_related(
                    "partnership__ukrainian_region", "partnership__partner_region"
                ).order_by("submitted_at", "id")[:ROWS]
            ),
            "clearance_count": clearance_count,
            **talk,
        },
    )


def _our_side(user: Any) -> Any:
    """The people on the person's side: themselves, their region's partner officials, their
    offices' staff."""
    scope = policy.scope_of(user)
    return User.objects.filter(
        Q(pk=scope.user_id)
        | Q(role_assignments__role=Role.PARTNER, role_assignments__region__in=scope.region_ids)
        | Q(role_assignments__organization__in=scope.organization_ids)
    )


def partner_block(user: Any, *, unread: int = 0) -> Block:
    """Our partnerships with Ukraine, conversations, and those waiting for our reply (the last
    message is not from our side)."""
    scope = policy.scope_of(user)
    ours = policy.visible(user, Partnership).filter(partner_region__in=scope.region_ids)
    last_author = Message.objects.filter(thread=OuterRef("pk")).order_by("-id").values("author")
    awaiting = (
        threads_for(user)
        .filter(last_message_at__isnull=False)
        .annotate(last_author=Subquery(last_author[:1]))
        .exclude(Exists(_our_side(user).filter(pk=OuterRef("last_author"))))
    )
    awaiting_count = awaiting.count()
    talk = _threads(user, unread)
    return Block(
        role=Role.PARTNER,
        waiting=awaiting_count + talk["unread"],
        data={
            "partnerships": list(
                _partnership_rows(ours).order_by(name_order("ukrainian_region__"), "id")[:ROWS]
            ),
            "partnership_count": ours.count(),
            "awaiting": list(awaiting[:ROWS]),
            "awaiting_count": awaiting_count,
            **talk,
        },
    )


def institution_block(user: Any, *, unread: int = 0) -> Block:
    """My institution: its links, their activities, its people, and the actions it may take."""
    scope = policy.scope_of(user)
    institutions = list(
        policy.visible(user, Organization)
        .filter(pk__in=scope.organization_ids, kind__in=LINKABLE_KINDS)
        .select_related("region")
        .order_by(name_order(), "id")
    )
    links = (
        policy.visible(user, InstitutionLink)
        .filter(Q(ukrainian_institution__in=institutions) | Q(partner_institution__in=institutions))
        .select_related(
            "ukrainian_institution", "partner_institution", "partnership__ukrainian_region"
        )
        .order_by("-started_on", "-id")
    )
    link_rows = list(links[:ROWS])
    activities = (
        policy.visible(user, Activity)
        .filter(link__in=links.values("pk"))
        .select_related("link")
        .order_by("-starts_on", "-id")
    )
    people = (
        policy.visible(user, Person)
        .filter(organization__in=institutions)
        .order_by("rank", name_order(), "id")
    )
    proposed = links.filter(status=LinkStatus.PROPOSED).count()
    return Block(
        role=Role.INSTITUTION,
        waiting=proposed,
        data={
            "institutions": [
                {
                    "organization": institution,
                    "may_link": policy.can(user, policy.Action.LINK_CREATE, institution),
                }
                for institution in institutions
            ],
            "links": [
                {
                    "link": link,
                    "may_add_activity": policy.can(user, policy.Action.ACTIVITY_CREATE, link),
                }
                for link in link_rows
            ],
            "link_count": links.count(),
            "proposed_count": proposed,
            "activities": list(activities[:ROWS]),
            "people": list(people[:ROWS]),
            "may_write": policy.can(user, policy.Action.THREAD_START),
        },
    )


def coordinator_block(user: Any, *, unread: int = 0) -> Block:
    """Totals per stage, stalled negotiations with days idle, overdue next steps."""
    today = _today()
    every = policy.visible(user, Partnership)
    totals = dict(every.exclude(stage="").order_by().values_list("stage").annotate(n=Count("pk")))
    stalled = every.filter(
        stage__in=OPEN_STAGES, last_event_on__lte=today - timedelta(days=STALLED_AFTER_DAYS)
    )
    overdue = _overdue(every, today)
    stalled_rows = list(_partnership_rows(stalled).order_by("last_event_on", "id")[:ROWS])
    for row in stalled_rows:
        row.days_idle = (today - row.last_event_on).days
    stalled_count, overdue_count = stalled.count(), overdue.count()
    return Block(
        role=Role.COORDINATOR,
        waiting=stalled_count + overdue_count,
        data={
            "totals": [(stage, totals.get(stage.value, 0)) for stage in Stage],
            "stalled": stalled_rows,
            "stalled_count": stalled_count,
            "stalled_after": STALLED_AFTER_DAYS,
            "overdue": list(_partnership_rows(overdue).order_by("next_step_due", "id")[:ROWS]),
            "overdue_count": overdue_count,
            "today": today,
            "unmatched_needs": unmatched_needs(user).count(),
        },
    )


MINE_ROWS = 5  # rows of the person's own part: actions, meetings, the follow-up


def my_part(user: Any) -> dict[str, Any]:
    """What is the person's own, whatever their roles: their open actions (overdue first), the
    next meetings they take part in, and the overdue actions they follow up (everyone's for
    coordinators, their office colleagues' for office staff). Five queries at most."""
    upcoming = (
        policy.visible(user, Meeting)
        .filter(
            thread__in=policy.visible(user, Thread).values("pk"),
            status=MeetingStatus.PLANNED,
            ends_at__gte=timezone.now(),
        )
        .order_by("starts_at", "id")
    )
    return {
        **my_open_actions(user, rows=MINE_ROWS),
        "meetings": list(upcoming[:MINE_ROWS]),
        "follow_up": overdue_summary(user, rows=MINE_ROWS),
    }


POST_ROWS = 5  # the person's open needs and offers shown; the rest is the list's "ours"
NEW_STRONG_DAYS = 14  # a strong match computed this recently counts as new
POSTING_ROLES = frozenset({Role.INSTITUTION, Role.REGIONAL, Role.PARTNER})


def _suggestions_of(user: Any, post_field: str) -> Any:
    """The suggestions of the outer post as `post_field` ("need" or "offer") of a match: those
    `user` may see (both posts) whose other post is open, as on the post's page."""
    other = "offer" if post_field == "need" else "need"
    return policy.visible(user, Match).filter(
        **{post_field: OuterRef("pk"), f"{other}__status": PostStatus.OPEN}
    )


def _by_kind(need: Any, offer: Any, output_field: Any) -> Case:
    return Case(When(kind=PostKind.NEED, then=need), default=offer, output_field=output_field)


def _count_of(matches: Any, post_field: str) -> Coalesce:
    counted = matches.order_by().values(post_field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), Value(0))


def _last_of(matches: Any, post_field: str) -> Subquery:
    latest = matches.order_by().values(post_field).annotate(at=Max("computed_at")).values("at")
    return Subquery(latest[:1], output_field=DateTimeField())


def my_posts(user: Any) -> dict[str, Any] | None:
    """The open needs and offers of the organizations the person posts for (and their own),
    newest activity first (a change, or the worker's last suggestions), each with its number of
    suggestions and whether a strong one is new (computed in the last NEW_STRONG_DAYS days).
    None for whoever posts for nobody (a coordinator's view is their block's unmatched needs).
    Three queries, whatever the number of posts."""
    scope = policy.scope_of(user)
    if not scope.roles & POSTING_ROLES or scope.is_coordinator:
        return None
    organizations = policy.post_organizations(user)
    if not organizations.exists():
        return None
    since = timezone.now() - timedelta(days=NEW_STRONG_DAYS)
    need, offer = _suggestions_of(user, "need"), _suggestions_of(user, "offer")
    fresh = Q(strong=True, strong_since__gte=since)
    ours = (
        policy.visible(user, Post)
        .filter(status=PostStatus.OPEN)
        .filter(ours_rule(user))
        .annotate(
            new_strong=_by_kind(
                Exists(need.filter(fresh)), Exists(offer.filter(fresh)), BooleanField()
            )
        )
    )
    rows = (
        ours.annotate(
            suggestions=_by_kind(
                _count_of(need, "need"), _count_of(offer, "offer"), IntegerField()
            ),
            last_match_at=_by_kind(
                _last_of(need, "need"), _last_of(offer, "offer"), DateTimeField()
            ),
            activity=Greatest(
                "updated_at", Coalesce("last_match_at", "updated_at"), output_field=DateTimeField()
            ),
        )
        .select_related("organization")
        .order_by("-activity", "-id")
    )
    totals = ours.order_by().aggregate(
        total=Count("pk"), fresh=Count("pk", filter=Q(new_strong=True))
    )
    return {
        "posts": list(rows[:POST_ROWS]),
        "total": totals["total"],
        "waiting": totals["fresh"],
    }


BLOCKS = {
    Role.COORDINATOR: coordinator_block,
    Role.MINISTRY: ministry_block,
    Role.EMBASSY: embassy_block,
    Role.REGIONAL: regional_block,
    Role.PARTNER: partner_block,
    Role.INSTITUTION: institution_block,
}


def desk_blocks(user: Any, *, unread: int = 0) -> list[Block]:
    """One block per role the person holds, the one with most waiting first; `unread` is the
    header's badge (counted once a request: `messaging.selectors.unread_badge_of`)."""
    scope = policy.scope_of(user)
    roles = set(scope.roles)
    if scope.superuser and not roles:
        roles = {Role.COORDINATOR}
    blocks = [BLOCKS[role](user, unread=unread) for role in ROLE_ORDER if role in roles]
    return sorted(blocks, key=lambda block: -block.waiting)  # stable: ROLE_ORDER breaks ties
