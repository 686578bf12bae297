"""Faults under load (issue 8.4): many writers at once on SQLite; the same tie opened twice at
once (issue 7) on SQLite and PostgreSQL.

The app runs as in production (`make run`: granian, two worker processes, many threads) on a
SQLite file of its own, so the writers really contend for SQLite's single write lock; the
suite's own test database is in memory and shared by the live server's threads, which would
prove nothing here. On PostgreSQL the app is served on the suite's test database, from a
transactional test (what it writes is committed, and flushed afterwards).
"""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from regionbridge.accounts.services import role_assign, token_issue
from tests.factories import UserFactory

WRITERS = 16
POSTS_EACH = 8  # under the "post" rate limit (30 a minute a person)

VENDOR = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
sqlite_only = pytest.mark.skipif(VENDOR != "sqlite3", reason="SQLite's single writer")

BIN = Path(sys.executable).parent

SETUP = """
import json
import django
django.setup()
from regionbridge.accounts.models import User
from regionbridge.accounts.services import role_assign, token_issue
from regionbridge.messaging.services import thread_create

users = []
for n in range(%(writers)d):
    user = User.objects.create_user(email=f"writer{n}@example.org", password=None)
    role_assign(user=user, role="coordinator")
    users.append(user)
thread = thread_create(by=users[0], subject="Busy", users=users[1:])
tokens = [token_issue(user=user, name="load")[1] for user in users]
print(json.dumps({"thread": thread.pk, "tokens": tokens}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@contextmanager
def served(env: dict[str, str], log: Path) -> Iterator[str]:
    """The app served as `make run` serves it (granian, two processes, many threads).

    Its output goes to a file, not a pipe: the tracebacks of failing requests would fill a pipe
    nobody reads and block the server."""
    port = free_port()
    output = log.open("wb")
    server = subprocess.Popen(
        [
            str(BIN / "granian"),
            *("--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)),
            *("--workers", "2", "--blocking-threads", "16", "--no-ws", "--log-level", "warning"),
            "regionbridge.wsgi:application",
        ],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=5).close()
                break
            except OSError:
                assert server.poll() is None, log.read_text(errors="replace")[-3000:]
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        output.close()


def site_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "regionbridge.settings",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(tmp_path),
        # Pages without collectstatic's manifest.
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }


@sqlite_only
def test_sixteen_writers_at_once_on_sqlite_get_no_error_and_every_post_is_stored(tmp_path):
    database = tmp_path / "site.sqlite3"
    env = site_env(tmp_path, f"sqlite:///{database}")
    run([str(BIN / "regionbridge"), "migrate", "--noinput", "-v0"], env)
    output = run([sys.executable, "-c", SETUP % {"writers": WRITERS}], env)
    data = json.loads(output.splitlines()[-1])
    with served(env, tmp_path / "server.log") as url:
        endpoint = f"{url}/api/v1/threads/{data['thread']}/messages"
        start = threading.Barrier(WRITERS)

        def writer(n: int) -> list[int]:
            start.wait()
            token = data["tokens"][n]
            return [post(endpoint, token, f"writer {n}, post {i}") for i in range(POSTS_EACH)]

        with ThreadPoolExecutor(WRITERS) as pool:
            statuses = [status for result in pool.map(writer, range(WRITERS)) for status in result]

    assert statuses == [201] * (WRITERS * POSTS_EACH)
    with closing(sqlite3.connect(database)) as db:
        bodies = {
            body
            for (body,) in db.execute(
                "SELECT body FROM messaging_message WHERE thread_id = ?", [data["thread"]]
            )
        }
    assert bodies >= {f"writer {n}, post {i}" for n in range(WRITERS) for i in range(POSTS_EACH)}


def post(url: str, token: str, body: str) -> int:
    return post_json(url, token, {"body": body})


def post_json(url: str, token: str, payload: dict) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def suite_database_url() -> str:
    """The URL of the suite's PostgreSQL test database, for an app served on it."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (
        f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    )
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


PGDATA_DIR = os.environ.get("PGDATA_DIR", "")
PG_BIN = os.environ.get("PG_BIN", "")


