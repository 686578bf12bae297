"""Every list as a file (issue 13, point 3): CSV and XLSX with the page's filters and the
viewer's sight, and the API's partnerships worksheet (point 6).

A confidential negotiation (Chernihiv – Minnesota) is in the files of those who may see it and in
nobody else's; the open tie (Zhytomyr – Indiana) and a county partner whose name is a formula
are in everyone's. XLSX files are read back with openpyxl: a bold header row frozen at A2,
widths set, ids as numbers, dates as dates, yes/no as booleans, a formula kept as text.
"""

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from regionbridge.accounts.services import token_issue
from regionbridge.institutions.services import link_create
from regionbridge.lib import csvexport, xlsx
from regionbridge.meetings import services as meetings
from regionbridge.messaging import services as messaging
from regionbridge.partnerships import services as partnerships
from regionbridge.partnerships.models import Partnership
from regionbridge.regions.models import Region
from tests.api_contract import openapi
from tests.conftest import close_response
from tests.factories import OrganizationFactory
from tests.test_policy import chernihiv_minnesota, zhytomyr_indiana

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/","Click")'
SECRET = "Zorvanex"  # in every title of the negotiation's things
BODY = "Quietly, the budget is 40 000"  # a message's text: never in any file
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- reading files back ---------------------------------------------------------------------


def read(response) -> tuple[list[str], list[dict[str, Any]]]:
    """The file's header and rows (as dicts), CSV or XLSX alike."""
    assert response.status_code == 200, response.content[:300]
    if response["Content-Type"].startswith("text/csv"):
        reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
        header, *rows = list(reader)
    else:
        assert response["Content-Type"] == XLSX_TYPE
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return header, [dict(zip(header, row, strict=False)) for row in rows]


def ids(response) -> set[int]:
    return {int(row["id"]) for row in read(response)[1]}


def sheet_of(response):
    assert response["Content-Type"] == XLSX_TYPE
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def text_of(response) -> str:
    if response["Content-Type"] == XLSX_TYPE:
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    return response.content.decode("utf-8-sig")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the world ------------------------------------------------------------------------------


def days(n: int) -> datetime:
    start = timezone.now().replace(microsecond=0, second=0, minute=0) + timedelta(days=n)
    return start


@pytest.fixture
def world(coordinator, zhytomyr, chernihiv, indiana):
    """Two ties and a county partner named like a formula; an institution link, an activity, a
    meeting, an action and a thread on the open tie and on the negotiation."""
    opened, secret = zhytomyr_indiana(), chernihiv_minnesota()
    partnerships.partnership_update(
        partnership=secret,
        by=coordinator,
        next_step_en=f"Call {SECRET}",
        next_step_due=date(2031, 1, 2),
    )
    county = partnerships.partnership_create(
        by=coordinator,
        ukrainian_region=Region.objects.get(code="UA-18"),
        partner_region=Region.objects.get(code="US-IN"),
        partner_kind="county",
        partner_name_en=FORMULA,
        first_event_on=date(2024, 3, 4),
    )
    hospital = OrganizationFactory(
        name_en="Zhytomyr Clinic", region=Region.objects.get(code="UA-18")
    )
    chernihiv_school = OrganizationFactory(
        name_en=f"Chernihiv School {SECRET}", region=Region.objects.get(code="UA-74")
    )
    indiana_hospital = OrganizationFactory(
        name_en="Indiana Hospital", region=Region.objects.get(code="US-IN")
    )
    minnesota_school = OrganizationFactory(
        name_en="Minnesota School", region=Region.objects.get(code="US-MN")
    )
    links = {
        "open": link_create(
            by=coordinator,
            ukrainian_institution=hospital,
            partner_institution=indiana_hospital,
            partnership=opened,
            started_on=date(2024, 1, 5),
        ),
        "secret": link_create(
            by=coordinator,
            ukrainian_institution=chernihiv_school,
            partner_institution=minnesota_school,
            partnership=secret,
            description=SECRET,
        ),
    }
    activities = {
        side: partnerships.activity_create(
            by=coordinator, target=tie, kind="visit", starts_on=date(2024, 5, 6), title_en=title
        )
        for side, tie, title in (("open", opened, "Open visit"), ("secret", secret, SECRET))
    }
    link_activities = {
        side: partnerships.activity_create(
            by=coordinator, target=link, kind="training", starts_on=date(2024, 6, 7), title_en=side
        )
        for side, link in links.items()
    }
    open_meeting = meetings.meeting_create(
        by=zhytomyr,
        title="Open call",
        starts_at=days(3),
        ends_at=days(3) + timedelta(hours=1),
        users=[indiana],
        partnership=opened,
    )
    secret_meeting = meetings.meeting_create(
        by=chernihiv,
        title=f"Call {SECRET}",
        starts_at=days(4),
        ends_at=days(4) + timedelta(hours=1),
        users=[coordinator],
        partnership=secret,
    )
    actions = {
        "open": meetings.action_add(
            by=zhytomyr,
            title="Send the plan",
            owner=zhytomyr,
            due=date(2030, 1, 2),
            meeting=open_meeting,
        ),
        "secret": meetings.action_add(
            by=chernihiv,
            title=f"Draft {SECRET}",
            owner=chernihiv,
            due=date(2030, 1, 3),
            meeting=secret_meeting,
        ),
    }
    threads = {
        "open": messaging.thread_create(
            by=zhytomyr, subject="Open thread", users=[indiana], partnership=opened, body=BODY
        ),
        "secret": messaging.thread_create(
            by=chernihiv,
            subject=f"Thread {SECRET}",
            users=[coordinator],
            partnership=secret,
            body=BODY,
        ),
    }
    for tie in (opened, secret, county):
        tie.refresh_from_db()
    return {
        "open": opened,
        "secret": secret,
        "county": county,
        "links": links,
        "activities": activities,
        "link_activities": link_activities,
        "meetings": {"open": open_meeting, "secret": secret_meeting},
        "actions": actions,
        "threads": threads,
    }


