"""Who sees and does what with meetings and action items: every persona, allowed and denied.

The cast of one open meeting (on the Zhytomyr–Indiana tie): Zhytomyr's officer organizes it,
Indiana's liaison is named, the embassy in the US is invited as a whole office (the embassy
persona is on its staff). Coordinators oversee every meeting; everyone else (the ministry, which
sees every partnership, Chernihiv's officer, an institution, an outsider, an anonymous visitor)
is not invited and sees nothing. A meeting on the confidential Chernihiv–Minnesota negotiation is
seen only by invitees who may see the negotiation, whoever was written into its thread.
"""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from regionbridge import policy
from regionbridge.accounts.services import role_assign
from regionbridge.meetings import services as meetings
from regionbridge.meetings.models import (
    ActionItem,
    AgendaItem,
    Answer,
    Decision,
    Meeting,
    MeetingResponse,
    MeetingStatus,
)
from regionbridge.messaging import services as messaging
from regionbridge.messaging.models import Participant
from tests.conftest import org
from tests.factories import UserFactory
from tests.test_policy import chernihiv_minnesota, zhytomyr_indiana

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
MEMBERS = set(PERSONAS) - {"anonymous", "outsider"}
ORGANIZER, NAMED, OFFICE = "zhytomyr", "indiana", "embassy"
INVITED = {ORGANIZER, NAMED, OFFICE}
START = timezone.now() - timedelta(hours=2)  # it has started: minutes may be written


def persona(request, name):
    return AnonymousUser() if name == "anonymous" else request.getfixturevalue(name)


def everyone(request) -> dict:
    return {name: persona(request, name) for name in PERSONAS}


def open_meeting(request) -> Meeting:
    meeting = meetings.meeting_create(
        by=persona(request, ORGANIZER),
        title="Open meeting",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        users=[persona(request, NAMED)],
        organizations=[org("embassy-us")],
        partnership=zhytomyr_indiana(),
        agenda=["One"],
    )
    meetings.decision_add(meeting=meeting, by=None, text="Decided")
    meetings.meeting_respond(meeting=meeting, by=persona(request, NAMED), answer=Answer.ACCEPTED)
    return meeting


def secret_meeting(request) -> Meeting:
    """On the confidential negotiation, by Chernihiv's officer, with the embassy named; then
    Zhytomyr's officer and the hospital are written into its thread directly, as if they had
    been added before the tie became confidential."""
    meeting = meetings.meeting_create(
        by=persona(request, "chernihiv"),
        title="Secret meeting",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        users=[persona(request, "embassy")],
        partnership=chernihiv_minnesota(),
        agenda=["Secret item"],
    )
    meetings.decision_add(meeting=meeting, by=None, text="Secret decision")
    Participant.objects.create(thread=meeting.thread, user=persona(request, "zhytomyr"))
    hospital = persona(request, "institution_user").role_assignments.get().organization
    Participant.objects.create(thread=meeting.thread, organization=hospital)
    return meeting


# --- the actions, persona by persona -----------------------------------------------------------

OPEN_GRID = {
    Action.MEETING_CREATE: MEMBERS,
    Action.MEETING_VIEW: INVITED | {"coordinator"},
    Action.MEETING_EDIT: {ORGANIZER, "coordinator"},
    Action.MEETING_RECORD: INVITED | {"coordinator"},
    Action.MEETING_RESPOND: INVITED,  # a coordinator oversees, but is not invited
}


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize("action", list(OPEN_GRID), ids=str)
def test_meeting_actions_on_an_open_meeting(request, name, action):
    meeting = open_meeting(request)
    target = None if action == Action.MEETING_CREATE else meeting
    assert policy.can(persona(request, name), action, target) is (name in OPEN_GRID[action])


SECRET_GRID = {
    Action.MEETING_VIEW: {"chernihiv", "embassy", "coordinator"},
    Action.MEETING_EDIT: {"chernihiv", "coordinator"},
    Action.MEETING_RECORD: {"chernihiv", "embassy", "coordinator"},
    Action.MEETING_RESPOND: {"chernihiv", "embassy"},
}


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize("action", list(SECRET_GRID), ids=str)
def test_meeting_actions_on_a_confidential_meeting(request, name, action):
    meeting = secret_meeting(request)
    assert policy.can(persona(request, name), action, meeting) is (name in SECRET_GRID[action])


