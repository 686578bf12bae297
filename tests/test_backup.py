"""Backups: `regionbridge backup DIR` while the site writes, `regionbridge restore DIR` elsewhere.

The restore runs as the real command in another process, with another `VAR_DIR` and
`DATABASE_URL` (a fresh SQLite file, or a second PostgreSQL database made here), and every row
of every table and every file must be what the backup's snapshot held: everything written
before the backup began, a whole prefix of the writes made during it, nothing torn.
"""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, connections, transaction

from regionbridge.accounts.models import User
from regionbridge.audit.models import AuditEntry
from regionbridge.audit.services import audit_record
from regionbridge.core import backup as backup_module
from regionbridge.core.models import DataVersion
from regionbridge.messaging import services as messaging
from regionbridge.messaging.models import Attachment, Message
from regionbridge.partnerships.services import partnership_create
from tests.conftest import ensure_reference, make_member, region

pytestmark = pytest.mark.django_db(transaction=True)

REGIONBRIDGE = Path(sys.executable).parent / "regionbridge"
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


# --- the site and a place to restore into ----------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def site(media):
    """A few people, two partnerships, a thread with a message and an attachment."""
    ensure_reference()
    zhytomyr = make_member("regional", region_code="UA-18", email="zhytomyr@example.org")
    indiana = make_member("partner", region_code="US-IN", email="indiana@example.org")
    make_member("coordinator", org_key="presidential-office", email="coord@example.org")
    partnership_create(by=None, ukrainian_region=region("UA-18"), partner_region=region("US-IN"))
    partnership_create(by=None, ukrainian_region=region("UA-74"), partner_region=region("US-MN"))
    thread = messaging.thread_create(by=zhytomyr, subject="Medical equipment", users=[indiana])
    return messaging.message_post(
        thread=thread,
        author=zhytomyr,
        body="The list, attached.",
        files=[SimpleUploadedFile("list.pdf", PDF_BYTES, content_type="application/pdf")],
    )


