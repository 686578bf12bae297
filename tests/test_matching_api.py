"""The API of needs, offers and their matches: the same policy as the pages (a post out of
sight is a 404 wherever it is named), the services' refusals as 422s that say why, reasons in
the reader's language with their codes, lists filtered and paged in SQL at a fixed cost."""

import json
from datetime import date

import pytest
from django.utils import timezone

from regionbridge.accounts.services import token_issue
from regionbridge.matching import services, taxonomy
from regionbridge.matching.models import Connection, Match, Post
from regionbridge.organizations.models import Organization
from regionbridge.partnerships.models import Sphere
from regionbridge.partnerships.services import partnership_create, spheres_load
from tests.conftest import region

pytestmark = pytest.mark.django_db

API = "/api/v1"
TOPIC = "accessibility_design"  # a topic of the shipped taxonomy


def bearer(user, *, read_only: bool = False) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_issue(user=user, name='t', read_only=read_only)[1]}"}


def call(client, method: str, path: str, user=None, body=None, **kwargs):
    headers = bearer(user, **kwargs) if user is not None else {}
    data = json.dumps(body) if body is not None else None
    return client.generic(
        method, API + path, data or "", content_type="application/json", headers=headers
    )


@pytest.fixture
def spheres(reference):
    spheres_load()


@pytest.fixture
def world(spheres, zhytomyr, indiana):
    """Zhytomyr's office needs prosthetics training (for every member); Indiana's government
    offers it to its partnerships only. A live tie Zhytomyr – Indiana lets each see the other."""
    rma = Organization.objects.get(key="rma-UA-18")
    indiana_office = Organization.objects.get(key="gov-US-IN")
    need = services.post_create(
        by=zhytomyr,
        kind="need",
        title="Протезування верхніх кінцівок",
        description="Потрібне навчання протезистів для реабілітаційного центру.",
        region=region("UA-18"),
        organization=rma,
        sphere=Sphere.objects.get(code="healthcare"),
        institution_type="rehabilitation",
    )
    offer = services.post_create(
        by=indiana,
        kind="offer",
        title="Upper-limb prosthetics fitting and training",
        description="Our hospital trains prosthetists and fits upper-limb prostheses.",
        region=region("US-IN"),
        organization=indiana_office,
        sphere=Sphere.objects.get(code="healthcare"),
        institution_type="hospital",
        audience="partners",
    )
    partnership_create(
        by=None,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-IN"),
        first_event_on=date(2024, 1, 1),
    )
    match = Match.objects.create(
        need=need,
        offer=offer,
        score=0.82,
        strong=True,
        computed_at=timezone.now(),
        reasons=[
            {"code": "topic", "params": {"topic": TOPIC}},
            {"code": "partnership", "params": {"a": "UA-18", "b": "US-IN"}},
            {"code": "sphere", "params": {"sphere": "healthcare"}},
        ],
    )
    return {"need": need, "offer": offer, "match": match, "rma": rma}


# --- lists ----------------------------------------------------------------------------------


def test_members_list_the_needs_they_may_see(client, world, zhytomyr, chernihiv):
    answer = call(client, "GET", "/needs", zhytomyr).json()
    assert [item["id"] for item in answer["items"]] == [world["need"].pk]
    need = answer["items"][0]
    assert need["language"] == "uk" and need["region"] == "UA-18" and need["sphere"] == "healthcare"
    # Indiana's offer is for its partnerships: Chernihiv has no tie with Indiana.
    assert call(client, "GET", "/offers", zhytomyr).json()["count"] == 1
    assert call(client, "GET", "/offers", chernihiv).json()["count"] == 0


def test_who_holds_no_role_may_not_list(client, world, outsider):
    assert call(client, "GET", "/needs", outsider).status_code == 403
    assert call(client, "GET", "/needs").status_code == 401


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("status=open", True),
        ("status=met", False),
        ("sphere=healthcare", True),
        ("sphere=culture", False),
        ("region=ua-18", True),
        ("region=US-IN", False),
        ("institution_type=rehabilitation", True),
        ("institution_type=hospital", False),
        ("q=ПРОТЕЗУВАННЯ", True),
        ("q=кінцівок навчання", True),
        ("q=violin", False),
    ],
)
def test_the_lists_filters(client, world, zhytomyr, query, found):
    answer = call(client, "GET", f"/needs?{query}", zhytomyr).json()
    assert answer["count"] == (1 if found else 0), answer


