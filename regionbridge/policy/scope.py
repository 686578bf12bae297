"""Who a user is to the policy: their roles and what those roles reach, read once per request.

Also the same facts read the other way round (which users hold a role where), for the rules that
name the readers of one object (notifications, mentions).
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from regionbridge.accounts.models import Role, RoleAssignment, User
from regionbridge.organizations.models import MISSION_KINDS, Organization, Person


@dataclass(frozen=True)
class Scope:
    """What one user's roles reach: computed once per request and cached on the user."""

    user_id: int | None = None
    authenticated: bool = False
    superuser: bool = False
    roles: frozenset[str] = frozenset()
    region_ids: frozenset[int] = frozenset()
    organization_ids: frozenset[int] = frozenset()  # offices the roles are bound to
    host_country_ids: frozenset[int] = frozenset()
    person_id: int | None = None  # the user's own directory entry, if any
    person_organization_id: int | None = None
    # The offices the roles are bound to, as rows (read with the roles): a few per user.
    office_rows: tuple[Organization, ...] = field(default=(), compare=False, repr=False)

    @property
    def is_member(self) -> bool:
        return self.superuser or bool(self.roles)

    @property
    def sees_everything(self) -> bool:
        return self.superuser or bool(self.roles & {Role.COORDINATOR, Role.MINISTRY})

    @property
    def is_coordinator(self) -> bool:
        return self.superuser or Role.COORDINATOR in self.roles

    @property
    def offices(self) -> frozenset[int]:
        """The offices the user works in: those their roles are bound to and their own entry's."""
        if self.person_organization_id is None:
            return self.organization_ids
        return self.organization_ids | {self.person_organization_id}


ANONYMOUS = Scope()
_CACHE_ATTR = "_policy_scope"


def scope_of(user: Any) -> Scope:
    """The user's scope (two queries), cached on the user object for the rest of the request."""
    if isinstance(user, Scope):
        return user
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    roles, regions, organizations, host_countries = set(), set(), set(), set()
    rows: dict[int, Organization] = {}
    for assignment in RoleAssignment.objects.filter(user=user).select_related("organization"):
        roles.add(assignment.role)
        if assignment.region_id:
            regions.add(assignment.region_id)
        office = assignment.organization
        if office is not None:
            organizations.add(office.pk)
            rows[office.pk] = office
            if assignment.role == Role.EMBASSY and office.kind in set(MISSION_KINDS):
                host_countries.add(office.country_id)
    person = Person.objects.filter(user=user).values_list("id", "organization_id").first()
    scope = Scope(
        user_id=user.pk,
        authenticated=True,
        superuser=user.is_superuser,
        roles=frozenset(roles),
        region_ids=frozenset(regions),
        organization_ids=frozenset(organizations),
        host_country_ids=frozenset(host_countries),
        person_id=person[0] if person else None,
        person_organization_id=person[1] if person else None,
        office_rows=tuple(rows.values()),
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget(user: Any) -> None:
    """Drop the cached scope after the user's roles change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


# --- the other way round: users, as querysets -------------------------------------------------


def active_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True)


def holding(roles: Q) -> Q:
    """Users (a Q on User) holding a role assignment matching `roles` (a Q on RoleAssignment)."""
    return Q(pk__in=RoleAssignment.objects.filter(roles).values("user"))


def members() -> Q:
    """Users with any role, and superusers: `Scope.is_member` read the other way round."""
    return Q(is_superuser=True) | holding(Q())


def seeing_everything() -> Q:
    """`Scope.sees_everything` read the other way round."""
    return Q(is_superuser=True) | holding(Q(role__in=[Role.COORDINATOR, Role.MINISTRY]))


def embassies_in(countries: QuerySet) -> Q:
    """Users on the staff of a mission (embassy role) in one of `countries` (a values queryset)."""
    missions = Q(organization__kind__in=MISSION_KINDS, organization__country__in=countries)
    return holding(Q(role=Role.EMBASSY) & missions)


def working_in(offices: QuerySet | list[int]) -> Q:
    """Users whose roles are bound to one of `offices` or whose own entry is listed there:
    `Scope.offices` read the other way round (`offices` is a values queryset of ids)."""
    listed = Person.objects.filter(organization__in=offices, user__isnull=False).values("user")
    return holding(Q(organization__in=offices)) | Q(pk__in=listed)
