"""The database out of reach (issue 8.4): 503 with Retry-After, never a 500, on any backend.

The outage is simulated by refusing queries (`connection.execute_wrapper`) with the errors the
drivers raise when the server is away; tests/test_concurrency.py restarts a real PostgreSQL.
"""

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.urls import reverse

from regionbridge.accounts.services import token_issue
from regionbridge.core.outage import RETRY_AFTER, database_unreachable

# What psycopg says when the server is gone; none of it may reach the reader.
SECRET = 'connection to server at "db.internal" (10.0.0.7), port 5432 failed: Connection refused'

PAGE = {
    "en": ["<h1>Temporarily unavailable</h1>", "try again in 1\xa0minute"],
    "uk": ["<h1>Тимчасово недоступно</h1>", "через 1\xa0хвилин"],
}


def refused() -> OperationalError:
    """The error Django raises when psycopg cannot reach the server (the driver's as its cause)."""
    error = OperationalError(SECRET)
    error.__cause__ = psycopg.OperationalError(SECRET)
    return error


@contextmanager
def database_down(
    when: Callable[[str], bool] = lambda sql: True, error: Callable[[], Exception] = refused
) -> Iterator[None]:
    """Every query `when` picks fails as if the server were away."""

    def refuse(execute, sql, params, many, context):
        if when(sql):
            raise error()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield


@pytest.fixture
def client() -> Client:
    # Answered as in production: the exception becomes the response, not a test failure.
    return Client(raise_request_exception=False)


def assert_unavailable_page(response, language: str) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert response["Content-Language"] == language
    content = response.content.decode()
    assert f'<html lang="{language}">' in content
    for text in PAGE[language]:
        assert text in content
    assert "db.internal" not in content and "5432" not in content


@pytest.mark.parametrize("language", ["uk", "en"])
def test_a_page_whose_session_cannot_be_read_answers_503_in_the_readers_language(
    client, zhytomyr, language
):
    client.force_login(zhytomyr)
    client.cookies["rb_language"] = language
    with database_down(lambda sql: "django_session" in sql):
        response = client.get(reverse("core:home"))
    assert_unavailable_page(response, language)


@pytest.mark.parametrize("language", ["uk", "en"])
def test_a_page_whose_user_cannot_be_read_answers_503(client, zhytomyr, language):
    client.force_login(zhytomyr)
    client.cookies["rb_language"] = language
    with database_down(lambda sql: "accounts_user" in sql):
        response = client.get(reverse("partnerships:list"))
    assert_unavailable_page(response, language)


@pytest.mark.parametrize("language", ["uk", "en"])
def test_a_view_whose_query_fails_answers_503(client, reference, language):
    client.cookies["rb_language"] = language
    with database_down(lambda sql: "regions_region" in sql):
        response = client.get(reverse("core:home"))
    assert_unavailable_page(response, language)


def test_a_closed_connection_is_unreachable_too(client, reference):
    def closed() -> InterfaceError:
        error = InterfaceError("the connection is closed")
        error.__cause__ = psycopg.InterfaceError("the connection is closed")
        return error

    with database_down(error=closed):
        response = client.get(reverse("core:home"))
    assert_unavailable_page(response, "uk")


def test_the_api_answers_503_json_with_retry_after(client, zhytomyr):
    _, token = token_issue(user=zhytomyr, name="script")
    with database_down():
        response = client.get("/api/v1/threads", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"message"}
    assert "db.internal" not in response.content.decode()


def test_the_api_with_a_session_that_cannot_be_read_answers_503_json(client, zhytomyr):
    client.force_login(zhytomyr)
    with database_down(lambda sql: "django_session" in sql):
        response = client.get("/api/v1/threads")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert set(response.json()) == {"message"}
    assert "db.internal" not in response.content.decode()


def test_healthz_stays_200_and_readyz_says_503_while_the_database_is_down(client, reference):
    with database_down():
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 503
    assert client.get("/readyz").status_code == 200


def test_the_next_request_succeeds_once_the_database_is_back(client, reference):
    with database_down():
        assert client.get(reverse("core:home")).status_code == 503
    assert client.get(reverse("core:home")).status_code == 200


# --- which errors mean "unreachable" ------------------------------------------------------------


def sqlite_error(action: Callable[[], object]) -> OperationalError:
    """The driver's own error, wrapped as Django wraps it."""
    try:
        action()
    except sqlite3.OperationalError as cause:
        error = OperationalError(*cause.args)
        error.__cause__ = cause
        return error
    raise AssertionError("SQLite did not refuse")


def test_sqlite_whose_file_cannot_be_opened_is_unreachable(tmp_path):
    error = sqlite_error(lambda: sqlite3.connect(tmp_path / "no" / "such" / "dir.sqlite3"))
    assert database_unreachable(error)


def test_a_locked_sqlite_is_not_unreachable(tmp_path):
    """Writers wait for SQLite's lock (settings: `timeout`, IMMEDIATE); one that waited in vain
    is a fault to look into, not a restart to wait out."""
    path = tmp_path / "busy.sqlite3"
    with closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN IMMEDIATE")
        with closing(sqlite3.connect(path, timeout=0)) as waiter:
            error = sqlite_error(lambda: waiter.execute("INSERT INTO t VALUES (1)"))
    assert "database is locked" in str(error)
    assert not database_unreachable(error)
    assert not database_unreachable(OperationalError("database is locked"))


def test_a_query_sqlite_refuses_is_not_unreachable():
    with closing(sqlite3.connect(":memory:")) as db:
        error = sqlite_error(lambda: db.execute("SELECT * FROM no_such_table"))
    assert not database_unreachable(error)


def test_postgresql_refusing_a_query_is_not_unreachable_but_shutting_down_is():
    deadlock = OperationalError("deadlock detected")
    deadlock.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    assert not database_unreachable(deadlock)
    shutdown = OperationalError("terminating connection due to administrator command")
    shutdown.__cause__ = psycopg.errors.AdminShutdown("terminating connection")
    assert database_unreachable(shutdown)
    assert database_unreachable(refused())


def test_a_locked_sqlite_still_answers_500_not_503(client, reference):
    with database_down(
        lambda sql: "regions_region" in sql, error=lambda: OperationalError("database is locked")
    ):
        response = client.get(reverse("core:home"))
    assert response.status_code == 500
    assert "Retry-After" not in response
