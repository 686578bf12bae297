"""The worker's matching: rows rewritten per post, stale runs skipped, strong new pairs told once,
closed posts dropped, partners-only posts kept within their partnerships."""

import pytest

from regionbridge.matching import services
from regionbridge.matching.models import Audience, Match
from regionbridge.matching.tasks import partnered_regions, recompute_matches
from regionbridge.outbox.models import Notification
from tests.conftest import region
from tests.factories import OrganizationFactory
from tests.test_matching_services import hospital_of, indiana_hospital, need_of, offer_by_system
from tests.test_policy import partnership

pytestmark = pytest.mark.django_db


def run(post) -> int:
    post.refresh_from_db()
    return recompute_matches.call(post.pk, post.revision)


def test_a_ukrainian_need_finds_the_english_offer_with_reasons(institution_user):
    offer = offer_by_system()
    offer_by_system(
        OrganizationFactory(region=region("US-IN")),
        title="Summer art camp for children",
        description="Painting and theatre workshops for schoolchildren in July.",
    )
    need = need_of(institution_user)
    assert run(need) >= 1
    best = Match.objects.filter(need=need).order_by("-score").first()
    assert best.offer == offer
    assert 0 < best.score <= 1
    codes = {reason["code"] for reason in best.reasons}
    assert "topic" in codes
    assert all(set(reason) == {"code", "params"} for reason in best.reasons)


def test_a_run_brings_every_changed_post_up_to_date_once(institution_user):
    """Each change enqueues a run, but the first run does what all of them ask: the later ones
    (and one for a post deleted meanwhile) find nothing left to do."""
    offer = offer_by_system()
    need = need_of(institution_user)
    need.refresh_from_db()
    assert recompute_matches.call(need.pk, need.revision + 1) >= 1  # named after a later one
    assert Match.objects.filter(need=need, offer=offer).exists()
    for post in (need, offer):
        post.refresh_from_db()
        assert post.matched_revision == post.revision
    assert recompute_matches.call(offer.pk, offer.revision - 1) == 0
    assert recompute_matches.call(10**9, 1) == 0


def test_a_burst_of_offers_is_matched_in_one_run(institution_user, django_assert_max_num_queries):
    """An import of many offers: one index, one batch of needs, a few queries whatever the
    number of posts."""
    need = need_of(institution_user)
    hospital = indiana_hospital()
    others = [
        ("Summer art camp", "Painting and theatre workshops for schoolchildren in July."),
        ("Solar panels for schools", "Rooftop solar installations with battery storage."),
        ("Jazz concerts", "An orchestra plays jazz for the town every Friday evening."),
        ("Farm machinery", "Used tractors and seeders for family farms."),
        ("Coding bootcamp", "Twelve weeks of web development for young adults."),
        ("Library books", "Children's books in English for public libraries."),
    ]
    offers = [offer_by_system(hospital)] + [
        offer_by_system(hospital, title=title, description=text) for title, text in others
    ]
    with django_assert_max_num_queries(30):
        kept = recompute_matches.call(offers[0].pk, 1)
    assert kept == Match.objects.filter(need=need).count() >= 1
    assert all(recompute_matches.call(o.pk, 1) == 0 for o in offers[1:])


def test_rows_are_rewritten_not_added(institution_user):
    offer = offer_by_system()
    need = need_of(institution_user)
    run(need)
    first = list(Match.objects.values_list("need", "offer"))
    services.post_update(by=None, post=need, scale="60 пацієнтів")
    run(need)
    assert list(Match.objects.values_list("need", "offer")) == first
    # The offer changes to something else entirely: its row goes.
    services.post_update(
        by=None,
        post=offer,
        title="Jazz concerts in the park",
        description="An orchestra plays jazz for the town every Friday evening.",
    )
    run(offer)
    assert not Match.objects.filter(offer=offer).exists()


def test_an_offer_posted_after_the_need_is_matched_to_it(institution_user):
    need = need_of(institution_user)
    run(need)
    assert not Match.objects.exists()
    offer = offer_by_system()
    run(offer)
    assert Match.objects.filter(need=need, offer=offer).exists()


