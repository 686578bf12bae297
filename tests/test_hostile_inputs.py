"""Hostile input at every door: spreadsheet formulas in exports, dates at the ends of the
calendar, broken multipart bodies, duplicate creations racing each other, and odd values in
every JSON field. The answer is always a clear 4xx (or harmless text), never a 500."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from regionbridge.accounts.services import token_issue
from regionbridge.lib.csvexport import _safe, csv_response
from regionbridge.messaging.services import thread_create
from regionbridge.partnerships import clearance, services
from regionbridge.partnerships.models import Partnership
from regionbridge.partnerships.services import spheres_load
from tests.conftest import make_member, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def spheres(reference):
    spheres_load()


# --- CSV export: nothing a spreadsheet would run -------------------------------------------

DANGEROUS_CELLS = [
    "=1+2",
    "+1+2",
    "-1+2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\n=1",
    ' =HYPERLINK("http://evil.example")',
    "   +cmd|' /C calc'!A0",
    "\u00a0=1",  # no-break space
    "\u3000=1",  # ideographic space
    "\u200b=1",  # zero-width space
    "\ufeff=1",  # byte-order mark
    "＝1+2",  # full-width equals
    "＋1",
    "－1",
    "＠SUM(A1)",
    " ＝1",
    "﹦1",  # small equals sign
    "﹢1",  # small plus sign
    "﹣1",  # small hyphen-minus
    "﹫1",  # small commercial at
    "⁺1",  # superscript plus
    "₌1",  # subscript equals
    "\u22121",  # minus sign
]
HARMLESS_CELLS = ["Indiana", "Житомирська ОВА", "", "1 = 1", "e-mail", "a@b", "'quoted"]


@pytest.mark.parametrize("cell", DANGEROUS_CELLS)
def test_cells_that_a_spreadsheet_would_run_are_quoted(cell):
    assert _safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", HARMLESS_CELLS)
def test_ordinary_cells_are_left_alone(cell):
    assert _safe(cell) == cell


@pytest.mark.parametrize("value", [-5, 3, 2.5, date(2024, 1, 1), None])
def test_numbers_dates_and_empty_cells_are_not_quoted(value):
    assert _safe(value) == ("" if value is None else value)


def test_the_header_is_checked_too():
    response = csv_response("x.csv", ["=cmd"], [])
    assert response.content.decode("utf-8-sig").splitlines() == ["'=cmd"]


def test_the_partnership_export_quotes_what_users_typed(client, coordinator, spheres):
    tie = services.partnership_create(
        by=coordinator,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-IN"),
        partner_name_en=' ＝HYPERLINK("http://evil.example","Indiana")',
        first_event_on=date(2024, 1, 1),
    )
    services.partnership_update(partnership=tie, by=coordinator, next_step_en="\u3000@SUM(A1)")
    client.force_login(coordinator)
    response = client.get(reverse("partnerships:list") + "?format=csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    (row,) = rows
    assert row["partner_name"].startswith("'")
    assert row["partner_name_en"].startswith("'")
    assert row["next_step"] == row["next_step_en"] == "'\u3000@SUM(A1)"
    assert row["id"] == str(tie.pk)


# --- malformed multipart on the API ---------------------------------------------------------

API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {token_issue(user=user, name='t')[1]}"}


def assert_json_error(response, status: int | tuple[int, ...] = ()) -> dict:
    statuses = (status,) if isinstance(status, int) else status
    detail = (response.status_code, response.content[:300])
    assert 400 <= response.status_code < 500, detail
    if statuses:
        assert response.status_code in statuses, detail
    assert response["Content-Type"].startswith("application/json"), detail
    data = json.loads(response.content)
    assert isinstance(data, dict) and isinstance(data.get("message"), str) and data["message"]
    return data


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def multipart_urls(zhytomyr, indiana, spheres, media):
    """Every API endpoint that takes multipart (`File(` in regionbridge/api)."""
    tie = services.partnership_create(
        by=zhytomyr,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-OH"),
        first_event_on=date(2024, 1, 1),
    )
    document = clearance.document_create(partnership=tie, kind="memorandum", by=zhytomyr)
    thread = thread_create(by=zhytomyr, subject="Draft", users=[indiana])
    return [
        f"{API}/documents/{document.pk}/versions",
        f"{API}/threads/{thread.pk}/messages/with-files",
    ]


def test_the_multipart_list_is_complete():
    """Every operation that takes a multipart body (from the API's own schema) is tried."""
    from regionbridge.api.api import api

    schema = api.get_openapi_schema(path_prefix="")
    found = {
        path
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        if "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
    }
    assert found == {
        "/documents/{document_id}/versions",
        "/threads/{thread_id}/messages/with-files",
    }


def _part(boundary: str, body: bytes = b"", *, close: bool = True) -> bytes:
    b = boundary.encode()
    parts = (
        b"--" + b + b'\r\nContent-Disposition: form-data; name="language"\r\n\r\nen\r\n'
        b"--" + b + b'\r\nContent-Disposition: form-data; name="body"\r\n\r\nhello\r\n'
        b"--" + b + b'\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + (body or PDF) + b"\r\n"
    )
    return parts + (b"--" + b + b"--\r\n" if close else b"")


MALFORMED = {
    "missing boundary": ("multipart/form-data", _part("xyz")),
    "empty boundary": ("multipart/form-data; boundary=", _part("xyz")),
    "broken boundary": ("multipart/form-data; boundary=\x00\x01bad", _part("xyz")),
    "non-ascii boundary": ("multipart/form-data; boundary=ґанок", _part("xyz")),
    "boundary of 5,000 chars": (
        "multipart/form-data; boundary=" + "b" * 5000,
        _part("b" * 5000),
    ),
    "wrong boundary": ("multipart/form-data; boundary=abc", _part("xyz")),
    "truncated body": ("multipart/form-data; boundary=xyz", _part("xyz", close=False)[:-40]),
    "truncated headers": (
        "multipart/form-data; boundary=xyz",
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"',
    ),
    "garbage": ("multipart/form-data; boundary=xyz", b"\x00\xff" * 500),
    "empty body": ("multipart/form-data; boundary=xyz", b""),
    "no content type": ("", _part("xyz")),
    "json instead": ("application/json", b'{"language": "en"}'),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_multipart_is_a_json_400(client, zhytomyr, multipart_urls, case):
    content_type, payload = MALFORMED[case]
    client = Client(raise_request_exception=False)
    for url in multipart_urls:
        response = client.generic(
            "POST", url, payload, content_type=content_type, headers=bearer(zhytomyr)
        )
        assert_json_error(response, (400, 422))


def post_multipart(url: str, payload: bytes, user):
    client = Client(raise_request_exception=False)
    return client.generic(
        "POST",
        url,
        payload,
        content_type="multipart/form-data; boundary=xyz",
        headers=bearer(user),
    )


def test_too_many_fields_in_multipart_is_a_json_400(client, zhytomyr, multipart_urls, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = b"".join(
        b'--xyz\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nx\r\n' % i for i in range(20)
    )
    for url in multipart_urls:
        response = post_multipart(url, fields + _part("xyz"), zhytomyr)
        assert_json_error(response, 400)


def test_too_many_files_in_multipart_is_a_json_400(client, zhytomyr, multipart_urls, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = b"".join(
        b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="%d.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" % i + PDF + b"\r\n"
        for i in range(5)
    )
    for url in multipart_urls:
        response = post_multipart(url, files + _part("xyz"), zhytomyr)
        assert_json_error(response, 400)


def test_too_big_multipart_fields_are_a_json_413(client, zhytomyr, multipart_urls, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = b'--xyz\r\nContent-Disposition: form-data; name="body"\r\n\r\n' + b"x" * 5000 + b"\r\n"
    for url in multipart_urls:
        response = post_multipart(url, big + _part("xyz"), zhytomyr)
        assert_json_error(response, 413)


@pytest.mark.parametrize("case", ["missing boundary", "boundary of 5,000 chars", "truncated body"])
def test_malformed_multipart_with_a_session_is_a_json_4xx(zhytomyr, multipart_urls, case):
    content_type, payload = MALFORMED[case]
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    client.force_login(zhytomyr)
    for url in multipart_urls:
        response = client.generic("POST", url, payload, content_type=content_type)
        assert_json_error(response, (400, 403))


# --- the same partnership created twice (also by two requests at once) ---------------------


def _create_form(**fields) -> dict:
    return {
        "ukrainian_region": "UA-18",
        "partner_region": "US-OH",
        "partner_kind": "region",
        "partner_name_uk": "",
        "partner_name_en": "",
        "first_event": "first_contact",
        "first_event_on": "2024-01-01",
        **fields,
    }


@pytest.mark.parametrize("race", [False, True])
def test_the_page_shows_a_duplicate_as_a_form_error(client, zhytomyr, spheres, monkeypatch, race):
    client.force_login(zhytomyr)
    url = reverse("partnerships:create")
    assert client.post(url, _create_form()).status_code == 302
    if race:
        monkeypatch.setattr(services, "partnership_exists", lambda **_: False)
    client.raise_request_exception = False
    response = client.post(url, _create_form(partner_name_en="State of Ohio"))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert Partnership.objects.count() == 1


# --- dates at the ends of the calendar ------------------------------------------------------

# Outside the dates the registry accepts (1950-01-01 … 2100-12-31), or not dates at all.
EXTREME_DATES = [
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "+10000-01-01",
    "-0001-01-01",
    "0000-01-01",
    "1949-12-31",
    "2101-01-01",
    "99999999-01-01",
]


@pytest.fixture
def dated(zhytomyr, coordinator, ministry, spheres, media):
    """A partnership (with a cleared draft) and an institution link, for every dated input."""
    from regionbridge.institutions.services import link_create
    from regionbridge.partnerships.models import Document
    from tests.conftest import org
    from tests.factories import OrganizationFactory

    tie = services.partnership_create(
        by=zhytomyr,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-OH"),
        first_event_on=date(2024, 1, 1),
    )
    document = clearance.document_create(partnership=tie, kind="memorandum", by=zhytomyr)
    clearance.document_add_version(
        document=document,
        language="en",
        upload=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
        by=zhytomyr,
    )
    clearance.document_submit(document=document, by=zhytomyr)
    mindev = make_member("ministry", org_key="mindev", email="mindev@example.org")
    clearance.document_review(
        document=document, ministry=org("mfa"), decision="no_objection", by=ministry
    )
    clearance.document_review(
        document=document, ministry=org("mindev"), decision="approved", order_number="1", by=mindev
    )
    ours = OrganizationFactory(region=region("UA-18"))
    theirs = OrganizationFactory(region=region("US-OH"))
    link = link_create(by=coordinator, ukrainian_institution=ours, partner_institution=theirs)
    return {
        "tie": tie,
        "document": Document.objects.get(pk=document.pk),
        "ours": ours,
        "theirs": theirs,
        "link": link,
    }


def _api_date_inputs(dated) -> list[tuple[str, str, dict, str]]:
    """(method, url, body or query, the field that gets the date): every date the API takes."""
    tie, document = dated["tie"], dated["document"]
    new_tie = {"ukrainian_region": "UA-18", "partner_region": "US-IA"}
    activity = {"kind": "visit", "title_en": "Visit", "partnership": tie.pk}
    return [
        ("get", f"{API}/partnerships", {}, "as_of"),
        ("get", f"{API}/stats/overview", {}, "as_of"),
        ("post", f"{API}/partnerships", new_tie, "first_event_on"),
        ("post", f"{API}/partnerships", new_tie, "next_step_due"),
        ("patch", f"{API}/partnerships/{tie.pk}", {}, "next_step_due"),
        (
            "post",
            f"{API}/partnerships/{tie.pk}/events",
            {"kind": "reported_negotiating"},
            "occurred_on",
        ),
        ("post", f"{API}/documents/{document.pk}/sign", {}, "signed_on"),
        ("post", f"{API}/documents/{document.pk}/sign", {"signed_on": "2025-01-01"}, "valid_until"),
        (
            "post",
            f"{API}/links",
            {"ukrainian_institution": dated["ours"].pk, "partner_institution": dated["theirs"].pk},
            "started_on",
        ),
        ("post", f"{API}/activities", activity, "starts_on"),
        ("post", f"{API}/activities", {**activity, "starts_on": "2024-02-01"}, "ends_on"),
    ]


def _counts() -> tuple[int, ...]:
    from regionbridge.institutions.models import InstitutionLink
    from regionbridge.partnerships.models import Activity, Document, PartnershipEvent

    return (
        Partnership.objects.count(),
        PartnershipEvent.objects.count(),
        Activity.objects.count(),
        InstitutionLink.objects.count(),
        Document.objects.filter(status="signed").count(),
        Partnership.objects.filter(next_step_due__isnull=False).count(),
    )


def test_the_api_refuses_dates_out_of_range_with_a_json_4xx(coordinator, dated):
    client = Client(raise_request_exception=False, headers=bearer(coordinator))
    problems = []
    for method, url, payload, field in _api_date_inputs(dated):
        for value in EXTREME_DATES:
            before = _counts()
            if method == "get":
                response = client.get(url, {field: value})
            else:
                response = getattr(client, method)(
                    url, json.dumps({**payload, field: value}), content_type="application/json"
                )
            status = response.status_code
            if not 400 <= status < 500 or not json.loads(response.content).get("message"):
                problems.append(f"{method} {url} {field}={value} -> {status}")
            elif _counts() != before:
                problems.append(f"{method} {url} {field}={value} -> {status}, but saved")
    assert not problems, "\n".join(problems)


def _page_date_inputs(dated) -> list[tuple[str, dict, str]]:
    """(url, the rest of a valid form, the field that gets the date): every dated page form."""
    tie, document = dated["tie"], dated["document"]
    activity = {"kind": "visit", "title_en": "Visit"}
    return [
        (reverse("partnerships:create"), _create_form(partner_region="US-IA"), "first_event_on"),
        (reverse("partnerships:create"), _create_form(partner_region="US-IA"), "next_step_due"),
        (
            reverse("partnerships:edit", args=[tie.pk]),
            {"ukrainian_side_en": "RMA", "partner_name_en": "Ohio", "partner_kind": "region"},
            "next_step_due",
        ),
        (
            reverse("partnerships:event_create", args=[tie.pk]),
            {
                "kind": "reported_negotiating",
                "date_precision": "day",
                "reason": "talks",
                "confidence": "confirmed",
            },
            "occurred_on",
        ),
        (reverse("partnerships:document_sign", args=[document.pk]), {}, "signed_on"),
        (
            reverse("partnerships:document_sign", args=[document.pk]),
            {"signed_on": "2025-01-01"},
            "valid_until",
        ),
        (reverse("partnerships:activity_create", args=[tie.pk]), activity, "starts_on"),
        (
            reverse("partnerships:activity_create", args=[tie.pk]),
            {**activity, "starts_on": "2024-02-01"},
            "ends_on",
        ),
        (
            reverse("institutions:link_activity", args=[dated["link"].pk]),
            activity,
            "starts_on",
        ),
    ]


def _forms_of(response) -> list:
    from django.forms import BaseForm

    contexts = response.context if isinstance(response.context, list) else [response.context]
    return [
        value
        for context in contexts
        for value in context.flatten().values()
        if isinstance(value, BaseForm)
    ]


def test_pages_refuse_dates_out_of_range_with_a_form_error(client, coordinator, dated):
    client.force_login(coordinator)
    client.raise_request_exception = False
    problems = []
    for url, form, field in _page_date_inputs(dated):
        for value in EXTREME_DATES:
            before = _counts()
            response = client.post(url, {**form, field: value})
            status = response.status_code
            if status != 400:
                problems.append(f"{url} {field}={value} -> {status}")
            elif _counts() != before:
                problems.append(f"{url} {field}={value} -> {status}, but saved")
            elif not any(field in form.errors for form in _forms_of(response)):
                problems.append(f"{url} {field}={value}: no error on the field")
    assert not problems, "\n".join(problems)


def test_the_list_filter_refuses_dates_out_of_range(client, coordinator, dated):
    client.force_login(coordinator)
    client.raise_request_exception = False
    for value in EXTREME_DATES:
        for extra in ({}, {"idle_days": "36500"}, {"format": "csv"}):
            response = client.get(reverse("partnerships:list"), {"as_of": value, **extra})
            assert response.status_code in (200, 400), (value, extra, response.status_code)
            if "format" not in extra:
                assert "as_of" in response.context["form"].errors, value


def test_the_api_takes_the_edges_of_the_registry_dates(coordinator, dated):
    client = Client(headers=bearer(coordinator))
    tie = dated["tie"]
    response = client.patch(
        f"{API}/partnerships/{tie.pk}",
        json.dumps({"next_step_due": "2100-12-31"}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["next_step_due"] == "2100-12-31"
    response = client.post(
        f"{API}/partnerships",
        json.dumps(
            {"ukrainian_region": "UA-18", "partner_region": "US-IA", "first_event_on": "1950-01-01"}
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert client.get(f"{API}/stats/overview", {"as_of": "1950-01-01"}).status_code == 200


def test_the_schema_states_the_date_range(client, reference):
    schemas = client.get(f"{API}/openapi.json").json()["components"]["schemas"]
    occurred_on = schemas["EventIn"]["properties"]["occurred_on"]
    assert occurred_on.get("minimum") == "1950-01-01" or "1950-01-01" in json.dumps(occurred_on)


# --- a hostile sweep of every API endpoint ----------------------------------------------------

BIG = 2**63
LONE_SURROGATE = "\ud800"
# Raw JSON texts (so that numbers too big for 64 bits and lone surrogates reach the server).
HOSTILE_JSON_VALUES = [
    '"' + "x" * 100_000 + '"',
    '"a\\u0000b"',
    '"\\ud800"',
    '"a\\udfff\\ud800b"',
    str(BIG),
    str(-BIG - 1),
    "1" + "0" * 400,
    "1e308",
    "-1",
    "0",
    "null",
    "true",
    "[]",
    "{}",
    '["x"]',
    "[" * 50 + "]" * 50,
]
HOSTILE_QUERY_VALUES = [
    str(BIG),
    str(-BIG - 1),
    "-5",
    "0",
    "x" * 100_000,
    "\x00",
    "%ED%A0%80",
    "1e400",
    "2024-13-45",
]


@pytest.fixture
def world(coordinator, zhytomyr, indiana, dated, media):
    """One of everything the API can point at, all visible to the coordinator."""
    from regionbridge.matching.services import post_create
    from regionbridge.meetings.services import action_add, meeting_create
    from regionbridge.messaging.services import message_post

    thread = thread_create(by=coordinator, subject="Hostile", users=[zhytomyr, indiana])
    message = message_post(
        thread=thread,
        author=coordinator,
        body="With a file",
        files=[SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")],
    )
    starts_at = datetime(2030, 3, 11, 15, tzinfo=UTC)
    meeting = meeting_create(
        by=coordinator,
        title="Hostile",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        users=[zhytomyr],
    )
    action = action_add(
        by=coordinator, title="Reply", owner=zhytomyr, due=date(2030, 4, 1), meeting=meeting
    )
    need, offer = (
        post_create(
            by=coordinator,
            kind=kind,
            title="Hostile",
            description="Hostile input",
            region=region(code),
            organization=dated["ours"],
        )
        for kind, code in (("need", "UA-18"), ("offer", "US-OH"))
    )
    return {
        **dated,
        "need": need,
        "offer": offer,
        "meeting": meeting,
        "action": action,
        "thread": thread,
        "message": message,
        "attachment": message.attachments.get(),
        "version": dated["document"].versions.get(),
    }


def _path(template: str, world) -> str:
    ids = {
        "{partnership_id}": world["tie"].pk,
        "{document_id}": world["document"].pk,
        "{version_id}": world["version"].pk,
        "{thread_id}": world["thread"].pk,
        "{message_id}": world["message"].pk,
        "{attachment_id}": world["attachment"].pk,
        "{meeting_id}": world["meeting"].pk,
        "{action_id}": world["action"].pk,
        "{need_id}": world["need"].pk,
        "{offer_id}": world["offer"].pk,
        "{organization_id}": world["ours"].pk,
        "{person_id}": 1,
        "{code}": "UA-18",
    }
    for key, value in ids.items():
        template = template.replace(key, str(value))
    return template


def _bodies(world) -> dict[tuple[str, str], dict]:
    """A body each JSON endpoint would accept, to spoil one field at a time."""
    return {
        ("post", "/api/v1/partnerships"): {
            "ukrainian_region": "UA-18",
            "partner_region": "US-IA",
            "partner_name_uk": "штат Айова",
            "partner_name_en": "State of Iowa",
        },
        ("patch", "/api/v1/partnerships/{partnership_id}"): {
            "next_step": "Call",
            "next_step_uk": "Зателефонувати",
            "next_step_en": "Call",
        },
        ("post", "/api/v1/partnerships/{partnership_id}/events"): {
            "kind": "reported_negotiating",
            "occurred_on": "2024-06-01",
        },
        ("post", "/api/v1/partnerships/{partnership_id}/documents"): {"kind": "memorandum"},
        ("post", "/api/v1/documents/{document_id}/reviews"): {"decision": "no_objection"},
        ("post", "/api/v1/documents/{document_id}/sign"): {
            "signed_on": "2025-01-01",
            "place_uk": "Київ",
            "place_en": "Kyiv",
            "signatories": [{"name_uk": "Олена", "name_en": "Olena", "signs_for": "ukrainian"}],
        },
        ("post", "/api/v1/documents/{document_id}/close"): {"status": "expired"},
        ("post", "/api/v1/links"): {
            "ukrainian_institution": world["ours"].pk,
            "partner_institution": world["theirs"].pk,
        },
        ("post", "/api/v1/activities"): {
            "kind": "visit",
            "title_en": "Visit",
            "starts_on": "2024-02-01",
            "partnership": world["tie"].pk,
        },
        ("post", "/api/v1/threads"): {"subject": "Hello"},
        ("post", "/api/v1/threads/{thread_id}/messages"): {"body": "Hello"},
        ("patch", "/api/v1/messages/{message_id}"): {"body": "Hello again"},
        ("post", "/api/v1/threads/{thread_id}/read"): {"upto": world["message"].pk},
        ("post", "/api/v1/notifications/read"): {"upto": 1},
        ("post", "/api/v1/meetings"): {
            "title": "Call",
            "starts_at": "2030-03-11T17:00:00+02:00",
            "ends_at": "2030-03-11T18:00:00+02:00",
            "people": ["zhytomyr@example.org", "guest@partner.example"],
            "organizations": [world["ours"].pk],
            "partnership": world["tie"].pk,
            "agenda": ["One"],
            "purpose": "Why",
            "place": "Kyiv",
            "online_link": "https://meet.example.org/a",
        },
        ("patch", "/api/v1/meetings/{meeting_id}"): {
            "title": "Call",
            "purpose": "Why",
            "starts_at": "2030-03-12T15:00:00Z",
            "ends_at": "2030-03-12T16:00:00Z",
            "place": "Kyiv",
            "online_link": "https://meet.example.org/b",
            "agenda": ["One"],
            "people": ["zhytomyr@example.org"],
            "organizations": [],
        },
        ("post", "/api/v1/meetings/{meeting_id}/actions"): {
            "title": "Reply",
            "owner": "zhytomyr@example.org",
            "due": "2030-04-01",
        },
        ("patch", "/api/v1/actions/{action_id}"): {
            "title": "Reply",
            "owner": "zhytomyr@example.org",
            "due": "2030-04-02",
            "status": "done",
        },
        **{
            ("post", f"/api/v1/{plural}"): {
                "title": "Beds",
                "description": "Hospital beds",
                "region": "UA-18",
                "organization": world["ours"].pk,
                "sphere": "healthcare",
                "topics": [],
                "institution_type": "hospital",
                "scale": "20",
                "timing": "2026",
                "audience": "partners",
            }
            for plural in ("needs", "offers")
        },
        **{
            ("patch", f"/api/v1/{plural}/{{{kind}_id}}"): {
                "title": "Beds",
                "description": "Hospital beds",
                "region": "UA-18",
                "organization": world["ours"].pk,
                "sphere": "healthcare",
                "topics": [],
                "institution_type": "hospital",
                "scale": "20",
                "timing": "2026",
                "audience": "members",
                "status": "in_talks",
            }
            for kind, plural in (("need", "needs"), ("offer", "offers"))
        },
        ("post", "/api/v1/matches/connect"): {
            "need_id": world["need"].pk,
            "offer_id": world["offer"].pk,
        },
    }


def _openapi(client) -> dict:
    return client.get(f"{API}/openapi.json").json()


def _fields(schema: dict, op: dict) -> list[str]:
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return list(schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"])


def test_every_json_endpoint_has_a_body_in_the_sweep(client, coordinator, world):
    schema = _openapi(client)
    json_ops = {
        (method, path): op
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if "application/json" in op.get("requestBody", {}).get("content", {})
    }
    assert set(json_ops) == set(_bodies(world))


def test_hostile_json_values_in_every_field_never_give_a_5xx(coordinator, world):
    client = Client(raise_request_exception=False, headers=bearer(coordinator))
    schema = _openapi(client)
    problems = []
    for (method, template), good in _bodies(world).items():
        op = schema["paths"][template][method]
        url = _path(template, world)
        for field in _fields(schema, op):
            for raw in HOSTILE_JSON_VALUES:
                others = json.dumps({k: v for k, v in good.items() if k != field})
                payload = others[:-1] + ("," if len(others) > 2 else "") + f'"{field}": {raw}}}'
                response = client.generic(
                    method.upper(),
                    url,
                    payload.encode("utf-8", "surrogatepass"),
                    content_type="application/json",
                )
                if response.status_code >= 500:
                    problems.append(f"{method} {template} {field}={raw[:30]} -> 500")
    assert not problems, "\n".join(problems)


def test_hostile_bodies_as_a_whole_never_give_a_5xx(coordinator, world):
    client = Client(raise_request_exception=False, headers=bearer(coordinator))
    bodies = [
        b"\xff\xfe{}",
        b'{"a": "\xc3"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
        b'{"body": "\\ud800"}',
        b"\x00",
    ]
    problems = []
    for method, template in _bodies(world):
        for payload in bodies:
            response = client.generic(
                method.upper(), _path(template, world), payload, content_type="application/json"
            )
            if response.status_code >= 500:
                problems.append(f"{method} {template} {payload[:20]!r} -> 500")
    assert not problems, "\n".join(problems)


def test_hostile_query_and_path_values_never_give_a_5xx(coordinator, world):
    client = Client(raise_request_exception=False, headers=bearer(coordinator))
    schema = _openapi(client)
    problems = []
    for template, ops in schema["paths"].items():
        for method, op in ops.items():
            if method != "get":
                continue
            url = _path(template, world)
            for param in op.get("parameters", []):
                for value in HOSTILE_QUERY_VALUES:
                    if param["in"] == "path":
                        target = _path(template.replace("{" + param["name"] + "}", value), world)
                        response = client.get(target)
                    else:
                        response = client.get(url, QUERY_STRING=f"{param['name']}={value}")
                    if response.status_code >= 500:
                        problems.append(f"{template} {param['name']}={value[:30]} -> 500")
    for template in {p for (_, p) in _bodies(world)} | {
        "/api/v1/documents/{document_id}/submit",
        "/api/v1/documents/{document_id}/versions",
        "/api/v1/threads/{thread_id}/messages/with-files",
        "/api/v1/meetings/{meeting_id}/cancel",
    }:
        for name in (
            "{partnership_id}",
            "{document_id}",
            "{thread_id}",
            "{message_id}",
            "{meeting_id}",
            "{action_id}",
            "{need_id}",
            "{offer_id}",
        ):
            if name in template:
                for value in (str(BIG), str(-BIG), "0"):
                    response = client.post(_path(template.replace(name, value), world))
                    if response.status_code >= 500:
                        problems.append(f"POST {template} {name}={value} -> 500")
    assert not problems, "\n".join(problems)
