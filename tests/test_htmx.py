"""htmx answers: a page whose search pushes its address (hx-push-url) answers htmx the results
alone and anyone else the whole page, from the same address. Every answer that depends on the
HX-Request header says so (Vary: HX-Request), or a cache, or the browser's back button, can
show a bare fragment where the page belongs (issue 10, point 4)."""

import json
import re
from pathlib import Path
from typing import NamedTuple

import pytest
from django.urls import reverse
from django.utils.cache import has_vary_header

from regionbridge.messaging import services as messaging

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
TEMPLATES = Path(__file__).resolve().parents[1] / "regionbridge"


def pushing_templates() -> set[str]:
    """Every template with an element that pushes its address, named as Django finds it."""
    found = set()
    for path in TEMPLATES.glob("**/templates/**/*.html"):
        if "hx-push-url" in path.read_text(encoding="utf-8"):
            found.add(path.as_posix().split("/templates/", 1)[1])
    return found


class Pushed(NamedTuple):
    page: str  # the template with hx-push-url
    url: str
    query: dict[str, str]  # a search
    fragment: str  # what htmx gets
    persona: str | None  # who may see it (None: anyone)


PUSHED = [
    Pushed("regions/index.html", "/regions/", {"q": "Zhytomyr"}, "regions/_results.html", None),
    Pushed(
        "organizations/directory.html",
        "/directory/",
        {"q": "Zhytomyr"},
        "organizations/_results.html",
        "zhytomyr",
    ),
]


def templates_of(response) -> list[str]:
    return [template.name for template in response.templates]


@pytest.fixture(params=PUSHED, ids=lambda row: row.url)
def pushed(request, client, reference) -> Pushed:
    if request.param.persona:
        client.force_login(request.getfixturevalue(request.param.persona))
    return request.param


def test_every_page_that_pushes_its_address_has_a_row():
    assert pushing_templates() == {row.page for row in PUSHED}


def test_the_whole_page_says_it_varies_with_hx_request(client, pushed):
    response = client.get(pushed.url, pushed.query)
    assert response.status_code == 200
    assert has_vary_header(response, "HX-Request")
    assert pushed.page in templates_of(response)
    content = response.content.decode()
    assert "<html" in content
    assert '<nav aria-label="' in content  # the site's header and navigation
    assert 'role="search"' in content and 'hx-push-url="true"' in content
    assert 'id="results"' in content


def test_the_fragment_says_it_varies_with_hx_request(client, pushed):
    response = client.get(pushed.url, pushed.query, headers=HTMX)
    assert response.status_code == 200
    assert has_vary_header(response, "HX-Request")
    assert templates_of(response)[0] == pushed.fragment
    assert pushed.page not in templates_of(response)
    content = response.content.decode()
    assert "<html" not in content and "<nav" not in content and 'role="search"' not in content


def test_htmx_restoring_history_gets_the_whole_page(client, pushed):
    """The back button to an address htmx no longer holds: htmx asks for it without HX-Request
    (historyRestoreAsHxRequest is off) and must get the page, not the results alone."""
    restore = {"HX-History-Restore-Request": "true"}
    response = client.get(pushed.url, pushed.query, headers=restore)
    assert has_vary_header(response, "HX-Request")
    assert pushed.page in templates_of(response)
    assert "<html" in response.content.decode()


def test_htmx_restores_history_as_a_plain_request(client, reference):
    content = client.get("/regions/").content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", content)
    assert config is not None
    assert json.loads(config.group(1))["historyRestoreAsHxRequest"] is False


def test_the_message_form_answers_vary_with_hx_request(client, zhytomyr, indiana):
    thread = messaging.thread_create(by=zhytomyr, subject="Next steps", users=[indiana])
    client.force_login(indiana)
    url = reverse("messaging:post", args=[thread.pk])
    plain = client.post(url, {"body": "From the page"})
    htmx = client.post(url, {"body": "By htmx"}, headers=HTMX)
    refused = client.post(url, {"body": "   "}, headers=HTMX)
    assert (plain.status_code, htmx.status_code, refused.status_code) == (302, 200, 400)
    assert templates_of(htmx)[0] == "messaging/_form.html"
    assert all(has_vary_header(r, "HX-Request") for r in (plain, htmx, refused))


def test_a_refusal_for_too_many_posts_varies_with_hx_request(client, settings, zhytomyr, indiana):
    thread = messaging.thread_create(by=zhytomyr, subject="Next steps", users=[indiana])
    settings.RATE_LIMITS = True
    settings.RATE_LIMIT_RULES = {**settings.RATE_LIMIT_RULES, "post": [(0, 60)]}
    client.force_login(indiana)
    url = reverse("messaging:post", args=[thread.pk])
    plain = client.post(url, {"body": "Hi"})
    htmx = client.post(url, {"body": "Hi"}, headers=HTMX)
    assert (plain.status_code, htmx.status_code) == (429, 429)
    assert "HX-Retarget" not in plain
    assert (htmx["HX-Retarget"], htmx["HX-Reswap"]) == ("body", "innerHTML")
    assert has_vary_header(plain, "HX-Request") and has_vary_header(htmx, "HX-Request")


def test_the_way_to_the_second_factor_varies_with_hx_request(client, settings, coordinator):
    settings.TWO_FACTOR = "required"
    client.force_login(coordinator)
    plain = client.get("/messages/")
    htmx = client.get("/messages/", headers=HTMX)
    assert plain.status_code == 302 and plain["Location"].startswith("/two-factor/")
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == plain["Location"]
    assert "Location" not in htmx
    assert has_vary_header(plain, "HX-Request") and has_vary_header(htmx, "HX-Request")