def test_a_strong_new_pair_is_told_once_to_the_people_of_both_posts(
    institution_user, indiana, monkeypatch
):
    from regionbridge.matching import engine

    # What counts as strong is the engine's to tune; here any kept pair is strong.
    monkeypatch.setattr(engine, "STRONG", engine.THRESHOLD)
    offer = offer_by_system()
    need = need_of(institution_user)
    run(need)
    match = Match.objects.get(need=need, offer=offer)
    assert match.strong and match.notified
    told = set(Notification.objects.filter(kind="match.found").values_list("user", flat=True))
    assert institution_user.pk in told
    assert indiana.pk not in told  # not of either organization
    run(offer)
    services.post_update(by=None, post=need, timing="2026")
    run(need)
    assert Notification.objects.filter(kind="match.found").count() == len(told)


def test_a_weak_pair_tells_nobody(institution_user, monkeypatch):
    from regionbridge.matching import engine

    monkeypatch.setattr(engine, "STRONG", 1.01)
    offer_by_system()
    need = need_of(institution_user)
    run(need)
    assert Match.objects.filter(need=need, strong=False).exists()
    assert not Notification.objects.filter(kind="match.found").exists()


def test_a_closed_post_loses_its_matches(institution_user):
    offer = offer_by_system()
    need = need_of(institution_user)
    run(need)
    assert Match.objects.filter(offer=offer).exists()
    services.post_set_status(by=None, post=offer, status="closed")
    run(offer)
    assert not Match.objects.filter(offer=offer).exists()
    services.post_set_status(by=None, post=offer, status="open")
    run(offer)
    assert Match.objects.filter(offer=offer).exists()


def test_a_partners_only_offer_is_not_suggested_outside_its_partnerships(institution_user):
    offer = offer_by_system(audience=Audience.PARTNERS)  # Indiana
    need = need_of(institution_user)  # Zhytomyr, no tie with Indiana yet
    run(need)
    assert not Match.objects.filter(offer=offer).exists()
    run(offer)
    assert not Match.objects.filter(offer=offer).exists()
    partnership("UA-18", "US-IN")  # the tie opens (exploring): now within it
    need.refresh_from_db()
    assert recompute_matches.call(need.pk, need.revision) == 0  # the need did not change
    recompute_matches.call(need.pk, need.revision, again=True)
    match = Match.objects.get(need=need, offer=offer)
    assert {"code": "partnership", "params": {"a": "UA-18", "b": "US-IN"}} in match.reasons


def test_a_confidential_negotiation_is_no_tie_for_matching(reference):
    partnership("UA-74", "US-MN", confidential=True)
    partnership("UA-18", "US-IN")
    partnered = partnered_regions()
    assert partnered("UA-18", "US-IN") and partnered("US-IN", "UA-18")
    assert not partnered("UA-74", "US-MN")
    assert not partnered(None, "US-IN")


def test_matching_uses_no_more_queries_for_more_offers(
    institution_user, django_assert_max_num_queries
):
    hospital = indiana_hospital()
    for i in range(3):
        offer_by_system(hospital, scale=f"{i}")
    need = need_of(institution_user)
    need.refresh_from_db()
    with django_assert_max_num_queries(25):
        recompute_matches.call(need.pk, need.revision)
    assert hospital_of(institution_user)


def test_refresh_matches_matches_everything_again(institution_user):
    from io import StringIO

    from django.core.management import call_command

    offer = offer_by_system()
    need = need_of(institution_user)
    run(need)
    Match.objects.all().delete()  # as if the ties had changed since
    out = StringIO()
    call_command("refresh-matches", stdout=out)
    assert Match.objects.filter(need=need, offer=offer).exists()
    assert "suggestions kept" in out.getvalue()


def test_a_pair_keeps_when_it_became_strong_across_runs(institution_user, monkeypatch):
    from regionbridge.matching import engine

    monkeypatch.setattr(engine, "STRONG", engine.THRESHOLD)
    offer_by_system()
    need = need_of(institution_user)
    run(need)
    first = Match.objects.get(need=need).strong_since
    assert first is not None
    services.post_update(by=None, post=need, timing="2027")
    run(need)
    match = Match.objects.get(need=need)
    assert match.strong_since == first and match.computed_at > first
