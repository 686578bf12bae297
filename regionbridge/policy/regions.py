"""Rules for countries and regions: reference data, open to everyone."""

from django.db.models import QuerySet

from regionbridge.policy.actions import Action
from regionbridge.policy.registry import allows, shows
from regionbridge.policy.scope import Scope
from regionbridge.regions.models import Country, Region


@shows(Country, Region)
def _everyone(scope: Scope, qs: QuerySet) -> QuerySet:
    return qs


@allows(Action.REGION_VIEW)
def _views_regions(scope: Scope, region: Region | None) -> bool:
    return True
