"""The access policy as a spec: every persona against every action, allowed and denied.

`regionbridge.policy` is the single authorization layer; these tables are the rules written out.
Each row of a table names the personas that are allowed; every other persona is denied, so each
rule is tested both ways. A new Action without a row fails `test_the_grid_covers_every_action`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import ValidationError
from django.utils import timezone

from regionbridge import policy
from regionbridge.accounts.models import ApiToken, RoleAssignment, User
from regionbridge.accounts.services import role_assign, token_issue
from regionbridge.audit.models import AuditEntry
from regionbridge.institutions.models import InstitutionLink
from regionbridge.institutions.services import link_create
from regionbridge.messaging import services as messaging
from regionbridge.messaging.models import Message, Participant, Thread
from regionbridge.organizations.models import ContactChannel, Organization, Person
from regionbridge.partnerships import clearance
from regionbridge.partnerships import services as partnerships
from regionbridge.partnerships.models import (
    Activity,
    Document,
    DocumentStatus,
    Partnership,
    PartnershipEvent,
)
from regionbridge.regions.models import Country, Region
from tests.factories import ContactFactory, OrganizationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

Action = policy.Action

PERSONAS = (
    "anonymous",
    "outsider",
    "institution_user",
    "indiana",
    "zhytomyr",
    "chernihiv",
    "embassy",
    "ministry",
    "coordinator",
)
MEMBERS = frozenset(PERSONAS) - {"anonymous", "outsider"}
SIGNED_IN = frozenset(PERSONAS) - {"anonymous"}
SEE_EVERYONE = frozenset({"coordinator", "ministry"})
# The embassy in the US works with the US and with Ukraine.
UA_OR_US = SEE_EVERYONE | {"embassy"}
NOBODY: frozenset[str] = frozenset()
COORDINATOR_OR_REGIONAL = frozenset({"coordinator", "zhytomyr", "chernihiv"})
# A confidential negotiation: coordinators, ministries, the embassy of the partner's country and
# the two sides' own people (Chernihiv's officers; Minnesota has no persona here).
CONFIDENTIAL_CHERNIHIV_MINNESOTA = UA_OR_US | {"chernihiv"}
EVERYONE = frozenset(PERSONAS)


# --- helpers ------------------------------------------------------------------------------


def persona(request: pytest.FixtureRequest, name: str) -> Any:
    if name == "anonymous":
        return AnonymousUser()
    return request.getfixturevalue(name)


def org(key: str) -> Organization:
    return Organization.objects.select_related("region", "country").get(key=key)


def person_at(organization: Organization, name: str = "Test Person") -> Person:
    """A person with one contact channel, so 'sees contacts' and 'a contact is visible' agree."""
    person = PersonFactory(organization=organization, name_en=name)
    ContactFactory(person=person)
    return person


def hospital(request: pytest.FixtureRequest) -> Organization:
    """The Zhytomyr hospital the institution_user persona works for."""
    user = request.getfixturevalue("institution_user")
    return RoleAssignment.objects.get(user=user).organization


def zhytomyr_university() -> Organization:
    return OrganizationFactory(name_en="Zhytomyr Test University")  # in UA-18 by default


def indiana_university() -> Organization:
    return OrganizationFactory(
        name_en="Indiana Test University", region=Region.objects.get(code="US-IN")
    )


def ontario_government() -> Organization:
    return OrganizationFactory(
        kind="state_government",
        name_en="Government of Ontario (test)",
        region=Region.objects.get(code="CA-ON"),
    )


def chernihiv_university() -> Organization:
    return OrganizationFactory(
        name_en="Chernihiv Test University", region=Region.objects.get(code="UA-74")
    )


# --- partnerships, documents and links the partnership rules are tried on -------------------


def region_at(code: str) -> Region:
    return Region.objects.select_related("country").get(code=code)


def partnership(ukrainian: str, partner: str, *, confidential: bool = False) -> Partnership:
    """The tie between two regions, opened the way the app opens it (first contact recorded)."""
    existing = Partnership.objects.filter(
        ukrainian_region__code=ukrainian, partner_region__code=partner
    ).first()
    if existing is not None:
        return existing
    return partnerships.partnership_create(
        by=None,
        ukrainian_region=region_at(ukrainian),
        partner_region=region_at(partner),
        confidential=confidential,
    )


def zhytomyr_indiana() -> Partnership:
    """The open (non-confidential) Zhytomyr Oblast – Indiana partnership."""
    return partnership("UA-18", "US-IN")


def chernihiv_minnesota() -> Partnership:
    """A confidential negotiation between Chernihiv Oblast and Minnesota."""
    return partnership("UA-74", "US-MN", confidential=True)


def zhytomyr_ontario() -> Partnership:
    """A confidential negotiation with Canada: no business of the embassy in the US."""
    return partnership("UA-18", "CA-ON", confidential=True)


def kyiv_indiana() -> Partnership:
    """A confidential negotiation of another oblast with Indiana: Indiana's people see it."""
    return partnership("UA-32", "US-IN", confidential=True)


def under_review(partnership: Partnership) -> Document:
    """A draft memorandum sent to the clearing ministries (round 1)."""
    document = clearance.document_create(
        partnership=partnership, kind="memorandum", by=None, title_en="Draft memorandum"
    )
    Document.objects.filter(pk=document.pk).update(
        status=DocumentStatus.UNDER_REVIEW, review_round=1, submitted_at=timezone.now()
    )
    document.refresh_from_db()
    return document


def hospital_link(rq: pytest.FixtureRequest) -> InstitutionLink:
    """The Zhytomyr hospital's link with an Indiana university, under Zhytomyr – Indiana."""
    return link_create(
        by=None,
        ukrainian_institution=hospital(rq),
        partner_institution=indiana_university(),
        partnership=zhytomyr_indiana(),
    )


# --- threads the messaging rules are tried on ------------------------------------------------


def thread_author() -> User:
    """Someone else who starts the thread: a coordinator of their own, who sees every partnership
    (so the thread may be on any of them) but is not one of the personas."""
    user = UserFactory()
    role_assign(user=user, role="coordinator", organization=org("presidential-office"))
    return user


def thread_with(
    *,
    users: tuple[Any, ...] = (),
    organizations: tuple[Organization, ...] = (),
    partnership: Partnership | None = None,
) -> Thread:
    """A thread between its author and `users` and `organizations` (everyone in them).

    The participants are written directly: the read rule must hold even for someone who could
    not be invited today (added before the rule, or before the tie became confidential)."""
    thread = messaging.thread_create(
        by=thread_author(), subject="Test thread", partnership=partnership, body="Hello"
    )
    for user in users:
        Participant.objects.create(thread=thread, user=user)
    for organization in organizations:
        Participant.objects.create(thread=thread, organization=organization)
    return thread


# Everyone whose contact details someone might look for; each builder makes one person.
PEOPLE: dict[str, Callable[[pytest.FixtureRequest], Person]] = {
    "zhytomyr_rma_head": lambda rq: rq.getfixturevalue("zhytomyr_head"),
    "zhytomyr_university_rector": lambda rq: person_at(zhytomyr_university()),
    "zhytomyr_hospital_doctor": lambda rq: person_at(hospital(rq)),
    "chernihiv_rma_officer": lambda rq: person_at(org("rma-UA-74")),
    "presidential_office_adviser": lambda rq: person_at(org("presidential-office")),
    "mfa_diplomat": lambda rq: person_at(org("mfa")),
    "mindev_official": lambda rq: person_at(org("mindev")),
    "embassy_counsellor": lambda rq: person_at(org("embassy-us")),
    "chicago_consul": lambda rq: person_at(org("consulate-chicago")),
    "indiana_state_government_director": lambda rq: rq.getfixturevalue("indiana_contact"),
    "indiana_university_professor": lambda rq: person_at(indiana_university()),
    "illinois_state_government_officer": lambda rq: person_at(org("gov-US-IL")),
    "ontario_government_officer": lambda rq: person_at(ontario_government()),
}

