"""Rules for links between institutions and the activities under them.

Links start from the Ukrainian side: its own institution's staff and its region's officers open
them, as coordinators may anywhere. A link under a partnership is seen as the partnership, and
always by the staff of its two institutions.
"""

from typing import Any

from django.db.models import Q, QuerySet

from regionbridge.accounts.models import Role
from regionbridge.institutions.models import InstitutionLink
from regionbridge.policy.actions import Action
from regionbridge.policy.partnerships import manages_partnership, partnership_rule
from regionbridge.policy.registry import allows, shows
from regionbridge.policy.scope import Scope

# The partnership a link may sit under, reached through the link (this module imports no other
# app's models).
Partnership: Any = InstitutionLink._meta.get_field("partnership").related_model


@shows(InstitutionLink)
def _links(scope: Scope, qs: QuerySet) -> QuerySet:
    """Standalone links for every member; links under a partnership as the partnership, and
    always to the staff of the two institutions themselves."""
    q = partnership_rule(scope, "partnership__")
    if q is None:
        return qs.none()
    if not q:  # sees every partnership (an empty Q would vanish from the OR below)
        return qs
    own = Q(ukrainian_institution__in=scope.organization_ids) | Q(
        partner_institution__in=scope.organization_ids
    )
    return qs.filter(Q(partnership__isnull=True) | q | own)


@allows(Action.ACTIVITY_CREATE)
def _creates_activity(scope: Scope, target: Any) -> bool:
    """Under a partnership, those who manage it; under a link, the staff of either institution
    and the regional officers of either institution's region."""
    if isinstance(target, InstitutionLink):
        if scope.is_coordinator:
            return True
        sides = (target.ukrainian_institution, target.partner_institution)
        return any(
            side.pk in scope.organization_ids
            or (Role.REGIONAL in scope.roles and side.region_id in scope.region_ids)
            for side in sides
        )
    if isinstance(target, Partnership):
        return manages_partnership(scope, target)
    return False


@allows(Action.LINK_CREATE)
def _creates_link(scope: Scope, institution: Any) -> bool:
    """Links start from the Ukrainian side: its own institution's staff, its region's officers."""
    if scope.is_coordinator:
        return True
    if institution is None:
        return bool(scope.roles & {Role.REGIONAL, Role.INSTITUTION})
    return institution.pk in scope.organization_ids or (
        Role.REGIONAL in scope.roles and institution.region_id in scope.region_ids
    )


@allows(Action.INSTITUTION_CREATE)
def _creates_institution(scope: Scope, region: Any) -> bool:
    """Coordinators anywhere; regional officers in their own oblast (any, when none is named)."""
    if scope.is_coordinator:
        return True
    return Role.REGIONAL in scope.roles and (region is None or region.pk in scope.region_ids)