@pytest.mark.parametrize(
    "query", ["sphere=astrology", "region=XX-99", "status=lost", "institution_type=castle"]
)
def test_a_filter_that_cannot_be_applied_is_a_422(client, world, zhytomyr, query):
    response = call(client, "GET", f"/needs?{query}", zhytomyr)
    assert response.status_code == 422, response.content
    assert response.json()["message"]


def test_the_list_costs_the_same_for_more_posts(
    client, world, zhytomyr, django_assert_max_num_queries
):
    headers = bearer(zhytomyr)
    client.get(f"{API}/needs", headers=headers)
    with django_assert_max_num_queries(9) as few:
        client.get(f"{API}/needs", headers=headers)
    for n in range(8):
        services.post_create(
            by=zhytomyr,
            kind="need",
            title=f"Потреба {n}",
            description="Опис потреби.",
            region=region("UA-18"),
            organization=world["rma"],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"{API}/needs", headers=headers).json()["count"] == 9


# --- one post -------------------------------------------------------------------------------


def test_a_post_is_read_under_its_own_kind_only(client, world, zhytomyr):
    need = world["need"].pk
    assert call(client, "GET", f"/needs/{need}", zhytomyr).status_code == 200
    assert call(client, "GET", f"/offers/{need}", zhytomyr).status_code == 404


def test_a_post_out_of_sight_is_404_everywhere(client, world, chernihiv):
    offer, need = world["offer"].pk, world["need"].pk
    assert call(client, "GET", f"/offers/{offer}", chernihiv).status_code == 404
    assert call(client, "GET", f"/offers/{offer}/matches", chernihiv).status_code == 404
    patch = call(client, "PATCH", f"/offers/{offer}", chernihiv, {"title": "Mine now"})
    assert patch.status_code == 404
    connect = call(
        client, "POST", "/matches/connect", chernihiv, {"need_id": need, "offer_id": offer}
    )
    assert connect.status_code == 404
    assert b"prosthe" not in connect.content.lower()
    # The need is for every member: Chernihiv sees it, but not the offer in its suggestions.
    assert call(client, "GET", f"/needs/{need}/matches", chernihiv).json()["count"] == 0


# --- writing --------------------------------------------------------------------------------


def test_a_need_is_posted(client, world, zhytomyr):
    body = {
        "title": "Обладнання для фізичної терапії",
        "description": "Потрібні тренажери для реабілітації ветеранів.",
        "region": "ua-18",
        "organization": world["rma"].pk,
        "sphere": "healthcare",
        "topics": [TOPIC],
        "institution_type": "rehabilitation",
        "audience": "partners",
    }
    response = call(client, "POST", "/needs", zhytomyr, body)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["kind"] == "need" and answer["language"] == "uk" and answer["topics"] == [TOPIC]
    post = Post.objects.get(pk=answer["id"])
    assert post.author == zhytomyr and post.audience == "partners"


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"topics": ["no-such-topic"]}, "no-such-topic"),
        ({"region": "XX-99"}, "Unknown region"),
        ({"sphere": "astrology"}, "Unknown sphere"),
        ({"title": "   "}, ""),
        ({"description": "Опис\x07з дзвінком"}, ""),
    ],
)
def test_what_the_services_refuse_is_a_422(client, world, zhytomyr, changes, said):
    body = {
        "title": "Потреба",
        "description": "Опис",
        "region": "UA-18",
        "organization": world["rma"].pk,
        **changes,
    }
    response = call(client, "POST", "/needs", zhytomyr, body)
    assert response.status_code == 422, response.content
    assert said in response.json()["message"]
    assert Post.objects.count() == 2


def test_posting_for_an_organization_one_may_not_is_a_403(client, world, zhytomyr):
    other = Organization.objects.get(key="rma-UA-74")
    body = {"title": "Потреба", "description": "Опис", "region": "UA-74", "organization": other.pk}
    assert call(client, "POST", "/offers", zhytomyr, body).status_code == 403
    body["organization"] = 2**62
    assert call(client, "POST", "/offers", zhytomyr, body).status_code == 422
    assert Post.objects.count() == 2


def test_a_read_only_token_writes_nothing(client, world, zhytomyr):
    body = {
        "title": "Нове",
        "description": "Опис",
        "region": "UA-18",
        "organization": world["rma"].pk,
    }
    assert call(client, "POST", "/needs", zhytomyr, body, read_only=True).status_code == 403
    need = world["need"].pk
    patch = call(client, "PATCH", f"/needs/{need}", zhytomyr, {"title": "X"}, read_only=True)
    assert patch.status_code == 403


