"""The second factor: who must pass one, what a session reaches before, and each factor's rules.

Passkeys are driven through a real browser with a virtual authenticator (tests/browser/
test_twofactor.py); here, the authenticator app (TOTP), recovery codes and the gate itself.
"""

import re
import time
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from regionbridge.audit.models import AuditEntry
from regionbridge.twofactor import services
from regionbridge.twofactor.models import RecoveryCode, RecoveryCodes
from tests.factories import PASSWORD
from tests.test_api import bearer

pytestmark = pytest.mark.django_db

OVERVIEW = "/two-factor/"
VERIFY = "/two-factor/verify/"
TOTP_PAGE = "/two-factor/totp/"
API_ME = "/api/v1/partnerships"


@pytest.fixture(autouse=True)
def required(settings):
    settings.TWO_FACTOR = "required"


def sign_in(client, user, next_url: str = "") -> str:
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("accounts:login"), data)
    assert response.status_code == 302
    return response["Location"]


def code_now(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def enroll_app(client) -> tuple[TOTPDevice, list[str]]:
    """Set up the app in this (signed-in) session; returns the device and the recovery codes."""
    page = client.get(TOTP_PAGE)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(pk=client.session["rb_totp_setup"])
    response = client.post(TOTP_PAGE, {"code": code_now(device)})
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z0-9-]{19})</code>", response.content.decode())
    return device, codes


def location_path(response) -> str:
    return urlsplit(response["Location"]).path


# --- who must pass one ---------------------------------------------------------------------


