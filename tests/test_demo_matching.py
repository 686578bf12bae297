"""The demo's needs and offers (issue 14): the article's example and a few more, posted through
the matching services by the demo accounts, matched at once, and loaded only once."""

from regionbridge.demo.services import demo_load
from regionbridge.matching.models import Connection, Match, Post
from regionbridge.partnerships.facts import facts_load


def test_the_demo_posts_needs_and_offers_once_and_matches_them_at_once(reference):
    facts_load()
    demo_load()
    demo_load()  # a second run adds nothing
    assert Post.objects.count() == 8
    assert set(Post.objects.values_list("language", flat=True)) == {"uk", "en"}
    assert Post.objects.filter(audience="partners").count() == 1
    need = Post.objects.get(title="Протезування верхніх кінцівок для ветеранів")
    assert need.author.email.startswith("institution@") and need.language == "uk"
    best = Match.objects.filter(need=need).order_by("-score").first()
    assert best is not None and best.offer.title == "Upper-limb prosthetics fitting and training"
    assert best.strong and best.offer.language == "en"
    codes = {reason["code"] for reason in best.reasons}
    assert {"topic", "partnership"} <= codes
    # The Chicago school's English need finds the Ukrainian university's offer.
    school = Post.objects.get(organization__key="demo-il-saturday-school")
    assert Match.objects.filter(need=school, offer__language="uk").exists()
    assert Connection.objects.get().need == school  # a need that found a partner
    # The list's newest is the article's example.
    assert Post.objects.first() == need
    church = Post.objects.get(title__startswith="Реставрація")
    assert not Match.objects.filter(need=church).exists()  # "no good match yet"
    assert Match.objects.count() == 3


def test_without_the_facts_the_demo_still_posts_and_matches(reference):
    demo_load()
    need = Post.objects.get(title="Протезування верхніх кінцівок для ветеранів")
    assert Match.objects.filter(need=need).exists()
