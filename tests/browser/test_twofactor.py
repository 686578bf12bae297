"""An official's passkey in a real browser: Chromium's virtual authenticator stands in for a
security key. Adding one after the password, then signing in with it; each page checked with axe,
at 1280 px in Ukrainian and 360 px in English.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from regionbridge.demo.data import DEMO_DOMAIN
from tests.browser.conftest import ARTIFACTS, check_a11y
from tests.browser.test_directory import language_button, sign_in

pytestmark = pytest.mark.browser

COORDINATOR = f"coordinator@{DEMO_DOMAIN}"


def virtual_authenticator(page: Page) -> None:
    """A platform authenticator that says yes at once (user present and verified)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"twofactor-{name}.png", full_page=True)


def test_an_official_adds_a_passkey_and_then_signs_in_with_it(page: Page, settings, page_errors):
    settings.TWO_FACTOR = "required"
    virtual_authenticator(page)

    page.goto("/accounts/login/")
    sign_in(page, COORDINATOR)
    expect(page).to_have_url(re.compile(r"/two-factor/(\?|$)"))
    expect(page.locator("[role=alert]")).to_be_visible()  # the role requires a factor
    check_a11y(page)
    shot(page, "enroll-uk-1280")

    page.locator("[data-passkey=register] button").click()
    expect(page.locator("main .card strong").first).to_be_visible()  # the passkey is listed
    expect(page.locator("[role=alert]")).to_have_count(0)
    page.locator("form[action$='/recovery-codes/'] button").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    check_a11y(page)
    shot(page, "recovery-codes-uk-1280")

    page.locator("header form[action$='/logout/'] button").click()
    page.goto("/accounts/login/?next=/partnerships/")
    sign_in(page, COORDINATOR)
    expect(page).to_have_url(re.compile(r"/two-factor/verify/"))
    page.set_viewport_size({"width": 360, "height": 800})
    language_button(page, "en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Confirm it is you")
    check_a11y(page)
    shot(page, "verify-en-360")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.locator("[data-passkey=verify] button").click()
    expect(page).to_have_url(re.compile(r"/partnerships/$"))
    page.locator(".menu-toggle").click()  # at 360 px the menu is folded behind its button
    expect(page.locator("nav a[href='/messages/']")).to_be_visible()
    assert not page_errors


def test_a_partner_sets_up_an_authenticator_app_on_a_phone(page: Page):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.test_twofactor import code_now

    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/accounts/login/")
    sign_in(page, f"indiana@{DEMO_DOMAIN}")
    page.goto("/two-factor/")
    page.locator("a[href='/two-factor/totp/']").click()
    expect(page.locator(".qr svg")).to_be_visible()
    check_a11y(page)
    shot(page, "totp-uk-360")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    device = TOTPDevice.objects.get(user__email=f"indiana@{DEMO_DOMAIN}", confirmed=False)
    page.locator("#id_code").fill(code_now(device))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    shot(page, "totp-done-uk-360")