# Each list: its page, the query that picks it, the one who sees the negotiation's row and one
# who does not, and the rows each finds (by the world's keys).
LISTS = {
    "partnerships": ("partnerships:list", "", "coordinator", "zhytomyr"),
    "activities": ("partnerships:list", "list=activities&", "coordinator", "zhytomyr"),
    "links": ("institutions:list", "list=links&", "coordinator", "zhytomyr"),
    "link_activities": ("institutions:list", "list=activities&", "coordinator", "zhytomyr"),
    "meetings": ("meetings:list", "show=all&", "coordinator", None),
    "my_meetings": ("meetings:list", "", "chernihiv", "zhytomyr"),
    "actions": ("meetings:actions", "", "chernihiv", "zhytomyr"),
    "threads": ("messaging:inbox", "", "chernihiv", "zhytomyr"),
}


def expected(world, name: str, sees: bool) -> set[int]:
    """The ids in the file of the one who sees the negotiation (`sees`) or of the other."""
    sides = ("open", "secret") if sees else ("open",)
    if name == "partnerships":
        return {world["county"].pk, *(world[side].pk for side in sides)}
    if name == "activities":  # the ties' own, and those of links under them
        keys = ("activities", "link_activities")
        return {world[key][side].pk for key in keys for side in sides}
    if name == "meetings":  # a coordinator's "all"
        return {meeting.pk for meeting in world["meetings"].values()}
    if name in ("links", "link_activities"):
        return {world[name][side].pk for side in sides}
    side = "secret" if sees else "open"
    if name == "threads":  # a meeting's people are its own thread's: in the inbox too
        return {world["threads"][side].pk, world["meetings"][side].thread_id}
    key = {"my_meetings": "meetings"}.get(name, name)
    return {world[key][side].pk}


def url_of(name: str, fmt: str, extra: str = "") -> str:
    route, query = LISTS[name][0], LISTS[name][1]
    return f"{reverse(route)}?{query}{extra}format={fmt}"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("name", LISTS)
