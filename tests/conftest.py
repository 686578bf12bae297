"""Personas for every test: built once per test from the real reference data.

The reference data (countries, regions, reference organizations) is loaded once per test
database; transactional tests (the browser) reload it after their flush.
"""

import time

import pytest
from django.core.cache import cache, caches
from django.db import OperationalError
from django.db.backends.signals import connection_created

from regionbridge.accounts.services import role_assign
from regionbridge.audit import triggers
from regionbridge.organizations.models import Organization
from regionbridge.organizations.services import organizations_load_reference
from regionbridge.regions.models import Region
from regionbridge.regions.services import reference_load
from tests.factories import (
    PASSWORD,
    ContactFactory,
    OrganizationFactory,
    PersonFactory,
    UserFactory,
)

SHARED_CACHE_WAIT_SECONDS = 5


def _wait_while_a_table_is_locked(execute, sql, params, many, context):
    """Wait for another connection's write, as a file database's busy timeout would."""
    deadline = time.monotonic() + SHARED_CACHE_WAIT_SECONDS
    while True:
        try:
            return execute(sql, params, many, context)
        except OperationalError as error:
            if "table is locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _shared_cache_behaves_like_a_file(sender, connection, **kwargs) -> None:
    """The tests' SQLite is in memory with a shared cache, and the browser tests reach it from
    several threads: the live server's share one connection, while the live streams' async
    reads run in an executor thread with a connection of their own. A shared cache locks per
    table and never waits: a page read at the moment a stream wrote failed with "database table
    is locked" (a CI flake in the live-inbox test). Readers here skip the table read-locks (dirty
    reads: a reader may see another connection's uncommitted rows) and a writer that meets
    another's lock waits up to five seconds, as a file
    database's busy timeout does; the production database is a WAL file or PostgreSQL."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return
    connection.connection.execute("PRAGMA read_uncommitted = 1")
    if _wait_while_a_table_is_locked not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _wait_while_a_table_is_locked)


connection_created.connect(_shared_cache_behaves_like_a_file)


def ensure_reference() -> None:
    if not Region.objects.filter(code="UA-18").exists():
        reference_load()
        organizations_load_reference()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_reference()


@pytest.fixture(scope="session", autouse=True)
def _flush_past_audit_triggers():
    """Transactional tests flush with `DELETE FROM` on SQLite, which the audit log's triggers
    refuse; only the tests' flush lifts them, for its own transaction. (PostgreSQL flushes with
    TRUNCATE, which row triggers do not see.)"""
    from django.db.backends.sqlite3.base import DatabaseOperations as SQLiteOperations

    original = SQLiteOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if triggers.TABLE not in tables:
            return statements
        connection = self.connection
        return [*triggers.drop_sql(connection), *statements, *triggers.create_sql(connection)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SQLiteOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # No collectstatic in tests: plain storage instead of the hashed manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.AXES_ENABLED = False
    settings.RATE_LIMITS = False  # tests/test_ratelimit.py turns them on
    # A message's e-mail is due at once; tests/test_mail_coalescing.py holds it as in production.
    settings.MESSAGE_MAIL_DELAY_SECONDS = 0
    # Argon2 is deliberately slow; personas are made by the hundred. test_cli checks Argon2.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    # The process's cache (the public registry's pages) starts empty: ids are reused between
    # tests, so a page kept by one test could look current to the next. The same for results
    # kept between requests (core.results): a rolled-back test leaves its data's versions.
    cache.clear()
    caches["results"].clear()


@pytest.fixture
def reference(db):
    ensure_reference()


def org(key: str) -> Organization:
    return Organization.objects.select_related("region", "country").get(key=key)


def region(code: str) -> Region:
    return Region.objects.select_related("country").get(code=code)


def make_member(role: str, *, region_code: str | None = None, org_key: str | None = None, **kw):
    user = UserFactory(**kw)
    role_assign(
        user=user,
        role=role,
        region=region(region_code) if region_code else None,
        organization=org(org_key) if org_key else None,
    )
    return user


@pytest.fixture
def coordinator(reference):
    return make_member("coordinator", org_key="presidential-office", email="coord@example.org")


@pytest.fixture
def ministry(reference):
    return make_member("ministry", org_key="mfa", email="mfa@example.org")


@pytest.fixture
def embassy(reference):
    return make_member("embassy", org_key="embassy-us", email="embassy@example.org")


@pytest.fixture
def zhytomyr(reference):
    """Zhytomyr's RMA officer."""
    return make_member("regional", region_code="UA-18", email="zhytomyr@example.org")


@pytest.fixture
def chernihiv(reference):
    return make_member("regional", region_code="UA-74", email="chernihiv@example.org")


@pytest.fixture
def indiana(reference):
    """Indiana's liaison (a partner-region official)."""
    return make_member("partner", region_code="US-IN", email="indiana@example.org")


@pytest.fixture
def institution_user(reference):
    """Staff of a hospital in Zhytomyr Oblast."""
    hospital = OrganizationFactory(name_en="Zhytomyr Test Hospital")
    user = UserFactory(email="hospital@example.org")
    role_assign(user=user, role="institution", organization=hospital)
    return user


@pytest.fixture
def outsider(reference):
    """Signed in, but holds no role."""
    return UserFactory(email="outsider@example.org")


@pytest.fixture
def zhytomyr_head(reference):
    """The head of Zhytomyr's RMA, with an e-mail and a mobile number."""
    person = PersonFactory(
        organization=org("rma-UA-18"),
        name_en="Viktor Testenko",
        name_uk="Віктор Тестенко",
        title_en="Head of the Zhytomyr Oblast Military Administration",
        title_uk="Голова Житомирської обласної військової адміністрації",
        rank=1,
    )
    ContactFactory(person=person, kind="email", value="head@zhytomyr.example.org")
    ContactFactory(person=person, kind="mobile", value="+380 67 000 0000")
    return person


@pytest.fixture
def indiana_contact(reference):
    person = PersonFactory(
        organization=org("gov-US-IN"),
        name_en="Emma Hoosier",
        name_uk="Емма Гузієр",
        title_en="Director of International Partnerships",
        title_uk="Директорка з міжнародних партнерств",
    )
    ContactFactory(person=person, kind="email", value="emma@indiana.example.org")
    return person


@pytest.fixture
def password():
    return PASSWORD


def close_response(response) -> None:
    """Close a streaming response without ending the test's transaction.

    `response.close()` sends request_finished, whose connection clean-up ends the transaction
    on PostgreSQL; and the test client's own closer reconnects that handler while it runs. So
    only the closers run here: the stream's generator stops, and the client's wrapper sends
    request_finished with the clean-up disconnected, as it does for a fully read response.
    """
    closers = list(response._resource_closers)
    response._resource_closers.clear()
    for closer in closers:
        closer()
