"""A refused form in a real browser (issue 11, point 5): the error summary takes the focus when
the page loads (under the site's CSP: no inline script), its link moves the focus to the field,
"Error:" leads the title, and axe finds nothing serious, in both languages and at 360 px."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from regionbridge.demo.data import DEMO_DOMAIN
from tests.browser.conftest import check_a11y
from tests.browser.test_directory import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# SCREENSHOTS=<dir> keeps a picture of each refused form (for looking at, not for the test).
SHOTS = os.environ.get("SCREENSHOTS", "")


def no_errors_but_the_400(errors: list[str]) -> bool:
    """The refused form answers 400, which the browser logs; nothing else may be logged (a
    script refused by the CSP would be)."""
    return [e for e in errors if "status of 400" not in e] == []


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(SHOTS) / f"{name}.png", full_page=True)


@pytest.mark.parametrize(("language", "prefix"), [("uk", "Помилка: "), ("en", "Error: ")])
def test_a_refused_partnership_form_focuses_its_summary_then_the_field(
    page: Page, page_errors: list[str], language: str, prefix: str
):
    page.goto("/accounts/login/")
    sign_in(page, f"zhytomyr@{DEMO_DOMAIN}")
    if language == "en":
        page.locator("header button[name=language][value=en]").click()
    page.goto("/partnerships/new/")
    page.locator("#id_partner_region").fill("XX-99")
    page.locator("main form#page-form button[type=submit]").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(rf"^{prefix}"))
    expect(page.locator("#id_partner_region")).to_have_attribute("aria-invalid", "true")
    check_a11y(page)
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        shot(page, f"form-errors-{language}-{width}")
    summary.locator("a[href='#id_partner_region']").click()
    expect(page.locator("#id_partner_region")).to_be_focused()
    assert no_errors_but_the_400(page_errors)


def test_a_wrong_password_is_summarised_and_the_review_decision_asks_for_a_choice(
    page: Page, page_errors: list[str]
):
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(f"zhytomyr@{DEMO_DOMAIN}")
    page.locator("#id_password").fill("not the password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".error-summary")).to_contain_text("Неправильна електронна адреса")
    shot(page, "sign-in-error-uk-1280")
    check_a11y(page)
    assert no_errors_but_the_400(page_errors)