def test_an_official_without_a_factor_is_sent_to_add_one_and_reaches_nothing_else(
    client, coordinator
):
    sign_in(client, coordinator)
    for path in ("/", "/partnerships/", "/accounts/profile/", "/audit/", "/messages/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert location_path(response) == OVERVIEW, path
    page = client.get(OVERVIEW)
    assert page.status_code == 200
    assert "Your role requires a second factor" in page.content.decode() or (
        "Ваша роль вимагає" in page.content.decode()
    )
    assert client.get(TOTP_PAGE).status_code == 200


def test_the_session_api_answers_401_until_the_factor_is_passed_and_tokens_still_work(
    client, coordinator
):
    headers = bearer(coordinator)
    sign_in(client, coordinator)
    assert client.get(API_ME).status_code == 401
    assert Client().get(API_ME, headers=headers).status_code == 200


def test_a_partner_and_everyone_in_optional_mode_go_straight_in(client, indiana, settings):
    sign_in(client, indiana)  # a partner-region official: offered, not required
    assert client.get("/accounts/profile/").status_code == 200
    settings.TWO_FACTOR = "optional"
    other = Client()
    sign_in(other, indiana)
    assert other.get("/accounts/profile/").status_code == 200


def test_an_htmx_request_is_told_to_load_the_second_factor_page_whole(client, coordinator):
    sign_in(client, coordinator)
    response = client.get("/messages/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(OVERVIEW)


def test_signing_out_works_before_the_factor(client, coordinator):
    sign_in(client, coordinator)
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


def test_nothing_of_the_persons_work_shows_before_the_factor(client, coordinator):
    sign_in(client, coordinator)
    page = client.get(OVERVIEW).content.decode()
    assert reverse("messaging:inbox") not in page
    assert reverse("audit:index") not in page


# --- the authenticator app -------------------------------------------------------------------


def test_setting_up_the_app_passes_the_factor_and_shows_ten_recovery_codes_once(
    client, coordinator
):
    sign_in(client, coordinator)
    page = client.get(TOTP_PAGE).content.decode()
    assert "<svg" in page and 'id="totp-secret"' in page
    device = TOTPDevice.objects.get(pk=client.session["rb_totp_setup"])
    wrong = client.post(TOTP_PAGE, {"code": "000000" if code_now(device) != "000000" else "1"})
    assert wrong.status_code == 400
    device.refresh_from_db()
    device.throttle_reset()  # a failure makes the next try wait a second (tested below)
    response = client.post(TOTP_PAGE, {"code": code_now(device)})
    codes = re.findall(r"<code>([a-z0-9-]{19})</code>", response.content.decode())
    assert len(codes) == len(set(codes)) == 10
    assert client.get("/partnerships/").status_code == 200
    # Stored as hashes only: no code is in the database.
    stored = set(RecoveryCode.objects.values_list("digest", flat=True))
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & stored
    assert "<code>" not in client.get(OVERVIEW).content.decode()  # shown once
    actions = set(AuditEntry.objects.filter(actor=coordinator).values_list("action", flat=True))
    assert {"user.factor_added", "user.recovery_codes_issued"} <= actions


def test_the_next_sign_in_asks_for_the_code_then_goes_where_the_person_was_going(
    client, coordinator
):
    sign_in(client, coordinator)
    device, _codes = enroll_app(client)
    client.post(reverse("accounts:logout"))

    sign_in(client, coordinator, next_url="/partnerships/")
    response = client.get("/partnerships/")
    assert location_path(response) == VERIFY
    assert client.get(API_ME).status_code == 401
    assert client.get(OVERVIEW).status_code == 302  # not even the overview before the factor
    bad = client.post(VERIFY, {"code": "12345", "next": "/partnerships/"})
    assert bad.status_code == 400
    good = client.post(VERIFY, {"code": code_now(device, steps_ahead=1), "next": "/partnerships/"})
    assert good.status_code == 302 and good["Location"] == "/partnerships/"
    assert client.get(API_ME).status_code == 200


def test_a_code_is_taken_once(client, coordinator):
    sign_in(client, coordinator)
    device, _codes = enroll_app(client)
    used = code_now(device)  # the set-up used this step's code already
    client.post(reverse("accounts:logout"))
    sign_in(client, coordinator)
    assert client.post(VERIFY, {"code": used}).status_code == 400


def test_guessing_is_slowed_even_the_right_code_waits(client, coordinator):
    sign_in(client, coordinator)
    device, _codes = enroll_app(client)
    client.post(reverse("accounts:logout"))
    sign_in(client, coordinator)
    for guess in ("111111", "222222", "333333"):
        client.post(VERIFY, {"code": guess})
    right = code_now(device, steps_ahead=1)
    assert client.post(VERIFY, {"code": right}).status_code == 400
    assert AuditEntry.objects.filter(action="user.second_factor_failed").count() >= 3


def test_a_redirect_after_the_factor_stays_on_this_site(client, coordinator):
    sign_in(client, coordinator)
    device, _codes = enroll_app(client)
    client.post(reverse("accounts:logout"))
    sign_in(client, coordinator)
    response = client.post(
        VERIFY, {"code": code_now(device, steps_ahead=1), "next": "https://evil.example/x"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


# --- recovery codes --------------------------------------------------------------------------


def test_a_recovery_code_passes_once_and_the_person_is_told_how_many_are_left(client, coordinator):
    sign_in(client, coordinator)
    _device, codes = enroll_app(client)
    client.post(reverse("accounts:logout"))

    sign_in(client, coordinator)
    response = client.post(VERIFY, {"code": codes[0].upper().replace("-", " ")}, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == "/"
    assert RecoveryCode.objects.count() == 9
    client.post(reverse("accounts:logout"))
    sign_in(client, coordinator)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 400


def test_new_recovery_codes_replace_the_old(client, coordinator):
    sign_in(client, coordinator)
    _device, old = enroll_app(client)
    response = client.post(reverse("twofactor:recovery"))
    new = re.findall(r"<code>([a-z0-9-]{19})</code>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    client.post(reverse("accounts:logout"))
    sign_in(client, coordinator)
    assert client.post(VERIFY, {"code": old[1]}).status_code == 400
    RecoveryCodes.objects.get(user=coordinator).throttle_reset()  # the failure's wait
    assert client.post(VERIFY, {"code": new[1]}).status_code == 302


# --- removing factors, other sessions ----------------------------------------------------------


def test_an_official_cannot_remove_the_last_factor(client, coordinator):
    sign_in(client, coordinator)
    enroll_app(client)
    response = client.post(reverse("twofactor:totp_remove"), follow=True)
    assert TOTPDevice.objects.filter(user=coordinator, confirmed=True).exists()
    assert response.status_code == 200


def test_removing_the_only_factor_when_optional_drops_the_recovery_codes(client, indiana, settings):
    sign_in(client, indiana)
    enroll_app(client)
    response = client.post(reverse("twofactor:totp_remove"))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=indiana).exists()
    assert not RecoveryCode.objects.exists()
    assert client.get("/accounts/profile/").status_code == 200  # back to no factor: free


def test_adding_a_factor_ends_the_persons_other_sessions(client, indiana):
    elsewhere = Client()
    sign_in(elsewhere, indiana)
    assert elsewhere.get("/accounts/profile/").status_code == 200
    sign_in(client, indiana)
    enroll_app(client)
    response = elsewhere.get("/accounts/profile/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/accounts/profile/").status_code == 200


def test_a_session_that_has_not_passed_cannot_change_factors(client, coordinator):
    sign_in(client, coordinator)
    enroll_app(client)
    client.post(reverse("accounts:logout"))
    sign_in(client, coordinator)
    assert client.post(reverse("twofactor:totp_remove")).status_code == 302
    assert client.post(reverse("twofactor:recovery")).status_code == 302
    begin = client.post(
        reverse("twofactor:passkey_register_begin"), content_type="application/json"
    )
    assert begin.status_code == 302  # the gate answers before the ceremony starts
    assert TOTPDevice.objects.filter(user=coordinator, confirmed=True).count() == 1
    assert RecoveryCode.objects.count() == 10


def test_someone_elses_passkey_is_404(client, coordinator, indiana):
    from django_otp_webauthn.models import WebAuthnCredential

    theirs = WebAuthnCredential.objects.create(
        user=indiana, name="theirs", credential_id=b"x" * 16, public_key=b"y", sign_count=0
    )
    sign_in(client, coordinator)
    enroll_app(client)
    response = client.post(reverse("twofactor:passkey_remove", args=[theirs.pk]))
    assert response.status_code == 404
    assert WebAuthnCredential.objects.filter(pk=theirs.pk).exists()


# --- hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    ["", " ", "x" * 10_000, "12\x003456", "١٢٣٤٥٦", "' OR 1=1 --", "1" * 65, "<script>"],
    ids=["empty", "space", "huge", "nul", "arabic-digits", "sql", "long-digits", "html"],
)
def test_a_hostile_code_is_a_clear_400_and_passes_nothing(client, coordinator, code):
    sign_in(client, coordinator)
    enroll_app(client)
    client.post(reverse("accounts:logout"))
    sign_in(client, coordinator)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 400
    assert "<script>" not in response.content.decode().replace("&lt;script&gt;", "")
    assert client.get("/partnerships/").status_code == 302


def test_a_stale_setup_post_starts_again_without_a_500(client, coordinator):
    sign_in(client, coordinator)
    response = client.post(TOTP_PAGE, {"code": "123456"})  # no set-up shown yet
    assert response.status_code == 200
    assert "rb_totp_setup" in client.session


def test_services_count_recovery_codes(coordinator):
    assert services.factors_of(coordinator).recovery_left is None
    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    services.recovery_issue(coordinator)
    factors = services.factors_of(coordinator)
    assert factors.recovery_left == 10 and factors.app == device


def test_a_coordinator_resets_a_person_who_lost_every_factor(client, coordinator):
    from django.core.management import call_command

    sign_in(client, coordinator)
    enroll_app(client)
    call_command("reset-second-factor", coordinator.email, reason="met in person, ID checked")
    assert AuditEntry.objects.get(action="user.factors_reset").changes["removed"] == 1
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert not RecoveryCode.objects.exists()
    assert client.get("/accounts/profile/").status_code == 302  # the session ended
    entry = AuditEntry.objects.get(action="user.factors_reset")
    assert entry.changes["reason"] == "met in person, ID checked"
    sign_in(client, coordinator)
    assert location_path(client.get("/")) == OVERVIEW  # adds a new one now


CEREMONIES = (
    "twofactor:passkey_register_begin",
    "twofactor:passkey_register_complete",
    "twofactor:passkey_verify_begin",
    "twofactor:passkey_verify_complete",
)
HOSTILE_JSON = (
    "{",
    "[]",
    '{"id": null, "rawId": 5, "response": {"clientDataJSON": "%%%"}, "type": "public-key"}',
    '{"id": "' + "A" * 100_000 + '"}',
    '"\\u0000"',
)


@pytest.mark.parametrize("name", CEREMONIES)
@pytest.mark.parametrize("raw", HOSTILE_JSON, ids=["cut", "list", "garbage", "huge", "nul"])
def test_a_hostile_ceremony_body_is_a_clear_4xx_and_adds_nothing(client, indiana, name, raw):
    from django_otp_webauthn.models import WebAuthnCredential

    sign_in(client, indiana)
    response = client.post(reverse(name), raw, content_type="application/json")
    if name.endswith("_begin"):  # a begin reads no body: it answers options, or refuses it whole
        assert response.status_code in (200, 400), response.content[:200]
    else:
        assert 400 <= response.status_code < 500, response.content[:200]
    assert not WebAuthnCredential.objects.exists()
    assert client.get("/accounts/profile/").status_code == 200  # still signed in, nothing broke


def test_the_back_office_shows_no_factor_and_no_secret():
    from django.contrib import admin
    from django_otp_webauthn.models import WebAuthnCredential

    from regionbridge.twofactor.models import RecoveryCodes as Codes

    for model in (TOTPDevice, WebAuthnCredential, Codes, RecoveryCode):
        assert not admin.site.is_registered(model), model
