"""Hostile input at every door: spreadsheet formulas in exports, dates at the ends of the
calendar, broken multipart bodies, duplicate creations racing each other, and odd values in
every JSON field. The answer is always a clear 4xx (or harmless text), never a 500."""

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from regionbridge.accounts.services import token_issue
from regionbridge.lib.csvexport import _safe, csv_response
from regionbridge.messaging.services import thread_create
from regionbridge.partnerships import services
from regionbridge.partnerships.models import Partnership
from regionbridge.partnerships.services import spheres_load
from tests.conftest import region

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
        partner_name=' ＝HYPERLINK("http://evil.example","Indiana")',
        first_event_on=date(2024, 1, 1),
    )
    services.partnership_update(partnership=tie, by=coordinator, next_step="\u3000@SUM(A1)")
    client.force_login(coordinator)
    response = client.get(reverse("partnerships:list") + "?format=csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    (row,) = rows
    assert row["partner_name"].startswith("'")
    assert row["next_step"] == "'\u3000@SUM(A1)"
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
    document = services.document_create(partnership=tie, kind="memorandum", by=zhytomyr)
    thread = thread_create(by=zhytomyr, subject="Draft", users=[indiana])
    return [
        f"{API}/documents/{document.pk}/versions",
        f"{API}/threads/{thread.pk}/messages/with-files",
    ]


def test_the_multipart_list_is_complete():
    found = set()
    for path in (Path(__file__).parent.parent / "regionbridge" / "api").glob("*.py"):
        found |= set(re.findall(r'@router\.post\("([^"]+)"[^@]*?File\(', path.read_text()))
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


def test_too_many_fields_in_multipart_is_a_json_400(client, zhytomyr, multipart_urls, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = b"".join(
        b'--xyz\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nx\r\n' % i for i in range(20)
    )
    client = Client(raise_request_exception=False)
    for url in multipart_urls:
        response = client.generic(
            "POST",
            url,
            fields + _part("xyz"),
            content_type="multipart/form-data; boundary=xyz",
            headers=bearer(zhytomyr),
        )
        assert_json_error(response, 400)


def test_too_many_files_in_multipart_is_a_json_400(client, zhytomyr, multipart_urls, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = b"".join(
        b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="%d.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" % i + PDF + b"\r\n"
        for i in range(5)
    )
    client = Client(raise_request_exception=False)
    for url in multipart_urls:
        response = client.generic(
            "POST",
            url,
            files + _part("xyz"),
            content_type="multipart/form-data; boundary=xyz",
            headers=bearer(zhytomyr),
        )
        assert_json_error(response, 400)


def test_too_big_multipart_fields_are_a_json_413(client, zhytomyr, multipart_urls, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = b'--xyz\r\nContent-Disposition: form-data; name="body"\r\n\r\n' + b"x" * 5000 + b"\r\n"
    client = Client(raise_request_exception=False)
    for url in multipart_urls:
        response = client.generic(
            "POST",
            url,
            big + _part("xyz"),
            content_type="multipart/form-data; boundary=xyz",
            headers=bearer(zhytomyr),
        )
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
        "partner_name": "",
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
    response = client.post(url, _create_form(partner_name="State of Ohio"))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert Partnership.objects.count() == 1
