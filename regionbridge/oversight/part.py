"""Which part of the picture a viewer oversees: the one starting point of every oversight read
(the dashboard, the picture of ties, the briefing, the weekly digest, the exports' totals).

Coordinators and the ministries oversee every partnership they may see; the embassy its host
country's; a region's staff their own region's. Always within `policy.visible`: what a viewer
may not see is in none of them.
"""

from typing import Any

from django.db.models import QuerySet

from regionbridge import policy
from regionbridge.accounts.models import Role
from regionbridge.partnerships.models import Partnership


def oversees_everything(user: Any) -> bool:
    scope = policy.scope_of(user)
    return scope.sees_everything


def overseen_partnerships(user: Any) -> QuerySet[Partnership]:
    """The partnerships whose picture `user` gets (none for a viewer with no such part)."""
    scope = policy.scope_of(user)
    visible = policy.visible(user, Partnership)
    if scope.sees_everything:
        return visible
    if Role.EMBASSY in scope.roles and scope.host_country_ids:
        return visible.filter(partner_region__country__in=scope.host_country_ids)
    if Role.REGIONAL in scope.roles and scope.region_ids:
        return visible.filter(ukrainian_region__in=scope.region_ids)
    return visible.none()