def test_each_list_exports_the_rows_each_viewer_may_see(request, world, name, fmt):
    _route, _query, seer, other = LISTS[name]
    seen = read(signed_in(request.getfixturevalue(seer)).get(url_of(name, fmt)))
    assert {int(row["id"]) for row in seen[1]} == expected(world, name, True)
    if other is not None:
        response = signed_in(request.getfixturevalue(other)).get(url_of(name, fmt))
        assert ids(response) == expected(world, name, False)
        assert SECRET.lower() not in text_of(response).lower()
        assert "US-MN" not in text_of(response)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_lists_what_the_page_lists_not_one_page(client, world, coordinator, fmt):
    for n in range(55):
        partnerships.partnership_create(
            by=coordinator,
            ukrainian_region=Region.objects.get(code="UA-18"),
            partner_region=Region.objects.get(code="US-OH"),
            partner_kind="city",
            partner_name_en=f"City {n}",
        )
    client.force_login(coordinator)
    page = client.get(reverse("partnerships:list"))
    everything = {p.pk for p in page.context["page"].paginator.object_list}
    assert len(page.context["page"].object_list) == 50 < len(everything)
    exported = read(client.get(url_of("partnerships", fmt)))[1]
    assert [int(row["id"]) for row in exported] == [
        p.pk for p in page.context["page"].paginator.object_list
    ]  # the page's order too


def test_institutions_export_with_their_filters(client, world, zhytomyr):
    client.force_login(zhytomyr)
    url = reverse("institutions:list")
    in_zhytomyr = read(client.get(f"{url}?region=UA-18&format=csv"))[1]
    names = {row["name_en"] for row in in_zhytomyr}
    assert "Zhytomyr Clinic" in names
    assert not names & {"Indiana Hospital", "Minnesota School"}
    abroad = read(client.get(f"{url}?region=US-IN&format=xlsx"))[1]
    assert [row["name_en"] for row in abroad] == ["Indiana Hospital"]
    assert all(row["region_code"] == "US-IN" for row in abroad)
    # No contact details in the file: those follow the directory's own rule.
    assert "email" not in read(client.get(f"{url}?format=csv"))[0]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_filtered_export_has_exactly_the_filtered_rows(client, world, coordinator, fmt):
    client.force_login(coordinator)
    assert ids(client.get(url_of("partnerships", fmt, "region=UA-74&"))) == {world["secret"].pk}
    assert ids(client.get(url_of("partnerships", fmt, "country=US&q=Minnesota&"))) == {
        world["secret"].pk
    }
    assert ids(client.get(url_of("activities", fmt, "region=UA-18&"))) == {
        world["activities"]["open"].pk,
        world["link_activities"]["open"].pk,
    }
    assert ids(client.get(url_of("links", fmt, "region=US-MN&"))) == {world["links"]["secret"].pk}
    meetings.meeting_cancel(meeting=world["meetings"]["secret"], by=coordinator)
    cancelled = f"{reverse('meetings:list')}?show=cancelled&format={fmt}"
    assert ids(client.get(cancelled)) == {world["meetings"]["secret"].pk}


def test_actions_export_follows_the_status(client, world, chernihiv):
    client.force_login(chernihiv)
    url = reverse("meetings:actions")
    assert ids(client.get(f"{url}?show=mine&status=open&format=csv")) == {
        world["actions"]["secret"].pk
    }
    assert ids(client.get(f"{url}?show=mine&status=done&format=csv")) == set()
    meetings.action_update(action=world["actions"]["secret"], by=chernihiv, status="done")
    done = read(client.get(f"{url}?show=mine&status=done&format=xlsx"))[1]
    assert [row["id"] for row in done] == [world["actions"]["secret"].pk]
    assert isinstance(done[0]["closed_at"], datetime)


def test_the_threads_export_tells_what_threads_are_about_never_what_was_said(
    client, world, zhytomyr
):
    client.force_login(zhytomyr)
    for fmt in ("csv", "xlsx"):
        response = client.get(url_of("threads", fmt))
        header, rows = read(response)
        assert header == [
            "id",
            "subject",
            "kind",
            "partnership_id",
            "partnership",
            "participants",
            "messages",
            "last_message_at",
        ]
        assert rows[0]["subject"] == "Open thread"
        assert int(rows[0]["participants"]) == 2
        assert int(rows[0]["messages"]) == 1
        assert BODY not in text_of(response)
        assert "indiana@example.org" not in text_of(response)