def test_the_author_changes_a_post_and_its_status(client, world, zhytomyr):
    need = world["need"].pk
    response = call(
        client,
        "PATCH",
        f"/needs/{need}",
        zhytomyr,
        {"title": "Upper-limb prosthetics for veterans", "status": "in_talks", "sphere": ""},
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["language"] == "uk"  # the description is still Ukrainian
    assert answer["status"] == "in_talks" and answer["sphere"] is None
    assert call(client, "PATCH", f"/needs/{need}", zhytomyr, {"status": "lost"}).status_code == 422


def test_who_sees_a_post_but_does_not_speak_for_it_gets_403(client, world, chernihiv):
    need = world["need"].pk
    response = call(client, "PATCH", f"/needs/{need}", chernihiv, {"title": "Ours"})
    assert response.status_code == 403
    assert Post.objects.get(pk=need).title == "Протезування верхніх кінцівок"


# --- matches and connecting -----------------------------------------------------------------


def test_a_needs_matches_come_with_reasons_in_the_readers_language(client, world, zhytomyr):
    answer = call(client, "GET", f"/needs/{world['need'].pk}/matches", zhytomyr).json()
    (match,) = answer["items"]
    assert match["offer_id"] == world["offer"].pk and match["score"] == 0.82 and match["strong"]
    assert match["post"]["title"] == "Upper-limb prosthetics fitting and training"
    codes = [reason["code"] for reason in match["reasons"]]
    assert codes == ["topic", "partnership", "sphere"]
    label_en = taxonomy.current().label(TOPIC, "en")
    assert match["reasons"][0]["text"] == f"both about {label_en}"
    assert "Indiana" in match["reasons"][1]["text"]

    zhytomyr.language = "uk"
    zhytomyr.save()
    answer = call(client, "GET", f"/needs/{world['need'].pk}/matches", zhytomyr).json()
    reasons = answer["items"][0]["reasons"]
    assert taxonomy.current().label(TOPIC, "uk") in reasons[0]["text"]
    assert "Індіана" in reasons[1]["text"]


def test_an_offers_matches_name_the_need(client, world, indiana):
    answer = call(client, "GET", f"/offers/{world['offer'].pk}/matches", indiana).json()
    assert [m["post"]["id"] for m in answer["items"]] == [world["need"].pk]


def test_connect_opens_one_thread_for_the_pair(client, world, zhytomyr):
    body = {"need_id": world["need"].pk, "offer_id": world["offer"].pk}
    first = call(client, "POST", "/matches/connect", zhytomyr, body)
    assert first.status_code == 200, first.content
    again = call(client, "POST", "/matches/connect", zhytomyr, body)
    assert first.json()["thread_id"] == again.json()["thread_id"]
    assert Connection.objects.get().thread_id == first.json()["thread_id"]
    matches = call(client, "GET", f"/needs/{world['need'].pk}/matches", zhytomyr).json()
    assert matches["items"][0]["thread_id"] == first.json()["thread_id"]


def test_connect_wants_a_need_and_an_offer(client, world, zhytomyr):
    body = {"need_id": world["offer"].pk, "offer_id": world["need"].pk}
    assert call(client, "POST", "/matches/connect", zhytomyr, body).status_code == 404


def test_who_stands_on_neither_side_may_not_connect(client, world, embassy):
    body = {"need_id": world["need"].pk, "offer_id": world["offer"].pk}
    response = call(client, "POST", "/matches/connect", embassy, body)
    assert response.status_code in (403, 404)
    assert not Connection.objects.exists()


# --- the taxonomy ---------------------------------------------------------------------------


def test_the_taxonomy_is_the_current_file(client, spheres, zhytomyr, coordinator, outsider):
    assert call(client, "GET", "/taxonomy", zhytomyr).json() == taxonomy.export()
    taxonomy.topic_create(
        by=coordinator,
        data={"code": "violin-making", "uk": "виготовлення скрипок", "en": "violin making"},
    )
    answer = call(client, "GET", "/taxonomy", zhytomyr).json()
    assert answer["version"] == 2 and "violin-making" in {t["code"] for t in answer["topics"]}
    assert call(client, "GET", "/taxonomy", outsider).status_code == 403
