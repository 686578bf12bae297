"""Directory reads, always through the policy's scoping."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from regionbridge import policy
from regionbridge.lib.collation import name_order
from regionbridge.lib.search import filter_by_terms
from regionbridge.organizations.models import ContactChannel, Organization, Person


def people_for(
    user: Any,
    *,
    query: str = "",
    organization: int | None = None,
    region: str = "",
    country: str = "",
) -> QuerySet[Person]:
    """People the user may see, with only the contact channels the user may see."""
    people = policy.visible(user, Person).select_related(
        "organization", "organization__region", "organization__country"
    )
    if organization:
        people = people.filter(organization=organization)
    if region:
        people = people.filter(organization__region__code=region.upper())
    if country:
        people = people.filter(organization__country__code=country.upper())
    if query:
        people = filter_by_terms(people, query)
    return people.prefetch_related(
        Prefetch(
            "contacts", queryset=policy.visible(user, ContactChannel), to_attr="visible_contacts"
        )
    ).order_by("rank", name_order(), "id")


def organizations_for(
    user: Any, *, query: str = "", kind: str = "", region: str = "", country: str = ""
) -> QuerySet[Organization]:
    organizations = policy.visible(user, Organization).select_related("region", "country")
    if kind:
        organizations = organizations.filter(kind=kind)
    if region:
        organizations = organizations.filter(region__code=region.upper())
    if country:
        organizations = organizations.filter(country__code=country.upper())
    if query:
        organizations = filter_by_terms(organizations, query)
    return organizations.order_by("kind", name_order(), "id")
