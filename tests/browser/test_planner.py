"""The meeting planner in a browser (issue 12, point 2): Zhytomyr's officer plans with Indiana's
liaison for March 2025; the picture is there at 360 and 1280 px, in Ukrainian and English, the
page does not scroll sideways on a phone and axe finds nothing serious. The screenshots are kept
in docs/screenshots/planner-<language>-<width>.png, to be looked at."""

from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, expect

from regionbridge.demo.data import DEMO_DOMAIN
from tests.browser.conftest import check_a11y
from tests.browser.test_small_screens import sideways, signed_in, speak

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MARCH = {
    "people": f"zhytomyr@{DEMO_DOMAIN}, indiana@{DEMO_DOMAIN}",
    "date_from": "2025-03-03",
    "date_to": "2025-03-30",
    "duration": "60",
}


def test_the_planner_picture_fits_a_phone_and_a_desktop_in_both_languages(
    browser: Browser, demo_site: str, page_errors: list[str]
):
    page = signed_in(browser, demo_site, page_errors, "zhytomyr")
    page.goto("/meetings/planner/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for language in ("uk", "en"):
        speak(page, language)
        response = page.goto(f"/meetings/planner/?{urlencode(MARCH)}")
        assert response is not None and response.status == 200
        pictures = page.locator("svg.planner-svg")
        expect(pictures.first).to_be_visible()
        # Before 9 March both sides are on standard time (14–16Z shared), after it Indiana is
        # on summer time (13–16Z): two different blocks with shared hours.
        shared = page.locator(".planner-common strong")
        assert shared.count() >= 4
        expect(page.locator(".planner-slots a").first).to_be_visible()
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            assert sideways(page) <= 0, f"{language} at {width} px scrolls sideways"
            box = pictures.first.bounding_box()
            assert box is not None and box["width"] > width * 0.6
            page.screenshot(path=SCREENSHOTS / f"planner-{language}-{width}.png", full_page=True)
        page.set_viewport_size({"width": 360, "height": 900})
        check_a11y(page)
    page.context.close()
    assert page_errors == []


def test_no_overlap_shows_the_least_bad_times_on_a_phone(
    browser: Browser, demo_site: str, page_errors: list[str]
):
    from regionbridge.accounts.models import User

    User.objects.filter(email=f"indiana@{DEMO_DOMAIN}").update(timezone="America/Denver")
    page = signed_in(browser, demo_site, page_errors, "zhytomyr")
    page.goto("/meetings/planner/")
    speak(page, "en")
    query = {**MARCH, "date_from": "2025-03-03", "date_to": "2025-03-07"}
    page.goto(f"/meetings/planner/?{urlencode(query)}")
    expect(
        page.get_by_role("heading", name="No time fits everyone's working hours")
    ).to_be_visible()
    expect(page.locator(".planner-proposals li").first).to_contain_text("early for")
    assert sideways(page) <= 0
    page.screenshot(path=SCREENSHOTS / "planner-none-en-360.png", full_page=True)
    check_a11y(page)
    page.context.close()
    assert page_errors == []