class Place:
    """Another VAR_DIR and an empty database of the same kind, for the restore."""

    def __init__(self, root: Path, database_url: str, read):
        self.root = root
        self.database_url = database_url
        self.read = read  # () -> {table: rows}

    @property
    def media(self) -> Path:
        return self.root / "media"

    def restore(self, source: Path, *options: str) -> subprocess.CompletedProcess:
        environment = {**os.environ, "VAR_DIR": str(self.root), "DATABASE_URL": self.database_url}
        return subprocess.run(
            [str(REGIONBRIDGE), "restore", str(source), *options],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture
def place(tmp_path):
    root = tmp_path / "elsewhere"
    if connection.vendor == "sqlite":
        path = root / "regionbridge.sqlite3"
        yield Place(root, f"sqlite:///{path}", lambda: sqlite_rows(sqlite3.connect(path)))
        return
    import psycopg

    params = connection.settings_dict
    name = f"rb_restore_{uuid.uuid4().hex[:12]}"
    server = pg_server()
    with psycopg.connect(dbname=params["NAME"], autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    credentials = quote(params["USER"] or "", safe="")
    if params["PASSWORD"]:
        credentials += ":" + quote(params["PASSWORD"], safe="")
    url = (
        f"postgres://{credentials}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{name}"
    )

    def read():
        with psycopg.connect(dbname=name, **server) as other:
            return pg_rows(other.cursor())

    try:
        yield Place(root, url, read)
    finally:
        with psycopg.connect(dbname=params["NAME"], autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- reading every row ------------------------------------------------------------------------


def sqlite_rows(db: sqlite3.Connection) -> dict[str, list[dict]]:
    """Every row of every table, as stored (no type conversion)."""
    try:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {table: fetch_all(db.cursor(), table, '"') for table in tables}
    finally:
        db.close()


def pg_rows(cursor) -> dict[str, list[dict]]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    return {table: fetch_all(cursor, table, '"') for (table,) in cursor.fetchall()}


def fetch_all(cursor, table: str, q: str) -> list[dict]:
    cursor.execute(f"SELECT * FROM {q}{table}{q}")
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def pg_server() -> dict:
    params = connection.settings_dict
    return {
        "host": params["HOST"] or None,
        "port": params["PORT"] or None,
        "user": params["USER"] or None,
        "password": params["PASSWORD"] or None,
    }


def live_rows() -> dict[str, list[dict]]:
    """The site's rows, read the same way as the restored ones (not through Django's types)."""
    if connection.vendor == "sqlite":
        return sqlite_rows(sqlite3.connect(connection.settings_dict["NAME"], uri=True))
    import psycopg

    with psycopg.connect(dbname=connection.settings_dict["NAME"], **pg_server()) as live:
        return pg_rows(live.cursor())


def files_under(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def canonical(rows: list[dict]) -> list[str]:
    """Rows as sortable text; an aware time is the same instant whatever its tzinfo object."""

    def plain(value):
        return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value

    return sorted(repr(sorted((k, plain(v)) for k, v in row.items())) for row in rows)


# --- the writes that go on during the backup ---------------------------------------------------


class Writer(threading.Thread):
    """Writes numbered transactions (an account, its audit entry and an uploaded file) until
    stopped: each is in a backup whole or not at all."""

    def __init__(self, message: Message):
        super().__init__(daemon=True)
        self.message = message
        self.done = 0
        self.stopping = threading.Event()
        self.error: BaseException | None = None
        # SQLite's shared in-memory test database locks whole tables and has no busy timeout
        # (a site's WAL file waits instead): the backup's own audit entry takes its turn.
        self.turn = threading.Lock()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                self.write(self.done + 1)
                self.done += 1
                time.sleep(0.005)
        except BaseException as error:
            self.error = error
        finally:
            connections.close_all()

    def write(self, n: int) -> None:
        content = PDF_BYTES + f"% write {n}\n".encode()
        for _attempt in range(500):
            try:
                with self.turn, transaction.atomic():
                    user = User.objects.create(email=f"writer{n}@example.org")
                    audit_record(actor=None, action="test.write", target=user, changes={"n": n})
                    # as an upload does: the file is stored first, then its row commits
                    Attachment.objects.create(
                        message=self.message,
                        file=ContentFile(content, name=f"w{n}.pdf"),
                        original_name=f"w{n}.pdf",
                        content_type="application/pdf",
                        size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(),
                    )
                return
            except OperationalError as error:
                # tests' SQLite database is shared in memory, where tables lock instead of WAL
                if "locked" not in str(error):
                    raise
                time.sleep(0.002)
        raise AssertionError(f"write {n} stayed locked")

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 20
        while self.done < count:
            assert self.error is None, self.error
            assert time.monotonic() < deadline, "the writer is stuck"
            time.sleep(0.005)

    def finish(self) -> None:
        self.stopping.set()
        self.join(20)
        assert self.error is None, self.error


def writes_after(snapshot_writes: int, total: int):
    """Which live rows were written after the snapshot (by the writer) or by the backup itself."""
    late_emails = {f"writer{n}@example.org" for n in range(snapshot_writes + 1, total + 1)}
    late_users = {
        str(pk) for pk in User.objects.filter(email__in=late_emails).values_list("pk", flat=True)
    }
    late_files = {f"w{n}.pdf" for n in range(snapshot_writes + 1, total + 1)}

    def is_late(table: str, row: dict) -> bool:
        if table == User._meta.db_table:
            return row["email"] in late_emails
        if table == AuditEntry._meta.db_table:
            return row["action"].startswith("backup.") or (
                row["action"] == "test.write" and str(row["target_id"]) in late_users
            )
        if table == Attachment._meta.db_table:
            return row["original_name"] in late_files
        return False

    return is_late


# --- backup while writing, restore elsewhere ---------------------------------------------------


def test_backup_while_writing_restores_elsewhere_exactly_what_the_snapshot_held(
    site, media, place, tmp_path, monkeypatch
):
    target = tmp_path / "backup"
    writer = Writer(site)

    def audit_in_turn(**kwargs):
        with writer.turn:
            return audit_record(**kwargs)

    monkeypatch.setattr(backup_module, "audit_record", audit_in_turn)
    writer.start()
    try:
        writer.wait_for(3)
        files_before = files_under(media)
        call_command("backup", str(target))
        after_backup = writer.done
        writer.wait_for(after_backup + 2)  # these began after the backup had finished
    finally:
        writer.finish()

    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["vendor"] == connection.vendor
    assert manifest["migrations"]["messaging"].startswith("00")
    assert AuditEntry.objects.filter(action="backup.created").count() == 1

    # a stray file in the empty place's MEDIA_ROOT: refused, nothing restored
    place.media.mkdir(parents=True)
    (place.media / "stray.txt").write_text("left over")
    refused = place.restore(target)
    assert refused.returncode != 0
    assert "holds files; use --force" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    (place.media / "stray.txt").unlink()

    restored = place.restore(target)
    assert restored.returncode == 0, restored.stderr
    assert "Restored the backup" in restored.stdout

    # what the snapshot held: a whole prefix of the writes, each with its entry and file
    theirs = place.read()
    emails = {row["email"] for row in theirs[User._meta.db_table]}
    snapshot_writes = sum(1 for email in emails if email.startswith("writer"))
    assert 3 <= snapshot_writes <= after_backup
    assert {f"writer{n}@example.org" for n in range(1, snapshot_writes + 1)} <= emails

    ours = live_rows()
    is_late = writes_after(snapshot_writes, writer.done)
    assert set(theirs) == set(ours)
    for table, rows in ours.items():
        if table == DataVersion._meta.db_table:  # new tokens with every write (decision 0013)
            assert sorted(r["app"] for r in theirs[table]) == sorted(r["app"] for r in rows)
            continue
        expected = [row for row in rows if not is_late(table, row)]
        actual = [row for row in theirs[table] if not row.get("action", "").startswith("backup.")]
        assert canonical(actual) == canonical(expected), table
    (entry,) = [r for r in theirs[AuditEntry._meta.db_table] if r["action"] == "backup.restored"]
    assert entry["actor_id"] is None

    # files: all that existed before the backup, nothing that never existed, same bytes
    theirs_files = files_under(place.media)
    live_files = files_under(media)
    assert set(files_before) <= set(theirs_files) <= set(live_files)
    assert all(theirs_files[name] == live_files[name] for name in theirs_files)
    for row in theirs[Attachment._meta.db_table]:
        assert row["file"] in theirs_files, row["file"]

    # again into the now filled place (refused without --force: see below)
    forced = place.restore(target, "--force")
    assert forced.returncode == 0, forced.stderr
    # restoring read the backup and changed nothing in it
    assert backup_module.backup_verify(target).files == manifest["files"]
    database = next(name for name in manifest["files"] if name.startswith("database."))
    assert {p.name for p in target.iterdir()} == {database, "media", "manifest.json"}


# --- refusals ---------------------------------------------------------------------------------


@pytest.fixture
def small_site(media):
    """An account, a thread and one uploaded file: enough to back up, without reference data."""
    author = User.objects.create(email="author@example.org", is_superuser=True)
    thread = messaging.thread_create(by=author, subject="Files")
    messaging.message_post(
        thread=thread,
        author=author,
        body="See attached.",
        files=[SimpleUploadedFile("a.pdf", PDF_BYTES, content_type="application/pdf")],
    )


@pytest.fixture
def backup(small_site, tmp_path) -> Path:
    target = tmp_path / "backup"
    call_command("backup", str(target))
    return target


def test_backup_refuses_a_directory_that_is_not_empty(small_site, tmp_path):
    target = tmp_path / "backup"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(CommandError, match="exists and is not an empty directory"):
        call_command("backup", str(target))
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert not AuditEntry.objects.filter(action="backup.created").exists()


def test_backup_into_an_empty_directory_lists_every_file_with_its_checksum(backup):
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["format"] == 1
    assert manifest["created_at"].endswith("+00:00")
    stored = {p.relative_to(backup).as_posix() for p in backup.rglob("*") if p.is_file()}
    assert stored == {*manifest["files"], "manifest.json"}
    (upload,) = [name for name in manifest["files"] if name.startswith("media/attachments/")]
    assert manifest["files"][upload] == {
        "sha256": hashlib.sha256(PDF_BYTES).hexdigest(),
        "size": len(PDF_BYTES),
    }


@pytest.mark.parametrize("damage", ["upload", "database", "manifest", "missing"])
def test_restore_refuses_a_damaged_backup(backup, damage):
    manifest = json.loads((backup / "manifest.json").read_text())
    (upload,) = [name for name in manifest["files"] if name.startswith("media/")]
    database = next(name for name in manifest["files"] if name.startswith("database."))
    if damage == "manifest":
        (backup / "manifest.json").unlink()
        expected = "no manifest.json"
    elif damage == "missing":
        (backup / upload).unlink()
        expected = "is missing; the backup is damaged"
    else:
        path = backup / (upload if damage == "upload" else database)
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
        expected = "has changed; the backup is damaged"
    with pytest.raises(CommandError, match=expected):
        call_command("restore", str(backup), "--force")
    assert not AuditEntry.objects.filter(action="backup.restored").exists()


def test_restore_refuses_a_database_with_rows(backup):
    with pytest.raises(CommandError, match=r"is not empty .* use --force"):
        call_command("restore", str(backup))


def test_restore_refuses_another_kind_of_database(backup):
    path = backup / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["vendor"] = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    path.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match=f"database; this site uses {connection.vendor}"):
        call_command("restore", str(backup), "--force")


def test_restore_refuses_a_backup_from_a_newer_version(backup):
    path = backup / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["migrations"]["messaging"] = "9999_from_the_future"
    path.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="newer version"):
        call_command("restore", str(backup), "--force")
