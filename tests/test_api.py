"""The JSON API at /api/v1: schema and docs, authentication, reference data, the directory,
pagination, bounded query counts, and JSON errors (never a 500) for any input."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from regionbridge.accounts.models import ApiToken
from regionbridge.accounts.services import token_issue, token_revoke
from tests.api_contract import answers_documented  # noqa: F401 (a fixture)
from tests.factories import ContactFactory, PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("answers_documented")]

API = "/api/v1"


# --- helpers -------------------------------------------------------------------------------


def bearer(user, name: str = "tests") -> dict[str, str]:
    _, plain = token_issue(user=user, name=name)
    return {"Authorization": f"Bearer {plain}"}


def body(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


def assert_json_error(response, status: int | None = None) -> dict:
    """A 4xx answer is a JSON object with a human-readable message."""
    if status is not None:
        assert response.status_code == status, (response.status_code, response.content[:300])
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    data = body(response)
    assert isinstance(data, dict)
    assert isinstance(data.get("message"), str) and data["message"], data
    return data


def get_ok(client, url: str, **kwargs) -> dict:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return body(response)


def region_codes(data: dict) -> set[str]:
    return {item["code"] for item in data["items"]}


def person_ids(data: dict) -> set[int]:
    return {item["id"] for item in data["items"]}


@pytest.fixture
def coordinator_auth(coordinator):
    return bearer(coordinator)


# --- schema and docs -----------------------------------------------------------------------


def test_openapi_schema_is_valid_json_listing_every_path(client, reference):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = body(response)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Region Bridge API"
    paths = set(schema["paths"])
    for path in (
        "/api/v1/countries",
        "/api/v1/regions",
        "/api/v1/regions/{code}",
        "/api/v1/organizations",
        "/api/v1/organizations/{organization_id}",
        "/api/v1/people",
        "/api/v1/people/{person_id}",
        "/api/v1/me",
        "/api/v1/audit",
    ):
        assert path in paths, path


def test_openapi_schema_declares_the_bearer_scheme(client, reference):
    schema = body(client.get(f"{API}/openapi.json"))
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values()), schemes


def test_docs_load_swagger_from_local_static_files(client, reference):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode().lower()
    assert "swagger" in html
    assert "/static/" in html
    for cdn in ("cdn", "jsdelivr", "unpkg"):
        assert cdn not in html, cdn


# --- authentication ------------------------------------------------------------------------


def test_bearer_token_authenticates(client, zhytomyr):
    data = get_ok(client, f"{API}/me", headers=bearer(zhytomyr))
    assert data["email"] == zhytomyr.email


def test_bearer_token_records_last_use(client, zhytomyr):
    token, plain = token_issue(user=zhytomyr, name="script")
    assert token.last_used_at is None
    get_ok(client, f"{API}/me", headers={"Authorization": f"Bearer {plain}"})
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_token_is_refused_with_401(client, zhytomyr):
    token, plain = token_issue(user=zhytomyr, name="old")
    token_revoke(token=token, by=zhytomyr)
    headers = {"Authorization": f"Bearer {plain}"}
    assert_json_error(client.get(f"{API}/me", headers=headers), 401)
    # A bad token is never quietly treated as anonymous, even on public endpoints.
    assert_json_error(client.get(f"{API}/regions", headers=headers), 401)


@pytest.mark.parametrize(
    "token", ["garbage", "rb_garbage", "rb_", "Bearer", "😀", "x" * 5000, "rb_" + "a" * 43]
)
def test_garbage_token_is_refused_with_401(client, reference, token):
    headers = {"Authorization": f"Bearer {token}"}
    assert_json_error(client.get(f"{API}/people", headers=headers), 401)


def test_token_of_a_deactivated_user_is_refused(client, zhytomyr):
    headers = bearer(zhytomyr)
    zhytomyr.is_active = False
    zhytomyr.save(update_fields=["is_active"])
    assert_json_error(client.get(f"{API}/me", headers=headers), 401)


@pytest.mark.parametrize("path", ["/people", "/organizations", "/me", "/audit", "/people/1"])
def test_members_only_endpoints_need_credentials(client, reference, path):
    data = assert_json_error(client.get(f"{API}{path}"), 401)
    assert "Bearer" in data["message"]


def test_session_login_works_for_reads(client, zhytomyr, zhytomyr_head):
    client.force_login(zhytomyr)
    assert get_ok(client, f"{API}/me")["email"] == zhytomyr.email
    assert zhytomyr_head.pk in person_ids(get_ok(client, f"{API}/people"))


def test_token_works_without_a_session_and_is_not_stored_in_plain(client, zhytomyr):
    headers = bearer(zhytomyr)
    plain = headers["Authorization"].removeprefix("Bearer ")
    assert not ApiToken.objects.filter(digest=plain).exists()
    assert get_ok(client, f"{API}/me", headers=headers)["email"] == zhytomyr.email
    assert "_auth_user_id" not in client.session


# --- regions (public) ----------------------------------------------------------------------


def test_ukrainian_regions_are_public_with_both_names(client, reference):
    data = get_ok(client, f"{API}/regions?country=UA")
    assert data["count"] == 27
    assert len(data["items"]) == 27
    by_code = {item["code"]: item for item in data["items"]}
    assert by_code["UA-18"]["name_en"] == "Zhytomyr Oblast"
    assert by_code["UA-18"]["name_uk"] == "Житомирська область"
    assert by_code["UA-18"]["country"] == "UA"
    assert by_code["UA-30"]["name_en"] == "Kyiv"
    assert by_code["UA-23"]["name_en"] == "Zaporizhzhia Oblast"
    for item in data["items"]:
        assert item["name_en"] and item["name_uk"], item
        assert item["country"] == "UA"


def test_country_filter_is_case_insensitive(client, reference):
    assert get_ok(client, f"{API}/regions?country=ua")["count"] == 27


@pytest.mark.parametrize("q", ["житомир", "ЖИТОМИР", "Житомирська", "Zhytomyr", "zhytomyrska"])
def test_region_search_in_both_languages(client, reference, q):
    data = get_ok(client, f"{API}/regions", data={"q": q})
    assert "UA-18" in region_codes(data), q


def test_us_region_names(client, reference):
    indiana = get_ok(client, f"{API}/regions/US-IN")
    assert indiana["name_en"] == "Indiana"
    assert indiana["name_uk"] == "Індіана"
    assert indiana["kind"] == "state"
    assert get_ok(client, f"{API}/regions/US-GA")["name_uk"] == "Джорджія"


def test_region_search_finds_indiana_in_ukrainian(client, reference):
    assert "US-IN" in region_codes(get_ok(client, f"{API}/regions", data={"q": "Індіана"}))


def test_every_us_state_has_a_timezone(client, reference):
    data = get_ok(client, f"{API}/regions?country=US&kind=state&page_size=200")
    assert data["count"] == 50
    assert len(data["items"]) == 50
    missing = [item["code"] for item in data["items"] if not item["timezone"]]
    assert not missing


def test_every_ukrainian_region_has_a_timezone(client, reference):
    data = get_ok(client, f"{API}/regions?country=UA&page_size=200")
    missing = [item["code"] for item in data["items"] if not item["timezone"]]
    assert not missing
    assert {item["timezone"] for item in data["items"]} <= {"Europe/Kyiv", "Europe/Simferopol"}


def test_region_detail_is_case_insensitive(client, reference):
    data = get_ok(client, f"{API}/regions/ua-18")
    assert data["code"] == "UA-18"
    assert data["name_en"] == "Zhytomyr Oblast"
    assert data["aliases"] is not None


def test_unknown_region_is_a_json_404(client, reference):
    assert_json_error(client.get(f"{API}/regions/XX-99"), 404)


def test_kind_filter_rejects_unknown_kinds(client, reference):
    assert_json_error(client.get(f"{API}/regions?kind=planet"), 422)


def test_countries_are_public(client, reference):
    data = get_ok(client, f"{API}/countries", data={"q": "Ukraine"})
    assert "UA" in {item["code"] for item in data["items"]}


# --- directory -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q", ["Zhytomyr RMA", "who heads Zhytomyr's RMA?", "Житомирська ОВА", "житомирської ова"]
)
def test_people_search_finds_the_zhytomyr_head(
    client, coordinator_auth, zhytomyr_head, indiana_contact, q
):
    data = get_ok(client, f"{API}/people", data={"q": q}, headers=coordinator_auth)
    ids = person_ids(data)
    assert zhytomyr_head.pk in ids, q
    assert indiana_contact.pk not in ids, q


@pytest.mark.parametrize("q", ["who is our contact in Indiana?", "Індіана", "індіані"])
def test_people_search_finds_the_indiana_contact(
    client, coordinator_auth, zhytomyr_head, indiana_contact, q
):
    data = get_ok(client, f"{API}/people", data={"q": q}, headers=coordinator_auth)
    ids = person_ids(data)
    assert indiana_contact.pk in ids, q
    assert zhytomyr_head.pk not in ids, q


def test_people_search_with_no_match_is_empty(client, coordinator_auth, zhytomyr_head):
    data = get_ok(client, f"{API}/people", data={"q": "Nonexistentname"}, headers=coordinator_auth)
    assert data == {"items": [], "count": 0}


def contacts_by_person(data: dict) -> dict[int, list[dict]]:
    return {item["id"]: item["contacts"] for item in data["items"]}


def test_partner_sees_the_zhytomyr_head_without_contacts(
    client, indiana, zhytomyr_head, indiana_contact
):
    data = get_ok(client, f"{API}/people", headers=bearer(indiana))
    contacts = contacts_by_person(data)
    assert zhytomyr_head.pk in contacts
    assert contacts[zhytomyr_head.pk] == []
    # Their own region's people they may reach.
    assert [c["value"] for c in contacts[indiana_contact.pk]] == ["emma@indiana.example.org"]
    detail = get_ok(client, f"{API}/people/{zhytomyr_head.pk}", headers=bearer(indiana))
    assert detail["contacts"] == []
    assert detail["name_en"] == "Viktor Testenko"


def test_coordinator_sees_every_contact(client, coordinator_auth, zhytomyr_head, indiana_contact):
    data = get_ok(client, f"{API}/people", headers=coordinator_auth)
    contacts = contacts_by_person(data)
    assert {c["value"] for c in contacts[zhytomyr_head.pk]} == {
        "head@zhytomyr.example.org",
        "+380 67 000 0000",
    }
    assert {c["value"] for c in contacts[indiana_contact.pk]} == {"emma@indiana.example.org"}


def test_regional_officer_sees_own_region_contacts_only(
    client, zhytomyr, zhytomyr_head, indiana_contact
):
    contacts = contacts_by_person(get_ok(client, f"{API}/people", headers=bearer(zhytomyr)))
    assert len(contacts[zhytomyr_head.pk]) == 2
    assert contacts[indiana_contact.pk] == []


def test_person_payload_shape(client, coordinator_auth, zhytomyr_head):
    data = get_ok(client, f"{API}/people/{zhytomyr_head.pk}", headers=coordinator_auth)
    assert data["region"] == "UA-18"
    assert data["organization"]["id"] == zhytomyr_head.organization_id
    assert data["title_uk"] == "Голова Житомирської обласної військової адміністрації"
    assert data["languages"] == ["uk", "en"]
    assert {c["kind"] for c in data["contacts"]} == {"email", "mobile"}


def test_people_filters_by_region_and_country(
    client, coordinator_auth, zhytomyr_head, indiana_contact
):
    url = f"{API}/people"
    assert person_ids(get_ok(client, url + "?region=ua-18", headers=coordinator_auth)) == {
        zhytomyr_head.pk
    }
    assert person_ids(get_ok(client, url + "?country=us", headers=coordinator_auth)) == {
        indiana_contact.pk
    }
    by_org = get_ok(
        client,
        url,
        data={"organization": indiana_contact.organization_id},
        headers=coordinator_auth,
    )
    assert person_ids(by_org) == {indiana_contact.pk}


def test_outsider_is_forbidden_from_the_directory(client, outsider, zhytomyr_head):
    headers = bearer(outsider)
    assert_json_error(client.get(f"{API}/people", headers=headers), 403)
    assert_json_error(client.get(f"{API}/people/{zhytomyr_head.pk}", headers=headers), 403)
    assert_json_error(client.get(f"{API}/organizations", headers=headers), 403)
    # Public data stays public for them.
    assert get_ok(client, f"{API}/regions?country=UA", headers=headers)["count"] == 27


def test_outsider_session_is_forbidden_from_the_directory(client, outsider):
    client.force_login(outsider)
    assert_json_error(client.get(f"{API}/people"), 403)


def test_missing_person_is_a_json_404(client, coordinator_auth):
    assert_json_error(client.get(f"{API}/people/987654321", headers=coordinator_auth), 404)


def test_missing_organization_is_a_json_404(client, coordinator_auth):
    assert_json_error(client.get(f"{API}/organizations/987654321", headers=coordinator_auth), 404)


def test_military_administrations(client, coordinator_auth):
    data = get_ok(
        client,
        f"{API}/organizations?kind=military_administration&page_size=200",
        headers=coordinator_auth,
    )
    assert data["count"] == 25
    assert len(data["items"]) == 25
    assert {item["kind"] for item in data["items"]} == {"military_administration"}
    regions = {item["region"] for item in data["items"]}
    assert "UA-18" in regions and "UA-30" in regions


def test_organization_detail(client, coordinator_auth, zhytomyr_head):
    org_id = zhytomyr_head.organization_id
    data = get_ok(client, f"{API}/organizations/{org_id}", headers=coordinator_auth)
    assert data["id"] == org_id
    assert data["region"] == "UA-18"
    assert data["country"] == "UA"
    assert data["kind"] == "military_administration"


def test_organization_search(client, coordinator_auth):
    data = get_ok(
        client, f"{API}/organizations", data={"q": "Житомирська ОВА"}, headers=coordinator_auth
    )
    assert "UA-18" in {item["region"] for item in data["items"]}


def test_unknown_organization_kind_is_a_422(client, coordinator_auth):
    data = assert_json_error(
        client.get(f"{API}/organizations?kind=nonsense", headers=coordinator_auth), 422
    )
    assert data["errors"]
    assert any("kind" in error["loc"] for error in data["errors"])


# --- account -------------------------------------------------------------------------------


def test_me_lists_email_and_roles(client, zhytomyr):
    data = get_ok(client, f"{API}/me", headers=bearer(zhytomyr))
    assert data["email"] == "zhytomyr@example.org"
    assert data["roles"] == [{"role": "regional", "region": "UA-18", "organization_id": None}]


def test_me_for_a_user_without_roles(client, outsider):
    data = get_ok(client, f"{API}/me", headers=bearer(outsider))
    assert data["email"] == "outsider@example.org"
    assert data["roles"] == []


def test_audit_is_for_coordinators(client, coordinator, zhytomyr):
    data = get_ok(client, f"{API}/audit", headers=bearer(coordinator))
    assert data["count"] >= 1
    assert all("action" in item and "at" in item for item in data["items"])
    issued = get_ok(client, f"{API}/audit?action=token.", headers=bearer(coordinator))
    assert issued["count"] >= 1
    assert all(item["action"].startswith("token.") for item in issued["items"])
    assert_json_error(client.get(f"{API}/audit", headers=bearer(zhytomyr)), 403)


# --- pagination ----------------------------------------------------------------------------


def test_page_size_and_page(client, reference):
    url = f"{API}/regions?country=UA"
    first = get_ok(client, url + "&page_size=10")
    second = get_ok(client, url + "&page_size=10&page=2")
    third = get_ok(client, url + "&page_size=10&page=3")
    beyond = get_ok(client, url + "&page_size=10&page=4")
    assert first["count"] == second["count"] == third["count"] == beyond["count"] == 27
    assert [len(p["items"]) for p in (first, second, third, beyond)] == [10, 10, 7, 0]
    seen = region_codes(first) | region_codes(second) | region_codes(third)
    assert len(seen) == 27


def test_default_page_size_is_50(client, reference):
    data = get_ok(client, f"{API}/regions")
    assert data["count"] > 50
    assert len(data["items"]) == 50


def test_huge_page_size_is_capped_not_refused(client, reference):
    data = get_ok(client, f"{API}/regions?page_size=100000")
    assert data["count"] > 200
    assert 0 < len(data["items"]) <= 200


def test_page_size_cap_is_200(client, reference):
    assert len(get_ok(client, f"{API}/regions?page_size=100000")["items"]) == 200
    assert len(get_ok(client, f"{API}/regions?page_size=150")["items"]) == 150


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=abc",
        "page=",
        "page=1.5",
        "page_size=0",
        "page_size=-5",
        "page_size=abc",
        "page_size=",
    ],
)
def test_bad_pagination_is_a_json_4xx(client, reference, query):
    assert_json_error(client.get(f"{API}/regions?{query}"))


def test_bad_pagination_on_members_endpoint(client, coordinator_auth):
    for query in ("page=0", "page=abc", "page_size=0"):
        assert_json_error(client.get(f"{API}/people?{query}", headers=coordinator_auth), 422)
    data = get_ok(client, f"{API}/organizations?page_size=100000", headers=coordinator_auth)
    assert len(data["items"]) == min(200, data["count"])


# --- query counts --------------------------------------------------------------------------


def make_people(n: int) -> None:
    for person in PersonFactory.create_batch(n):
        ContactFactory.create_batch(2, person=person)


@pytest.mark.parametrize("n", [5, 40])
def test_people_list_query_count_is_bounded_with_a_token(
    client, coordinator_auth, django_assert_max_num_queries, n
):
    make_people(n)
    with django_assert_max_num_queries(8):
        data = get_ok(client, f"{API}/people?page_size=200", headers=coordinator_auth)
    assert data["count"] == n
    assert all(len(item["contacts"]) == 2 for item in data["items"])


@pytest.mark.parametrize("n", [5, 40])
def test_people_list_query_count_is_bounded_for_a_partner(
    client, indiana, django_assert_max_num_queries, n
):
    make_people(n)
    headers = bearer(indiana)
    with django_assert_max_num_queries(8):
        data = get_ok(client, f"{API}/people?page_size=200", headers=headers)
    assert data["count"] == n
    assert all(item["contacts"] == [] for item in data["items"])


@pytest.mark.parametrize("n", [5, 40])
def test_people_list_query_count_is_bounded_with_a_session(
    client, coordinator, django_assert_max_num_queries, n
):
    make_people(n)
    client.force_login(coordinator)
    with django_assert_max_num_queries(10):
        data = get_ok(client, f"{API}/people?page_size=200")
    assert data["count"] == n


@pytest.mark.parametrize("n", [5, 40])
def test_organizations_query_count_is_bounded(
    client, coordinator_auth, django_assert_max_num_queries, n
):
    make_people(n)
    with django_assert_max_num_queries(8):
        get_ok(client, f"{API}/organizations?page_size=200", headers=coordinator_auth)


def test_people_list_query_count_does_not_grow_with_people(client, coordinator):
    def queries_for_list() -> int:
        headers = bearer(coordinator)
        with CaptureQueriesContext(connection) as captured:
            get_ok(client, f"{API}/people?page_size=200", headers=headers)
        return len(captured)

    make_people(5)
    few = queries_for_list()
    make_people(35)
    many = queries_for_list()
    assert few == many, (few, many)


def test_regions_query_count_is_bounded(client, reference, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        get_ok(client, f"{API}/regions?page_size=200")


# --- hostile and odd input -----------------------------------------------------------------

HOSTILE_VALUES = [
    "",
    " ",
    "x" * 201,
    "x" * 5000,
    "' OR 1=1 --",
    "'; DROP TABLE regions_region; --",
    '" OR ""="',
    "%",
    "%%",
    "_",
    "\\",
    "*",
    "%00",
    "a%00b",
    "%C0%AE",
    "%FF%FE",
    "😀🇺🇦",
    "Ґґ Її Єє ʼ’",
    "ǅ ﬁ ß İ",
    "<script>alert(1)</script>",
    "-1",
    "0",
    "1e10",
    "99999999999999999999",
    "-99999999999999999999",
    "NaN",
    "null",
    "[]",
    "{}",
]
ENDPOINT_PARAMS = {
    "/countries": ["q", "page", "page_size"],
    "/regions": ["q", "country", "kind", "page", "page_size"],
    "/organizations": ["q", "kind", "country", "region", "page", "page_size"],
    "/people": ["q", "organization", "country", "region", "page", "page_size"],
    "/me": ["q"],
    "/audit": ["action", "page", "page_size"],
}
DETAIL_ENDPOINTS = ["/regions/{}", "/organizations/{}", "/people/{}"]
PATH_VALUES = [
    "-1",
    "0",
    "99999999999999999999",
    "abc",
    "%00",
    "%27%20OR%201%3D1",
    "%F0%9F%98%80",
    "x" * 300,
    "1.5",
    "..%2F..%2Fetc%2Fpasswd",
]


def check_not_500(response, url: str) -> str | None:
    """None if the answer is sound, else a description of what went wrong."""
    status = response.status_code
    if status >= 500:
        return f"{url} -> {status}"
    if not response["Content-Type"].startswith("application/json"):
        return f"{url} -> {status} with {response['Content-Type']}"
    data = json.loads(response.content)
    if status >= 400 and not (isinstance(data, dict) and data.get("message")):
        return f"{url} -> {status} without a message: {data}"
    return None


def hostile_query_urls(values: list[str]) -> list[str]:
    return [
        f"{API}{endpoint}?{param}={value}"
        for endpoint, params in ENDPOINT_PARAMS.items()
        for param in params
        for value in values
    ]


def test_hostile_query_strings_never_give_a_500(coordinator):
    client = Client(raise_request_exception=False, headers=bearer(coordinator))
    problems = []
    for url in hostile_query_urls(HOSTILE_VALUES):
        problem = check_not_500(client.get(url), url)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)


def test_hostile_query_strings_anonymous(reference):
    client = Client(raise_request_exception=False)
    problems = []
    for url in hostile_query_urls(HOSTILE_VALUES):
        response = client.get(url)
        problem = check_not_500(response, url)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)


def test_hostile_path_values_never_give_a_500(coordinator):
    """Missing ids and codes are 404s; ids that are not integers are 404 or 422."""
    client = Client(raise_request_exception=False, headers=bearer(coordinator))
    problems = []
    for template in DETAIL_ENDPOINTS:
        for value in PATH_VALUES:
            url = API + template.format(value)
            response = client.get(url)
            problem = check_not_500(response, url)
            numeric = value.lstrip("-").isdigit() or template.startswith("/regions")
            allowed = {404} if numeric else {404, 422}
            if "%00" in value:
                allowed = {400}  # a NUL byte is refused before routing (PostgreSQL rejects it)
            if problem:
                problems.append(problem)
            elif response.status_code not in allowed:
                problems.append(f"{url} -> {response.status_code}, expected {allowed}")
    assert not problems, "\n".join(problems)


def test_too_long_search_is_a_422(client, coordinator_auth):
    for endpoint in ("/regions", "/organizations", "/people"):
        data = assert_json_error(
            client.get(f"{API}{endpoint}", data={"q": "x" * 201}, headers=coordinator_auth), 422
        )
        assert any("q" in error["loc"] for error in data["errors"])
    assert_json_error(client.get(f"{API}/regions?country=UKR"), 422)


def test_sql_like_search_is_plain_text(client, coordinator_auth, zhytomyr_head):
    """Quotes and LIKE wildcards in a search are text, not SQL."""
    people = f"{API}/people"
    assert get_ok(client, people, data={"q": "Viktor"}, headers=coordinator_auth)["count"] == 1
    for q in ("zzqq' OR '1'='1", 'zzqq" OR ""="', "Vik_or", "Vik%tor%zzqq", "Testenk_"):
        data = get_ok(client, people, data={"q": q}, headers=coordinator_auth)
        assert data["count"] == 0, q
    for q in ("zzqq' OR '1'='1", "Zhytom_r", "Zhyto%zzqq"):
        assert get_ok(client, f"{API}/regions", data={"q": q})["count"] == 0, q


def test_null_byte_in_search_is_harmless(client, coordinator_auth, zhytomyr_head):
    response = client.get(f"{API}/people?q=Zhytomyr%00", headers=coordinator_auth)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert_json_error(response)


def test_huge_organization_filter_is_not_a_500(coordinator):
    client = Client(raise_request_exception=False, headers=bearer(coordinator))
    problems = []
    for value in ("99999999999999999999", "-99999999999999999999"):
        url = f"{API}/people?organization={value}"
        problem = check_not_500(client.get(url), url)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)


def test_huge_page_number_is_not_a_500(coordinator):
    client = Client(raise_request_exception=False, headers=bearer(coordinator))
    problems = []
    for endpoint, params in ENDPOINT_PARAMS.items():
        if "page" not in params:
            continue
        url = f"{API}{endpoint}?page=99999999999999999999"
        problem = check_not_500(client.get(url), url)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)


def test_non_get_methods_are_refused_as_json(client, coordinator_auth):
    response = client.post(f"{API}/regions", headers=coordinator_auth)
    assert response.status_code == 405


# --- unknown paths -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/nope", "/nope/deeper", "/regions/UA-18/extra", "/"])
def test_unknown_api_path_is_a_json_404(client, reference, path):
    assert_json_error(client.get(f"{API}{path}"), 404)


def test_me_gives_the_name_in_the_readers_script_with_both_beside_it(client, zhytomyr):
    zhytomyr.full_name, zhytomyr.full_name_en = "Олена Коваль", "Olena Koval"
    zhytomyr.language = "uk"  # the API answers in the account's language
    zhytomyr.save()
    headers = bearer(zhytomyr)
    uk = body(client.get(f"{API}/me", headers=headers))
    zhytomyr.language = "en"
    zhytomyr.save()
    en = body(client.get(f"{API}/me", headers=headers))
    assert (uk["full_name"], en["full_name"]) == ("Олена Коваль", "Olena Koval")
    assert uk["full_name_uk"] == en["full_name_uk"] == "Олена Коваль"
    assert uk["full_name_en"] == en["full_name_en"] == "Olena Koval"