@pytest.mark.parametrize("name", PERSONAS)
def test_a_confidential_meeting_and_its_parts_are_listed_as_can_says(request, name):
    meeting = secret_meeting(request)
    user = persona(request, name)
    allowed = name in SECRET_GRID[Action.MEETING_VIEW]
    assert policy.visible(user, Meeting).filter(pk=meeting.pk).exists() is allowed
    for model in (AgendaItem, Decision):
        assert policy.visible(user, model).filter(meeting=meeting).exists() is allowed, model


@pytest.mark.parametrize("name", PERSONAS)
def test_the_parts_of_an_open_meeting_are_seen_as_the_meeting(request, name):
    meeting = open_meeting(request)
    user = persona(request, name)
    allowed = name in OPEN_GRID[Action.MEETING_VIEW]
    for model in (Meeting, AgendaItem, Decision, MeetingResponse):
        rows = policy.visible(user, model)
        rows = rows.filter(pk=meeting.pk) if model is Meeting else rows.filter(meeting=meeting)
        assert rows.exists() is allowed, model


def test_lists_and_details_agree_on_a_mixed_set(request):
    """visible(user, Meeting) is exactly the meetings `can` lets them view, row by row."""
    people = everyone(request)
    mixed = [
        open_meeting(request),
        secret_meeting(request),
        meetings.meeting_create(  # no partnership, the MFA as an office
            by=people["chernihiv"],
            title="Plain",
            starts_at=START,
            ends_at=START + timedelta(hours=1),
            organizations=[org("mfa")],
        ),
        meetings.meeting_create(  # with a person without a role, then cancelled
            by=people["indiana"],
            title="Cancelled",
            starts_at=START,
            ends_at=START + timedelta(hours=1),
            users=[people["outsider"]],
        ),
    ]
    meetings.meeting_cancel(meeting=mixed[-1], by=people["indiana"])
    for name, user in people.items():
        listed = set(policy.visible(user, Meeting).values_list("pk", flat=True))
        allowed = {m.pk for m in mixed if policy.can(user, Action.MEETING_VIEW, m)}
        assert listed == allowed, name
        assert policy.visible(user, Meeting).count() == len(allowed), name
    assert set(policy.visible(people["outsider"], Meeting)) == {mixed[-1]}  # invited, no role
    assert set(policy.visible(people["ministry"], Meeting)) == {mixed[2]}  # its office only


def test_the_service_refuses_inviting_someone_who_may_not_see_the_negotiation(chernihiv, zhytomyr):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        meetings.meeting_create(
            by=chernihiv,
            title="Secret",
            starts_at=START,
            ends_at=START + timedelta(hours=1),
            users=[zhytomyr],
            partnership=chernihiv_minnesota(),
        )
    assert not policy.visible(zhytomyr, Meeting).exists()


# --- action items ------------------------------------------------------------------------------


@pytest.fixture
def mfa_colleague(reference):
    """Someone on the MFA's staff with a role that sees no confidential negotiation."""
    user = UserFactory(email="colleague@mfa.example.org")
    role_assign(user=user, role="institution", organization=org("mfa"))
    return user


def action_grid(request, partnership, organizer: str, invitee: str) -> ActionItem:
    """An action for the ministry persona (not at the meeting), from a meeting of two others."""
    meeting = meetings.meeting_create(
        by=persona(request, organizer),
        title="Meeting with an action",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        users=[persona(request, invitee)],
        partnership=partnership,
    )
    return meetings.action_add(
        by=persona(request, organizer),
        title="Prepare the memorandum",
        owner=persona(request, "ministry"),
        due=date(2030, 1, 1),
        meeting=meeting,
    )


@pytest.mark.parametrize("name", [*PERSONAS, "mfa_colleague"])
def test_an_action_is_seen_by_its_owner_their_office_the_meeting_and_coordinators(request, name):
    action = action_grid(request, zhytomyr_indiana(), "zhytomyr", "indiana")
    user = persona(request, name)
    sees = {"ministry", "mfa_colleague", "zhytomyr", "indiana", "coordinator"}
    assert policy.visible(user, ActionItem).filter(pk=action.pk).exists() is (name in sees)
    edits = {"ministry", "zhytomyr", "coordinator"}  # owner, creator and organizer, coordinator
    assert policy.can(user, Action.ACTION_EDIT, action) is (name in edits)


