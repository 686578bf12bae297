"""The pages of needs and offers: the list and its filters, a new need, its page with its
suggestions in the reader's language, Connect, and the coordinators' overview."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from regionbridge.matching.models import Connection, Match, Post
from regionbridge.matching.tasks import recompute_matches
from regionbridge.partnerships.services import spheres_load
from tests.factories import PASSWORD
from tests.test_matching_services import (
    NEED_UK,
    hospital_of,
    need_of,
    offer_by_system,
)
from tests.test_policy import partnership

pytestmark = pytest.mark.django_db


def signed_in(user: Any, language: str = "en") -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    client.cookies["rb_language"] = language
    user.language = language
    user.save(update_fields=["language"])
    return client


def run(post: Post) -> None:
    post.refresh_from_db()
    recompute_matches.call(post.pk, post.revision)


def form_data(org_, **changes: Any) -> dict[str, Any]:
    data = {
        "organization": org_.pk,
        "title": NEED_UK[0],
        "description": NEED_UK[1],
        "sphere": "",
        "institution_type": "rehabilitation",
        "region": "",
        "scale": "40 пацієнтів",
        "timing": "2026",
        "audience": "members",
    }
    data.update(changes)
    return data


# --- the list ---------------------------------------------------------------------------------


def test_the_menu_offers_needs_and_offers_to_members_only(zhytomyr, outsider):
    assert "Needs and offers" in signed_in(zhytomyr).get("/").content.decode()
    assert "Потреби й пропозиції" in signed_in(zhytomyr, "uk").get("/").content.decode()
    assert "Needs and offers" not in signed_in(outsider).get("/").content.decode()


def test_the_list_filters_and_pages_in_a_few_queries(
    institution_user, zhytomyr, django_assert_max_num_queries
):
    for i in range(3):
        need_of(institution_user, scale=str(i))
    offer_by_system()
    client = signed_in(zhytomyr)
    client.get(reverse("matching:list"))  # the session and the menu's caches warm
    with django_assert_max_num_queries(16):
        response = client.get(reverse("matching:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('lang="uk"') >= 3 and "Upper-limb prosthetics" in html
    only_offers = client.get(reverse("matching:list") + "?kind=offer").content.decode()
    assert "Upper-limb prosthetics" in only_offers and NEED_UK[0] not in only_offers
    found = client.get(reverse("matching:list") + "?q=протезування").content.decode()
    assert NEED_UK[0] in found and "Upper-limb prosthetics" not in found
    ours = signed_in(institution_user).get(reverse("matching:list") + "?mine=on")
    assert "Upper-limb prosthetics" not in ours.content.decode()


@pytest.mark.parametrize("query", ["sphere=no-such-sphere", "kind=wish", "region=XX-99"])
def test_a_filter_that_cannot_be_applied_is_said(zhytomyr, query):
    response = signed_in(zhytomyr).get(reverse("matching:list") + "?" + query)
    assert response.status_code == 400
    html = response.content.decode()
    assert "error-summary" in html and "<table" not in html


def test_the_list_as_a_file(zhytomyr, institution_user):
    need_of(institution_user)
    response = signed_in(zhytomyr).get(reverse("matching:list") + "?format=csv")
    assert response.status_code == 200
    assert NEED_UK[0] in response.content.decode()


# --- a new need -------------------------------------------------------------------------------


def test_a_new_need_is_posted_with_its_organization_s_region(institution_user):
    client = signed_in(institution_user)
    page = client.get(reverse("matching:new_need")).content.decode()
    assert "Posted for" in page and "prosthetics" in page.lower()
    hospital = hospital_of(institution_user)
    response = client.post(
        reverse("matching:new_need"), form_data(hospital, topics=["prosthetics"])
    )
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/matching/{post.pk}/"
    assert (post.kind, post.region, post.language) == ("need", hospital.region, "uk")
    assert post.topics == ["prosthetics"]


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "x" * 10_000},
        {"title": "Протези\x00"},
        {"title": "Протези \u202eзворотний"},
        {"description": "a\x07b"},
        {"sphere": "no-such-sphere"},
        {"topics": ["no-such-topic"]},
        {"audience": "everyone"},
    ],
)
def test_hostile_input_is_refused_with_a_summary_and_nothing_is_written(institution_user, changes):
    hospital = hospital_of(institution_user)
    response = signed_in(institution_user).post(
        reverse("matching:new_need"), form_data(hospital, **changes)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "error-summary" in html and "<title>Error:" in html
    assert not Post.objects.exists()


def test_someone_else_s_organization_is_refused(institution_user, zhytomyr):
    response = signed_in(institution_user).post(
        reverse("matching:new_need"),
        form_data(hospital_of(institution_user), organization=999_999),
    )
    assert response.status_code == 400
    from tests.conftest import org

    response = signed_in(institution_user).post(
        reverse("matching:new_offer"), form_data(org("rma-UA-18"))
    )
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_markup_in_a_description_is_shown_as_text(institution_user, zhytomyr):
    need = need_of(institution_user, description="<script>alert(1)</script> протези")
    html = signed_in(zhytomyr).get(reverse("matching:detail", args=[need.pk])).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_the_author_changes_it_and_its_status(institution_user):
    need = need_of(institution_user)
    client = signed_in(institution_user)
    data = form_data(hospital_of(institution_user), title="Протези рук для дітей")
    assert client.post(reverse("matching:edit", args=[need.pk]), data).status_code == 302
    response = client.post(reverse("matching:status", args=[need.pk]), {"status": "in_talks"})
    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.title, need.status, need.revision) == ("Протези рук для дітей", "in_talks", 3)
    bad = client.post(reverse("matching:status", args=[need.pk]), {"status": "done"})
    assert bad.status_code == 400 and "error-summary" in bad.content.decode()


# --- its page and its suggestions -------------------------------------------------------------


def test_suggestions_show_words_and_reasons_in_the_reader_s_language(
    institution_user, zhytomyr, django_assert_max_num_queries
):
    spheres_load()
    partnership("UA-18", "US-IN")
    offer = offer_by_system()
    need = need_of(institution_user)
    run(need)
    match = Match.objects.get(need=need, offer=offer)
    url = reverse("matching:detail", args=[need.pk])
    client = signed_in(zhytomyr)
    client.get(url)
    with django_assert_max_num_queries(18):
        response = client.get(url)
    html = response.content.decode()
    assert 'lang="uk"' in html and "Written in Ukrainian" in html
    assert offer.title in html and offer.organization.name_en in html
    assert ("strong match" if match.strong else "possible match") in html
    assert str(match.score) not in html
    assert "Zhytomyr Oblast and Indiana are partner regions" in html
    html_uk = signed_in(zhytomyr, "uk").get(url).content.decode()
    assert "регіони-партнери" in html_uk and "Житомирська" in html_uk


def test_no_suggestion_says_no_good_match_yet(institution_user):
    need = need_of(institution_user)
    run(need)
    html = signed_in(institution_user).get(reverse("matching:detail", args=[need.pk]))
    assert "No good match yet" in html.content.decode()


def test_a_partners_only_suggestion_is_not_shown_to_those_outside_the_tie(
    institution_user, chernihiv, zhytomyr
):
    partnership("UA-18", "US-IN")
    offer = offer_by_system(audience="partners")
    need = need_of(institution_user)
    run(need)
    assert Match.objects.filter(need=need, offer=offer).exists()
    url = reverse("matching:detail", args=[need.pk])
    assert offer.title in signed_in(zhytomyr).get(url).content.decode()
    html = signed_in(chernihiv).get(url).content.decode()
    assert offer.title not in html and "No good match yet" in html
    assert signed_in(chernihiv).get(reverse("matching:detail", args=[offer.pk])).status_code == 404


def test_connect_opens_the_thread_once(institution_user, zhytomyr):
    offer = offer_by_system()
    need = need_of(institution_user)
    run(need)
    client = signed_in(institution_user)
    page = client.get(reverse("matching:detail", args=[need.pk])).content.decode()
    connect = reverse("matching:connect", args=[need.pk, offer.pk])
    assert f'action="{connect}"' in page
    first = client.post(connect)
    connection = Connection.objects.get()
    assert first.status_code == 302
    assert first["Location"] == reverse("messaging:thread", args=[connection.thread_id])
    second = client.post(connect)
    assert second["Location"] == first["Location"] and Connection.objects.count() == 1
    page = client.get(reverse("matching:detail", args=[need.pk])).content.decode()
    assert "Open the thread" in page
    # Someone on neither side sees no button, and a POST is refused.
    other = signed_in(zhytomyr)
    assert (
        f'action="{connect}"'
        not in other.get(reverse("matching:detail", args=[need.pk])).content.decode()
    )
    assert other.post(reverse("matching:connect", args=[offer.pk, need.pk])).status_code == 403


def test_connect_to_a_post_one_cannot_see_is_404(institution_user, chernihiv):
    offer = offer_by_system(audience="partners")
    need = need_of(institution_user)
    response = signed_in(institution_user).post(
        reverse("matching:connect", args=[need.pk, offer.pk])
    )
    assert response.status_code == 404
    assert not Connection.objects.exists()


# --- the overview -----------------------------------------------------------------------------


def test_the_overview_counts_unmatched_needs_and_the_share_that_found_a_partner(
    institution_user, coordinator, django_assert_max_num_queries
):
    from regionbridge.matching import services

    unmatched = need_of(institution_user)
    talking = need_of(institution_user)
    services.post_set_status(by=None, post=talking, status="in_talks")
    client = signed_in(coordinator)
    client.get(reverse("matching:overview"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("matching:overview"))
    html = response.content.decode()
    assert "50% of needs found a partner (1 of 2)" in html
    assert "Zhytomyr Oblast" in html
    csv = client.get(reverse("matching:overview") + "?format=csv").content.decode()
    assert "region,UA-18" in csv and "unmatched_open_needs" in csv
    assert unmatched.pk
