"""Issue 7 in a real browser: a reply whose sender could not be verified waits for its author,
who confirms it; a reply that quoted the whole history shows it folded; an invitation that the
rules refuse says why. At 360 and 1280 px, in Ukrainian and English, with axe on every page.
"""

from email.message import EmailMessage

import pytest
from playwright.sync_api import Page, expect

from regionbridge.accounts.models import User
from regionbridge.demo.data import DEMO_DOMAIN
from regionbridge.messaging import services
from regionbridge.messaging.inbound import receive
from regionbridge.messaging.models import HeldReply, Message
from regionbridge.messaging.replies import reply_address
from regionbridge.messaging.text import reply_text
from regionbridge.partnerships.models import Partnership
from tests.browser.conftest import ARTIFACTS, check_a11y
from tests.browser.test_directory import sign_in

pytestmark = pytest.mark.browser

ZHYTOMYR = f"zhytomyr@{DEMO_DOMAIN}"
COORDINATOR = f"coordinator@{DEMO_DOMAIN}"
SIZES = {"phone": {"width": 360, "height": 780}, "desktop": {"width": 1280, "height": 900}}


def unverified_reply(thread, email: str, body: str) -> bytes:
    """A reply as a forger (or a provider that does not sign) sends it: no DKIM signature."""
    msg = EmailMessage()
    msg["From"] = email
    msg["To"] = reply_address(thread, email)
    msg["Subject"] = f"Re: {thread.subject}"
    msg["Message-ID"] = f"<held-{thread.pk}@mail.example>"
    msg.set_content(body)
    return msg.as_bytes()


def no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px"


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def switch_to(page: Page, language: str) -> None:
    page.locator(f"header button[name=language][value={language}]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["uk", "en"])
def test_an_unverified_reply_waits_for_its_author_who_confirms_it(page: Page, size, language):
    officer = User.objects.get(email=ZHYTOMYR)
    coordinator = User.objects.get(email=COORDINATOR)
    thread = services.thread_create(
        by=coordinator, subject="Hospital visit in May", users=[officer], body="Does 12 May suit?"
    )
    outcome = receive(unverified_reply(thread, ZHYTOMYR, "Yes, 12 May suits us."))
    assert not outcome.accepted and outcome.held is not None

    page.set_viewport_size(SIZES[size])
    page.goto("/accounts/login/?next=/messages/")
    sign_in(page, ZHYTOMYR)
    if page.locator("html").get_attribute("lang") != language:
        switch_to(page, language)
    page.goto("/messages/")
    notice = page.locator("main a[href$='/messages/held/']")
    expect(notice).to_be_visible()
    check_a11y(page)
    no_horizontal_scroll(page)
    shoot(page, f"issue7-inbox-held-{language}-{size}")

    notice.click()
    expect(page.get_by_text("Yes, 12 May suits us.")).to_be_visible()
    check_a11y(page)
    no_horizontal_scroll(page)
    shoot(page, f"issue7-held-{language}-{size}")

    page.locator("main form[action$='/confirm/'] button").click()
    expect(page.locator(".message").filter(has_text="Yes, 12 May suits us.")).to_be_visible()
    assert Message.objects.filter(thread=thread, author=officer, via="email").exists()
    assert not HeldReply.objects.exists()


@pytest.mark.parametrize("size", SIZES)
def test_a_reply_that_only_quoted_shows_the_history_folded(page: Page, size):
    officer = User.objects.get(email=ZHYTOMYR)
    thread = services.thread_create(by=officer, subject="Quote only", body="Agenda attached.")
    history = "\n".join(
        f"> Line {n} of the earlier message, long enough to wrap." for n in range(12)
    )
    services.message_post(
        thread=thread,
        author=officer,
        body=reply_text(f"On Mon, 1 Dec 2026, Olena <o@example.org> wrote:\n{history}"),
        via="email",
    )
    page.set_viewport_size(SIZES[size])
    page.goto(f"/accounts/login/?next=/messages/{thread.pk}/")
    sign_in(page, ZHYTOMYR)
    page.goto(f"/messages/{thread.pk}/")
    folded = page.locator(".message details").last
    expect(folded).to_be_visible()
    expect(folded.get_by_text("Line 11 of the earlier message")).to_be_hidden()
    folded.locator("summary").click()
    expect(folded.get_by_text("Line 11 of the earlier message", exact=False)).to_be_visible()
    check_a11y(page)
    no_horizontal_scroll(page)
    shoot(page, f"issue7-folded-quote-{size}")


@pytest.mark.parametrize("language", ["uk", "en"])
def test_a_guest_on_a_confidential_negotiation_is_refused_with_a_reason(page: Page, language):
    coordinator = User.objects.get(email=COORDINATOR)
    secret = Partnership.objects.filter(confidential=True).first()
    assert secret is not None, "the demo has a confidential negotiation"
    thread = services.thread_create(by=coordinator, subject="Terms", partnership=secret)
    page.set_viewport_size(SIZES["phone"])
    page.goto(f"/accounts/login/?next=/messages/{thread.pk}/")
    sign_in(page, COORDINATOR)
    if page.locator("html").get_attribute("lang") != language:
        switch_to(page, language)
    page.goto(f"/messages/{thread.pk}/")
    page.locator("main details summary").first.click()  # the participants, folded
    page.locator("form[action$='/participants/'] input[name=email]").fill("reporter@news.example")
    page.locator("form[action$='/participants/'] button").click()
    expect(page.get_by_text("reporter@news.example", exact=False).first).to_be_visible()
    assert services.guest_emails(thread) == []
    check_a11y(page)
    no_horizontal_scroll(page)
    shoot(page, f"issue7-guest-refused-{language}-phone")
