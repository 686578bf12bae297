"""Rules for needs and offers, their matches and the threads opened between them.

Institutions (diaspora organizations included) post for themselves; a region's officers and a
partner region's liaisons post for their region's office; coordinators for anyone. A post meant
for every member is seen by everyone signed in with a role; one meant "only for our
partnerships" by the poster's organization, the people of its region and of the regions that
have a live, non-confidential tie with it (either side), and the coordinators. Its author, the
people of its organization and the coordinators change it. Anyone who may see both posts of a
pair and stands on one side of it (or a coordinator) connects the two.
"""

from typing import Any

from django.db.models import Q, QuerySet

from regionbridge.accounts.models import Role, User
from regionbridge.matching.models import (
    Audience,
    Connection,
    Match,
    Post,
    PostKind,
    TaxonomyVersion,
    Topic,
)
from regionbridge.policy import scope as users
from regionbridge.policy.actions import Action
from regionbridge.policy.partnerships import live_ties
from regionbridge.policy.registry import allows, shows, tells
from regionbridge.policy.scope import Scope

# Reached through the post (this module imports no other app's models).
Organization: Any = Post._meta.get_field("organization").related_model
Region: Any = Post._meta.get_field("region").related_model

# A region's own offices, that its officers (regional) or liaisons (partner) post for.
REGION_OFFICE_KINDS = ("military_administration", "regional_council", "state_government")
POSTING_ROLES = frozenset({Role.INSTITUTION, Role.REGIONAL, Role.PARTNER})


# --- who may post for which organization ------------------------------------------------------


def posts_for(scope: Scope, organization: Any) -> bool:
    """May the user post needs and offers for `organization`? (`post_organizations` for one.)"""
    if not isinstance(organization, Organization) or not scope.is_member:
        return False
    if scope.is_coordinator:
        return True
    if organization.pk in scope.organization_ids and scope.roles & POSTING_ROLES:
        return True
    return (
        bool(scope.roles & {Role.REGIONAL, Role.PARTNER})
        and organization.region_id in scope.region_ids
        and organization.kind in REGION_OFFICE_KINDS
    )


def post_organizations(scope: Scope) -> QuerySet:
    """The organizations the user may post for: `posts_for` as one queryset."""
    qs = Organization._default_manager.all()
    if not scope.is_member:
        return qs.none()
    if scope.is_coordinator:
        return qs
    rule = Q(pk__in=[])
    if scope.roles & POSTING_ROLES:
        rule |= Q(pk__in=scope.organization_ids)
    if scope.roles & {Role.REGIONAL, Role.PARTNER}:
        rule |= Q(region__in=scope.region_ids, kind__in=REGION_OFFICE_KINDS)
    return qs.filter(rule)


# --- who sees a post --------------------------------------------------------------------------


def _near(regions: Any, prefix: str = "") -> Q:
    """Rows (a Q with `prefix` leading to a region) in one of `regions` (ids or a values
    queryset), or in a region that has a live tie with one of them."""
    ties = live_ties()
    return (
        Q(**{f"{prefix}region__in": regions})
        | Q(
            **{
                f"{prefix}region__in": ties.filter(ukrainian_region__in=regions).values(
                    "partner_region"
                )
            }
        )
        | Q(
            **{
                f"{prefix}region__in": ties.filter(partner_region__in=regions).values(
                    "ukrainian_region"
                )
            }
        )
    )


def post_rule(scope: Scope, prefix: str = "") -> Q | None:
    """Which posts a user may see (None: none; an empty Q: all)."""
    if not scope.is_member:
        return None
    if scope.is_coordinator:
        return Q()
    home = Region._default_manager.filter(
        Q(pk__in=scope.region_ids)
        | Q(pk__in=Organization._default_manager.filter(pk__in=scope.offices).values("region"))
    ).values("pk")
    return (
        Q(**{f"{prefix}audience": Audience.MEMBERS})
        | Q(**{f"{prefix}organization__in": scope.offices})
        | _near(home, f"{prefix}")
    )


def _through_posts(*prefixes: str):
    def rule(scope: Scope, qs: QuerySet) -> QuerySet:
        for prefix in prefixes:
            q = post_rule(scope, prefix)
            if q is None:
                return qs.none()
            if q:
                qs = qs.filter(q)
        return qs

    rule.__name__ = f"through_posts_{'_'.join(p.strip('_') or 'self' for p in prefixes)}"
    return rule