# Who may see each person's contact details (person.view_contacts).
CONTACTS_SEEN_BY: dict[str, frozenset[str]] = {
    "zhytomyr_rma_head": UA_OR_US | {"zhytomyr"},
    "zhytomyr_university_rector": UA_OR_US | {"zhytomyr"},
    "zhytomyr_hospital_doctor": UA_OR_US | {"zhytomyr", "institution_user"},
    "chernihiv_rma_officer": UA_OR_US | {"chernihiv"},
    # Ukraine's national offices and missions are reachable by every member.
    "presidential_office_adviser": MEMBERS,
    "mfa_diplomat": MEMBERS,
    "mindev_official": MEMBERS,
    "embassy_counsellor": MEMBERS,
    "chicago_consul": MEMBERS,
    "indiana_state_government_director": UA_OR_US | {"indiana"},
    "indiana_university_professor": UA_OR_US | {"indiana"},
    "illinois_state_government_officer": UA_OR_US,
    "ontario_government_officer": SEE_EVERYONE,
}


# --- the persona × action grid -------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    action: Action
    phrase: str  # "<persona> can/cannot <phrase>"
    allowed: frozenset[str]
    target: Callable[[pytest.FixtureRequest, Any], Any] = lambda rq, user: None
    personas: frozenset[str] = EVERYONE  # who the row applies to


def _own_token(rq, user):
    return token_issue(user=user, name="mine")[0]


def _someone_elses_token(rq, user):
    return token_issue(user=UserFactory(), name="theirs")[0]


