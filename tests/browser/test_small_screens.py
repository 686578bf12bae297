"""Every main page on a phone (issue 11, points 6 and 8): at 360 px nothing scrolls sideways and
axe finds no serious or critical violation, in Ukrainian and in English, for the public and for
each role; the main menu folds behind a "Menu" button there (and still works by keyboard, and
without JavaScript); primary actions are at least 44 px tall, everything else at least 24 px.

Each person signs in once and visits all their pages in one browser context. With
RB_SCREENSHOTS_DIR=<folder>, a few pages are also kept there at 360 and 1280 px, to be looked at.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from regionbridge.accounts.models import User
from regionbridge.demo.data import DEMO_DOMAIN
from regionbridge.messaging import services as messaging
from regionbridge.organizations.models import Organization, Person
from regionbridge.partnerships import clearance
from regionbridge.partnerships.models import Partnership
from tests.browser.conftest import check_a11y
from tests.browser.test_directory import sign_in

pytestmark = pytest.mark.browser

PHONE = 360
DESKTOP = 1280
LANGUAGES = ("uk", "en")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
LONG_ADDRESS = "international.cooperation.department@zhytomyr-oblast-administration.gov.ua"
# Kept at both widths when RB_SCREENSHOTS_DIR is set (the page names of the table below).
SCREENSHOTS = {"desk", "partnerships", "thread", "public registry"}
LIVE_STREAM = re.compile(r"/stream/")


@dataclass(frozen=True)
class Visit:
    name: str
    path: str
    status: int = 200


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def visits(demo_site: str, media: Path) -> dict[str | None, list[Visit]]:
    """Who (a demo account's name, None for the public) sees which pages. The demo has no draft
    and no thread: the coordinator starts both, the thread with a long address and a file."""
    coordinator = User.objects.get(email=f"coordinator@{DEMO_DOMAIN}")
    zhytomyr = User.objects.get(email=f"zhytomyr@{DEMO_DOMAIN}")
    sumy_kentucky = Partnership.objects.get(
        ukrainian_region__code="UA-59", partner_region__code="US-KY"
    )
    document = clearance.document_create(
        partnership=sumy_kentucky,
        kind="memorandum",
        by=coordinator,
        title_en="Memorandum on cooperation in reconstruction and energy",
        title_uk="Меморандум про співробітництво у сферах відбудови та енергетики",
    )
    clearance.document_add_version(
        document=document,
        language="uk",
        upload=SimpleUploadedFile(
            "memorandum-sumy-kentucky-reconstruction-and-energy-2026.pdf", PDF, "application/pdf"
        ),
        by=coordinator,
    )
    clearance.document_submit(document=document, by=coordinator)
    thread = messaging.thread_create(
        by=coordinator,
        subject="Сумська область – Кентуккі: погодження меморандуму",
        users=[zhytomyr],
        partnership=sumy_kentucky,
        body=f"Добрий день! Пишіть, будь ласка, на {LONG_ADDRESS}.",
    )
    messaging.message_post(
        thread=thread,
        author=coordinator,
        body="Проєкт тексту додаю.",
        files=[SimpleUploadedFile("draft-memorandum.pdf", PDF, "application/pdf")],
    )
    rma = Organization.objects.get(key="rma-UA-18")
    person = Person.objects.filter(organization=rma).order_by("pk").first()
    desk = Visit("desk", "/")
    return {
        None: [
            Visit("public home", "/"),
            Visit("public registry", "/public/"),
            Visit("public registry region", "/public/UA-59/"),
            Visit("sign-in", "/accounts/login/"),
            Visit("404", "/no-such-page/", 404),
        ],
        "coordinator": [
            desk,
            Visit("regions", "/regions/"),
            Visit("region", "/regions/UA-18/"),
            Visit("partnerships", "/partnerships/"),
            Visit("partnership", f"/partnerships/{sumy_kentucky.pk}/"),
            Visit("document", f"/partnerships/documents/{document.pk}/"),
            Visit("review queue", "/partnerships/reviews/"),
            Visit("institutions", "/institutions/"),
            Visit("directory", "/directory/"),
            Visit("person", f"/directory/people/{person.pk}/"),
            Visit("organization", f"/directory/organizations/{rma.pk}/"),
            Visit("inbox", "/messages/"),
            Visit("thread", f"/messages/{thread.pk}/"),
            Visit("new thread", "/messages/new/"),
            Visit("notifications", "/notifications/"),
            Visit("profile", "/accounts/profile/"),
            Visit("audit log", "/audit/"),
        ],
        "mfa": [desk, Visit("review queue", "/partnerships/reviews/")],
        "embassy": [desk],
        "zhytomyr": [
            desk,
            Visit("thread", f"/messages/{thread.pk}/"),
            Visit("403", "/audit/", 403),
        ],
        "indiana": [desk],
        "institution": [desk],
    }


def open_context(browser: Browser, base_url: str, errors: list[str], **options) -> BrowserContext:
    context = browser.new_context(
        base_url=base_url, locale="en-US", viewport={"width": PHONE, "height": 800}, **options
    )
    context.set_default_timeout(5_000)
    # Live streams are test_live's subject; here they would outlive the test (the live server
    # would still be answering them when the database is flushed): answered "nothing, stop".
    context.route(LIVE_STREAM, lambda route: route.fulfill(status=204, body=""))

    def watch(page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                errors.append(f"console: {message.text} ({page.url})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: errors.append(f"page error: {error} ({page.url})"))

    context.on("page", watch)
    return context


def signed_in(browser: Browser, base_url: str, errors: list[str], account: str | None) -> Page:
    page = open_context(browser, base_url, errors).new_page()
    if account is not None:
        page.goto("/accounts/login/")
        sign_in(page, f"{account}@{DEMO_DOMAIN}")
    return page


def speak(page: Page, language: str) -> None:
    """Switch the interface to `language` with the header's button (kept on the account)."""
    if page.locator("html").get_attribute("lang") != language:
        page.locator(f"header button[name=language][value={language}]").click()
        expect(page.locator("html")).to_have_attribute("lang", language)


def sideways(page: Page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


def keep_screenshots(page: Page, who: str, name: str, language: str) -> None:
    folder = os.environ.get("RB_SCREENSHOTS_DIR")
    if not folder or name not in SCREENSHOTS:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for width in (PHONE, DESKTOP):
        page.set_viewport_size({"width": width, "height": 800})
        slug = f"{who}-{name}-{language}-{width}".replace(" ", "-")
        page.screenshot(path=Path(folder) / f"{slug}.png", full_page=True)
    page.set_viewport_size({"width": PHONE, "height": 800})


def test_every_main_page_fits_a_phone_and_passes_axe_in_both_languages(
    browser: Browser, demo_site: str, visits: dict, page_errors: list[str]
):
    problems: list[str] = []
    for account, pages in visits.items():
        page = signed_in(browser, demo_site, page_errors, account)
        page.goto(pages[0].path)
        for language in LANGUAGES:
            speak(page, language)
            for visit in pages:
                where = f"{account or 'public'} · {visit.name} ({visit.path}) · {language}"
                response = page.goto(visit.path)
                assert response is not None
                if response.status != visit.status:
                    problems.append(f"{where}: status {response.status}")
                    continue
                expect(page.locator("html")).to_have_attribute("lang", language)
                if (overflow := sideways(page)) > 0:
                    problems.append(f"{where}: scrolls sideways by {overflow} px")
                try:
                    check_a11y(page)
                except pytest.fail.Exception as failure:
                    problems.append(f"{where}: {failure}")
                keep_screenshots(page, account or "public", visit.name, language)
        page.context.close()
    assert problems == [], "\n".join(problems)
    # The browser reports the error pages' own status as a console error: nothing else may be.
    refused = re.compile(r"Failed to load resource: .* 40[34] .*/(no-such-page|audit)/\)$")
    assert [error for error in page_errors if not refused.search(error)] == []


MENU_LINKS = "#main-nav a"


def test_the_menu_folds_on_a_phone_and_opens_by_button_and_keyboard(
    browser: Browser, demo_site: str, page_errors: list[str]
):
    page = signed_in(browser, demo_site, page_errors, "coordinator")
    page.goto("/")
    button = page.locator("header .menu-toggle")
    menu = page.locator("#main-nav")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_have_attribute("aria-controls", "main-nav")
    expect(menu).to_be_hidden()
    # The bell, the language switch and signing out stay in view with the menu folded.
    for tool in ("header .bell", "header button[name=language]", "header .who"):
        expect(page.locator(tool)).to_be_visible()
    expect(page.locator("header form[action$='/logout/'] button")).to_be_visible()
    header_height = page.locator("header").bounding_box()["height"]
    assert header_height <= 130, f"the folded header is {header_height} px tall"

    # A click opens it; every item shows, one under the other.
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    links = page.locator(MENU_LINKS)
    assert links.count() >= 8
    for index in range(links.count()):
        expect(links.nth(index)).to_be_visible()
    button.click()
    expect(menu).to_be_hidden()

    # By keyboard: Enter on the button opens it, Tab reaches its items, Escape folds it again
    # and gives the focus back to the button.
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.closest('#main-nav') !== null"))
        if reached[-1]:
            break
    assert reached[-1], "Tab never reached the menu's items"
    expect(page.locator(f"{MENU_LINKS}:focus")).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()

    # On a wide screen there is no button: the menu is simply there.
    page.set_viewport_size({"width": DESKTOP, "height": 800})
    expect(button).to_be_hidden()
    expect(menu).to_be_visible()
    page.context.close()

    # Without JavaScript the menu shows in full and no button does nothing.
    context = open_context(browser, demo_site, page_errors, java_script_enabled=False)
    plain = context.new_page()
    plain.goto("/")
    expect(plain.locator("header .menu-toggle")).to_be_hidden()
    expect(plain.locator("#main-nav")).to_be_visible()
    assert sideways(plain) <= 0
    context.close()
    assert page_errors == []


# Primary actions: buttons styled as such, form submits, the menu and the header's tools.
PRIMARY = (
    ".btn, main button[type=submit]:not(.link), .menu-toggle, #main-nav a, .tools .bell,"
    " .lang button"
)
CONTROLS = "button, select, input:not([type=hidden]), textarea, .pager a"
TOO_SMALL = """([selector, least]) => [...document.querySelectorAll(selector)]
  .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== "hidden")
  .map((e) => [e, e.getBoundingClientRect()])
  .filter(([e, box]) => box.height < least || box.width < Math.min(least, 24))
  .map(([e, box]) => `${e.outerHTML.slice(0, 90)}: ${box.width | 0}×${box.height | 0}`)"""


def test_tap_targets_are_44_px_for_primary_actions_and_24_px_for_the_rest(
    browser: Browser, demo_site: str, visits: dict, page_errors: list[str]
):
    paths = {visit.name: visit.path for visit in visits["coordinator"]}
    page = signed_in(browser, demo_site, page_errors, "coordinator")
    small = []
    for name in ("desk", "partnerships", "thread", "new thread", "document", "directory"):
        page.goto(paths[name])
        if page.locator(".menu-toggle").get_attribute("aria-expanded") == "false":
            page.locator(".menu-toggle").click()  # its items are measured too
        small += [f"{name}: {t}" for t in page.evaluate(TOO_SMALL, [PRIMARY, 44])]
        small += [f"{name}: {t}" for t in page.evaluate(TOO_SMALL, [CONTROLS, 24])]
    page.context.close()
    assert small == [], "\n".join(small)