# --- outsiders and the signed out -----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("name", LISTS)
def test_outsiders_get_what_the_page_gives_them(client, world, outsider, name, fmt):
    url = url_of(name, fmt)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(outsider)
    response = client.get(url)
    if LISTS[name][0] in ("meetings:list", "meetings:actions"):
        # Signed in is enough for one's own meetings and actions: the outsider has none.
        if name == "meetings":  # "all" is the coordinators' filter
            assert response.status_code == 400
        else:
            assert read(response)[1] == []
    else:
        assert response.status_code == 403


# --- what the XLSX is made of ---------------------------------------------------------------


def test_the_xlsx_has_a_bold_frozen_header_widths_and_typed_cells(client, world, coordinator):
    client.force_login(coordinator)
    sheet = sheet_of(client.get(url_of("partnerships", "xlsx")))
    header = [cell for cell in next(sheet.iter_rows(max_row=1))]
    assert [cell.value for cell in header][:3] == [
        "id",
        "ukrainian_region_code",
        "ukrainian_region_en",
    ]
    assert all(cell.font.b for cell in header)
    assert sheet.freeze_panes == "A2"
    widths = {letter: dimension.width for letter, dimension in sheet.column_dimensions.items()}
    assert len(widths) == len(header) and all(6 <= w <= 60 for w in widths.values())
    names = [cell.value for cell in header]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    secret = dict(zip(names, rows[world["secret"].pk], strict=True))
    assert secret["id"].data_type == "n" and isinstance(secret["id"].value, int)
    assert secret["confidential"].data_type == "b" and secret["confidential"].value is True
    assert secret["since"].is_date and secret["since"].number_format == "yyyy-mm-dd"
    assert secret["since"].value.date() == world["secret"].stage_since
    assert secret["next_step_due"].is_date
    assert secret["next_step_due"].value.date() == date(2031, 1, 2)


def test_times_are_in_the_viewers_zone(client, world, chernihiv):
    chernihiv.timezone = "America/Indiana/Indianapolis"
    chernihiv.save(update_fields=["timezone"])
    client.force_login(chernihiv)
    meeting = world["meetings"]["secret"]
    local = timezone.localtime(
        meeting.starts_at, timezone=__import__("zoneinfo").ZoneInfo("America/Indiana/Indianapolis")
    )
    sheet = sheet_of(client.get(url_of("my_meetings", "xlsx")))
    names = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    row = dict(zip(names, next(sheet.iter_rows(min_row=2)), strict=True))
    assert row["starts_at"].is_date and row["starts_at"].number_format == "yyyy-mm-dd hh:mm"
    assert row["starts_at"].value == local.replace(tzinfo=None)
    assert row["time_zone"].value == "America/Indiana/Indianapolis"
    csv_rows = read(client.get(url_of("my_meetings", "csv")))[1]
    assert csv_rows[0]["starts_at"] == local.isoformat(timespec="minutes")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_partner_named_like_a_formula_stays_text(client, world, zhytomyr, fmt):
    client.force_login(zhytomyr)
    response = client.get(url_of("partnerships", fmt))
    rows = {int(row["id"]): row for row in read(response)[1]}
    name = rows[world["county"].pk]["partner_name_en"]
    if fmt == "csv":
        assert name == "'" + FORMULA
    else:
        assert name == FORMULA
        sheet = sheet_of(response)
        cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value == FORMULA]
        assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
        assert "<f>" not in text_of(response)  # no formula anywhere in the sheet


def test_the_xlsx_writer_drops_what_xml_cannot_carry_and_caps_cells():
    data = xlsx.xlsx_bytes(["a", "b"], [["x\x00y\x1b", "z" * 40_000], [True, None]])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].value == "xy"
    assert len(sheet["B2"].value) == xlsx.MAX_CELL
    assert sheet["A3"].value is True and sheet["B3"].value is None


def test_the_same_list_gives_the_same_cells():
    rows = [[1, "a", date(2024, 1, 2)], [2, "b", None]]
    first = openpyxl.load_workbook(io.BytesIO(xlsx.xlsx_bytes(["id", "n", "d"], rows))).active
    second = openpyxl.load_workbook(io.BytesIO(xlsx.xlsx_bytes(["id", "n", "d"], rows))).active
    assert [[c.value for c in r] for r in first.iter_rows()] == [
        [c.value for c in r] for r in second.iter_rows()
    ]