RULES = (
    Rule(Action.REGION_VIEW, "view_regions", EVERYONE),
    Rule(
        Action.REGION_VIEW,
        "view_the_indiana_region",
        EVERYONE,
        lambda rq, user: Region.objects.get(code="US-IN"),
    ),
    Rule(Action.DIRECTORY_VIEW, "see_directory", MEMBERS),
    Rule(Action.REGISTRY_BROWSE, "browse_the_registry_of_ties", MEMBERS),
    Rule(
        Action.ORGANIZATION_VIEW,
        "view_the_zhytomyr_rma",
        MEMBERS,
        lambda rq, user: org("rma-UA-18"),
    ),
    Rule(
        Action.ORGANIZATION_VIEW,
        "view_the_indiana_government",
        MEMBERS,
        lambda rq, user: org("gov-US-IN"),
    ),
    Rule(
        Action.PERSON_VIEW,
        "view_the_zhytomyr_rma_head",
        MEMBERS,
        lambda rq, user: rq.getfixturevalue("zhytomyr_head"),
    ),
    Rule(
        Action.PERSON_VIEW,
        "view_the_indiana_director",
        MEMBERS,
        lambda rq, user: rq.getfixturevalue("indiana_contact"),
    ),
    Rule(
        Action.PERSON_VIEW_CONTACTS,
        "see_contacts_of_the_zhytomyr_rma_head",
        CONTACTS_SEEN_BY["zhytomyr_rma_head"],
        lambda rq, user: rq.getfixturevalue("zhytomyr_head"),
    ),
    Rule(
        Action.PERSON_VIEW_CONTACTS,
        "see_contacts_of_the_indiana_director",
        CONTACTS_SEEN_BY["indiana_state_government_director"],
        lambda rq, user: rq.getfixturevalue("indiana_contact"),
    ),
    Rule(
        Action.PERSON_VIEW_CONTACTS,
        "see_contacts_of_the_mfa",
        MEMBERS,
        lambda rq, user: person_at(org("mfa")),
    ),
    # Edits: coordinator anything; regional and partner their own region; nobody else.
    Rule(
        Action.ORGANIZATION_EDIT,
        "edit_the_zhytomyr_rma",
        frozenset({"coordinator", "zhytomyr"}),
        lambda rq, user: org("rma-UA-18"),
    ),
    Rule(
        Action.ORGANIZATION_EDIT,
        "edit_a_zhytomyr_university",
        frozenset({"coordinator", "zhytomyr"}),
        lambda rq, user: zhytomyr_university(),
    ),
    Rule(
        Action.ORGANIZATION_EDIT,
        "edit_the_zhytomyr_hospital",
        frozenset({"coordinator", "zhytomyr", "institution_user"}),
        lambda rq, user: hospital(rq),
    ),
    Rule(
        Action.ORGANIZATION_EDIT,
        "edit_the_chernihiv_rma",
        frozenset({"coordinator", "chernihiv"}),
        lambda rq, user: org("rma-UA-74"),
    ),
    Rule(
        Action.ORGANIZATION_EDIT,
        "edit_the_indiana_government",
        frozenset({"coordinator", "indiana"}),
        lambda rq, user: org("gov-US-IN"),
    ),
    Rule(
        Action.ORGANIZATION_EDIT,
        "edit_an_indiana_university",
        frozenset({"coordinator", "indiana"}),
        lambda rq, user: indiana_university(),
    ),
    Rule(
        Action.ORGANIZATION_EDIT,
        "edit_the_illinois_government",
        frozenset({"coordinator"}),
        lambda rq, user: org("gov-US-IL"),
    ),
    Rule(
        Action.ORGANIZATION_EDIT,
        "edit_the_mfa",
        frozenset({"coordinator", "ministry"}),
        lambda rq, user: org("mfa"),
    ),
    Rule(
        Action.ORGANIZATION_EDIT,
        "edit_the_embassy",
        frozenset({"coordinator", "embassy"}),
        lambda rq, user: org("embassy-us"),
    ),
    Rule(
        Action.PERSON_EDIT,
        "edit_the_zhytomyr_rma_head",
        frozenset({"coordinator", "zhytomyr"}),
        lambda rq, user: rq.getfixturevalue("zhytomyr_head"),
    ),
    Rule(
        Action.PERSON_EDIT,
        "edit_a_zhytomyr_hospital_doctor",
        frozenset({"coordinator", "zhytomyr", "institution_user"}),
        lambda rq, user: person_at(hospital(rq)),
    ),
    Rule(
        Action.PERSON_EDIT,
        "edit_a_chernihiv_rma_officer",
        frozenset({"coordinator", "chernihiv"}),
        lambda rq, user: person_at(org("rma-UA-74")),
    ),
    Rule(
        Action.PERSON_EDIT,
        "edit_the_indiana_director",
        frozenset({"coordinator", "indiana"}),
        lambda rq, user: rq.getfixturevalue("indiana_contact"),
    ),
    Rule(
        Action.PERSON_EDIT,
        "edit_an_mfa_diplomat",
        frozenset({"coordinator", "ministry"}),
        lambda rq, user: person_at(org("mfa")),
    ),
    Rule(
        Action.PERSON_EDIT,
        "edit_an_embassy_counsellor",
        frozenset({"coordinator", "embassy"}),
        lambda rq, user: person_at(org("embassy-us")),
    ),
    Rule(Action.AUDIT_VIEW, "see_audit", frozenset({"coordinator"})),
    Rule(Action.TOKEN_MANAGE, "manage_tokens", SIGNED_IN),
    Rule(
        Action.TOKEN_MANAGE,
        "manage_own_token",
        SIGNED_IN,
        _own_token,
        personas=SIGNED_IN,  # the anonymous visitor has no tokens of its own
    ),
    Rule(Action.TOKEN_MANAGE, "manage_someone_elses_token", NOBODY, _someone_elses_token),
    # --- partnerships -----------------------------------------------------------------------
    # Open ties are seen by every member; a confidential negotiation only by coordinators, the
    # ministries, the embassy of the partner's country and the two sides' own people.
    Rule(
        Action.PARTNERSHIP_VIEW,
        "view_the_open_zhytomyr_indiana_partnership",
        MEMBERS,
        lambda rq, user: zhytomyr_indiana(),
    ),
    Rule(
        Action.PARTNERSHIP_VIEW,
        "view_the_confidential_chernihiv_minnesota_negotiation",
        CONFIDENTIAL_CHERNIHIV_MINNESOTA,
        lambda rq, user: chernihiv_minnesota(),
    ),
    Rule(
        Action.PARTNERSHIP_VIEW,
        "view_the_confidential_zhytomyr_ontario_negotiation",
        SEE_EVERYONE | {"zhytomyr"},
        lambda rq, user: zhytomyr_ontario(),
    ),
    Rule(
        Action.PARTNERSHIP_VIEW,
        "view_the_confidential_kyiv_indiana_negotiation",
        UA_OR_US | {"indiana"},
        lambda rq, user: kyiv_indiana(),
    ),
    # Partnerships are opened by coordinators and by regional officers, in their own oblast.
    Rule(Action.PARTNERSHIP_OPEN, "open_partnerships", COORDINATOR_OR_REGIONAL),
    Rule(
        Action.PARTNERSHIP_OPEN,
        "open_a_partnership_for_zhytomyr",
        frozenset({"coordinator", "zhytomyr"}),
        lambda rq, user: region_at("UA-18"),
    ),
    Rule(
        Action.PARTNERSHIP_OPEN,
        "open_a_partnership_for_chernihiv",
        frozenset({"coordinator", "chernihiv"}),
        lambda rq, user: region_at("UA-74"),
    ),
    # Only the Ukrainian side's own officers (and coordinators) manage a partnership.
    Rule(
        Action.PARTNERSHIP_EDIT,
        "edit_the_zhytomyr_indiana_partnership",
        frozenset({"coordinator", "zhytomyr"}),
        lambda rq, user: zhytomyr_indiana(),
    ),
    Rule(
        Action.PARTNERSHIP_EDIT,
        "edit_the_chernihiv_minnesota_negotiation",
        frozenset({"coordinator", "chernihiv"}),
        lambda rq, user: chernihiv_minnesota(),
    ),
    Rule(
        Action.PARTNERSHIP_EDIT,
        "edit_the_kyiv_indiana_negotiation",
        frozenset({"coordinator"}),
        lambda rq, user: kyiv_indiana(),
    ),
    # The embassy of the partner's country records events too (it opens the doors).
    Rule(
        Action.EVENT_RECORD,
        "record_events_of_zhytomyr_indiana",
        frozenset({"coordinator", "zhytomyr", "embassy"}),
        lambda rq, user: zhytomyr_indiana(),
    ),
    Rule(
        Action.EVENT_RECORD,
        "record_events_of_chernihiv_minnesota",
        frozenset({"coordinator", "chernihiv", "embassy"}),
        lambda rq, user: chernihiv_minnesota(),
    ),
    Rule(
        Action.EVENT_RECORD,
        "record_events_of_zhytomyr_ontario",
        frozenset({"coordinator", "zhytomyr"}),
        lambda rq, user: zhytomyr_ontario(),
    ),
    Rule(
        Action.DOCUMENT_ADD,
        "add_documents_to_zhytomyr_indiana",
        frozenset({"coordinator", "zhytomyr"}),
        lambda rq, user: zhytomyr_indiana(),
    ),
    Rule(
        Action.DOCUMENT_ADD,
        "add_documents_to_chernihiv_minnesota",
        frozenset({"coordinator", "chernihiv"}),
        lambda rq, user: chernihiv_minnesota(),
    ),
    Rule(
        Action.DOCUMENT_MANAGE,
        "manage_a_zhytomyr_indiana_document",
        frozenset({"coordinator", "zhytomyr"}),
        lambda rq, user: under_review(zhytomyr_indiana()),
    ),
    Rule(
        Action.DOCUMENT_MANAGE,
        "manage_a_chernihiv_minnesota_document",
        frozenset({"coordinator", "chernihiv"}),
        lambda rq, user: under_review(chernihiv_minnesota()),
    ),
    # Drafts are cleared by the MFA and the Ministry for Development, nobody else.
    Rule(
        Action.DOCUMENT_REVIEW,
        "review_a_zhytomyr_indiana_draft",
        frozenset({"ministry"}),
        lambda rq, user: under_review(zhytomyr_indiana()),
    ),
    Rule(
        Action.DOCUMENT_REVIEW,
        "review_a_confidential_chernihiv_minnesota_draft",
        frozenset({"ministry"}),
        lambda rq, user: under_review(chernihiv_minnesota()),
    ),
    Rule(Action.REVIEW_QUEUE_VIEW, "see_the_review_queue", SEE_EVERYONE),
    Rule(
        Action.ACTIVITY_CREATE,
        "record_activities_of_zhytomyr_indiana",
        frozenset({"coordinator", "zhytomyr"}),
        lambda rq, user: zhytomyr_indiana(),
    ),
    Rule(
        Action.ACTIVITY_CREATE,
        "record_activities_of_chernihiv_minnesota",
        frozenset({"coordinator", "chernihiv"}),
        lambda rq, user: chernihiv_minnesota(),
    ),
    Rule(
        Action.ACTIVITY_CREATE,
        "record_activities_of_the_hospital_link",
        frozenset({"coordinator", "zhytomyr", "institution_user"}),
        lambda rq, user: hospital_link(rq),
    ),
    # Links start from the Ukrainian side: its own institution's staff, its oblast's officers.
    Rule(Action.LINK_CREATE, "create_links", COORDINATOR_OR_REGIONAL | {"institution_user"}),
    Rule(
        Action.LINK_CREATE,
        "create_a_link_from_the_zhytomyr_hospital",
        frozenset({"coordinator", "zhytomyr", "institution_user"}),
        lambda rq, user: hospital(rq),
    ),
    Rule(
        Action.LINK_CREATE,
        "create_a_link_from_a_zhytomyr_university",
        frozenset({"coordinator", "zhytomyr"}),
        lambda rq, user: zhytomyr_university(),
    ),
    Rule(
        Action.LINK_CREATE,
        "create_a_link_from_a_chernihiv_university",
        frozenset({"coordinator", "chernihiv"}),
        lambda rq, user: chernihiv_university(),
    ),
    Rule(Action.INSTITUTION_CREATE, "add_institutions", COORDINATOR_OR_REGIONAL),
    Rule(
        Action.INSTITUTION_CREATE,
        "add_an_institution_in_zhytomyr",
        frozenset({"coordinator", "zhytomyr"}),
        lambda rq, user: region_at("UA-18"),
    ),
    Rule(
        Action.INSTITUTION_CREATE,
        "add_an_institution_in_chernihiv",
        frozenset({"coordinator", "chernihiv"}),
        lambda rq, user: region_at("UA-74"),
    ),
    Rule(
        Action.INSTITUTION_CREATE,
        "add_an_institution_in_indiana",
        frozenset({"coordinator"}),
        lambda rq, user: region_at("US-IN"),
    ),
    # --- direct contacts --------------------------------------------------------------------
    # Every member may start a thread; a thread is read by its participants only (named people
    # and everyone in a named office), never by rank: a coordinator not in it does not see it.
    # A thread on a partnership also needs sight of the partnership.
    Rule(Action.THREAD_START, "start_threads", MEMBERS),
    Rule(
        Action.THREAD_VIEW,
        "view_a_thread_they_take_part_in",
        SIGNED_IN,  # a guest who has claimed an account takes part without a role
        lambda rq, user: thread_with(users=(user,)),
        personas=SIGNED_IN,
    ),
    Rule(
        Action.THREAD_VIEW,
        "view_a_thread_between_other_people",
        NOBODY,
        lambda rq, user: thread_with(users=(UserFactory(),)),
    ),
    Rule(
        Action.THREAD_VIEW,
        "view_a_thread_addressed_to_the_whole_mfa",
        frozenset({"ministry"}),
        lambda rq, user: thread_with(organizations=(org("mfa"),)),
    ),
    Rule(
        Action.THREAD_VIEW,
        "view_a_thread_addressed_to_the_whole_embassy",
        frozenset({"embassy"}),
        lambda rq, user: thread_with(organizations=(org("embassy-us"),)),
    ),
    Rule(
        Action.THREAD_VIEW,
        "view_a_thread_addressed_to_the_whole_zhytomyr_hospital",
        frozenset({"institution_user"}),
        lambda rq, user: thread_with(organizations=(hospital(rq),)),
    ),
    Rule(
        Action.THREAD_VIEW,
        "view_a_thread_on_the_open_zhytomyr_indiana_partnership_they_take_part_in",
        MEMBERS,
        lambda rq, user: thread_with(users=(user,), partnership=zhytomyr_indiana()),
        personas=SIGNED_IN,
    ),
    Rule(
        Action.THREAD_VIEW,
        "view_a_thread_on_the_confidential_chernihiv_minnesota_negotiation_they_take_part_in",
        CONFIDENTIAL_CHERNIHIV_MINNESOTA,
        lambda rq, user: thread_with(users=(user,), partnership=chernihiv_minnesota()),
        personas=SIGNED_IN,
    ),
    Rule(
        Action.THREAD_VIEW,
        "view_a_thread_on_the_confidential_chernihiv_minnesota_negotiation_they_are_not_in",
        NOBODY,
        lambda rq, user: thread_with(users=(UserFactory(),), partnership=chernihiv_minnesota()),
    ),
    Rule(
        Action.THREAD_VIEW,
        "view_a_chernihiv_minnesota_thread_addressed_to_the_whole_zhytomyr_hospital",
        NOBODY,  # the hospital takes part, but its staff may not see the negotiation
        lambda rq, user: thread_with(
            organizations=(hospital(rq),), partnership=chernihiv_minnesota()
        ),
    ),
    Rule(
        Action.THREAD_VIEW,
        "view_a_chernihiv_minnesota_thread_addressed_to_the_whole_embassy",
        frozenset({"embassy"}),
        lambda rq, user: thread_with(
            organizations=(org("embassy-us"),), partnership=chernihiv_minnesota()
        ),
    ),
    # Bringing others in: participants with a role only (a guest who claimed an account reads
    # and writes, but invites nobody), and never anyone into a thread one cannot read.
    Rule(
        Action.THREAD_INVITE,
        "invite_to_a_thread_they_take_part_in",
        MEMBERS,
        lambda rq, user: thread_with(users=(user,)),
        personas=SIGNED_IN,
    ),
    Rule(
        Action.THREAD_INVITE,
        "invite_to_a_thread_between_other_people",
        frozenset(),
        lambda rq, user: thread_with(users=(UserFactory(),)),
    ),
    Rule(
        Action.THREAD_INVITE,
        "invite_to_a_chernihiv_minnesota_thread_they_take_part_in",
        CONFIDENTIAL_CHERNIHIV_MINNESOTA,
        lambda rq, user: thread_with(users=(user,), partnership=chernihiv_minnesota()),
        personas=SIGNED_IN,
    ),
    # --- meetings and action items (tests/test_meeting_policy.py holds the full cast) ----------
    # A meeting is seen by its invitees (its thread's readers) and by the coordinators; its
    # organizer and the coordinators change it; invitees with a role record it.
    Rule(Action.MEETING_CREATE, "arrange_meetings", MEMBERS),
    Rule(
        Action.MEETING_VIEW,
        "view_a_meeting_they_are_invited_to",
        SIGNED_IN,
        lambda rq, user: meeting_with(user),
        personas=SIGNED_IN,
    ),
    Rule(
        Action.MEETING_VIEW,
        "view_a_meeting_between_other_people",
        frozenset({"coordinator"}),
        lambda rq, user: meeting_with(UserFactory()),
    ),
    Rule(
        Action.MEETING_VIEW,
        "view_a_chernihiv_minnesota_meeting_they_are_invited_to",
        CONFIDENTIAL_CHERNIHIV_MINNESOTA,
        lambda rq, user: meeting_with(user, partnership=chernihiv_minnesota()),
        personas=SIGNED_IN,
    ),
    Rule(
        Action.MEETING_EDIT,
        "change_a_meeting_they_organize",
        MEMBERS,
        lambda rq, user: meeting_with(user, organizer=user),
        personas=SIGNED_IN,
    ),
    Rule(
        Action.MEETING_EDIT,
        "change_a_meeting_they_are_invited_to",
        frozenset({"coordinator"}),
        lambda rq, user: meeting_with(user),
        personas=SIGNED_IN,
    ),
    Rule(
        Action.MEETING_EDIT,
        "change_a_meeting_between_other_people",
        frozenset({"coordinator"}),
        lambda rq, user: meeting_with(UserFactory()),
    ),
    Rule(
        Action.MEETING_RECORD,
        "record_a_meeting_they_are_invited_to",
        MEMBERS,
        lambda rq, user: meeting_with(user),
        personas=SIGNED_IN,
    ),
    Rule(
        Action.MEETING_RECORD,
        "record_a_meeting_between_other_people",
        frozenset({"coordinator"}),
        lambda rq, user: meeting_with(UserFactory()),
    ),
    Rule(
        Action.MEETING_RESPOND,
        "answer_a_meeting_they_are_invited_to",
        SIGNED_IN,
        lambda rq, user: meeting_with(user),
        personas=SIGNED_IN,
    ),
    Rule(
        Action.MEETING_RESPOND,
        "answer_a_meeting_between_other_people",
        NOBODY,
        lambda rq, user: meeting_with(UserFactory()),
    ),
    Rule(
        Action.ACTION_CREATE,
        "take_an_action_from_a_thread_they_take_part_in",
        MEMBERS,
        lambda rq, user: thread_with(users=(user,)),
        personas=SIGNED_IN,
    ),
    Rule(
        Action.ACTION_CREATE,
        "take_an_action_from_a_thread_between_other_people",
        NOBODY,
        lambda rq, user: thread_with(users=(UserFactory(),)),
    ),
    Rule(
        Action.ACTION_EDIT,
        "change_an_action_they_own",
        SIGNED_IN,  # the owner closes their own action, with or without a role
        lambda rq, user: action_for(user),
        personas=SIGNED_IN,
    ),
    Rule(
        Action.ACTION_EDIT,
        "change_an_action_of_someone_else",
        frozenset({"coordinator"}),
        lambda rq, user: action_for(UserFactory()),
    ),
    # --- oversight: the dashboard for the coordinators, the ministries and the embassy (each
    # sees their part inside, tests/test_oversight_dashboard.py); the briefing also for a
    # region's staff, for their own region.
    Rule(Action.OVERSIGHT_VIEW, "open_the_oversight_dashboard", UA_OR_US),
    Rule(
        Action.BRIEFING_VIEW,
        "read_the_briefing",
        UA_OR_US | frozenset({"zhytomyr", "chernihiv"}),
    ),
    # --- needs and offers (tests/test_matching_policy.py holds more): every member browses and
    # sees those meant for all; institutions post for themselves, regional and partner staff for
    # their region's office; partners-only posts stay within live, open ties.
    Rule(Action.POST_BROWSE, "browse_needs_and_offers", MEMBERS),
    Rule(Action.POST_CREATE, "post_for_no_organization_named", NOBODY),
    Rule(
        Action.POST_CREATE,
        "post_for_the_zhytomyr_hospital",
        frozenset({"coordinator", "institution_user"}),
        lambda rq, user: hospital(rq),
    ),
    Rule(
        Action.POST_CREATE,
        "post_for_the_zhytomyr_rma",
        frozenset({"coordinator", "zhytomyr"}),
        lambda rq, user: org("rma-UA-18"),
    ),
    Rule(
        Action.POST_CREATE,
        "post_for_the_indiana_government",
        frozenset({"coordinator", "indiana"}),
        lambda rq, user: org("gov-US-IN"),
    ),
    Rule(
        Action.POST_VIEW,
        "see_the_hospital_s_need",
        MEMBERS,
        lambda rq, user: hospital_need(rq),
    ),
    Rule(
        Action.POST_VIEW,
        "see_indiana_s_partners_only_offer_under_the_zhytomyr_indiana_tie",
        frozenset({"coordinator", "indiana", "zhytomyr", "institution_user"}),
        lambda rq, user: (zhytomyr_indiana(), partners_offer(org("gov-US-IN")))[1],
    ),
    Rule(
        Action.POST_VIEW,
        "see_illinois_s_partners_only_offer_without_a_tie",
        frozenset({"coordinator"}),
        lambda rq, user: partners_offer(org("gov-US-IL")),
    ),
    Rule(
        Action.POST_EDIT,
        "change_the_hospital_s_need",
        frozenset({"coordinator", "institution_user"}),
        lambda rq, user: hospital_need(rq),
    ),
    Rule(
        Action.POST_CONNECT,
        "connect_the_hospital_s_need_with_an_indiana_offer",
        frozenset({"coordinator", "institution_user", "indiana"}),
        lambda rq, user: (hospital_need(rq), partners_offer(org("gov-US-IN"), audience="members")),
    ),
    Rule(Action.MATCHING_OVERVIEW, "see_unmatched_needs", frozenset({"coordinator"})),
    Rule(Action.TAXONOMY_EDIT, "edit_the_topic_taxonomy", frozenset({"coordinator"})),
)


