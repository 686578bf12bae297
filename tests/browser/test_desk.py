"""Each role's desk in a real browser: at 360 px (a phone) and 1280 px, no horizontal scroll,
no serious or critical axe violation (issue 11, points 1 and 6).

With RB_SCREENSHOTS=1 the pages are also kept under docs/screenshots/ (issue 11, point 8)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from regionbridge.demo.data import DEMO_DOMAIN
from tests.browser.conftest import check_a11y
from tests.browser.test_directory import sign_in

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# demo account → the block its desk shows
ACCOUNTS = {
    "coordinator": "desk-coordinator",
    "mfa": "desk-ministry",
    "embassy": "desk-embassy",
    "zhytomyr": "desk-regional",
    "indiana": "desk-partner",
    "institution": "desk-institution",
}


def test_every_roles_desk_fits_a_phone_and_a_desktop(page: Page, page_errors: list[str]):
    for account, block in ACCOUNTS.items():
        page.context.clear_cookies()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto("/accounts/login/")
        sign_in(page, f"{account}@{DEMO_DOMAIN}")
        page.goto("/")
        expect(page.locator(f"#{block}")).to_be_visible()
        for width in (1280, 360):
            page.set_viewport_size({"width": width, "height": 900})
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{account} at {width} px scrolls sideways by {overflow} px"
            if os.environ.get("RB_SCREENSHOTS"):
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=SCREENSHOTS / f"desk-{account}-{width}.png", full_page=True)
        check_a11y(page)
    assert page_errors == []
