"""The oversight pages in a browser (issue 13). The dashboard: the coordinator's, with the real
facts and the demo data, at 360 and 1280 px, in Ukrainian and English; it does not scroll
sideways on a phone, its charts are drawn, their tables open, and axe finds nothing serious.
The screenshots are kept in docs/screenshots/oversight-dashboard-*.png, to be looked at."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from regionbridge.partnerships.facts import facts_load
from tests.browser.conftest import check_a11y
from tests.browser.test_small_screens import sideways, signed_in, speak

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_the_dashboard_fits_a_phone_and_a_desktop_in_both_languages(
    browser: Browser, demo_site: str, page_errors: list[str]
):
    facts_load()
    page = signed_in(browser, demo_site, page_errors, "coordinator")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for language in ("uk", "en"):
        page.goto("/oversight/")
        speak(page, language)
        response = page.goto("/oversight/")
        assert response is not None and response.status == 200
        expect(page.locator("#figures .oversight-glance li").first).to_be_visible()
        expect(page.locator("table.oversight-regions")).to_be_visible()
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            assert sideways(page) <= 0, f"{language} at {width} px scrolls sideways"
            page.screenshot(
                path=SCREENSHOTS / f"oversight-dashboard-{language}-{width}.png", full_page=True
            )
        # The charts' tables open under their disclosure.
        details = page.locator("#activity details").first
        if details.count():
            details.locator("summary").click()
            expect(details.locator("table")).to_be_visible()
        page.set_viewport_size({"width": 360, "height": 900})
        check_a11y(page)
        page.set_viewport_size({"width": 1280, "height": 900})
        check_a11y(page)
    # A past day, and a date that cannot be: said on the page.
    page.set_viewport_size({"width": 360, "height": 900})
    page.goto("/oversight/?as_of=2024-06-01")
    expect(page.locator("table.oversight-figures")).to_be_visible()
    response = page.goto("/oversight/?as_of=2024-06-01&since=2025-01-01")
    assert response is not None and response.status == 400
    expect(page.locator(".error-summary")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "oversight-dashboard-error-en-360.png")
    check_a11y(page)
    page.context.close()
    # The browser reports the 400 it was meant to get; nothing else may go wrong.
    assert [e for e in page_errors if "status of 400" not in e] == []


def test_a_region_s_ties_fit_a_phone_and_a_desktop_in_both_languages(
    browser: Browser, demo_site: str, page_errors: list[str]
):
    """From the regions' table (one row per region) to a region's own page of ties."""
    facts_load()
    page = signed_in(browser, demo_site, page_errors, "coordinator")
    for language in ("uk", "en"):
        page.goto("/oversight/")
        speak(page, language)
        page.goto("/oversight/")
        page.locator("table.oversight-regions a[href*='/oversight/regions/UA-18/']").click()
        expect(page.locator("table.oversight-regions tbody tr").first).to_be_visible()
        assert "/oversight/regions/UA-18/" in page.url
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            assert sideways(page) <= 0, f"{language} at {width} px scrolls sideways"
            page.screenshot(
                path=SCREENSHOTS / f"oversight-region-{language}-{width}.png", full_page=True
            )
            check_a11y(page)
    page.context.close()
    assert page_errors == []
