"""Every page of the site against every persona: the status a GET gets.

The route list is taken from the URL resolver itself and compared with ROUTES below, so a new page
without a row here fails `test_every_route_has_a_row`. admin/ and api/v1/ have their own tests.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from regionbridge import policy
from regionbridge.accounts.models import ApiToken
from regionbridge.accounts.services import token_issue
from regionbridge.organizations.models import Organization, Person
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("admin/", "api/v1/")

PERSONAS = (
    "anonymous",
    "outsider",
    "institution_user",
    "indiana",
    "zhytomyr",
    "embassy",
    "ministry",
    "coordinator",
)
MEMBERS = ("institution_user", "indiana", "zhytomyr", "embassy", "ministry", "coordinator")

LOGIN = "login"  # 302 to the sign-in page, with ?next= the page asked for
HOME = "home"  # 302 to the home page


def persona(request: pytest.FixtureRequest, name: str) -> Any:
    if name == "anonymous":
        return AnonymousUser()
    return request.getfixturevalue(name)


# --- expectations ---------------------------------------------------------------------------


def everyone(status: int) -> dict[str, Any]:
    return dict.fromkeys(PERSONAS, status)


PUBLIC = everyone(200)
SIGNED_IN = {**everyone(200), "anonymous": LOGIN}
MEMBERS_ONLY = {**everyone(200), "anonymous": LOGIN, "outsider": 403}
COORDINATOR_ONLY = {**everyone(403), "anonymous": LOGIN, "coordinator": 200}
POST_ONLY = everyone(405)
# login_required comes first: anonymous visitors are sent to sign in before the method matters.
POST_ONLY_SIGNED_IN = {**everyone(405), "anonymous": LOGIN}
SIGN_IN_PAGE = {**everyone(HOME), "anonymous": 200}


# --- sample arguments -----------------------------------------------------------------------


def _no_kwargs(request, user) -> dict[str, Any]:
    return {}


def _region(request, user) -> dict[str, Any]:
    return {"code": "UA-18"}


def _person(request, user) -> dict[str, Any]:
    return {"person_id": request.getfixturevalue("zhytomyr_head").pk}


def _organization(request, user) -> dict[str, Any]:
    return {"organization_id": Organization.objects.get(key="rma-UA-18").pk}


def _token(request, user) -> dict[str, Any]:
    """The user's own token; the anonymous visitor has none, so someone else's."""
    owner = user if user.is_authenticated else UserFactory()
    return {"token_id": token_issue(user=owner, name="sample")[0].pk}


@dataclass(frozen=True)
class Route:
    name: str
    expected: dict[str, Any]
    kwargs: Callable[[pytest.FixtureRequest, Any], dict[str, Any]] = _no_kwargs


ROUTES: dict[str, Route] = {
    "": Route("core:home", PUBLIC),
    "language/": Route("core:set_language", POST_ONLY),
    "healthz": Route("core:healthz", PUBLIC),
    "readyz": Route("core:readyz", PUBLIC),
    "accounts/login/": Route("accounts:login", SIGN_IN_PAGE),
    "accounts/logout/": Route("accounts:logout", POST_ONLY),
    "accounts/profile/": Route("accounts:profile", SIGNED_IN),
    "accounts/profile/tokens/": Route("accounts:token_create", POST_ONLY_SIGNED_IN),
    "accounts/profile/tokens/<int:token_id>/revoke/": Route(
        "accounts:token_revoke", POST_ONLY_SIGNED_IN, _token
    ),
    "regions/": Route("regions:index", PUBLIC),
    "regions/<str:code>/": Route("regions:detail", PUBLIC, _region),
    "directory/": Route("directory:index", MEMBERS_ONLY),
    "directory/people/<int:person_id>/": Route("directory:person", MEMBERS_ONLY, _person),
    "directory/organizations/<int:organization_id>/": Route(
        "directory:organization", MEMBERS_ONLY, _organization
    ),
    "audit/": Route("audit:index", COORDINATOR_ONLY),
}


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from _walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, f"{namespace}:{entry.name}" if namespace else entry.name


def site_routes() -> dict[str, str]:
    """pattern → name of every route outside admin/ and api/v1/."""
    return {
        route: name
        for route, name in _walk(get_resolver().url_patterns)
        if not route.startswith(SKIPPED_PREFIXES)
    }


def test_every_route_has_a_row():
    assert site_routes() == {route: row.name for route, row in ROUTES.items()}


def test_every_row_names_every_persona():
    for row in ROUTES.values():
        assert set(row.expected) == set(PERSONAS), row.name


def _describe(expected: Any) -> str:
    return {LOGIN: "302_to_login", HOME: "302_home"}.get(expected, str(expected))


def _grid_params():
    for row in ROUTES.values():
        slug = row.name.replace(":", "_")
        for name in PERSONAS:
            expected = row.expected[name]
            yield pytest.param(
                row, name, expected, id=f"{name}_gets_{_describe(expected)}_from_{slug}"
            )


@pytest.mark.parametrize(("row", "name", "expected"), list(_grid_params()))
def test_get(client, request, row, name, expected):
    user = persona(request, name)
    if user.is_authenticated:
        client.force_login(user)
    url = reverse(row.name, kwargs=row.kwargs(request, user))
    response = client.get(url)
    if expected == LOGIN:
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == reverse("accounts:login")
        assert parse_qs(location.query)["next"] == [url]
    elif expected == HOME:
        assert response.status_code == 302
        assert response["Location"] == reverse("core:home")
    else:
        assert response.status_code == expected


# --- missing objects and other people's things ---------------------------------------------


@pytest.mark.parametrize("name", MEMBERS)
def test_a_person_who_does_not_exist_is_404(client, request, name):
    client.force_login(persona(request, name))
    missing = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    assert client.get(reverse("directory:person", args=[missing])).status_code == 404


def test_an_organization_that_does_not_exist_is_404(client, zhytomyr):
    client.force_login(zhytomyr)
    missing = Organization.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    assert client.get(reverse("directory:organization", args=[missing])).status_code == 404


def test_a_region_that_does_not_exist_is_404(client, reference):
    assert client.get(reverse("regions:detail", args=["XX-99"])).status_code == 404


@pytest.mark.parametrize("name", ["outsider", "zhytomyr", "coordinator"])
def test_revoking_another_users_token_is_404_and_leaves_it_active(client, request, name, indiana):
    token, _plain = token_issue(user=indiana, name="Indiana's script")
    client.force_login(persona(request, name))
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_revoking_a_token_anonymously_asks_to_sign_in_and_leaves_it_active(client, indiana):
    token, _plain = token_issue(user=indiana, name="Indiana's script")
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("accounts:login")
    token.refresh_from_db()
    assert token.is_active


def test_revoking_a_token_that_does_not_exist_is_404(client, outsider):
    client.force_login(outsider)
    missing = (ApiToken.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    assert client.post(reverse("accounts:token_revoke", args=[missing])).status_code == 404


def test_revoking_ones_own_token_works(client, outsider):
    token, _plain = token_issue(user=outsider, name="mine")
    client.force_login(outsider)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    token.refresh_from_db()
    assert not token.is_active


# --- pages show contact details exactly when the policy allows ------------------------------

CONTACT_PAGES = {
    "person_page": lambda head: reverse("directory:person", args=[head.pk]),
    "organization_page": lambda head: reverse(
        "directory:organization", args=[head.organization_id]
    ),
    "directory_search": lambda head: reverse("directory:index") + "?q=Testenko",
    "region_page": lambda head: reverse("regions:detail", args=["UA-18"]),
}
SEES_ZHYTOMYR_HEAD_CONTACTS = {"coordinator", "ministry", "embassy", "zhytomyr"}


@pytest.mark.parametrize("page", list(CONTACT_PAGES))
@pytest.mark.parametrize("name", MEMBERS)
def test_pages_show_contacts_as_the_policy_says(client, request, name, page, zhytomyr_head):
    user = persona(request, name)
    client.force_login(user)
    response = client.get(CONTACT_PAGES[page](zhytomyr_head))
    assert response.status_code == 200
    assert b"Testenko" in response.content or "Тестенко".encode() in response.content
    allowed = policy.can(user, policy.Action.PERSON_VIEW_CONTACTS, zhytomyr_head)
    assert allowed is (name in SEES_ZHYTOMYR_HEAD_CONTACTS)
    assert (b"head@zhytomyr.example.org" in response.content) is allowed
    assert (b"+380 67 000 0000" in response.content) is allowed