@pytest.mark.parametrize("name", [*PERSONAS, "mfa_colleague"])
def test_an_action_on_a_confidential_negotiation_stays_as_confidential(request, name):
    action = action_grid(request, chernihiv_minnesota(), "chernihiv", "embassy")
    user = persona(request, name)
    sees = {"ministry", "chernihiv", "embassy", "coordinator"}  # not the owner's colleague
    assert policy.visible(user, ActionItem).filter(pk=action.pk).exists() is (name in sees)
    assert policy.can(user, Action.ACTION_EDIT, action) is (
        name in {"ministry", "chernihiv", "coordinator"}
    )


@pytest.mark.parametrize("name", PERSONAS)
def test_actions_are_taken_from_threads_one_reads_with_a_role(request, name, outsider, zhytomyr):
    thread = messaging.thread_create(
        by=zhytomyr, subject="Plans", users=[outsider, persona(request, "indiana")], body="Hi"
    )
    allowed = {"zhytomyr", "indiana"}  # the outsider reads it, but holds no role
    assert policy.can(persona(request, name), Action.ACTION_CREATE, thread) is (name in allowed)


def test_an_action_from_a_message_is_seen_by_the_threads_readers(request, zhytomyr, indiana):
    thread = messaging.thread_create(by=zhytomyr, subject="Plans", users=[indiana], body="Hi")
    action = meetings.action_add(
        by=indiana,
        title="Reply",
        owner=persona(request, "ministry"),
        due=date(2030, 1, 1),
        message=thread.messages.get(),
    )
    for name in PERSONAS:
        expected = name in {"zhytomyr", "indiana", "ministry", "coordinator"}
        user = persona(request, name)
        assert policy.visible(user, ActionItem).filter(pk=action.pk).exists() is expected, name


# --- audiences are within the viewers ----------------------------------------------------------


def _within_viewers(request, kind, obj, action) -> set:
    told = set(policy.audience(kind, obj))
    for user in told:
        assert (
            policy.can(user, action, obj)
            or policy.visible(user, type(obj)).filter(pk=obj.pk).exists()
        ), (kind, user)
    return {name for name, user in everyone(request).items() if user in told}


@pytest.mark.parametrize(
    "kind", ["meeting.invited", "meeting.changed", "meeting.cancelled", "meeting.reminder"]
)
def test_meeting_audiences_are_its_invitees_who_may_see_it(request, kind):
    open_one, secret = open_meeting(request), secret_meeting(request)
    assert _within_viewers(request, kind, open_one, Action.MEETING_VIEW) == INVITED
    assert _within_viewers(request, kind, secret, Action.MEETING_VIEW) == {"chernihiv", "embassy"}


def test_the_organizer_is_told_of_answers(request):
    meeting = open_meeting(request)
    assert _within_viewers(request, "meeting.answered", meeting, Action.MEETING_VIEW) == {ORGANIZER}


@pytest.mark.parametrize("kind", ["action.assigned", "action.due", "action.overdue"])
def test_action_audiences_are_the_owner_while_they_may_see_it(request, kind):
    action = action_grid(request, chernihiv_minnesota(), "chernihiv", "embassy")
    assert _within_viewers(request, kind, action, Action.ACTION_EDIT) == {"ministry"}
    # An owner who lost sight of the negotiation is no longer told.
    ActionItem.objects.filter(pk=action.pk).update(owner=persona(request, "zhytomyr"))
    action.refresh_from_db()
    assert not policy.audience(kind, action).exists()


def test_a_cancelled_meeting_is_still_seen_by_its_invitees(request):
    meeting = open_meeting(request)
    meetings.meeting_cancel(meeting=meeting, by=persona(request, ORGANIZER))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    for name, user in everyone(request).items():
        expected = name in OPEN_GRID[Action.MEETING_VIEW]
        assert policy.can(user, Action.MEETING_VIEW, meeting) is expected, name