def hospital_need(rq: pytest.FixtureRequest) -> Any:
    """The Zhytomyr hospital's need, for every member."""
    from regionbridge.matching.services import post_create

    organization = hospital(rq)
    return post_create(
        by=None,
        kind="need",
        title="Протезування верхніх кінцівок",
        description="Потрібні протези й навчання для 40 ветеранів.",
        region=organization.region,
        organization=organization,
    )


def partners_offer(organization: Organization, *, audience: str = "partners"):
    """An offer of `organization` (a partner region's office), for its partnerships only."""
    from regionbridge.matching.services import post_create

    return post_create(
        by=None,
        kind="offer",
        title="Upper-limb prosthetics fitting",
        description="Fitting and training for arm prostheses.",
        region=organization.region,
        organization=organization,
        audience=audience,
    )


def meeting_with(user: Any, *, organizer: Any = None, partnership: Any = None) -> Any:
    """A meeting whose thread names `user` (written directly, as `thread_with` does)."""
    from datetime import timedelta

    from regionbridge.meetings.models import Meeting

    thread = thread_with(users=(user,), partnership=partnership)
    start = timezone.now() + timedelta(days=7)
    return Meeting.objects.create(
        title="Test meeting",
        thread=thread,
        partnership=partnership,
        organizer=organizer or thread.created_by,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )


