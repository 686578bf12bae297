"""Pages stay light and their query counts do not grow with the data."""

import pytest
from django.db import connection

from regionbridge.organizations.models import Organization
from tests.factories import ContactFactory, PersonFactory
from tests.pageweight import measure

pytestmark = pytest.mark.django_db

LIMIT = 150 * 1024
PAGES = [
    "/",
    "/regions/",
    "/regions/?country=US",
    "/regions/UA-18/",
    "/directory/",
    "/directory/?q=Zhytomyr",
    "/accounts/profile/",
    "/audit/",
    "/partnerships/",
    "/institutions/",
    "/public/",
    "/messages/",
    "/messages/new/",
    "/messages/search/?q=договір",
]


def test_no_page_is_over_150_kb_on_first_load(client, coordinator, zhytomyr_head):
    client.force_login(coordinator)
    for url in PAGES:
        status, raw, _packed, _queries = measure(client, url, connection)
        assert status == 200, url
        assert raw < LIMIT, f"{url}: {raw} bytes"


def _people(count: int) -> None:
    rma = Organization.objects.get(key="rma-UA-18")
    for _ in range(count):
        ContactFactory(person=PersonFactory(organization=rma))


@pytest.mark.parametrize("url", ["/directory/?q=Zhytomyr", "/regions/UA-18/"])
def test_query_count_does_not_grow_with_the_directory(client, zhytomyr, url, settings):
    settings.RESULTS_SECONDS = 0  # each page drawn afresh (decision 0013)
    client.force_login(zhytomyr)
    _people(3)
    measure(client, url, connection)  # the first page after signing in counts the unread badge
    few = measure(client, url, connection)[3]
    _people(30)
    many = measure(client, url, connection)[3]
    assert many == few, (few, many)
    assert many <= 12


def test_person_page_shows_names_in_both_languages(client, coordinator, zhytomyr_head):
    client.force_login(coordinator)
    response = client.get(f"/directory/people/{zhytomyr_head.pk}/")
    assert "Віктор Тестенко".encode() in response.content
    assert b"Viktor Testenko" in response.content
    assert b"head@zhytomyr.example.org" in response.content


def test_directory_answers_questions_in_either_language(client, zhytomyr, zhytomyr_head):
    client.force_login(zhytomyr)
    for question in ("who heads Zhytomyr's RMA?", "Житомирська ОВА", "голова житомирської"):
        response = client.get("/directory/", {"q": question})
        assert zhytomyr_head in response.context["page"].object_list, question


def test_directory_results_come_alone_for_htmx(client, zhytomyr, zhytomyr_head):
    client.force_login(zhytomyr)
    response = client.get("/directory/", {"q": "Zhytomyr"}, headers={"HX-Request": "true"})
    assert b"<html" not in response.content
    assert b"Viktor Testenko" in response.content or "Віктор Тестенко".encode() in response.content


def test_pages_send_a_strict_content_security_policy(client, reference):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("url", ["/directory/?q=%00", "/regions/?country=U%00", "/regions/UA%00/"])
def test_nul_bytes_are_a_clear_400(client, coordinator, url):
    client.force_login(coordinator)
    assert client.get(url).status_code == 400


def test_partnership_list_queries_do_not_grow(client, coordinator):
    from regionbridge.partnerships.services import partnership_create
    from tests.conftest import region

    client.force_login(coordinator)

    def open_ties(codes):
        for code in codes:
            partnership_create(
                by=None, ukrainian_region=region("UA-18"), partner_region=region(code)
            )

    open_ties(["US-OH", "US-IA"])
    measure(client, "/partnerships/", connection)  # the first page counts the unread badge
    few = measure(client, "/partnerships/", connection)[3]
    open_ties(["US-TX", "US-FL", "US-GA", "US-NV", "US-ME", "US-VT", "US-SC", "US-NC"])
    response = client.get("/partnerships/")
    assert len(response.context["page"].object_list) == 10
    many = measure(client, "/partnerships/", connection)[3]
    assert many == few, (few, many)


def test_inbox_queries_do_not_grow_with_threads(client, coordinator, zhytomyr):
    from regionbridge.messaging.services import message_post, thread_create

    client.force_login(coordinator)

    def talk(count):
        for index in range(count):
            thread = thread_create(by=zhytomyr, subject=f"Topic {index}", users=[coordinator])
            message_post(thread=thread, author=zhytomyr, body="Проєкт договору")

    talk(2)
    few = measure(client, "/messages/", connection)[3]
    talk(12)
    many = measure(client, "/messages/", connection)[3]
    assert many == few, (few, many)
