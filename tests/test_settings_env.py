"""Settings from the environment: a value the code does not know stops the start."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from regionbridge.lib.env import env_choice

CHOICES = ("development", "production")
SECRET = "k8#Jq2!vN0pZr5@Lm7xT1bYc4^Hs9eWd3&Fg6uAo-Ki8Ql2Rt5"


@pytest.mark.parametrize("raw", ["prod", "Prod", "staging", "dev", "production1", "test"])
def test_env_choice_refuses_unknown_values(monkeypatch, raw):
    monkeypatch.setenv("ENVIRONMENT", raw)
    with pytest.raises(ImproperlyConfigured, match="ENVIRONMENT"):
        env_choice("ENVIRONMENT", CHOICES, "development")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("production", "production"),
        ("Production", "production"),
        (" PRODUCTION ", "production"),
        ("development", "development"),
        ("", "development"),
    ],
)
def test_env_choice_normalizes_case_and_spaces(monkeypatch, raw, expected):
    monkeypatch.setenv("ENVIRONMENT", raw)
    assert env_choice("ENVIRONMENT", CHOICES, "development") == expected


def test_env_choice_default_when_unset(monkeypatch):
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    assert env_choice("ENVIRONMENT", CHOICES, "development") == "development"


def _start(environment: str, **extra: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        **extra,
        "ENVIRONMENT": environment,
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "bridge.example.gov.ua",
    }
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='regionbridge.settings';"
        "django.setup(); from django.conf import settings;"
        "print(settings.ENVIRONMENT, settings.PRODUCTION, settings.SESSION_COOKIE_SECURE,"
        " settings.TWO_FACTOR)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("environment", ["prod", "Prodution", "staging"])
def test_unknown_environment_refuses_to_start(environment):
    result = _start(environment)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "ENVIRONMENT" in result.stderr


def test_capitalized_production_runs_as_production():
    result = _start("Production")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["production", "True", "True", "required"]


def test_the_second_factor_is_required_in_production_unless_told_otherwise():
    assert _start("development").stdout.split()[-1] == "optional"
    assert _start("production", TWO_FACTOR="optional").stdout.split()[-1] == "optional"
    refused = _start("production", TWO_FACTOR="sometimes")
    assert refused.returncode != 0 and "TWO_FACTOR" in refused.stderr


def test_the_documented_production_settings_pass_the_deploy_checks(tmp_path):
    """`check --deploy` with the README's production environment prints no warning."""
    env = {
        **os.environ,
        "ENVIRONMENT": "production",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "bridge.example.gov.ua",
        "CSRF_TRUSTED_ORIGINS": "https://bridge.example.gov.ua",
        "BEHIND_PROXY": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VAR_DIR": str(tmp_path),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env={**env, "DJANGO_SETTINGS_MODULE": "regionbridge.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _mail_connection(environment: str, **extra: str) -> list[str]:
    """The backend and timeout of the connection the outbox would open under these settings."""
    env = {
        **os.environ,
        **extra,
        "ENVIRONMENT": environment,
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "bridge.example.gov.ua",
    }
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='regionbridge.settings';"
        "django.setup(); from django.core.mail import get_connection;"
        "mail = get_connection(); print(type(mail).__module__, getattr(mail, 'timeout', None))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize(
    ("environment", "url"),
    [
        ("development", "smtp://localhost:1025"),
        ("production", "smtp://mail.example.gov.ua"),
        ("production", "smtp+tls://u:p@mail.example.gov.ua:587"),
        ("production", "smtps://mail.example.gov.ua"),
    ],
)
def test_every_smtp_configuration_gives_up_on_a_silent_server(environment, url):
    """A server that accepts and never answers costs a worker 30 seconds, not a hung job."""
    assert _mail_connection(environment, EMAIL_URL=url) == ["django.core.mail.backends.smtp", "30"]


def test_the_mail_timeout_comes_from_the_environment():
    assert _mail_connection("production", EMAIL_URL="smtps://mail", EMAIL_TIMEOUT="5")[-1] == "5"


def test_without_smtp_mail_goes_to_the_console():
    assert _mail_connection("development", EMAIL_URL="console://") == [
        "django.core.mail.backends.console",
        "None",
    ]


def _site(**extra: str) -> list[str]:
    """SITE_URL and the passkey settings derived from it, under this environment."""
    env = {**os.environ, **extra, "ENVIRONMENT": "development"}
    for name in ("SITE_URL", "PORT", "WEBAUTHN_RP_ID"):
        if name not in extra:
            env.pop(name, None)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='regionbridge.settings';"
        "django.setup(); from django.conf import settings as s;"
        "print(s.SITE_URL, s.WEBAUTHN_RP_ID, *s.OTP_WEBAUTHN_ALLOWED_ORIGINS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_site_url_follows_port_unless_set():
    """E-mail links point where the server listens: PORT (8000 by default), unless SITE_URL
    says otherwise (behind the proxy); passkeys follow SITE_URL."""
    assert _site() == ["http://127.0.0.1:8000", "localhost", "http://localhost:8000"]
    assert _site(PORT="8123") == ["http://127.0.0.1:8123", "localhost", "http://localhost:8123"]
    assert _site(PORT="8123", SITE_URL="") == [
        "http://127.0.0.1:8123",
        "localhost",
        "http://localhost:8123",
    ]
    assert _site(PORT="8123", SITE_URL="https://bridge.example.gov.ua") == [
        "https://bridge.example.gov.ua",
        "bridge.example.gov.ua",
        "https://bridge.example.gov.ua",
    ]
    refused = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os;"
            "os.environ['DJANGO_SETTINGS_MODULE']='regionbridge.settings'; django.setup()",
        ],
        env={**{k: v for k, v in os.environ.items() if k != "SITE_URL"}, "PORT": "eighty"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0 and "PORT" in refused.stderr
