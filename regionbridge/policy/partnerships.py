"""Rules for partnerships, their history, documents, clearance and activities.

A confidential negotiation is seen only by coordinators, the ministries, the embassy of the
partner's country and the two sides' own people; the rest are open to every member. Everything
under a partnership (events, documents, versions, reviews, signatories) is seen as the partnership.
The Ukrainian side's regional staff and coordinators manage a partnership; the partner country's
embassy records its events too (it opens the doors).
"""

from typing import Any

from django.db.models import Q, QuerySet

from regionbridge.accounts.models import Role, User
from regionbridge.partnerships.lifecycle import OPEN_STAGES, SIGNED_STAGES, EventKind
from regionbridge.partnerships.models import (
    Activity,
    Document,
    DocumentVersion,
    Partnership,
    PartnershipEvent,
    Review,
    Signatory,
    Sphere,
)
from regionbridge.policy import scope as users
from regionbridge.policy.actions import Action
from regionbridge.policy.directory import CLEARING_MINISTRY_KEYS, clearing_ministries
from regionbridge.policy.registry import allows, publishes, sees, shows, tells
from regionbridge.policy.scope import ANONYMOUS, Scope

# What the public registry shows of a signed tie's history: how it was signed and renewed.
PUBLIC_EVENT_KINDS = (EventKind.SIGNED, EventKind.RENEWED, EventKind.RESOLUTION)


def partnership_rule(scope: Scope, prefix: str = "") -> Q | None:
    """Which partnerships a user may see; `prefix` leads from the queried model to one.

    None means none; an empty Q means all. Shared with every rule of things that belong to a
    partnership (threads, meetings, needs).
    """
    if scope.sees_everything:
        return Q()
    if not scope.is_member:
        return None
    rule = Q(**{f"{prefix}confidential": False})
    rule |= Q(**{f"{prefix}ukrainian_region__in": scope.region_ids})
    rule |= Q(**{f"{prefix}partner_region__in": scope.region_ids})
    rule |= Q(**{f"{prefix}ukrainian_organization__in": scope.organization_ids})
    rule |= Q(**{f"{prefix}partner_organization__in": scope.organization_ids})
    if scope.host_country_ids:
        rule |= Q(**{f"{prefix}partner_region__country__in": scope.host_country_ids})
    return rule


def through_partnership(prefix: str):
    """A visibility rule for rows seen as the partnership that `prefix` leads to."""

    def rule(scope: Scope, qs: QuerySet) -> QuerySet:
        q = partnership_rule(scope, prefix)
        return qs.none() if q is None else qs.filter(q)

    rule.__name__ = f"through_partnership_{prefix or 'self'}"
    return rule


shows(Partnership)(through_partnership(""))
shows(PartnershipEvent, Document)(through_partnership("partnership__"))
shows(DocumentVersion, Review, Signatory)(through_partnership("document__partnership__"))


@shows(Sphere)
def _spheres(scope: Scope, qs: QuerySet) -> QuerySet:
    return qs


@shows(Activity)
def _activities(scope: Scope, qs: QuerySet) -> QuerySet:
    """Public activities of open partnerships for everyone; the rest as their partnership."""
    if scope.sees_everything:
        return qs
    rule = partnership_rule(scope, "partnership__")
    link_rule = partnership_rule(scope, "link__partnership__")
    if rule is None or link_rule is None:
        rule = Q(is_public=True) & Q(
            Q(partnership__isnull=True) | Q(partnership__confidential=False)
        )
        link_rule = Q(link__partnership__isnull=True) | Q(link__partnership__confidential=False)
        return qs.filter(rule & link_rule)
    return qs.filter(
        (Q(partnership__isnull=False) & rule)
        | (Q(partnership__isnull=True) & (Q(link__partnership__isnull=True) | link_rule))
    )


@publishes(Partnership)
def _published_partnerships(qs: QuerySet) -> QuerySet:
    """Signed memoranda and agreements that are not confidential."""
    return qs.filter(confidential=False, stage__in=SIGNED_STAGES)


@publishes(PartnershipEvent)
def _published_events(qs: QuerySet) -> QuerySet:
    """Of a published tie's history, how it was signed and renewed."""
    ties = _published_partnerships(Partnership.objects.all())
    return qs.filter(kind__in=PUBLIC_EVENT_KINDS, partnership__in=ties)


@publishes(Activity)
def _published_activities(qs: QuerySet) -> QuerySet:
    return _activities(ANONYMOUS, qs)


def manages_partnership(scope: Scope, partnership: Partnership) -> bool:
    """Coordinators, and the Ukrainian side's own regional staff, manage a partnership."""
    if scope.is_coordinator:
        return True
    return Role.REGIONAL in scope.roles and (
        partnership.ukrainian_region_id in scope.region_ids
        or partnership.ukrainian_organization_id in scope.organization_ids
    )


def live_ties() -> QuerySet[Partnership]:
    """Ties being worked out or signed (not dormant, not ended) and not confidential: those that
    let two regions' people see each other's partners-only needs and offers, and that a match
    may name as a reason (a confidential negotiation is never named to anyone)."""
    return Partnership.objects.filter(stage__in=(*OPEN_STAGES, *SIGNED_STAGES), confidential=False)


