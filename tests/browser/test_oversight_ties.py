"""The picture of ties in a browser (issue 13, point 2): the coordinator's picture of ties with
the US and the public registry's, at 360 and 1280 px, in Ukrainian and English; the page does not
scroll sideways on a phone, pointing at a region shows its lines, and axe finds nothing serious.
The screenshots are kept in docs/screenshots/oversight-ties-*.png, to be looked at."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from regionbridge.partnerships.facts import facts_load
from tests.browser.conftest import check_a11y
from tests.browser.test_small_screens import sideways, signed_in, speak

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_the_picture_of_ties_fits_a_phone_and_a_desktop_in_both_languages(
    browser: Browser, demo_site: str, page_errors: list[str]
):
    facts_load()
    page = signed_in(browser, demo_site, page_errors, "coordinator")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for language in ("uk", "en"):
        page.goto("/oversight/ties/")
        speak(page, language)
        response = page.goto("/oversight/ties/?partner_country=US")
        assert response is not None and response.status == 200
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            shown = page.locator(".ties-picture svg")
            expect(shown).to_have_count(1)  # one picture, stacked: it fits both
            expect(shown).to_be_visible()
            assert sideways(page) <= 0, f"{language} at {width} px scrolls sideways"
            box = shown.bounding_box()
            assert box is not None and box["width"] > min(width * 0.8, 400)
            page.screenshot(
                path=SCREENSHOTS / f"oversight-ties-{language}-{width}.png", full_page=False
            )
        page.set_viewport_size({"width": 1280, "height": 900})
        tile = page.locator(".ties-svg a").first
        tile.hover()
        # Its lines stand out, the others fade (oversight/ties.css: classes, no copies).
        own = tile.get_attribute("class").replace("t", "a", 1)
        page.wait_for_timeout(300)
        opacities = page.eval_on_selector_all(
            ".ties-svg .links path",
            "(paths, own) => paths.map(p =>"
            " [p.classList.contains(own), getComputedStyle(p).opacity])",
            own,
        )
        assert {o for mine, o in opacities if mine} == {"1"}
        assert {o for mine, o in opacities if not mine} <= {"0.1"}
        page.screenshot(path=SCREENSHOTS / f"oversight-ties-hover-{language}-1280.png")
        page.set_viewport_size({"width": 360, "height": 900})
        check_a11y(page)
    page.context.close()
    assert page_errors == []


def test_the_public_registry_shows_the_picture_of_signed_ties(
    browser: Browser, demo_site: str, page_errors: list[str]
):
    facts_load()
    page = signed_in(browser, demo_site, page_errors, None)
    page.goto("/public/")
    speak(page, "en")
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/public/")
        expect(page.locator(".ties-picture").first).to_be_visible()
        assert sideways(page) <= 0
        page.screenshot(path=SCREENSHOTS / f"oversight-ties-public-en-{width}.png")
    check_a11y(page)
    page.context.close()
    assert page_errors == []