shows(Post)(_through_posts(""))
shows(Match, Connection)(_through_posts("need__", "offer__"))


@shows(Topic, TaxonomyVersion)
def _taxonomy(scope: Scope, qs: QuerySet) -> QuerySet:
    return qs if scope.is_member else qs.none()


def post_viewers(post: Post) -> Q:
    """Users (a Q on User) who may see `post`: `post_rule` read the other way round."""
    if post.audience == Audience.MEMBERS:
        return users.members()
    near = Region._default_manager.filter(
        Q(pk=post.region_id)
        | Q(pk__in=live_ties().filter(ukrainian_region=post.region_id).values("partner_region"))
        | Q(pk__in=live_ties().filter(partner_region=post.region_id).values("ukrainian_region"))
    ).values("pk")
    offices_near = Organization._default_manager.filter(region__in=near).values("pk")
    return users.members() & (
        Q(is_superuser=True)
        | users.holding(Q(role=Role.COORDINATOR))
        | users.working_in([post.organization_id])
        | users.holding(Q(region__in=near))
        | users.working_in(offices_near)
    )


def _sees_posts(scope: Scope, *posts: Post) -> bool:
    q = post_rule(scope)
    if q is None:
        return False
    pks = {post.pk for post in posts}
    return Post.objects.filter(q, pk__in=pks).count() == len(pks)


def on_side(scope: Scope, post: Post) -> bool:
    """Does the user speak for `post`: its author, someone of its organization, or someone who
    may post for it (a region's officers for their office)?"""
    return scope.is_member and (
        (post.author_id is not None and post.author_id == scope.user_id)
        or post.organization_id in scope.offices
        or posts_for(scope, post.organization)
    )


# --- actions ----------------------------------------------------------------------------------


@allows(Action.POST_BROWSE)
def _browses(scope: Scope, obj: Any) -> bool:
    return scope.is_member


@allows(Action.POST_CREATE)
def _creates(scope: Scope, organization: Any) -> bool:
    return posts_for(scope, organization)


@allows(Action.POST_VIEW)
def _views(scope: Scope, post: Post | None) -> bool:
    return isinstance(post, Post) and _sees_posts(scope, post)


@allows(Action.POST_EDIT)
def _edits(scope: Scope, post: Post | None) -> bool:
    if not isinstance(post, Post) or not scope.is_member:
        return False
    return scope.is_coordinator or (on_side(scope, post) and _sees_posts(scope, post))


@allows(Action.POST_CONNECT)
def _connects(scope: Scope, pair: Any) -> bool:
    """`pair` is (need, offer)."""
    if not isinstance(pair, tuple) or len(pair) != 2:
        return False
    need, offer = pair
    if not (isinstance(need, Post) and isinstance(offer, Post)):
        return False
    if need.kind != PostKind.NEED or offer.kind != PostKind.OFFER or not scope.is_member:
        return False
    if scope.is_coordinator:
        return True
    return (on_side(scope, need) or on_side(scope, offer)) and _sees_posts(scope, need, offer)


@allows(Action.MATCHING_OVERVIEW, Action.TAXONOMY_EDIT)
def _coordinates(scope: Scope, obj: Any) -> bool:
    return scope.is_coordinator


# --- who is told ------------------------------------------------------------------------------


def _owners(post: Post) -> Q:
    """`on_side` read the other way round (coordinators aside: they speak for nobody's post)."""
    owners = users.working_in([post.organization_id])
    organization = post.organization
    if organization.kind in REGION_OFFICE_KINDS and organization.region_id is not None:
        owners |= users.holding(
            Q(role__in=[Role.REGIONAL, Role.PARTNER], region=organization.region_id)
        )
    if post.author_id is not None:
        owners |= Q(pk=post.author_id)
    return owners


@tells("match.found")
def _owners_of_both(match: Match) -> QuerySet[User]:
    """A strong new match: the people of both posts (author and organization), each only if
    they may see both posts."""
    need, offer = match.need, match.offer
    return (
        users.active_users()
        .filter(users.members())
        .filter(_owners(need) | _owners(offer))
        .filter(post_viewers(need))
        .filter(post_viewers(offer))
        .distinct()
    )