def action_for(owner: Any) -> Any:
    """An action owned by `owner`, from a meeting between other people."""
    from datetime import date

    from regionbridge.meetings.models import ActionItem

    return ActionItem.objects.create(
        title="Test action", owner=owner, due=date(2030, 1, 1), meeting=meeting_with(UserFactory())
    )


def _grid_params():
    for rule in RULES:
        for name in PERSONAS:
            if name not in rule.personas:
                continue
            allowed = name in rule.allowed
            verb = "can" if allowed else "cannot"
            yield pytest.param(name, rule, allowed, id=f"{name}_{verb}_{rule.phrase}")


@pytest.mark.parametrize(("name", "rule", "allowed"), list(_grid_params()))
def test_policy(request, name, rule, allowed):
    user = persona(request, name)
    target = rule.target(request, user)
    assert policy.can(user, rule.action, target) is allowed
    # The string form of an action is the same rule as the enum member.
    assert policy.can(user, str(rule.action), target) is allowed


def test_the_grid_covers_every_action_for_every_persona():
    covered = {(name, rule.action) for rule in RULES for name in rule.personas}
    assert covered == {(name, action) for name in PERSONAS for action in Action}
    for rule in RULES:
        assert rule.allowed <= rule.personas, rule.phrase


def _partnership_targets(request) -> dict[Action, Any]:
    """An object for each partnership action, the most open one there is."""
    open_tie = zhytomyr_indiana()
    return {
        Action.PARTNERSHIP_VIEW: open_tie,
        Action.PARTNERSHIP_EDIT: open_tie,
        Action.EVENT_RECORD: open_tie,
        Action.DOCUMENT_ADD: open_tie,
        Action.DOCUMENT_MANAGE: under_review(open_tie),
        Action.DOCUMENT_REVIEW: under_review(open_tie),
        Action.ACTIVITY_CREATE: hospital_link(request),
    }


def test_anonymous_may_only_view_regions(request):
    anonymous = AnonymousUser()
    person = request.getfixturevalue("zhytomyr_head")
    targets = {
        Action.ORGANIZATION_VIEW: person.organization,
        Action.ORGANIZATION_EDIT: person.organization,
        Action.PERSON_VIEW: person,
        Action.PERSON_VIEW_CONTACTS: person,
        Action.PERSON_EDIT: person,
        Action.THREAD_VIEW: thread_with(users=(UserFactory(),)),
        **_partnership_targets(request),
    }
    allowed = {action for action in Action if policy.can(anonymous, action, targets.get(action))}
    assert allowed == {Action.REGION_VIEW}


def test_outsider_may_only_view_regions_and_manage_own_tokens(request, outsider, zhytomyr_head):
    token, _plain = token_issue(user=outsider, name="mine")
    targets = {
        **_partnership_targets(request),
        Action.ORGANIZATION_VIEW: zhytomyr_head.organization,
        Action.ORGANIZATION_EDIT: zhytomyr_head.organization,
        Action.PERSON_VIEW: zhytomyr_head,
        Action.PERSON_VIEW_CONTACTS: zhytomyr_head,
        Action.PERSON_EDIT: zhytomyr_head,
        Action.TOKEN_MANAGE: token,
        Action.THREAD_VIEW: thread_with(users=(UserFactory(),)),
    }
    allowed = {action for action in Action if policy.can(outsider, action, targets.get(action))}
    assert allowed == {Action.REGION_VIEW, Action.TOKEN_MANAGE}


def test_a_deactivated_account_is_treated_as_anonymous(zhytomyr, zhytomyr_head):
    zhytomyr.is_active = False
    zhytomyr.save()
    user = User.objects.get(pk=zhytomyr.pk)
    assert policy.can(user, Action.REGION_VIEW)
    assert not policy.can(user, Action.DIRECTORY_VIEW)
    assert not policy.can(user, Action.PERSON_VIEW_CONTACTS, zhytomyr_head)
    assert not policy.can(user, Action.PERSON_EDIT, zhytomyr_head)
    assert not policy.can(user, Action.TOKEN_MANAGE)
    assert not policy.visible(user, Person).exists()


