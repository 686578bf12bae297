"""Rules for the directory: offices, people and their contact details.

Every member sees the directory; contact details are seen as far as a member's work reaches
(`organization_reach`); offices are edited by coordinators and by those whose roles are bound to
the office or its region.
"""

from typing import Any

from django.db.models import Q, QuerySet

from regionbridge.accounts.models import Role
from regionbridge.organizations.models import HUB_KINDS, ContactChannel, Organization, Person
from regionbridge.policy.actions import Action
from regionbridge.policy.registry import allows, shows
from regionbridge.policy.scope import Scope

# The ministries that clear drafts of international documents: the MFA, the Ministry for
# Development.
CLEARING_MINISTRY_KEYS = ("mfa", "mindev")


def organization_reach(scope: Scope, path: str) -> Q:
    """Organizations whose people a member may contact directly (`path` leads to one)."""
    q = Q(**{f"{path}__kind__in": HUB_KINDS})
    q |= Q(**{f"{path}__in": scope.offices})
    q |= Q(**{f"{path}__region__in": scope.region_ids})
    if scope.host_country_ids:
        # An embassy works with its host country's regions and with Ukraine's.
        q |= Q(**{f"{path}__country__in": scope.host_country_ids})
        q |= Q(**{f"{path}__country__code": "UA"})
    return q


def contact_rule(scope: Scope, prefix: str) -> Q | None:
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
    rule = organization_reach(scope, f"{prefix}organization")
    return rule | own if own else rule


def clearing_ministries(scope: Scope) -> list[Organization]:
    """The clearing ministries (MFA, Ministry for Development) a user reviews drafts for."""
    if Role.MINISTRY not in scope.roles:
        return []
    # Read off the scope's office rows: no query (a desk and its menu ask up to three times).
    offices = [office for office in scope.office_rows if office.key in CLEARING_MINISTRY_KEYS]
    return sorted(offices, key=lambda office: (office.name_en, office.pk))


@shows(Organization, Person)
def _members(scope: Scope, qs: QuerySet) -> QuerySet:
    return qs if scope.is_member else qs.none()


@shows(ContactChannel)
def _contacts(scope: Scope, qs: QuerySet) -> QuerySet:
    rule = contact_rule(scope, "person__")
    return qs.none() if rule is None else qs.filter(rule)


@allows(Action.DIRECTORY_VIEW, Action.ORGANIZATION_VIEW, Action.PERSON_VIEW)
def _is_member(scope: Scope, obj: Any) -> bool:
    return scope.is_member


@allows(Action.PERSON_VIEW_CONTACTS)
def _sees_contacts(scope: Scope, person: Person) -> bool:
    rule = contact_rule(scope, "")
    if rule is None:
        return False
    return not rule or Person.objects.filter(rule, pk=person.pk).exists()


@allows(Action.ORGANIZATION_EDIT)
def edits_organization(scope: Scope, organization: Organization) -> bool:
    """Coordinators edit any office; others the offices their roles are bound to and the offices
    in the regions their roles are bound to. Being listed in an office grants nothing."""
    if scope.is_coordinator:
        return True
    if not scope.is_member:
        return False
    return organization.pk in scope.organization_ids or organization.region_id in scope.region_ids


@allows(Action.PERSON_EDIT)
def _edits_person(scope: Scope, person: Person) -> bool:
    if scope.person_id is not None and scope.person_id == person.pk:
        return True
    return edits_organization(scope, person.organization)
