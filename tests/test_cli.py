"""The `regionbridge` command line: create-user, issue-token, load-reference, load-demo."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from regionbridge.accounts.models import ApiToken, RoleAssignment, User
from regionbridge.accounts.services import token_authenticate
from regionbridge.audit.models import AuditEntry
from regionbridge.demo.services import demo_load
from regionbridge.organizations.models import Organization, Person

pytestmark = pytest.mark.django_db


def run(*args, stdin: str = "") -> str:
    out = io.StringIO()
    original = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with translation.override("en"):
            call_command(*args, stdout=out)
    finally:
        sys.stdin = original
    return out.getvalue()


def test_console_script_offers_the_project_commands():
    script = Path(sys.executable).parent / "regionbridge"
    result = subprocess.run(
        [str(script), "help"], capture_output=True, text=True, timeout=60, check=True
    )
    for command in ("create-user", "issue-token", "load-reference", "load-demo", "db_worker"):
        assert command in result.stdout


def test_create_user_with_region_and_password_from_stdin(reference, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    output = run(
        "create-user",
        "officer@zhytomyr.example.org",
        "--role",
        "regional",
        "--region",
        "ua-18",
        "--password-stdin",
        stdin="Long-Enough-Passphrase-7\n",
    )
    assert "officer@zhytomyr.example.org" in output
    user = User.objects.get(email="officer@zhytomyr.example.org")
    assert user.check_password("Long-Enough-Passphrase-7")
    assert user.password.startswith("argon2")
    assignment = RoleAssignment.objects.get(user=user)
    assert (assignment.role, assignment.region.code) == ("regional", "UA-18")
    assert AuditEntry.objects.filter(action="user.created", target_id=str(user.pk)).exists()
    assert AuditEntry.objects.get(action="role.granted", target_id=str(user.pk)).source == "cli"


def test_create_user_with_organization(reference):
    mfa = Organization.objects.get(key="mfa")
    run(
        "create-user",
        "reviewer@mfa.example.org",
        "--role",
        "ministry",
        "--organization",
        str(mfa.pk),
    )
    user = User.objects.get(email="reviewer@mfa.example.org")
    assert not user.has_usable_password()  # no password given: cannot sign in until one is set
    assert user.role_assignments.get().organization == mfa


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "regional", "--region", "US-IN"], "Ukrainian region"),
        (["--role", "partner", "--region", "UA-18"], "foreign region"),
        (["--role", "regional", "--region", "XX-99"], "Unknown region"),
        (["--role", "ministry"], "ministry"),
        (["--role", "embassy", "--organization", "999999"], "Unknown organization"),
    ],
)
def test_create_user_refuses_a_role_without_its_scope(reference, args, message):
    with pytest.raises(CommandError, match=message):
        run("create-user", "someone@example.org", *args)
    assert not User.objects.filter(email="someone@example.org").exists()  # nothing half-made


def test_create_user_refuses_weak_password_and_duplicates(reference):
    with pytest.raises(CommandError):
        run(
            "create-user",
            "weak@example.org",
            "--role",
            "coordinator",
            "--password-stdin",
            stdin="12345\n",
        )
    run("create-user", "twice@example.org", "--role", "coordinator")
    with pytest.raises(CommandError, match="already exists"):
        run("create-user", "TWICE@example.org", "--role", "coordinator")


def test_issue_token_prints_it_once_and_stores_only_a_hash(coordinator):
    token = run("issue-token", coordinator.email, "--name", "reports").strip()
    assert token.startswith("rb_") and len(token) > 40
    stored = ApiToken.objects.get(user=coordinator)
    assert stored.digest != token and token not in stored.digest
    assert token_authenticate(token) == coordinator
    with pytest.raises(CommandError):
        run("issue-token", "nobody@example.org")


def test_load_reference_reports_what_it_loaded(reference):
    output = run("load-reference")
    assert "5046 regions" in output or "regions" in output
    assert "83 organizations" in output


def test_load_demo_is_idempotent_and_marks_everything_as_demo(reference):
    first = run("load-demo")
    people, users = Person.objects.count(), User.objects.count()
    second = run("load-demo")
    assert (Person.objects.count(), User.objects.count()) == (people, users)
    assert first == second
    assert "coordinator@demo.regionbridge.example" in first
    assert not Person.objects.filter(is_demo=False).exists()
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == {"coordinator", "ministry", "embassy", "regional", "partner", "institution"}


def test_demo_accounts_can_sign_in(client, reference):
    from regionbridge.demo.data import DEMO_PASSWORD

    accounts = demo_load()
    for account in accounts:
        assert client.login(username=account.email, password=DEMO_PASSWORD), account.email
        client.logout()
