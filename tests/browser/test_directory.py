"""An officer's first minutes in a real browser: sign in, switch to English, find a contact.

Every page on the way is checked with axe (serious and critical violations fail the test).
"""

import re

import pytest
from playwright.sync_api import Page, expect

from regionbridge.accounts.models import User
from regionbridge.demo.data import DEMO_DOMAIN, DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS, check_a11y

pytestmark = pytest.mark.browser

COORDINATOR = f"coordinator@{DEMO_DOMAIN}"
INDIANA = f"indiana@{DEMO_DOMAIN}"
HEAD_NAME = "Viktor Demianchuk"
HEAD_TITLE = "Head of the Zhytomyr Oblast Military Administration"
HEAD_EMAIL = f"v.demianchuk@{DEMO_DOMAIN}"
# Some Ukrainian text, whatever the exact wording of the translation.
UKRAINIAN = re.compile(r"[а-щьюяєіїґ]", re.IGNORECASE)


def html_lang(page: Page, lang: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)


def language_button(page: Page, language: str):
    """The header's switch (found by its value: its accessible name may still change)."""
    return page.locator(f"header button[name=language][value={language}]")


def sign_in(page: Page, email: str) -> None:
    """Fill the sign-in form of the current page (ids, not labels: either language)."""
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header form[action$='/logout/'] button")).to_be_visible()


def person_card(page: Page, name: str):
    return page.locator("#results article.person").filter(
        has=page.get_by_role("heading", name=name)
    )


def test_officer_signs_in_switches_language_and_finds_zhytomyr_contact(
    page: Page, page_errors: list[str]
):
    # Home: Ukrainian by default, even for a browser that asks for English.
    page.goto("/")
    html_lang(page, "uk")
    expect(page.get_by_role("navigation").get_by_role("link").first).to_have_text(UKRAINIAN)
    expect(language_button(page, "en")).to_have_text("English")
    check_a11y(page)

    # Sign in as the demo coordinator from the header link; back on the home page.
    page.locator("header a[href^='/accounts/login/']").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    html_lang(page, "uk")
    expect(page.get_by_role("heading", level=1)).to_have_text(UKRAINIAN)
    check_a11y(page)
    sign_in(page, COORDINATOR)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("header .who")).to_have_text("Андрій Мельник")  # the reader's script
    html_lang(page, "uk")

    # One click to English, on the page the officer is on.
    language_button(page, "en").click()
    html_lang(page, "en")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("header .who")).to_have_text("Andrii Melnyk")
    # Signed in, `/` is the officer's desk (issue 11): the coordinator's block first.
    expect(page.get_by_role("heading", level=1, name="My desk")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="State of play")).to_be_visible()
    check_a11y(page)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(language_button(page, "uk")).to_have_text("Українська")

    # The directory, from the main navigation.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Directory").click()
    expect(page).to_have_url(re.compile(r"/directory/$"))
    expect(page.get_by_role("heading", name="Directory", level=1)).to_be_visible()
    check_a11y(page)

    # Typing searches as you type (htmx swaps #results and pushes the URL).
    search = page.get_by_role("searchbox", name="Name, office, region or title")
    search.press_sequentially("Zhytomyr RMA", delay=20)
    expect(page).to_have_url(re.compile(r"/directory/\?q=Zhytomyr(\+|%20)RMA"))
    card = person_card(page, HEAD_NAME)
    expect(card).to_have_count(1)
    expect(card).to_contain_text(HEAD_TITLE)
    expect(card.locator(f"a[href='mailto:{HEAD_EMAIL}']")).to_have_text(HEAD_EMAIL)
    # The head of the administration comes first (rank 1).
    expect(page.locator("#results article.person").first).to_contain_text(HEAD_NAME)
    expect(page.locator("#results")).not_to_contain_text("Emily Carter")
    check_a11y(page)

    # Enter submits the search too: set the text without an input event, then press Enter.
    search.fill("")
    expect(page.locator("#results")).to_contain_text("Emily Carter")  # everyone again
    search.evaluate("(box, text) => { box.value = text; }", "Zhytomyr RMA")
    search.press("Enter")
    expect(page.locator("#results")).not_to_contain_text("Emily Carter")
    expect(card.locator(f"a[href='mailto:{HEAD_EMAIL}']")).to_have_text(HEAD_EMAIL)
    expect(page).to_have_url(re.compile(r"/directory/\?q=Zhytomyr(\+|%20)RMA"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "directory.png", full_page=True)

    # His page, in English; the choice survives a reload.
    card.get_by_role("link", name=HEAD_NAME).click()
    expect(page).to_have_url(re.compile(r"/directory/people/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(HEAD_NAME)
    expect(page.locator("main")).to_contain_text(HEAD_TITLE)
    expect(page.locator(f"main a[href='mailto:{HEAD_EMAIL}']")).to_be_visible()
    html_lang(page, "en")
    check_a11y(page)
    page.reload()
    html_lang(page, "en")
    expect(page.get_by_role("heading", name="Contact details")).to_be_visible()

    # The account keeps the choice.
    assert User.objects.get(email=COORDINATOR).language == "en"

    # Sign out; forget the browser's language cookie, so only the account can remember it.
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("header a[href^='/accounts/login/']")).to_be_visible()
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    html_lang(page, "uk")
    sign_in(page, COORDINATOR)
    html_lang(page, "en")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="My desk")).to_be_visible()

    assert page_errors == []


def test_partner_finds_zhytomyr_head_in_ukrainian_without_his_contacts(
    page: Page, page_errors: list[str]
):
    page.goto("/accounts/login/")
    sign_in(page, INDIANA)
    html_lang(page, "en")  # Emily Carter's account speaks English.

    page.goto("/directory/")
    search = page.get_by_role("searchbox", name="Name, office, region or title")
    search.fill("Житомирська ОВА")
    search.press("Enter")
    card = person_card(page, HEAD_NAME)
    expect(card).to_have_count(1)
    expect(card).to_contain_text(HEAD_TITLE)
    # The policy hides contacts outside the partner's reach: none of his channels show.
    expect(card.locator("a[href^='mailto:'], a[href^='tel:']")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(HEAD_EMAIL)
    expect(page.locator("main")).not_to_contain_text("+380 67 000 1801")
    check_a11y(page)
    page.screenshot(path=ARTIFACTS / "directory-partner.png", full_page=True)

    # His page says so, and shows no address either.
    card.get_by_role("link", name=HEAD_NAME).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(HEAD_NAME)
    expect(page.locator("main")).to_contain_text("No contact details you may see")
    expect(page.locator("main a[href^='mailto:']")).to_have_count(0)

    # The region, the list of regions and the profile.
    page.goto("/regions/UA-18/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Zhytomyr Oblast")
    expect(page.locator("main")).to_contain_text(HEAD_NAME)
    expect(page.locator("main")).not_to_contain_text(HEAD_EMAIL)
    check_a11y(page)

    page.goto("/regions/")
    expect(page.get_by_role("heading", name="Regions", level=1)).to_be_visible()
    check_a11y(page)

    page.goto("/accounts/profile/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Emily Carter")
    check_a11y(page)

    assert page_errors == []
