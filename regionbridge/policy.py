"""The one authority on access: `can(user, action, obj)` and `visible(user, Model)`.

Pages, the API, search, exports, e-mail and live updates all ask these two functions, so a list,
its count, a detail page and an export cannot disagree. Object rules that have a queryset rule are
answered by that queryset, so each rule is written once.

Outsiders (signed in, no business with an object) get 404 from views; insiders who may see but not
change get 403.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import Model, Q, QuerySet

from regionbridge.accounts.models import ApiToken, Role, RoleAssignment, User
from regionbridge.audit.models import AuditEntry
from regionbridge.institutions.models import InstitutionLink
from regionbridge.messaging.models import Attachment, Message, Thread
from regionbridge.organizations.models import (
    HUB_KINDS,
    MISSION_KINDS,
    ContactChannel,
    Organization,
    Person,
)
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
from regionbridge.regions.models import Country, Region

CLEARING_MINISTRY_KEYS = ("mfa", "mindev")


class Action(StrEnum):
    REGION_VIEW = "region.view"
    DIRECTORY_VIEW = "directory.view"  # offices and people
    REGISTRY_BROWSE = "registry.browse"  # partnerships, documents, links, activities
    ORGANIZATION_VIEW = "organization.view"
    ORGANIZATION_EDIT = "organization.edit"
    PERSON_VIEW = "person.view"
    PERSON_VIEW_CONTACTS = "person.view_contacts"
    PERSON_EDIT = "person.edit"
    AUDIT_VIEW = "audit.view"
    TOKEN_MANAGE = "token.manage"
    PARTNERSHIP_VIEW = "partnership.view"
    PARTNERSHIP_OPEN = "partnership.open"  # in a Ukrainian region (or in some region)
    PARTNERSHIP_EDIT = "partnership.edit"
    EVENT_RECORD = "partnership.record_event"
    DOCUMENT_ADD = "document.add"  # to a partnership
    DOCUMENT_MANAGE = "document.manage"  # one document: versions, submit, sign, close
    DOCUMENT_REVIEW = "document.review"
    REVIEW_QUEUE_VIEW = "document.review_queue"
    ACTIVITY_CREATE = "activity.create"
    LINK_CREATE = "link.create"
    INSTITUTION_CREATE = "institution.create"
    THREAD_START = "thread.start"
    THREAD_VIEW = "thread.view"
    THREAD_INVITE = "thread.invite"


@dataclass(frozen=True)
class Scope:
    """What one user's roles reach: computed once per request and cached on the user."""

    authenticated: bool = False
    superuser: bool = False
    roles: frozenset[str] = frozenset()
    region_ids: frozenset[int] = frozenset()
    organization_ids: frozenset[int] = frozenset()  # offices the roles are bound to
    host_country_ids: frozenset[int] = frozenset()
    person_id: int | None = None  # the user's own directory entry, if any
    person_organization_id: int | None = None

    @property
    def is_member(self) -> bool:
        return self.superuser or bool(self.roles)

    @property
    def sees_everything(self) -> bool:
        return self.superuser or bool(self.roles & {Role.COORDINATOR, Role.MINISTRY})

    @property
    def is_coordinator(self) -> bool:
        return self.superuser or Role.COORDINATOR in self.roles


ANONYMOUS = Scope()
_CACHE_ATTR = "_policy_scope"