def test_the_xlsx_writer_types_every_kind_of_value():
    when = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    rows = [
        ["a & <b>", " x\r\ny ", 1.5, Decimal("2.50"), 10**12, False, when, date(1900, 2, 1)],
        ["#N/A", "#REF!", "#DIV/0!", "", None, True, "-1", "@x"],
    ]
    with timezone.override("Europe/Kyiv"):
        data = xlsx.xlsx_bytes(["=h", "b", "c", "d", "e", "f", "g", "h"], rows, sheet="a/b & <c>")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet.title == "a-b & <c>"
    assert sheet["A1"].value == "=h" and sheet["A1"].font.b and sheet["A1"].quotePrefix
    assert [c.value for c in sheet[2]][:6] == ["a & <b>", " x\r\ny ", 1.5, 2.5, 10**12, False]
    assert sheet["G2"].value == datetime(2024, 5, 6, 10, 8, 9)  # in the reader's zone
    assert sheet["G2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["H2"].value == datetime(1900, 2, 1)  # before Excel's 29 February 1900
    # Text that reads as an error code or a formula stays text.
    assert [(c.value, c.data_type) for c in sheet[3]][:3] == [
        ("#N/A", "s"),
        ("#REF!", "s"),
        ("#DIV/0!", "s"),
    ]
    assert sheet["G3"].value == "-1" and sheet["G3"].quotePrefix


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_past_the_cap_says_it_was_cut(client, world, coordinator, monkeypatch, fmt):
    monkeypatch.setattr(csvexport, "MAX_ROWS", 2)
    client.force_login(coordinator)
    rows = read(client.get(url_of("partnerships", fmt)))[1]
    assert len(rows) == 3
    assert str(rows[-1]["id"]).startswith(("Cut at 2", "Обрізано"))


# --- refusals -------------------------------------------------------------------------------

HOSTILE_FILTERS = {
    "partnerships": ["as_of=9999-99-99", "stage=%3Cscript%3E", "idle_days=-1", "region=ZZ-99"],
    "activities": ["as_of=0000-00-00", "sphere=nope"],
    "links": ["type=bogus", "region=" + "A" * 300],
    "my_meetings": ["show=everything"],
    "actions": ["status=bogus", "show=%00"],
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("name", "query"),
    [(name, query) for name, queries in HOSTILE_FILTERS.items() for query in queries],
)
def test_a_filter_that_cannot_be_applied_is_a_400_not_a_file(
    client, world, coordinator, name, query, fmt
):
    client.force_login(coordinator)
    response = client.get(url_of(name, fmt, f"{query}&"))
    assert response.status_code == 400
    assert SECRET.encode() not in response.content


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("fmt", ["pdf", "", "CSV", "xlsx%00", "csv'--", "A" * 10_000])
def test_an_unknown_format_is_a_400(client, world, coordinator, name, fmt):
    client.force_login(coordinator)
    response = client.get(url_of(name, fmt))
    assert response.status_code == 400


@pytest.mark.parametrize("url", ["partnerships:list", "institutions:list"])
def test_an_unknown_list_is_a_400(client, world, coordinator, url):
    client.force_login(coordinator)
    assert client.get(f"{reverse(url)}?list=people&format=csv").status_code == 400


def test_the_pages_offer_the_files_with_their_filters(client, world, coordinator, chernihiv):
    client.force_login(chernihiv)
    for route in ("institutions:list", "meetings:list", "meetings:actions", "messaging:inbox"):
        assert "format=xlsx" in client.get(reverse(route)).content.decode(), route
    client.force_login(coordinator)
    page = client.get(reverse("partnerships:list") + "?region=UA-18&page=1").content.decode()
    assert '?region=UA-18&amp;format=csv"' in page
    assert '?region=UA-18&amp;format=xlsx"' in page
    assert '?region=UA-18&amp;list=activities&amp;format=xlsx"' in page
    # A filter refused: no table, and no file offered.
    refused = client.get(reverse("partnerships:list") + "?stage=nope")
    assert refused.status_code == 400 and "format=csv" not in refused.content.decode()


# --- query counts: the same for 1 row as for 50 ---------------------------------------------


def _grow(name: str, world, users) -> None:
    coordinator, zhytomyr, indiana = users
    for n in range(49):
        if name == "partnerships":
            partnerships.partnership_create(
                by=coordinator,
                ukrainian_region=Region.objects.get(code="UA-18"),
                partner_region=Region.objects.get(code="US-OH"),
                partner_kind="city",
                partner_name_en=f"Town {n}",
            )
        elif name == "activities":
            partnerships.activity_create(
                by=coordinator,
                target=world["open"],
                kind="visit",
                starts_on=date(2024, 1, 1),
                title_en=f"Visit {n}",
            )
        elif name == "links":
            link_create(
                by=coordinator,
                ukrainian_institution=OrganizationFactory(),
                partner_institution=OrganizationFactory(region=Region.objects.get(code="US-IN")),
                partnership=world["open"],
            )
        elif name == "my_meetings":
            meetings.meeting_create(
                by=zhytomyr,
                title=f"Call {n}",
                starts_at=days(5),
                ends_at=days(5) + timedelta(hours=1),
                partnership=world["open"],
            )
        elif name == "actions":
            meetings.action_add(
                by=zhytomyr,
                title=f"Do {n}",
                owner=zhytomyr,
                due=date(2030, 2, 1),
                meeting=world["meetings"]["open"],
            )
        elif name == "threads":
            messaging.thread_create(by=zhytomyr, subject=f"T {n}", users=[indiana], body="x")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "name", ["partnerships", "activities", "links", "my_meetings", "actions", "threads"]
)
def test_an_export_costs_the_same_queries_for_1_row_as_for_50(
    client, world, coordinator, zhytomyr, indiana, name, fmt
):
    client.force_login(zhytomyr)
    url = url_of(name, fmt)

    def counted() -> tuple[int, int]:
        client.get(url)  # the session and the viewer's scope, read once
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        return len(queries), len(read(response)[1])

    few, rows_before = counted()
    _grow(name, world, (coordinator, zhytomyr, indiana))
    many, rows_after = counted()
    assert rows_after >= rows_before + 49
    assert many == few


