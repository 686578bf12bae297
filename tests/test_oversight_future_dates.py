"""No figure for a day to come: every door that takes `as_of` refuses tomorrow with the
dashboard's words ("the future is not known yet"), a 400 on a page and a 422 in the API, and
still answers today. "Today" is the reader's own: the API, which reads its token after the
middleware that sets the pages' time zone, sets the caller's itself."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from regionbridge.accounts.services import token_issue
from regionbridge.oversight import briefing
from regionbridge.partnerships.services import partnership_create
from tests.conftest import region

pytestmark = pytest.mark.django_db

FUTURE = "Enter today or a day in the past: the future is not known yet."
API = "/api/v1"


def today() -> date:
    return timezone.localdate()


def tomorrow() -> date:
    return today() + timedelta(days=1)


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_issue(user=user, name='t')[1]}"}


@pytest.fixture
def tie(reference):
    return partnership_create(
        by=None,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-IN"),
        first_event_on=today() - timedelta(days=30),
    )


# The pages: (address, extra query). Each refuses tomorrow with a 400 that says why.
PAGES = [
    (reverse("oversight:dashboard"), {}),
    (reverse("oversight:region", args=["UA-18"]), {}),
    (reverse("oversight:ties"), {"partner_country": "US"}),
    (reverse("oversight:briefing"), {"lang": "en"}),
    (reverse("oversight:briefing_pdf"), {"lang": "en"}),
    (reverse("partnerships:list"), {}),
]


@pytest.mark.parametrize(("url", "query"), PAGES)
def test_a_page_refuses_tomorrow_and_says_why(client, coordinator, tie, url, query):
    client.force_login(coordinator)
    response = client.get(url, {**query, "as_of": tomorrow().isoformat()})
    assert response.status_code == 400
    assert FUTURE in response.content.decode()
    assert b"ties-svg" not in response.content  # no picture of a day to come


@pytest.mark.parametrize(("url", "query"), PAGES)
def test_a_page_still_answers_today(client, coordinator, tie, url, query):
    client.force_login(coordinator)
    response = client.get(url, {**query, "as_of": today().isoformat()})
    assert response.status_code == 200


# The API: (operation, extra query).
OPERATIONS = [
    ("/oversight/ties.svg", {"partner_country": "US"}),
    ("/oversight/briefing.pdf", {"lang": "en"}),
    ("/stats/overview", {}),
    ("/partnerships", {}),
    ("/partnerships/export.xlsx", {}),
]


@pytest.mark.parametrize(("path", "query"), OPERATIONS)
def test_the_api_refuses_tomorrow_as_it_refuses_other_input(client, coordinator, tie, path, query):
    response = client.get(
        API + path, {**query, "as_of": tomorrow().isoformat()}, headers=bearer(coordinator)
    )
    assert response.status_code == 422
    body = response.json()
    assert {"loc": ["query", "as_of"], "msg": FUTURE} in body["errors"]


@pytest.mark.parametrize(("path", "query"), OPERATIONS)
def test_the_api_still_answers_today(client, coordinator, tie, path, query):
    response = client.get(
        API + path, {**query, "as_of": today().isoformat()}, headers=bearer(coordinator)
    )
    assert response.status_code == 200


# 22:00 UTC: already the 11th in Kyiv (the server's zone), still the 10th in Indianapolis.
EVENING = datetime(2025, 6, 10, 22, 0, tzinfo=UTC)
KYIV_DAY = date(2025, 6, 11)


@pytest.mark.parametrize("path", ["/oversight/ties.svg", "/oversight/briefing.pdf"])
def test_the_apis_today_is_the_callers(client, coordinator, tie, path):
    headers = bearer(coordinator)
    query = {"as_of": KYIV_DAY.isoformat(), "since": "2025-06-01", "lang": "en"}
    with mock.patch("django.utils.timezone.now", return_value=EVENING):
        assert client.get(API + path, query, headers=headers).status_code == 200
        coordinator.timezone = "America/Indiana/Indianapolis"
        coordinator.save(update_fields=["timezone"])
        response = client.get(API + path, query, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": ["query", "as_of"], "msg": FUTURE}]


def test_check_dates_refuses_a_day_to_come_with_the_field_named():
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        briefing.check_dates(as_of=tomorrow(), since=today())
    assert refused.value.code == "as_of" and refused.value.messages == [FUTURE]
    briefing.check_dates(as_of=today(), since=today())
    day = date(2025, 6, 10)
    with pytest.raises(ValidationError):
        briefing.check_dates(as_of=day + timedelta(days=1), since=day, today=day)


def test_the_briefing_refuses_a_day_to_come_whichever_door_asks(coordinator):
    with pytest.raises(ValidationError) as refused:
        briefing.briefing_pdf(coordinator, language="en", as_of=tomorrow(), since=today())
    assert refused.value.code == "as_of"


def test_the_ties_page_says_it_in_ukrainian(client, coordinator, tie):
    coordinator.language = "uk"
    coordinator.save(update_fields=["language"])
    client.force_login(coordinator)
    response = client.get(reverse("oversight:ties"), {"as_of": tomorrow().isoformat()})
    assert response.status_code == 400
    assert FUTURE not in response.content.decode()
    assert "майбутн" in response.content.decode().lower()