def scope_of(user: Any) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    roles, regions, organizations, host_countries = set(), set(), set(), set()
    for assignment in RoleAssignment.objects.filter(user=user).select_related("organization"):
        roles.add(assignment.role)
        if assignment.region_id:
            regions.add(assignment.region_id)
        if assignment.organization_id:
            organizations.add(assignment.organization_id)
            if assignment.role == Role.EMBASSY and assignment.organization.kind in MISSION_KINDS:
                host_countries.add(assignment.organization.country_id)
    person = Person.objects.filter(user=user).values_list("id", "organization_id").first()
    scope = Scope(
        authenticated=True,
        superuser=user.is_superuser,
        roles=frozenset(roles),
        region_ids=frozenset(regions),
        organization_ids=frozenset(organizations),
        host_country_ids=frozenset(host_countries),
        person_id=person[0] if person else None,
        person_organization_id=person[1] if person else None,
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget(user: Any) -> None:
    """Drop the cached scope after the user's roles change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


# --- queryset rules -----------------------------------------------------------------------


def _organization_reach(scope: Scope, path: str) -> Q:
    """Organizations whose people a member may contact directly (`path` leads to one)."""
    q = Q(**{f"{path}__kind__in": HUB_KINDS})
    colleagues = scope.organization_ids | {scope.person_organization_id} - {None}
    q |= Q(**{f"{path}__in": colleagues})
    q |= Q(**{f"{path}__region__in": scope.region_ids})
    if scope.host_country_ids:
        # An embassy works with its host country's regions and with Ukraine's.
        q |= Q(**{f"{path}__country__in": scope.host_country_ids})
        q |= Q(**{f"{path}__country__code": "UA"})
    return q


def _everyone(scope: Scope, qs: QuerySet) -> QuerySet:
    return qs


def _members(scope: Scope, qs: QuerySet) -> QuerySet:
    return qs if scope.is_member else qs.none()


def _contact_rule(scope: Scope, prefix: str) -> Q | None:
    """Whose contact details a user may see; `prefix` leads from the queried model to a Person.

    None means nobody's. Coordinators and ministries see all; other members see Ukraine's
    national offices and missions, their own offices and regions; anyone signed in sees the
    directory entry that is their own.
    """
    if scope.sees_everything:
        return Q()
    own = Q(**{f"{prefix}pk": scope.person_id}) if scope.person_id else None
    if not scope.is_member:
        return own
    rule = _organization_reach(scope, f"{prefix}organization")
    return rule | own if own else rule


def _contacts(scope: Scope, qs: QuerySet) -> QuerySet:
    rule = _contact_rule(scope, "person__")
    return qs.none() if rule is None else qs.filter(rule)


def _partnership_rule(scope: Scope, prefix: str = "") -> Q | None:
    """Which partnerships a user may see; `prefix` leads from the queried model to one.

    A confidential negotiation is seen only by coordinators, the ministries, the embassy of the
    partner's country and the two sides' own people; the rest are open to every member.
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


def _through_partnership(prefix: str):
    def rule(scope: Scope, qs: QuerySet) -> QuerySet:
        q = _partnership_rule(scope, prefix)
        return qs.none() if q is None else qs.filter(q)

    return rule


def _links(scope: Scope, qs: QuerySet) -> QuerySet:
    """Standalone links for every member; links under a partnership as the partnership, and
    always to the staff of the two institutions themselves."""
    q = _partnership_rule(scope, "partnership__")
    if q is None:
        return qs.none()
    if not q:  # sees every partnership (an empty Q would vanish from the OR below)
        return qs
    own = Q(ukrainian_institution__in=scope.organization_ids) | Q(
        partner_institution__in=scope.organization_ids
    )
    return qs.filter(Q(partnership__isnull=True) | q | own)


def _activities(scope: Scope, qs: QuerySet) -> QuerySet:
    """Public activities of open partnerships for everyone; the rest as their partnership."""
    if scope.sees_everything:
        return qs
    rule = _partnership_rule(scope, "partnership__")
    link_rule = _partnership_rule(scope, "link__partnership__")
    if rule is None:
        rule = Q(is_public=True) & Q(
            Q(partnership__isnull=True) | Q(partnership__confidential=False)
        )
        link_rule = Q(link__partnership__isnull=True) | Q(link__partnership__confidential=False)
        return qs.filter(rule & link_rule)
    return qs.filter(
        (Q(partnership__isnull=False) & rule)
        | (Q(partnership__isnull=True) & (Q(link__partnership__isnull=True) | link_rule))
    )


def _thread_rule(scope: Scope, user: Any) -> Q | None:
    """Threads are read by their participants only: named people, and the members of named
    organizations; a thread on a partnership also needs sight of the partnership."""
    if not scope.authenticated:
        return None
    offices = scope.organization_ids | {scope.person_organization_id} - {None}
    taking_part = Q(participants__user=user.pk) | Q(participants__organization__in=offices)
    partnership = _partnership_rule(scope, "partnership__")
    if partnership is None:
        return taking_part & Q(partnership__isnull=True)
    if not partnership:
        return taking_part
    return taking_part & (Q(partnership__isnull=True) | partnership)


def thread_readers(thread: Thread) -> QuerySet:
    """The accounts that may read `thread`: `_thread_rule` read the other way round, as one
    queryset of users (for notifications and mentions), so a recipient list and `can` agree."""
    offices = thread.participants.filter(organization__isnull=False).values("organization")
    staff = RoleAssignment.objects.filter(organization__in=offices).values("user")
    listed = Person.objects.filter(organization__in=offices, user__isnull=False).values("user")
    named = thread.participants.filter(user__isnull=False).values("user")
    readers = User.objects.filter(is_active=True).filter(
        Q(pk__in=named) | Q(pk__in=staff) | Q(pk__in=listed)
    )
    if thread.partnership_id is None:
        return readers
    return readers.filter(_partnership_viewers(thread.partnership))


def partnership_viewers(partnership: Partnership) -> QuerySet:
    """The accounts that may see `partnership` (the same answer as `can(…, PARTNERSHIP_VIEW)`)."""
    return User.objects.filter(is_active=True).filter(_partnership_viewers(partnership))


def _partnership_viewers(partnership: Partnership) -> Q:
    """Users who may see `partnership`: `_partnership_rule` the other way round (on User)."""
    roles = RoleAssignment.objects.all()
    members = Q(is_superuser=True) | Q(pk__in=roles.values("user"))
    if not partnership.confidential:
        return members
    everything = roles.filter(role__in=[Role.COORDINATOR, Role.MINISTRY])
    sides = [partnership.ukrainian_region_id, partnership.partner_region_id]
    offices = [partnership.ukrainian_organization_id, partnership.partner_organization_id]
    own = roles.filter(
        Q(region__in=[pk for pk in sides if pk]) | Q(organization__in=[pk for pk in offices if pk])
    )
    embassy = roles.filter(
        role=Role.EMBASSY,
        organization__kind__in=MISSION_KINDS,
        organization__country__in=Region.objects.filter(pk=partnership.partner_region_id).values(
            "country"
        ),
    )
    return (
        Q(is_superuser=True)
        | Q(pk__in=everything.values("user"))
        | Q(pk__in=own.values("user"))
        | Q(pk__in=embassy.values("user"))
    )


def _through_thread(path: str):
    """Rows reached through a thread (`path` leads from the row to its thread's id)."""

    def rule(scope: Scope, qs: QuerySet, user: Any) -> QuerySet:
        q = _thread_rule(scope, user)
        if q is None:
            return qs.none()
        return qs.filter(**{f"{path}__in": Thread.objects.filter(q).values("pk")})

    return rule


def _audit(scope: Scope, qs: QuerySet) -> QuerySet:
    return qs if scope.is_coordinator else qs.none()


def _tokens(scope: Scope, qs: QuerySet, user: Any = None) -> QuerySet:
    return qs.filter(user=user) if scope.authenticated else qs.none()


_VISIBILITY: dict[type[Model], Callable[[Scope, QuerySet], QuerySet]] = {
    Country: _everyone,
    Region: _everyone,
    Organization: _members,
    Person: _members,
    ContactChannel: _contacts,
    AuditEntry: _audit,
    Sphere: _everyone,
    Partnership: _through_partnership(""),
    PartnershipEvent: _through_partnership("partnership__"),
    Document: _through_partnership("partnership__"),
    DocumentVersion: _through_partnership("document__partnership__"),
    Review: _through_partnership("document__partnership__"),
    Signatory: _through_partnership("document__partnership__"),
    InstitutionLink: _links,
    Activity: _activities,
}


_USER_VISIBILITY = {
    Thread: _through_thread("pk"),
    Message: _through_thread("thread"),
    Attachment: _through_thread("message__thread"),
}


def visible(user: Any, model: type[Model]) -> QuerySet:
    """The rows of `model` that `user` may see; every list, count, search and export starts here."""
    qs = model._default_manager.all()
    if model is ApiToken:
        return _tokens(scope_of(user), qs, user)
    if model in _USER_VISIBILITY:
        return _USER_VISIBILITY[model](scope_of(user), qs, user)
    try:
        rule = _VISIBILITY[model]
    except KeyError:
        raise LookupError(f"policy has no visibility rule for {model.__name__}") from None
    return rule(scope_of(user), qs)


# What the public registry shows anyone, signed in or not: signed memoranda and agreements that
# are not confidential, and of their history only the signing events.
PUBLIC_EVENT_KINDS = ("signed", "renewed", "resolution")


def _published_partnerships(qs: QuerySet) -> QuerySet:
    from regionbridge.partnerships.lifecycle import SIGNED_STAGES

    return qs.filter(confidential=False, stage__in=SIGNED_STAGES)


_PUBLISHED: dict[type[Model], Callable[[QuerySet], QuerySet]] = {
    Partnership: _published_partnerships,
    PartnershipEvent: lambda qs: qs.filter(
        kind__in=PUBLIC_EVENT_KINDS,
        partnership__in=_published_partnerships(Partnership.objects.all()),
    ),
    Activity: lambda qs: _activities(ANONYMOUS, qs),
}


def published(model: type[Model]) -> QuerySet:
    """The rows of `model` the public registry may show to anyone."""
    try:
        rule = _PUBLISHED[model]
    except KeyError:
        raise LookupError(f"policy publishes no {model.__name__}") from None
    return rule(model._default_manager.all())


# --- object rules ------------------------------------------------------------------------


def _edits_organization(scope: Scope, organization: Organization) -> bool:
    """Coordinators edit any office; others the offices their roles are bound to and the offices
    in the regions their roles are bound to. Being listed in an office grants nothing."""
    if scope.is_coordinator:
        return True
    if not scope.is_member:
        return False
    return organization.pk in scope.organization_ids or organization.region_id in scope.region_ids


def _edits_person(scope: Scope, person: Person) -> bool:
    if scope.person_id is not None and scope.person_id == person.pk:
        return True
    return _edits_organization(scope, person.organization)


def _sees_contacts(user: Any, person: Person) -> bool:
    rule = _contact_rule(scope_of(user), "")
    if rule is None:
        return False
    return not rule or Person.objects.filter(rule, pk=person.pk).exists()


def _sees(user: Any, obj: Model) -> bool:
    return visible(user, type(obj)).filter(pk=obj.pk).exists()


def _manages_partnership(scope: Scope, partnership: Partnership) -> bool:
    """Coordinators, and the Ukrainian side's own regional staff, manage a partnership."""
    if scope.is_coordinator:
        return True
    return Role.REGIONAL in scope.roles and (
        partnership.ukrainian_region_id in scope.region_ids
        or partnership.ukrainian_organization_id in scope.organization_ids
    )


def _records_events(scope: Scope, partnership: Partnership) -> bool:
    """Those who manage it, and the embassy of the partner's country (it opens the doors)."""
    if _manages_partnership(scope, partnership):
        return True
    return Role.EMBASSY in scope.roles and (
        partnership.partner_region.country_id in scope.host_country_ids
    )


def clearing_ministries(user: Any) -> list[Organization]:
    """The clearing ministries (MFA, Ministry for Development) a user reviews drafts for."""
    scope = scope_of(user)
    if Role.MINISTRY not in scope.roles:
        return []
    return list(
        Organization.objects.filter(pk__in=scope.organization_ids, key__in=CLEARING_MINISTRY_KEYS)
    )


def _reviews_document(user: Any, document: Document) -> bool:
    return bool(clearing_ministries(user)) and _sees(user, document)


def _creates_activity(scope: Scope, target: Any) -> bool:
    if isinstance(target, Partnership):
        return _manages_partnership(scope, target)
    if isinstance(target, InstitutionLink):
        if scope.is_coordinator:
            return True
        sides = (target.ukrainian_institution, target.partner_institution)
        return any(
            side.pk in scope.organization_ids
            or (Role.REGIONAL in scope.roles and side.region_id in scope.region_ids)
            for side in sides
        )
    return False


def _creates_link(scope: Scope, institution: Organization | None) -> bool:
    """Links start from the Ukrainian side: its own institution's staff, its region's officers."""
    if scope.is_coordinator:
        return True
    if institution is None:
        return bool(scope.roles & {Role.REGIONAL, Role.INSTITUTION})
    return institution.pk in scope.organization_ids or (
        Role.REGIONAL in scope.roles and institution.region_id in scope.region_ids
    )


def _creates_institution(scope: Scope, region: Region | None) -> bool:
    """Coordinators anywhere; regional officers in their own oblast (any, when none is named)."""
    if scope.is_coordinator:
        return True
    return Role.REGIONAL in scope.roles and (region is None or region.pk in scope.region_ids)


def _opens_partnership(scope: Scope, region: Region | None) -> bool:
    """Coordinators for any Ukrainian region; regional officers for their own (in some region,
    when none is named)."""
    if scope.is_coordinator:
        return True
    return Role.REGIONAL in scope.roles and (region is None or region.pk in scope.region_ids)


_OBJECT_RULES: dict[str, Callable[[Any, Any], bool]] = {
    Action.REGION_VIEW: lambda user, obj: True,
    Action.DIRECTORY_VIEW: lambda user, obj: scope_of(user).is_member,
    Action.REGISTRY_BROWSE: lambda user, obj: scope_of(user).is_member,
    Action.ORGANIZATION_VIEW: lambda user, obj: scope_of(user).is_member,
    Action.PERSON_VIEW: lambda user, obj: scope_of(user).is_member,
    Action.PERSON_VIEW_CONTACTS: _sees_contacts,
    Action.ORGANIZATION_EDIT: lambda user, obj: _edits_organization(scope_of(user), obj),
    Action.PERSON_EDIT: lambda user, obj: _edits_person(scope_of(user), obj),
    Action.AUDIT_VIEW: lambda user, obj: scope_of(user).is_coordinator,
    Action.TOKEN_MANAGE: lambda user, obj: (
        scope_of(user).authenticated and (obj is None or obj.user_id == user.pk)
    ),
    Action.PARTNERSHIP_VIEW: lambda user, obj: _sees(user, obj),
    Action.PARTNERSHIP_OPEN: lambda user, obj: _opens_partnership(scope_of(user), obj),
    Action.PARTNERSHIP_EDIT: lambda user, obj: _manages_partnership(scope_of(user), obj),
    Action.EVENT_RECORD: lambda user, obj: _records_events(scope_of(user), obj),
    Action.DOCUMENT_ADD: lambda user, obj: _manages_partnership(scope_of(user), obj),
    Action.DOCUMENT_MANAGE: lambda user, obj: _manages_partnership(scope_of(user), obj.partnership),
    Action.DOCUMENT_REVIEW: _reviews_document,
    Action.REVIEW_QUEUE_VIEW: lambda user, obj: (
        scope_of(user).is_coordinator or bool(clearing_ministries(user))
    ),
    Action.ACTIVITY_CREATE: lambda user, obj: _creates_activity(scope_of(user), obj),
    Action.LINK_CREATE: lambda user, obj: _creates_link(scope_of(user), obj),
    Action.INSTITUTION_CREATE: lambda user, obj: _creates_institution(scope_of(user), obj),
    Action.THREAD_START: lambda user, obj: scope_of(user).is_member,
    Action.THREAD_VIEW: lambda user, obj: _sees(user, obj),
    # Only participants with a role bring others in; a guest who claimed an account reads only.
    Action.THREAD_INVITE: lambda user, obj: scope_of(user).is_member and _sees(user, obj),
}


def can(user: Any, action: str, obj: Any = None) -> bool:
    """May `user` do `action` (to `obj`, where the action concerns one object)?"""
    try:
        rule = _OBJECT_RULES[action]
    except KeyError:
        raise LookupError(f"policy has no rule for action {action!r}") from None
    return bool(rule(user, obj))