def test_a_superuser_without_roles_may_do_everything(reference, zhytomyr_head, indiana_contact):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert policy.can(admin, Action.AUDIT_VIEW)
    assert policy.can(admin, Action.DIRECTORY_VIEW)
    for person in (zhytomyr_head, indiana_contact):
        assert policy.can(admin, Action.PERSON_VIEW_CONTACTS, person)
        assert policy.can(admin, Action.PERSON_EDIT, person)
        assert policy.can(admin, Action.ORGANIZATION_EDIT, person.organization)
    assert policy.visible(admin, ContactChannel).count() == ContactChannel.objects.count()


def test_a_granted_role_takes_effect_at_once(outsider):
    assert not policy.can(outsider, Action.DIRECTORY_VIEW)
    role_assign(user=outsider, role="regional", region=Region.objects.get(code="UA-18"))
    assert policy.can(outsider, Action.DIRECTORY_VIEW)
    assert policy.can(outsider, Action.ORGANIZATION_EDIT, org("rma-UA-18"))


# --- contact details: who sees whose -------------------------------------------------------


def _contact_params():
    for person_name, seen_by in CONTACTS_SEEN_BY.items():
        for name in PERSONAS:
            verb = "can" if name in seen_by else "cannot"
            yield pytest.param(
                name,
                person_name,
                name in seen_by,
                id=f"{name}_{verb}_see_contacts_of_{person_name}",
            )


@pytest.mark.parametrize(("name", "person_name", "allowed"), list(_contact_params()))
def test_contacts(request, name, person_name, allowed):
    user = persona(request, name)
    person = PEOPLE[person_name](request)
    assert policy.can(user, Action.PERSON_VIEW_CONTACTS, person) is allowed
    channels = policy.visible(user, ContactChannel).filter(person=person)
    assert channels.exists() is allowed
    if allowed:  # all of them, not some
        assert channels.count() == person.contacts.count()


def test_contact_table_covers_every_person():
    assert set(CONTACTS_SEEN_BY) == set(PEOPLE)


@pytest.mark.parametrize("name", PERSONAS)
def test_lists_and_details_cannot_disagree(request, name):
    """can(view_contacts) on a person == the person has a contact in visible(ContactChannel)."""
    user = persona(request, name)
    for build in PEOPLE.values():
        build(request)
    person_at(OrganizationFactory(name_en="Kyiv test school", region=None))
    visible_people = set(
        policy.visible(user, ContactChannel).values_list("person_id", flat=True).distinct()
    )
    people = Person.objects.filter(contacts__isnull=False).distinct()
    assert people.count() >= len(PEOPLE) + 1
    for person in people:
        detail = policy.can(user, Action.PERSON_VIEW_CONTACTS, person)
        listed = policy.visible(user, ContactChannel).filter(person=person).exists()
        assert detail is listed, f"{name}: can()={detail}, visible()={listed} for {person}"
        assert (person.pk in visible_people) is detail


def _linked_member(role: str, region_code: str) -> Any:
    user = UserFactory()
    role_assign(user=user, role=role, region=Region.objects.get(code=region_code))
    return user


def test_a_person_linked_to_a_member_sees_own_contacts(reference):
    """Chernihiv's officer whose own directory entry sits in an office out of their reach."""
    user = _linked_member("regional", "UA-74")
    me = person_at(ontario_government(), name="Me Myself")
    stranger = person_at(ontario_government(), name="Somebody Else")
    assert not policy.can(user, Action.PERSON_VIEW_CONTACTS, me)
    me.user = user
    me.save()
    policy.forget(user)
    assert policy.can(user, Action.PERSON_VIEW_CONTACTS, me)
    assert policy.visible(user, ContactChannel).filter(person=me).count() == 1
    assert not policy.can(user, Action.PERSON_VIEW_CONTACTS, stranger)


def test_a_person_linked_to_a_member_keeps_seeing_own_contacts_across_regions(reference):
    user = _linked_member("partner", "US-IN")
    me = person_at(org("rma-UA-18"), name="Seconded Liaison")
    me.user = user
    me.save()
    policy.forget(user)
    assert policy.can(user, Action.PERSON_VIEW_CONTACTS, me)
    assert policy.visible(user, ContactChannel).filter(person=me).exists()


def test_a_person_linked_to_a_user_without_a_role_sees_own_contacts(reference):
    user = UserFactory()
    me = person_at(org("rma-UA-18"), name="Linked But Roleless")
    me.user = user
    me.save()
    assert policy.can(user, Action.PERSON_VIEW_CONTACTS, me)
    assert policy.visible(user, ContactChannel).filter(person=me).exists()


def test_linking_a_person_record_does_not_grant_edits_of_their_organization(chernihiv):
    """Chernihiv's officer listed in the directory under Zhytomyr's RMA (e.g. seconded there)."""
    me = person_at(org("rma-UA-18"), name="Seconded Officer")
    colleague = person_at(org("rma-UA-18"), name="Colleague")
    me.user = chernihiv
    me.save()
    policy.forget(chernihiv)
    assert not policy.can(chernihiv, Action.ORGANIZATION_EDIT, org("rma-UA-18"))
    assert not policy.can(chernihiv, Action.PERSON_EDIT, colleague)


# --- partnerships: beyond the grid ----------------------------------------------------------


def _user_with_role(role: str, **binding: Any) -> User:
    user = UserFactory()
    role_assign(user=user, role=role, **binding)
    return user


def _under(partnership: Partnership, rq: pytest.FixtureRequest, name: str) -> dict[str, Any]:
    """A link, an activity of that link, an activity and a draft of `partnership`."""
    ukrainian = OrganizationFactory(
        name_en=f"{name} Ukrainian side", region=partnership.ukrainian_region
    )
    foreign = OrganizationFactory(name_en=f"{name} partner side", region=partnership.partner_region)
    link = link_create(
        by=None,
        ukrainian_institution=ukrainian,
        partner_institution=foreign,
        partnership=partnership,
    )
    today = timezone.localdate()
    return {
        "partnership": (Partnership, {partnership.pk}),
        "events": (PartnershipEvent, set(partnership.events.values_list("pk", flat=True))),
        "documents": (Document, {under_review(partnership).pk}),
        "links": (InstitutionLink, {link.pk}),
        "activities": (
            Activity,
            {
                Activity.objects.create(
                    kind="visit", title_en="Visit", starts_on=today, partnership=partnership
                ).pk
            },
        ),
        "link_activities": (
            Activity,
            {Activity.objects.create(kind="visit", title_en="Lab", starts_on=today, link=link).pk},
        ),
    }


def _child_params():
    for what in ("partnership", "events", "documents", "links", "activities", "link_activities"):
        for name in PERSONAS:
            yield pytest.param(what, name, id=f"{name}-{what}")


@pytest.mark.parametrize(("what", "name"), list(_child_params()))
def test_what_hangs_under_a_partnership_is_listed_exactly_when_it_is_seen(request, what, name):
    """can(partnership.view) and visible() of its events, drafts, links and (non-public)
    activities cannot disagree, for the open tie and for the confidential negotiation."""
    user = persona(request, name)
    for tie in (zhytomyr_indiana(), chernihiv_minnesota()):
        model, pks = _under(tie, request, str(tie.pk))[what]
        assert pks
        sees = policy.can(user, Action.PARTNERSHIP_VIEW, tie)
        listed = set(policy.visible(user, model).filter(pk__in=pks).values_list("pk", flat=True))
        assert listed == (pks if sees else set()), (str(tie), sees)


