"""Who is told of what: `policy.audience(kind, obj)` for every workflow event, over every persona
(the table reads like the rule). Everyone told may see the object; nobody is told twice."""

from collections.abc import Callable
from typing import Any

import pytest

from regionbridge import policy
from regionbridge.messaging.models import Mention, Participant
from tests.test_policy import (
    PERSONAS,
    chernihiv_minnesota,
    kyiv_indiana,
    thread_with,
    under_review,
    zhytomyr_indiana,
)

pytestmark = pytest.mark.django_db
SIGNED_IN = tuple(name for name in PERSONAS if name != "anonymous")


def _participant(rq, *, office: bool = False) -> Participant:
    thread = thread_with(partnership=zhytomyr_indiana())
    if office:  # the hospital: its staff (the institution persona) read the thread
        hospital = rq.getfixturevalue("institution_user").role_assignments.get().organization
        return Participant.objects.create(thread=thread, organization=hospital)
    return Participant.objects.create(thread=thread, user=rq.getfixturevalue("zhytomyr"))


def _mention(rq, *, of: str, partnership=None) -> Mention:
    person = rq.getfixturevalue(of)
    thread = thread_with(users=(person,), partnership=partnership)
    return Mention.objects.create(message=thread.messages.first(), user=person)


EVENTS: list[tuple[str, str, Callable[[Any], Any], frozenset[str]]] = [
    # A draft submitted: the clearing ministries' staff.
    (
        "document.submitted",
        "an open tie's draft",
        lambda rq: under_review(zhytomyr_indiana()),
        frozenset({"ministry"}),
    ),
    (
        "document.submitted",
        "a confidential draft",
        lambda rq: under_review(chernihiv_minnesota()),
        frozenset({"ministry"}),
    ),
    # Returned or cleared: the drafting region and the coordinators.
    (
        "document.returned",
        "an open tie's draft",
        lambda rq: under_review(zhytomyr_indiana()),
        frozenset({"zhytomyr", "coordinator"}),
    ),
    (
        "document.cleared",
        "a confidential draft",
        lambda rq: under_review(chernihiv_minnesota()),
        frozenset({"chernihiv", "coordinator"}),
    ),
    (
        "document.cleared",
        "another oblast's confidential draft",
        lambda rq: under_review(kyiv_indiana()),
        frozenset({"coordinator"}),
    ),
    # Signed: both sides and the embassy of the partner's country.
    (
        "document.signed",
        "an open tie's memorandum",
        lambda rq: under_review(zhytomyr_indiana()),
        frozenset({"zhytomyr", "indiana", "embassy"}),
    ),
    (
        "document.signed",
        "a confidential agreement",
        lambda rq: under_review(chernihiv_minnesota()),
        frozenset({"chernihiv", "embassy"}),
    ),
    (
        "document.signed",
        "Kyiv's confidential memorandum with Indiana",
        lambda rq: under_review(kyiv_indiana()),
        frozenset({"indiana", "embassy"}),
    ),
    # A next step overdue: the Ukrainian side's regional staff.
    ("next_step.overdue", "an open tie", lambda rq: zhytomyr_indiana(), frozenset({"zhytomyr"})),
    (
        "next_step.overdue",
        "a confidential negotiation",
        lambda rq: chernihiv_minnesota(),
        frozenset({"chernihiv"}),
    ),
    # Added to a thread: the person, or the office's people.
    ("thread.added", "a person", lambda rq: _participant(rq), frozenset({"zhytomyr"})),
    (
        "thread.added",
        "an office",
        lambda rq: _participant(rq, office=True),
        frozenset({"institution_user"}),
    ),
    # Mentioned: the person, if they may read the thread.
    (
        "message.mentioned",
        "in a thread they read",
        lambda rq: _mention(rq, of="indiana"),
        frozenset({"indiana"}),
    ),
    (
        "message.mentioned",
        "in a thread on a negotiation hidden from them",
        lambda rq: _mention(rq, of="indiana", partnership=chernihiv_minnesota()),
        frozenset(),
    ),
]


# --- meetings and action items (tests/test_meeting_policy.py has the full cast) ----------------


def _meeting(rq, *, partnership=None, named=(), office: str = "", organizer: str = ""):
    """A meeting whose thread names `named` personas (and an office), written directly."""
    from datetime import timedelta

    from django.utils import timezone

    from regionbridge.meetings.models import Meeting
    from regionbridge.organizations.models import Organization

    thread = thread_with(
        users=tuple(rq.getfixturevalue(name) for name in named), partnership=partnership
    )
    if office:
        Participant.objects.create(thread=thread, organization=Organization.objects.get(key=office))
    start = timezone.now() + timedelta(days=3)
    return Meeting.objects.create(
        title="Meeting",
        thread=thread,
        partnership=partnership,
        organizer=rq.getfixturevalue(organizer) if organizer else thread.created_by,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )


