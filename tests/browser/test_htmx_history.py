"""The back button after a search: the whole page comes back, never the bare results.

A search pushes its address (hx-push-url), and the same address answers htmx the results alone.
Without `Vary: HX-Request` the browser keeps that fragment in its cache under the address and,
going back from another page, shows it as if it were the page (issue 10, point 4). The
back/forward cache is off here: it would restore the page from memory and hide the bug.
"""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_directory import COORDINATOR, HEAD_EMAIL, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """The suite's browser, without the back/forward cache (so going back asks the HTTP cache)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=[*CHROMIUM_ARGS, "--disable-features=BackForwardCache"],
            )
            yield browser
            browser.close()


def head_of_zhytomyr(page: Page):
    """His card among the results, found by his address (his name is in the page's language)."""
    return page.locator(f"#results article.person a[href='mailto:{HEAD_EMAIL}']")


def whole_page(page: Page) -> None:
    """The site's header and navigation, the page's heading and its search form."""
    expect(page.locator("header.top")).to_be_visible()
    expect(page.get_by_role("navigation").first).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("search")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^(uk|en)$"))


def test_back_to_a_directory_search_shows_the_whole_page(page: Page, page_errors: list[str]):
    page.goto("/accounts/login/?next=/directory/")
    sign_in(page, COORDINATOR)
    expect(page).to_have_url(re.compile(r"/directory/$"))

    # Searching swaps the results in and pushes the search's address.
    page.locator("#q").press_sequentially("Zhytomyr RMA", delay=20)
    expect(page).to_have_url(re.compile(r"/directory/\?q=Zhytomyr(\+|%20)RMA"))
    expect(head_of_zhytomyr(page)).to_have_count(1)

    # Another page, loaded whole; then back.
    page.locator("header nav a[href='/regions/']").click()
    expect(page).to_have_url(re.compile(r"/regions/$"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"/directory/\?q=Zhytomyr(\+|%20)RMA"))
    whole_page(page)
    expect(page.locator("#q")).to_have_value("Zhytomyr RMA")
    expect(head_of_zhytomyr(page)).to_have_count(1)

    # Forward and back again: the regions page, then the directory, both whole.
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/regions/$"))
    whole_page(page)
    page.go_back()
    whole_page(page)
    expect(head_of_zhytomyr(page)).to_have_count(1)

    assert page_errors == []


def test_back_to_a_regions_search_shows_the_whole_page(page: Page, page_errors: list[str]):
    page.goto("/regions/")
    page.locator("#q").press_sequentially("Zhytomyr", delay=20)
    expect(page).to_have_url(re.compile(r"/regions/\?.*q=Zhytomyr"))
    expect(page.locator("#results")).to_contain_text(re.compile("Zhytomyr|Житомир"))

    page.locator("header a.brand").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"/regions/\?.*q=Zhytomyr"))
    whole_page(page)
    expect(page.locator("#q")).to_have_value("Zhytomyr")

    assert page_errors == []