@allows(Action.REGISTRY_BROWSE)
def _browses_registry(scope: Scope, obj: Any) -> bool:
    return scope.is_member


@allows(Action.PARTNERSHIP_VIEW)
def _sees_partnership(scope: Scope, partnership: Partnership) -> bool:
    return sees(scope, partnership)


@allows(Action.PARTNERSHIP_OPEN)
def _opens_partnership(scope: Scope, region: Any) -> bool:
    """Coordinators for any Ukrainian region; regional officers for their own (in some region,
    when none is named)."""
    if scope.is_coordinator:
        return True
    return Role.REGIONAL in scope.roles and (region is None or region.pk in scope.region_ids)


@allows(Action.PARTNERSHIP_EDIT, Action.DOCUMENT_ADD)
def _manages(scope: Scope, partnership: Partnership) -> bool:
    return manages_partnership(scope, partnership)


@allows(Action.DOCUMENT_MANAGE)
def _manages_document(scope: Scope, document: Document) -> bool:
    return manages_partnership(scope, document.partnership)


@allows(Action.EVENT_RECORD)
def _records_events(scope: Scope, partnership: Partnership) -> bool:
    """Those who manage it, and the embassy of the partner's country (it opens the doors)."""
    if manages_partnership(scope, partnership):
        return True
    return Role.EMBASSY in scope.roles and (
        partnership.partner_region.country_id in scope.host_country_ids
    )


@allows(Action.DOCUMENT_REVIEW)
def _reviews_document(scope: Scope, document: Document) -> bool:
    return bool(clearing_ministries(scope)) and sees(scope, document)


@allows(Action.REVIEW_QUEUE_VIEW)
def _sees_review_queue(scope: Scope, obj: Any) -> bool:
    return scope.is_coordinator or bool(clearing_ministries(scope))


def partnership_viewers(partnership: Partnership) -> QuerySet[User]:
    """The accounts that may see `partnership`: `partnership_rule` read the other way round, as
    one queryset of users (the same answer as `can(…, PARTNERSHIP_VIEW)`)."""
    return users.active_users().filter(viewers_of(partnership))


def viewers_of(partnership: Partnership) -> Q:
    """Users (a Q on User) who may see `partnership`."""
    if not partnership.confidential:
        return users.members()
    sides = [pk for pk in (partnership.ukrainian_region_id, partnership.partner_region_id) if pk]
    offices = [
        pk
        for pk in (partnership.ukrainian_organization_id, partnership.partner_organization_id)
        if pk
    ]
    partner_country = Partnership.objects.filter(pk=partnership.pk).values(
        "partner_region__country"
    )
    return (
        users.seeing_everything()
        | users.holding(Q(region__in=sides) | Q(organization__in=offices))
        | users.embassies_in(partner_country)
    )


# --- who is told of what (the audiences of workflow events) ----------------------------------


def _ukrainian_side(partnership: Partnership) -> Q:
    """The Ukrainian side's regional staff: those who manage the partnership, coordinators aside."""
    side = Q(region=partnership.ukrainian_region_id)
    if partnership.ukrainian_organization_id:
        side |= Q(organization=partnership.ukrainian_organization_id)
    return users.holding(Q(role=Role.REGIONAL) & side)


def _partner_side(partnership: Partnership) -> Q:
    """Whoever holds a role bound to the partner region or the partner's office."""
    side = Q(region=partnership.partner_region_id)
    if partnership.partner_organization_id:
        side |= Q(organization=partnership.partner_organization_id)
    return users.holding(side)


def _told(partnership: Partnership, who: Q) -> QuerySet[User]:
    return users.active_users().filter(who).filter(viewers_of(partnership)).distinct()


@tells("document.submitted")
def _clearing_ministries_staff(document: Document) -> QuerySet[User]:
    """A draft submitted for clearance: the staff of the clearing ministries."""
    ministries = Q(role=Role.MINISTRY, organization__key__in=CLEARING_MINISTRY_KEYS)
    return _told(document.partnership, users.holding(ministries))


@tells("document.returned", "document.cleared")
def _drafting_side(document: Document) -> QuerySet[User]:
    """A draft returned with comments, or cleared: the drafting region and the coordinators."""
    coordinators = users.holding(Q(role=Role.COORDINATOR))
    return _told(document.partnership, _ukrainian_side(document.partnership) | coordinators)


@tells("document.signed")
def _both_sides(document: Document) -> QuerySet[User]:
    """A document signed: both sides, and the embassy of the partner's country."""
    partnership = document.partnership
    partner_country = Partnership.objects.filter(pk=partnership.pk).values(
        "partner_region__country"
    )
    who = (
        _ukrainian_side(partnership)
        | _partner_side(partnership)
        | users.embassies_in(partner_country)
    )
    return _told(partnership, who)


@tells("next_step.overdue")
def _owners_of_the_next_step(partnership: Partnership) -> QuerySet[User]:
    """A next step past its date: the Ukrainian side's regional staff, who set it."""
    return _told(partnership, _ukrainian_side(partnership))