def get(url: str, headers: dict[str, str]) -> tuple[int, str | None]:
    """The status and Retry-After; a request that hangs fails the test (urllib's timeout
    raises)."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Retry-After")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Retry-After")


@pytest.mark.skipif(
    VENDOR != "postgresql" or not (PGDATA_DIR and PG_BIN),
    reason="needs a PostgreSQL cluster the test may restart (PGDATA_DIR, PG_BIN: .ci/run)",
)
@pytest.mark.django_db(transaction=True)
def test_postgresql_restarted_under_the_app_fails_cleanly_then_recovers(tmp_path):
    user = UserFactory(email="probe@example.org")
    role_assign(user=user, role="coordinator")
    _, token = token_issue(user=user, name="probe")
    browser = Client()
    browser.force_login(user)  # a page that reads the session and the account before any view
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    database_url = suite_database_url()
    pg_ctl = f"{PG_BIN}/pg_ctl -D {PGDATA_DIR} -l {PGDATA_DIR}/server.log -m fast"

    def pg(command: str) -> subprocess.Popen:
        # `restart` also starts a stopped cluster, with the options it last ran with.
        return subprocess.Popen(
            ["su", "postgres", "-c", f"{pg_ctl} {command} -w -t 60"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def done(process: subprocess.Popen) -> None:
        assert process.wait(timeout=90) == 0, process.stderr.read().decode()

    try:
        with served(site_env(tmp_path, database_url), tmp_path / "server.log") as url:
            probes = {
                "api": (f"{url}/api/v1/threads", {"Authorization": f"Bearer {token}"}),
                "page": (f"{url}/", {"Cookie": cookie}),
                "anonymous page": (f"{url}/regions/", {}),
                "readyz": (f"{url}/readyz", {}),
                "healthz": (f"{url}/healthz", {}),
            }

            def probe() -> dict[str, tuple[int, str | None]]:
                return {name: get(*request) for name, request in probes.items()}

            assert {name: status for name, (status, _) in probe().items()} == dict.fromkeys(
                probes, 200
            )

            restarting = pg("restart")
            during = []
            while restarting.poll() is None:
                during.append(probe())
                time.sleep(0.05)
            done(restarting)
            # While the database restarts: served, or refused with a time to come back; never
            # hung (urllib's timeout), never a 500. The process itself stays healthy.
            for answers in during:
                assert answers["healthz"] == (200, None), during
                assert answers["readyz"][0] in (200, 503), during
                for name in ("api", "page", "anonymous page"):
                    status, retry_after = answers[name]
                    assert (status, retry_after) == (200, None) or (
                        status == 503 and int(retry_after or 0) > 0
                    ), during

            done(pg("stop"))
            down = probe()
            # Pages and API refused with Retry-After; readyz says "not ready" (no Retry-After:
            # it is a probe for the orchestrator, not a request to retry), healthz "alive".
            for name in ("api", "page", "anonymous page"):
                status, retry_after = down[name]
                assert status == 503 and int(retry_after or 0) > 0, down
            assert down["readyz"][0] == 503, down
            assert down["healthz"] == (200, None), down
            done(pg("restart"))

            # Back at once, without restarting the app (CONN_HEALTH_CHECKS).
            for _ in range(10):
                assert probe() == dict.fromkeys(probes, (200, None))
    finally:
        # This process's own connection died with the server: reconnect for the flush.
        connection.close()


# --- the same tie opened twice at once (issue 7) ----------------------------------------------

OFFICERS_SETUP = """
import json
import django
django.setup()
from regionbridge.accounts.models import User
from regionbridge.accounts.services import role_assign, token_issue
from regionbridge.organizations.services import organizations_load_reference
from regionbridge.regions.models import Region
from regionbridge.regions.services import reference_load

if not Region.objects.filter(code="UA-18").exists():
    reference_load()
    organizations_load_reference()
tokens = []
for n in range(2):
    user = User.objects.create_user(email=f"officer{n}@zhytomyr.example", password=None)
    role_assign(user=user, role="regional", region=Region.objects.get(code="UA-18"))
    tokens.append(token_issue(user=user, name="race")[1])
print(json.dumps(tokens))
"""

TIES_COUNT = """
import json
import django
django.setup()
from regionbridge.partnerships.models import Partnership

print(json.dumps({code: Partnership.objects.filter(
    ukrainian_region__code="UA-18", partner_region__code=code
).count() for code in %(codes)r}))
"""

PARTNERS = ("US-OH", "US-IN", "US-NY", "US-CA", "US-TX", "US-WA")  # one race each


def at_once(url: str, tokens: list[str], payload: dict) -> list[int]:
    """The same POST by each token, from one thread each, released together by a barrier: the
    statuses, sorted."""
    start = threading.Barrier(len(tokens))

    def send(token: str) -> int:
        start.wait()
        return post_json(url, token, payload)

    with ThreadPoolExecutor(len(tokens)) as pool:
        return sorted(pool.map(send, tokens))


@pytest.fixture
def site_database(request, tmp_path) -> dict[str, str]:
    """The environment of an app served on a database this test reaches too: a SQLite file of
    its own, or the suite's PostgreSQL test database (transactional: the app sees what the
    setup commits)."""
    if VENDOR == "sqlite3":
        env = site_env(tmp_path, f"sqlite:///{tmp_path / 'site.sqlite3'}")
        run([str(BIN / "regionbridge"), "migrate", "--noinput", "-v0"], env)
        return env
    request.getfixturevalue("transactional_db")
    return site_env(tmp_path, suite_database_url())


def test_the_same_partnership_opened_twice_at_once_is_one_201_and_one_409(site_database, tmp_path):
    """Two officers open the same tie at the same moment through the API, from two threads
    behind a barrier, against the app in two processes: one 201 and one 409 each time, never a
    500 (whether the second request sees the first's row at its check, or both pass the check and
    the unique constraint stops the second), and one partnership recorded."""
    env = site_database
    tokens = json.loads(run([sys.executable, "-c", OFFICERS_SETUP], env).splitlines()[-1])
    log = tmp_path / "server.log"
    with served(env, log) as url:
        statuses = {
            partner: at_once(
                f"{url}/api/v1/partnerships",
                tokens,
                {"ukrainian_region": "UA-18", "partner_region": partner},
            )
            for partner in PARTNERS
        }
    assert statuses == {partner: [201, 409] for partner in PARTNERS}, log.read_text(
        errors="replace"
    )[-3000:]
    output = run([sys.executable, "-c", TIES_COUNT % {"codes": PARTNERS}], env)
    assert json.loads(output.splitlines()[-1]) == dict.fromkeys(PARTNERS, 1)
