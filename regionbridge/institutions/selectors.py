"""Institution reads: the directory of institutions, and what a link may tie."""

from typing import Any

from django.db.models import QuerySet

from regionbridge import policy
from regionbridge.lib.collation import name_order
from regionbridge.lib.search import filter_by_terms
from regionbridge.organizations.models import Organization, OrganizationKind

# What an institution link ties: institutions, and local governments (a city council, a
# hromada) on either side.
LINKABLE_KINDS = (OrganizationKind.INSTITUTION, OrganizationKind.LOCAL_GOVERNMENT)


def institutions_for(
    user: Any, *, institution_type: str = "", region: str = "", country: str = "", query: str = ""
) -> QuerySet[Organization]:
    """The institutions the user may see, filtered in SQL and sorted for paging."""
    institutions = (
        policy.visible(user, Organization)
        .filter(kind=OrganizationKind.INSTITUTION)
        .select_related("region", "country")
    )
    if institution_type:
        institutions = institutions.filter(institution_type=institution_type)
    if region:
        institutions = institutions.filter(region__code=region.upper())
    if country:
        institutions = institutions.filter(country__code=country.upper())
    if query:
        institutions = filter_by_terms(institutions, query)
    return institutions.order_by(name_order("region__"), name_order(), "id")


def linkable_for(user: Any) -> QuerySet[Organization]:
    """The organizations the user may see that an institution link may tie."""
    return (
        policy.visible(user, Organization)
        .filter(kind__in=LINKABLE_KINDS)
        .select_related("region", "country")
        .order_by(name_order("region__"), name_order(), "id")
    )
