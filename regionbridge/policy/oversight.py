"""Rules for oversight: the dashboard is the Presidential Office's, the ministries' and the
embassy's; the briefing also a region's staff's, for their own region. What each sees inside is
what the other rules let them see (`oversight.part`)."""

from typing import Any

from regionbridge.accounts.models import Role
from regionbridge.policy.actions import Action
from regionbridge.policy.registry import allows
from regionbridge.policy.scope import Scope

OVERSEERS = frozenset({Role.COORDINATOR, Role.MINISTRY, Role.EMBASSY})


@allows(Action.OVERSIGHT_VIEW)
def _oversees(scope: Scope, obj: Any) -> bool:
    return scope.superuser or bool(scope.roles & OVERSEERS)


@allows(Action.BRIEFING_VIEW)
def _briefed(scope: Scope, obj: Any) -> bool:
    return _oversees(scope, obj) or (Role.REGIONAL in scope.roles and bool(scope.region_ids))
