"""Signing in and out, language and time zone, personal API tokens, the audit trail."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from regionbridge.accounts.models import ApiToken
from regionbridge.accounts.services import token_authenticate
from regionbridge.audit.models import AppendOnlyError, AuditEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_in_with_email_and_password_is_audited(client, zhytomyr):
    response = client.post(
        reverse("accounts:login"), {"username": "ZHYTOMYR@example.org ", "password": PASSWORD}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="user.signed_in")
    assert entry.actor == zhytomyr and entry.source == "127.0.0.1"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == zhytomyr.language


def test_wrong_password_is_refused_with_a_message(client, zhytomyr):
    response = client.post(
        reverse("accounts:login"), {"username": zhytomyr.email, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].non_field_errors()


def test_repeated_failures_lock_the_sign_in(client, zhytomyr, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": zhytomyr.email, "password": "x"})
    response = client.post(
        reverse("accounts:login"), {"username": zhytomyr.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_sign_out_needs_post(client, zhytomyr):
    client.force_login(zhytomyr)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_ukrainian_is_the_default_and_english_is_one_click_away(client, reference):
    assert client.get("/")["Content-Language"] == "uk"
    response = client.post(reverse("core:set_language"), {"language": "en", "next": "/regions/"})
    assert response.status_code == 302 and response["Location"] == "/regions/"
    page = client.get("/regions/")
    assert page["Content-Language"] == "en"
    assert b'<html lang="en">' in page.content


def test_language_choice_is_remembered_on_the_account(client, zhytomyr):
    zhytomyr.language = "uk"
    zhytomyr.save()
    client.force_login(zhytomyr)
    client.post(reverse("core:set_language"), {"language": "en"})
    zhytomyr.refresh_from_db()
    assert zhytomyr.language == "en"
    client.cookies.clear()  # another browser: the account still speaks English
    client.force_login(zhytomyr)
    assert client.get("/")["Content-Language"] == "en"


def test_language_switch_refuses_foreign_redirects_and_unknown_languages(client, reference):
    response = client.post(
        reverse("core:set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    response = client.post(reverse("core:set_language"), {"language": "xx"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_profile_saves_preferences_and_rejects_an_unknown_time_zone(client, indiana):
    client.force_login(indiana)
    # The account took its region's zone and holidays from its first role.
    assert indiana.timezone == "America/Indiana/Indianapolis"
    assert indiana.holiday_calendar == "US-IN"
    url = reverse("accounts:profile")
    response = client.post(
        url, {"language": "uk", "timezone": "Mars/Olympus", "notification_mode": "every"}
    )
    assert response.status_code == 400
    indiana.refresh_from_db()
    assert indiana.timezone == "America/Indiana/Indianapolis"  # nothing saved from a bad form
    response = client.post(
        url,
        {
            "language": "en",
            "timezone": "America/Indiana/Indianapolis",
            "notification_mode": "digest",
        },
    )
    assert response.status_code == 302
    indiana.refresh_from_db()
    assert indiana.timezone == "America/Indiana/Indianapolis"
    assert indiana.notification_mode == "digest"


def test_token_is_shown_once_and_can_be_revoked(client, zhytomyr):
    client.force_login(zhytomyr)
    response = client.post(reverse("accounts:token_create"), {"name": "reporting script"})
    assert response.status_code == 200
    plain = response.context["new_token"]
    assert plain.encode() in response.content
    assert token_authenticate(plain) == zhytomyr
    assert plain.encode() not in client.get(reverse("accounts:profile")).content
    token = ApiToken.objects.get(user=zhytomyr)
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert token_authenticate(plain) is None
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"token.issued", "token.revoked"} <= actions


def test_token_without_a_name_is_refused(client, zhytomyr):
    client.force_login(zhytomyr)
    response = client.post(reverse("accounts:token_create"), {"name": "  "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_audit_log_is_append_only(coordinator):
    entry = AuditEntry.objects.filter(action="role.granted").first()
    entry.action = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_coordinator_sees_the_audit_log(client, coordinator, zhytomyr):
    client.force_login(coordinator)
    response = client.get(reverse("audit:index"))
    assert response.status_code == 200
    assert b"role.granted" in response.content


def test_health_endpoints(client, reference):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["database"] == "ok"


@pytest.mark.parametrize("secret", ["", "short", "x" * 60])
def test_production_refuses_to_start_without_a_real_secret(secret):
    env = {**os.environ, "ENVIRONMENT": "production", "SECRET_KEY": secret, "ALLOWED_HOSTS": "a"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']="
            "'regionbridge.settings'; django.setup()",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret():
    env = {
        **os.environ,
        "ENVIRONMENT": "production",
        "SECRET_KEY": "k8#Jq2!vN0pZr5@Lm7xT1bYc4^Hs9eWd3&Fg6uAo-Ki8Ql2Rt5",
        "ALLOWED_HOSTS": "bridge.example.gov.ua",
    }
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='regionbridge.settings';"
        "django.setup(); from django.conf import settings;"
        "assert settings.SESSION_COOKIE_SECURE and settings.SECURE_HSTS_SECONDS > 0"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)


def test_a_password_needs_at_least_twelve_characters(reference):
    """OWASP ASVS 2.1.1."""
    from django.core.exceptions import ValidationError

    from regionbridge.accounts.services import user_create

    with pytest.raises(ValidationError):
        user_create(email="short@example.org", password="Kx7-vR2!pQz")  # 11 characters
    user_create(email="long@example.org", password="Kx7-vR2!pQz4")  # 12
