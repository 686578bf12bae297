"""Hostile input at every door: spreadsheet formulas in exports, dates at the ends of the
calendar, broken multipart bodies, duplicate creations racing each other, and odd values in
every JSON field. The answer is always a clear 4xx (or harmless text), never a 500."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from regionbridge.lib.csvexport import _safe, csv_response
from regionbridge.partnerships import services
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