# --- the API's worksheet --------------------------------------------------------------------

API_EXPORT = "/api/v1/partnerships/export.xlsx"
REQUIRED = [
    "id",
    "ukrainian_region",
    "ukrainian_region_uk",
    "ukrainian_region_en",
    "partner_region",
    "partner_region_uk",
    "partner_region_en",
    "partner",
    "partner_name_uk",
    "partner_name_en",
    "partner_country",
    "stage",
    "confidential",
    "started_on",
    "signed_on",
]


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_issue(user=user, name='export')[1]}"}


def test_the_api_worksheet_has_every_visible_partnership_with_codes_and_both_names(
    client, world, coordinator, zhytomyr
):
    response = client.get(API_EXPORT, headers=bearer(coordinator))
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="partnerships-')
    header, rows = read(response)
    assert set(REQUIRED) <= set(header)
    by_id = {row["id"]: row for row in rows}
    assert set(by_id) == {world["open"].pk, world["secret"].pk, world["county"].pk}
    county = by_id[world["county"].pk]
    assert county["partner_region"] == "US-IN"  # the state that holds the county
    assert county["partner_name_en"] == FORMULA
    assert county["partner_country"] == "US"
    assert county["stage"] == world["county"].stage  # the API's stage code
    assert county["started_on"] == datetime(2024, 3, 4)  # a date cell (read back as midnight)
    assert county["signed_on"] is None
    secret = by_id[world["secret"].pk]
    assert secret["ukrainian_region"] == "UA-74" and secret["confidential"] is True
    assert secret["ukrainian_region_uk"] and secret["ukrainian_region_en"]
    sheet = sheet_of(response)
    assert sheet.freeze_panes == "A2"
    # Whoever may not see the negotiation finds no trace of it.
    hidden = client.get(API_EXPORT, headers=bearer(zhytomyr))
    assert {row["id"] for row in read(hidden)[1]} == {world["open"].pk, world["county"].pk}
    assert SECRET.lower() not in text_of(hidden).lower()


def test_the_api_worksheet_takes_the_lists_filters(client, world, coordinator):
    headers = bearer(coordinator)
    listed = client.get("/api/v1/partnerships?region=UA-74", headers=headers).json()["items"]
    exported = read(client.get(f"{API_EXPORT}?region=UA-74", headers=headers))[1]
    assert [row["id"] for row in exported] == [item["id"] for item in listed]
    stage = world["open"].stage
    exported = read(client.get(f"{API_EXPORT}?stage={stage}&country=US", headers=headers))[1]
    assert {row["stage"] for row in exported} == {stage}
    assert read(client.get(f"{API_EXPORT}?q=nothing-matches", headers=headers))[1] == []