@pytest.mark.parametrize("name", ["coordinator", "ministry"])
def test_coordinators_and_ministries_list_every_link_and_activity(request, name):
    user = persona(request, name)
    _under(zhytomyr_indiana(), request, "open")
    _under(chernihiv_minnesota(), request, "secret")
    standalone = link_create(
        by=None,
        ukrainian_institution=zhytomyr_university(),
        partner_institution=indiana_university(),
    )
    assert standalone.partnership is None
    assert policy.visible(user, Partnership).count() == Partnership.objects.count()
    assert policy.visible(user, Document).count() == Document.objects.count()
    assert policy.visible(user, InstitutionLink).count() == InstitutionLink.objects.count() == 3
    assert policy.visible(user, Activity).count() == Activity.objects.count() == 4


def test_a_minnesota_liaison_sees_the_confidential_negotiation_but_manages_nothing(reference):
    liaison = _user_with_role("partner", region=Region.objects.get(code="US-MN"))
    secret = chernihiv_minnesota()
    assert policy.can(liaison, Action.PARTNERSHIP_VIEW, secret)
    for action in (
        Action.PARTNERSHIP_EDIT,
        Action.EVENT_RECORD,
        Action.DOCUMENT_ADD,
        Action.ACTIVITY_CREATE,
    ):
        assert not policy.can(liaison, action, secret), action
    assert not policy.can(liaison, Action.DOCUMENT_MANAGE, under_review(secret))
    assert not policy.can(liaison, Action.DOCUMENT_REVIEW, under_review(secret))
    assert not policy.can(liaison, Action.REVIEW_QUEUE_VIEW)
    assert not policy.can(liaison, Action.PARTNERSHIP_OPEN)


def test_a_consulate_in_the_host_country_counts_as_its_embassy(reference):
    consul = _user_with_role("embassy", organization=org("consulate-chicago"))
    secret = chernihiv_minnesota()
    assert policy.can(consul, Action.PARTNERSHIP_VIEW, secret)
    assert policy.can(consul, Action.EVENT_RECORD, secret)
    assert not policy.can(consul, Action.PARTNERSHIP_EDIT, secret)
    assert not policy.can(consul, Action.PARTNERSHIP_VIEW, zhytomyr_ontario())


def test_an_embassy_in_another_host_country_neither_sees_nor_records(reference):
    mission = OrganizationFactory(
        kind="embassy",
        name_en="Embassy of Ukraine in Canada (test)",
        region=None,
        country=Country.objects.get(code="CA"),
    )
    canada = _user_with_role("embassy", organization=mission)
    secret = chernihiv_minnesota()
    assert not policy.can(canada, Action.PARTNERSHIP_VIEW, secret)
    assert not policy.can(canada, Action.EVENT_RECORD, secret)
    assert not policy.can(canada, Action.EVENT_RECORD, zhytomyr_indiana())
    assert policy.can(canada, Action.PARTNERSHIP_VIEW, zhytomyr_ontario())
    assert policy.can(canada, Action.EVENT_RECORD, zhytomyr_ontario())
    assert not policy.visible(canada, Document).filter(partnership=secret).exists()


@pytest.mark.parametrize("key", ["mfa", "mindev"])
def test_both_clearing_ministries_review_and_see_the_queue(reference, key):
    reviewer = _user_with_role("ministry", organization=org(key))
    assert policy.clearing_ministries(reviewer) == [org(key)]
    assert policy.can(reviewer, Action.REVIEW_QUEUE_VIEW)
    assert policy.can(reviewer, Action.DOCUMENT_REVIEW, under_review(chernihiv_minnesota()))


def test_a_ministry_that_does_not_clear_drafts_does_not_review_them(reference):
    health = OrganizationFactory(
        kind="ministry",
        name_en="Ministry of Health (test)",
        region=Region.objects.get(code="UA-30"),
    )
    official = _user_with_role("ministry", organization=health)
    assert policy.clearing_ministries(official) == []
    assert not policy.can(official, Action.REVIEW_QUEUE_VIEW)
    assert not policy.can(official, Action.DOCUMENT_REVIEW, under_review(zhytomyr_indiana()))


def test_a_superuser_without_roles_manages_partnerships_but_reviews_nothing(reference):
    admin = UserFactory(is_superuser=True, is_staff=True)
    secret = chernihiv_minnesota()
    for action in (
        Action.PARTNERSHIP_VIEW,
        Action.PARTNERSHIP_EDIT,
        Action.EVENT_RECORD,
        Action.DOCUMENT_ADD,
        Action.ACTIVITY_CREATE,
    ):
        assert policy.can(admin, action, secret), action
    assert policy.can(admin, Action.DOCUMENT_MANAGE, under_review(secret))
    assert policy.can(admin, Action.REVIEW_QUEUE_VIEW)
    # Only the clearing ministries decide on drafts.
    assert not policy.can(admin, Action.DOCUMENT_REVIEW, under_review(secret))


def test_a_deactivated_officer_loses_their_oblasts_partnerships(zhytomyr):
    tie = zhytomyr_indiana()
    assert policy.can(zhytomyr, Action.PARTNERSHIP_EDIT, tie)
    zhytomyr.is_active = False
    zhytomyr.save()
    user = User.objects.get(pk=zhytomyr.pk)
    for action in (Action.PARTNERSHIP_VIEW, Action.PARTNERSHIP_EDIT, Action.EVENT_RECORD):
        assert not policy.can(user, action, tie), action
    assert not policy.visible(user, Partnership).exists()


# --- threads: beyond the grid --------------------------------------------------------------


def _threads_of_every_kind(rq: pytest.FixtureRequest) -> list[Thread]:
    """Threads with people, with whole offices, on the open tie and on the confidential one."""
    named = [persona(rq, name) for name in ("zhytomyr", "indiana", "chernihiv")]
    return [
        thread_with(users=(named[0], named[1])),
        thread_with(users=(named[2],), organizations=(org("mfa"),)),
        thread_with(organizations=(hospital(rq), org("embassy-us"))),
        thread_with(users=(named[0],), partnership=zhytomyr_indiana()),
        thread_with(
            users=(named[0], named[2]),
            organizations=(hospital(rq), org("embassy-us")),
            partnership=chernihiv_minnesota(),
        ),
        thread_with(users=(UserFactory(),)),
    ]


@pytest.mark.parametrize("name", PERSONAS)
def test_threads_listed_and_threads_opened_cannot_disagree(request, name):
    """can(thread.view) == the thread is in visible(Thread), and its messages follow it."""
    threads = _threads_of_every_kind(request)
    user = persona(request, name)
    listed = set(policy.visible(user, Thread).values_list("pk", flat=True))
    seen_messages = set(policy.visible(user, Message).values_list("thread_id", flat=True))
    for thread in threads:
        sees = policy.can(user, Action.THREAD_VIEW, thread)
        assert (thread.pk in listed) is sees, (name, thread.pk)
        assert (thread.pk in seen_messages) is sees, (name, thread.pk)
    # A thread listed once, however many ways the user takes part in it.
    assert policy.visible(user, Thread).count() == len(listed)