def _action(rq, *, owner: str, partnership=None):
    from datetime import date

    from regionbridge.meetings.models import ActionItem

    meeting = _meeting(rq, partnership=partnership)
    return ActionItem.objects.create(
        title="Action",
        owner=rq.getfixturevalue(owner),
        due=date(2030, 1, 1),
        meeting=meeting,
        partnership=partnership,
    )


for _kind in ("meeting.invited", "meeting.changed", "meeting.cancelled", "meeting.reminder"):
    EVENTS += [
        (
            _kind,
            "a person and an office on an open tie",
            lambda rq: _meeting(
                rq, partnership=zhytomyr_indiana(), named=("indiana",), office="embassy-us"
            ),
            frozenset({"indiana", "embassy"}),
        ),
        (
            _kind,
            "a confidential negotiation, someone written in who may not see it",
            lambda rq: _meeting(
                rq, partnership=chernihiv_minnesota(), named=("chernihiv", "embassy", "zhytomyr")
            ),
            frozenset({"chernihiv", "embassy"}),
        ),
    ]
EVENTS += [
    (
        "meeting.answered",
        "the organizer",
        lambda rq: _meeting(rq, named=("zhytomyr", "indiana"), organizer="zhytomyr"),
        frozenset({"zhytomyr"}),
    ),
    (
        "action.assigned",
        "the owner",
        lambda rq: _action(rq, owner="indiana", partnership=zhytomyr_indiana()),
        frozenset({"indiana"}),
    ),
    (
        "action.due",
        "the owner on a confidential negotiation",
        lambda rq: _action(rq, owner="chernihiv", partnership=chernihiv_minnesota()),
        frozenset({"chernihiv"}),
    ),
    (
        "action.overdue",
        "an owner who may not see the negotiation",
        lambda rq: _action(rq, owner="zhytomyr", partnership=chernihiv_minnesota()),
        frozenset(),
    ),
]


# --- needs and offers: a strong match tells the people of both posts who may see both ---------


def _match(rq, *, offer_audience: str = "members", tie: bool = False):
    from regionbridge.matching.models import Match
    from tests.test_policy import hospital_need, org, partners_offer

    if tie:
        zhytomyr_indiana()
    need = hospital_need(rq)
    offer = partners_offer(org("gov-US-IN"), audience=offer_audience)
    return Match.objects.create(need=need, offer=offer, score=0.9, strong=True)


EVENTS += [
    (
        "match.found",
        "the hospital's need and Indiana's offer",
        lambda rq: _match(rq),
        frozenset({"institution_user", "indiana"}),
    ),
    (
        "match.found",
        "a partners-only offer the hospital may not see",
        lambda rq: _match(rq, offer_audience="partners"),
        frozenset({"indiana"}),
    ),
    (
        "match.found",
        "a partners-only offer under the Zhytomyr – Indiana tie",
        lambda rq: _match(rq, offer_audience="partners", tie=True),
        frozenset({"institution_user", "indiana"}),
    ),
]


@pytest.mark.parametrize(
    ("kind", "about", "target", "told"),
    EVENTS,
    ids=[f"{kind}: {about}" for kind, about, _target, _told in EVENTS],
)
def test_who_is_told(request, kind, about, target, told):
    people = {name: request.getfixturevalue(name) for name in SIGNED_IN}
    obj = target(request)
    audience = list(policy.audience(kind, obj))
    assert len(audience) == len({user.pk for user in audience})  # nobody twice
    names = {name for name, user in people.items() if user in audience}
    assert names == told
    for user in audience:  # only people who may see it
        see = obj.partnership if hasattr(obj, "partnership") else None
        if see is not None:
            assert policy.can(user, policy.Action.PARTNERSHIP_VIEW, see)


def test_every_event_kind_has_an_audience_and_an_unknown_kind_is_an_error():
    kinds = {kind for kind, *_rest in EVENTS}
    assert kinds == set(policy.registry.AUDIENCE_RULES)
    with pytest.raises(LookupError):
        policy.audience("document.shredded", None)


def test_a_deactivated_account_is_never_told(zhytomyr):
    assert policy.audience("next_step.overdue", zhytomyr_indiana()).filter(pk=zhytomyr.pk).exists()
    zhytomyr.is_active = False
    zhytomyr.save()
    assert not policy.audience("next_step.overdue", zhytomyr_indiana()).exists()
