"""Who sees, changes and connects needs and offers, beyond the action grid (tests/test_policy.py):
the list and the detail agree, the rule read the other way round (who is told) agrees with the
rule itself, and only live, non-confidential ties open a partners-only post."""

import pytest

from regionbridge import policy
from regionbridge.matching.models import Match, Post
from regionbridge.policy.matching import post_viewers
from regionbridge.policy.scope import active_users
from tests.conftest import org
from tests.test_policy import PERSONAS, hospital_need, partners_offer, partnership, persona

pytestmark = pytest.mark.django_db
SIGNED_IN = tuple(name for name in PERSONAS if name != "anonymous")


def _posts(request):
    partnership("UA-18", "US-IN")
    partnership("UA-74", "US-MN", confidential=True)
    return [
        hospital_need(request),
        partners_offer(org("gov-US-IN")),
        partners_offer(org("gov-US-MN")),  # only a confidential negotiation with Chernihiv
        partners_offer(org("gov-US-IL")),  # no tie at all
        partners_offer(org("rma-UA-18")),
    ]


@pytest.mark.parametrize("name", PERSONAS)
def test_lists_details_and_the_rule_read_backwards_agree(request, name):
    posts = _posts(request)
    user = persona(request, name)
    listed = set(policy.visible(user, Post))
    for post in posts:
        sees = policy.can(user, policy.Action.POST_VIEW, post)
        assert sees == (post in listed), post
        if user.is_authenticated:
            told = active_users().filter(post_viewers(post)).filter(pk=user.pk).exists()
            assert told == sees, (name, post.organization.key, post.audience)


def test_a_confidential_negotiation_opens_no_partners_only_post(request):
    minnesota = partners_offer(org("gov-US-MN"))
    partnership("UA-74", "US-MN", confidential=True)
    chernihiv = request.getfixturevalue("chernihiv")
    assert not policy.can(chernihiv, policy.Action.POST_VIEW, minnesota)


def test_a_tie_that_ended_opens_nothing(request):
    from datetime import date

    from regionbridge.partnerships.services import partnership_record_event

    tie = partnership("UA-18", "US-IN")
    offer = partners_offer(org("gov-US-IN"))
    zhytomyr = request.getfixturevalue("zhytomyr")
    assert policy.can(zhytomyr, policy.Action.POST_VIEW, offer)
    partnership_record_event(
        partnership=tie, kind="ended", on=date.today(), by=None, source="test", reason="test"
    )
    policy.forget(zhytomyr)
    assert not policy.can(zhytomyr, policy.Action.POST_VIEW, offer)


def test_the_ministry_sees_what_every_member_sees_but_not_partners_only_posts(request):
    ministry = request.getfixturevalue("ministry")
    assert policy.can(ministry, policy.Action.POST_VIEW, hospital_need(request))
    assert not policy.can(ministry, policy.Action.POST_VIEW, partners_offer(org("gov-US-IN")))


def test_a_region_s_officers_change_their_office_s_posts(request):
    post = partners_offer(org("rma-UA-18"))
    assert policy.can(request.getfixturevalue("zhytomyr"), policy.Action.POST_EDIT, post)
    assert not policy.can(request.getfixturevalue("chernihiv"), policy.Action.POST_EDIT, post)


def test_whoever_is_told_of_a_match_may_see_both_posts(request):
    partnership("UA-18", "US-IN")
    need = hospital_need(request)
    for offer in (partners_offer(org("gov-US-IN")), partners_offer(org("gov-US-IL"))):
        match = Match.objects.create(need=need, offer=offer, score=0.8, strong=True)
        for user in policy.audience("match.found", match):
            assert policy.can(user, policy.Action.POST_VIEW, need)
            assert policy.can(user, policy.Action.POST_VIEW, offer)


@pytest.mark.parametrize("action", ["post.view", "post.edit", "post.connect", "post.create"])
def test_nothing_is_allowed_on_no_object(coordinator, action):
    assert not policy.can(coordinator, action, None)
    assert not policy.can(coordinator, action, "something else")