def test_a_thread_to_an_office_reaches_whoever_is_listed_in_it(request, zhytomyr):
    """Zhytomyr's officer holds a regional role bound to no office: the RMA's threads reach them
    through their directory entry, and stop when they leave it."""
    thread = thread_with(organizations=(org("rma-UA-18"),))
    assert not policy.can(zhytomyr, Action.THREAD_VIEW, thread)
    me = person_at(org("rma-UA-18"), name="Zhytomyr Officer")
    me.user = zhytomyr
    me.save()
    policy.forget(zhytomyr)
    assert policy.can(zhytomyr, Action.THREAD_VIEW, thread)
    me.organization = org("rma-UA-74")
    me.save()
    policy.forget(zhytomyr)
    assert not policy.can(zhytomyr, Action.THREAD_VIEW, thread)


def test_a_participant_loses_the_thread_when_the_partnership_turns_confidential(zhytomyr):
    tie = partnership("UA-74", "US-MN")  # opened as an ordinary, open tie
    thread = thread_with(users=(zhytomyr,), partnership=tie)
    assert policy.can(zhytomyr, Action.THREAD_VIEW, thread)
    Partnership.objects.filter(pk=tie.pk).update(confidential=True)
    assert not policy.can(zhytomyr, Action.THREAD_VIEW, thread)
    assert not policy.visible(zhytomyr, Message).filter(thread=thread).exists()


def test_a_participant_loses_the_negotiation_thread_with_their_role(request):
    officer = _user_with_role("regional", region=Region.objects.get(code="UA-74"))
    thread = thread_with(users=(officer,), partnership=chernihiv_minnesota())
    assert policy.can(officer, Action.THREAD_VIEW, thread)
    RoleAssignment.objects.filter(user=officer).delete()
    policy.forget(officer)
    assert not policy.can(officer, Action.THREAD_VIEW, thread)
    assert not policy.visible(officer, Thread).exists()


def test_a_deactivated_participant_sees_no_thread(zhytomyr):
    thread = thread_with(users=(zhytomyr,))
    assert policy.can(zhytomyr, Action.THREAD_VIEW, thread)
    zhytomyr.is_active = False
    zhytomyr.save()
    user = User.objects.get(pk=zhytomyr.pk)
    assert not policy.can(user, Action.THREAD_VIEW, thread)
    assert not policy.can(user, Action.THREAD_START)
    assert not policy.visible(user, Thread).exists()
    assert not policy.visible(user, Message).exists()


# --- visible(): the querysets behind lists -------------------------------------------------


@pytest.mark.parametrize("name", PERSONAS)
def test_everyone_sees_every_region_and_country(request, name):
    user = persona(request, name)
    assert policy.visible(user, Region).count() == Region.objects.count()
    assert policy.visible(user, Country).count() == Country.objects.count()


@pytest.mark.parametrize("name", PERSONAS)
def test_only_members_list_the_directory(request, name, zhytomyr_head):
    user = persona(request, name)
    member = name in MEMBERS
    assert policy.visible(user, Organization).exists() is member
    assert policy.visible(user, Person).exists() is member
    if member:
        assert policy.visible(user, Organization).count() == Organization.objects.count()
        assert policy.visible(user, Person).count() == Person.objects.count()
    assert policy.can(user, Action.DIRECTORY_VIEW) is member


@pytest.mark.parametrize("name", PERSONAS)
def test_only_the_coordinator_lists_the_audit_trail(request, name):
    user = persona(request, name)
    request.getfixturevalue("coordinator")  # granting a role writes an audit entry
    assert AuditEntry.objects.exists()
    allowed = name == "coordinator"
    assert policy.visible(user, AuditEntry).exists() is allowed
    assert policy.can(user, Action.AUDIT_VIEW) is allowed


@pytest.mark.parametrize("name", sorted(SIGNED_IN))
def test_tokens_are_listed_only_to_their_owner(request, name):
    user = persona(request, name)
    mine, _plain = token_issue(user=user, name="mine")
    token_issue(user=UserFactory(), name="theirs")
    assert list(policy.visible(user, ApiToken)) == [mine]


def test_anonymous_lists_no_tokens(outsider):
    token_issue(user=outsider, name="theirs")
    assert not policy.visible(AnonymousUser(), ApiToken).exists()


# --- role bindings -------------------------------------------------------------------------


def _region(code):
    return lambda: Region.objects.get(code=code)


def _org(key):
    return lambda: org(key)


def _none():
    return None


INVALID_BINDINGS = {
    "regional_with_a_foreign_region": ("regional", _region("US-IN"), _none),
    "regional_without_a_region": ("regional", _none, _org("rma-UA-18")),
    "partner_with_a_ukrainian_region": ("partner", _region("UA-18"), _none),
    "partner_without_a_region": ("partner", _none, _org("gov-US-IN")),
    "embassy_with_a_ministry": ("embassy", _none, _org("mfa")),
    "embassy_with_a_state_government": ("embassy", _region("US-IN"), _org("gov-US-IN")),
    "embassy_without_an_organization": ("embassy", _none, _none),
    "ministry_with_an_embassy": ("ministry", _none, _org("embassy-us")),
    "ministry_with_the_presidential_office": ("ministry", _none, _org("presidential-office")),
    "ministry_without_an_organization": ("ministry", _none, _none),
    "institution_without_an_organization": ("institution", _region("UA-18"), _none),
    "an_unknown_role": ("superhero", _none, _org("mfa")),
}

VALID_BINDINGS = {
    "regional_with_a_ukrainian_oblast": ("regional", _region("UA-18"), _none),
    "regional_with_kyiv_city": ("regional", _region("UA-30"), _none),
    "partner_with_a_us_state": ("partner", _region("US-IN"), _none),
    "partner_with_a_canadian_province": ("partner", _region("CA-ON"), _none),
    "embassy_with_the_embassy": ("embassy", _none, _org("embassy-us")),
    "embassy_with_a_consulate": ("embassy", _none, _org("consulate-chicago")),
    "ministry_with_the_mfa": ("ministry", _none, _org("mfa")),
    "ministry_with_mindev": ("ministry", _none, _org("mindev")),
    "institution_with_an_organization": ("institution", _none, zhytomyr_university),
    "coordinator_with_the_presidential_office": (
        "coordinator",
        _none,
        _org("presidential-office"),
    ),
}


@pytest.mark.parametrize(
    ("role", "get_region", "get_org"),
    list(INVALID_BINDINGS.values()),
    ids=[f"refuses_{name}" for name in INVALID_BINDINGS],
)
def test_role_assign(reference, role, get_region, get_org):
    user = UserFactory()
    with pytest.raises(ValidationError):
        role_assign(user=user, role=role, region=get_region(), organization=get_org())
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert not policy.can(user, Action.DIRECTORY_VIEW)


@pytest.mark.parametrize(
    ("role", "get_region", "get_org"),
    list(VALID_BINDINGS.values()),
    ids=[f"accepts_{name}" for name in VALID_BINDINGS],
)
def test_role_assign_binding(reference, role, get_region, get_org):
    user = UserFactory()
    region, organization = get_region(), get_org()
    assignment = role_assign(user=user, role=role, region=region, organization=organization)
    again = role_assign(user=user, role=role, region=region, organization=organization)
    assert assignment.pk == again.pk  # idempotent
    assert RoleAssignment.objects.filter(user=user).count() == 1
    assert policy.can(user, Action.DIRECTORY_VIEW)


# --- the policy refuses to guess -----------------------------------------------------------


@pytest.mark.parametrize("model", [RoleAssignment, User, Group])
def test_visible_raises_for_a_model_without_a_rule(outsider, model):
    with pytest.raises(LookupError):
        policy.visible(outsider, model)


@pytest.mark.parametrize("action", ["partnership.sign", "", "REGION.VIEW", "region.view "])
def test_can_raises_for_an_unknown_action(coordinator, action):
    with pytest.raises(LookupError):
        policy.can(coordinator, action)