def test_the_api_worksheet_is_not_one_page(client, world, coordinator):
    for n in range(60):
        partnerships.partnership_create(
            by=coordinator,
            ukrainian_region=Region.objects.get(code="UA-18"),
            partner_region=Region.objects.get(code="US-OH"),
            partner_kind="city",
            partner_name_en=f"Village {n}",
        )
    rows = read(client.get(API_EXPORT, headers=bearer(coordinator)))[1]
    assert len(rows) == Partnership.objects.count() == 63


@pytest.mark.parametrize(
    "query",
    [
        "as_of=9999-01-01",
        "as_of=nope",
        "stage=nope",
        "country=USA",
        "idle_days=-1",
        "idle_days=99999999999999999999",
        "q=" + "A" * 200_001,
        "region=" + "A" * 11,
    ],
)
def test_hostile_filters_of_the_api_worksheet_are_422(client, world, coordinator, query):
    response = client.get(f"{API_EXPORT}?{query}", headers=bearer(coordinator))
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")


def test_the_api_worksheet_refuses_who_the_list_refuses(client, world, outsider):
    assert client.get(API_EXPORT).status_code == 401
    assert client.get(API_EXPORT, headers=bearer(outsider)).status_code == 403


def test_the_api_worksheet_is_not_taken_for_a_partnership_id(client, world, coordinator):
    headers = bearer(coordinator)
    assert client.get(API_EXPORT, headers=headers).status_code == 200
    assert client.get("/api/v1/partnerships/export", headers=headers).status_code in (404, 422)


def test_the_schema_says_the_worksheet_is_a_spreadsheet():
    operation = openapi()["paths"]["/api/v1/partnerships/export.xlsx"]["get"]
    assert XLSX_TYPE in operation["responses"][200]["content"]
    listed = {p["name"] for p in openapi()["paths"]["/api/v1/partnerships"]["get"]["parameters"]}
    exported = {p["name"] for p in operation["parameters"]}
    assert exported == listed - {"page", "page_size"}


def test_the_api_worksheet_costs_the_same_queries_for_1_row_as_for_50(client, world, coordinator):
    headers = bearer(coordinator)
    url = f"{API_EXPORT}?region=US-OH"

    def counted() -> int:
        response = client.get(url, headers=headers)
        close_response(response)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, headers=headers)
        return len(queries)

    partnerships.partnership_create(
        by=coordinator,
        ukrainian_region=Region.objects.get(code="UA-18"),
        partner_region=Region.objects.get(code="US-OH"),
        first_event_on=date(2024, 1, 1),
    )
    few = counted()
    for n in range(49):
        partnerships.partnership_create(
            by=coordinator,
            ukrainian_region=Region.objects.get(code="UA-18"),
            partner_region=Region.objects.get(code="US-OH"),
            partner_kind="city",
            partner_name_en=f"Hamlet {n}",
        )
    assert counted() == few
    assert len(read(client.get(url, headers=headers))[1]) == 50


@pytest.mark.parametrize(
    "url", ["/partnerships/?format=xlsx", "/api/v1/partnerships/export.xlsx"], ids=["page", "api"]
)
def test_a_kept_workbook_is_never_given_to_one_who_sees_other_ties(
    client, world, coordinator, zhytomyr, url
):
    """Workbooks are kept by the ties in them (decision 0013): the coordinator's holds the
    negotiation; Zhytomyr's office, asking next, gets one without it, and a new event shows."""
    client.force_login(coordinator)
    first = client.get(url)
    assert world["secret"].pk in ids(first)
    assert client.get(url).content == first.content  # kept: the same file
    client.force_login(zhytomyr)
    assert world["secret"].pk not in ids(client.get(url))
    client.force_login(coordinator)
    partnerships.partnership_update(
        partnership=world["open"], by=coordinator, next_step_en="Sign the memorandum"
    )
    rows = read(client.get(url))[1]
    assert any(row["next_step_en"] == "Sign the memorandum" for row in rows)
