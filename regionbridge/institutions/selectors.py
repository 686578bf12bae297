"""Institution reads: the directory of institutions, and what a link may tie."""

from typing import Any

from django.db.models import Q, QuerySet

from regionbridge import policy
from regionbridge.institutions.models import InstitutionLink
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


def links_for(
    user: Any, *, institution_type: str = "", region: str = "", query: str = ""
) -> QuerySet[InstitutionLink]:
    """The links the user may see, those with an institution (on either side) of the type, in
    the region and matching the name asked for (the institutions list's filters), newest first."""
    links = policy.visible(user, InstitutionLink)
    if institution_type or region or query:
        sides = Organization.objects.filter(kind__in=LINKABLE_KINDS)
        if institution_type:
            sides = sides.filter(institution_type=institution_type)
        if region:
            sides = sides.filter(region__code=region.upper())
        if query:
            sides = filter_by_terms(sides, query)
        ids = sides.values("pk")
        links = links.filter(Q(ukrainian_institution__in=ids) | Q(partner_institution__in=ids))
    return (
        links.select_related(
            "ukrainian_institution__region",
            "partner_institution__region",
            "partnership__ukrainian_region",
            "partnership__partner_region",
        )
        .prefetch_related("spheres")
        .order_by("-started_on", "-id")
    )
