"""A refused form in a real browser (issue 11, point 5): the error summary takes the focus when
the page loads (under the site's CSP: no inline script), its link moves the focus to the field,
"Error:" leads the title, and axe finds nothing serious, in both languages and at 360 px."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from regionbridge.demo.data import DEMO_DOMAIN
from regionbridge.partnerships.models import Document, Partnership
from tests.browser.conftest import check_a11y
from tests.browser.test_directory import sign_in
from tests.test_policy import under_review

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


def test_a_ministry_decides_on_purpose_then_lands_on_the_next_draft(
    page: Page, page_errors: list[str]
):
    tie = Partnership.objects.filter(confidential=False).order_by("pk").first()
    first, second = under_review(tie), under_review(tie)
    Document.objects.filter(pk=first.pk).update(submitted_at=timezone.now() - timedelta(days=9))
    Document.objects.filter(pk=second.pk).update(submitted_at=timezone.now() - timedelta(days=8))
    page.goto("/accounts/login/")
    sign_in(page, f"mfa@{DEMO_DOMAIN}")
    page.goto(f"/partnerships/documents/{first.pk}/")
    radios = page.locator("main input[name=decision]")
    expect(radios.first).to_be_visible()
    for radio in radios.all():
        expect(radio).not_to_be_checked()
    page.locator("main form#review-form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Помилка: "))
    check_a11y(page)
    shot(page, "review-error-uk-1280")
    page.locator(".error-summary a[href='#id_decision_0']").click()
    expect(page.locator("#id_decision_0")).to_be_focused()
    page.locator("main input[name=decision][value=no_objection]").check()
    page.locator("main form#review-form button[type=submit]").click()
    # The oldest draft still waiting comes next (the demo's own drafts may wait before it).
    expect(page).to_have_url(re.compile(r"/partnerships/(documents/\d+|reviews)/$"))
    expect(page.locator(".messages .msg-success")).to_contain_text("Рішення записано.")
    assert first.reviews.count() == 1
    assert no_errors_but_the_400(page_errors)
