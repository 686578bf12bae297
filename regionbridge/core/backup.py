"""Backups of the database and the uploaded files, taken while the site runs, and their restore.

A backup directory holds `database.sqlite3` (SQLite's online backup API: one consistent
snapshot, writers in WAL mode carry on) or `database.pgdump` (`pg_dump --format=custom`, which
reads one snapshot), then `media/`, copied after the database: uploads have immutable names and
are written before the row that names them commits, so every file the snapshot refers to is
already there, whole; a file written since the snapshot began (perhaps still being written) is
left out. `manifest.json` is written last: a directory without it is an incomplete backup.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from glob import glob
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from regionbridge.audit.services import audit_record

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why, in one line."""


@dataclass
class Manifest:
    created_at: str
    vendor: str
    migrations: dict[str, str]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    format: int = FORMAT

    @property
    def database_file(self) -> str:
        return DATABASE_FILES[self.vendor]

    def write(self, directory: Path) -> None:
        temporary = directory / f".{MANIFEST}.tmp"
        temporary.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")
        os.replace(temporary, directory / MANIFEST)

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST
        if not path.is_file():
            raise BackupError(f"{directory}: no {MANIFEST}, so not a complete backup.")
        try:
            data = json.loads(path.read_text())
            if data.get("format") != FORMAT:
                raise BackupError(f"{path}: unknown format {data.get('format')!r}.")
            manifest = cls(**data)
        except (ValueError, TypeError) as error:
            raise BackupError(f"{path}: unreadable ({error}).") from error
        if manifest.vendor not in DATABASE_FILES:
            raise BackupError(f"{path}: unknown database vendor {manifest.vendor!r}.")
        return manifest


# --- backup -----------------------------------------------------------------------------------


def backup_create(target: Path) -> Manifest:
    """Back up the database, then the uploaded files, into `target` (missing or empty).

    On failure nothing is left in `target`, so the next attempt may use it again."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not an empty directory.")
    media_root = Path(settings.MEDIA_ROOT)
    if target.resolve().is_relative_to(media_root.resolve()):
        raise BackupError(f"{target} is inside MEDIA_ROOT; back up somewhere else.")
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    if created:
        target.chmod(0o700)  # password hashes and private messages: for the operator only
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        manifest = Manifest(
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            vendor=connection.vendor,
            migrations=_applied_migrations(),
        )
        if connection.vendor not in DATABASE_FILES:
            raise BackupError(f"No backup for a {connection.vendor} database.")
        database = target / manifest.database_file
        if connection.vendor == "sqlite":
            _sqlite_copy(_sqlite_name(connection), str(database), single_file=True)
        else:
            _pg_dump(connection, database)
        manifest.files[manifest.database_file] = _describe(database)
        # A file last written after the snapshot was taken is named by none of its rows (a row
        # commits after its file is whole): it may still be half-written, so it stays out.
        snapshot_taken = time.time()
        for path in sorted(media_root.rglob("*")) if media_root.is_dir() else []:
            if not path.is_file() or path.is_symlink():
                continue
            if _modified_after(path, snapshot_taken):
                continue
            relative = f"{MEDIA}/{path.relative_to(media_root).as_posix()}"
            copied = _copy_file(path, target / relative)
            if copied is not None:  # None: deleted while we walked, after the snapshot
                manifest.files[relative] = copied
        manifest.write(target)
    except BaseException:
        for child in target.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        if created:
            target.rmdir()
        raise
    audit_record(
        actor=None,
        action="backup.created",
        changes={"directory": str(target), "vendor": manifest.vendor, "files": len(manifest.files)},
    )
    return manifest


def backup_verify(source: Path) -> Manifest:
    """Read the manifest and check every file it lists against its size and SHA-256."""
    source = Path(source)
    manifest = Manifest.read(source)
    if manifest.database_file not in manifest.files:
        raise BackupError(f"{source}: the manifest lists no {manifest.database_file}.")
    for relative, expected in manifest.files.items():
        path = source / relative
        if ".." in Path(relative).parts or Path(relative).is_absolute():
            raise BackupError(f"{source}: the manifest names a path outside the backup.")
        if not path.is_file():
            raise BackupError(f"{source}: {relative} is missing; the backup is damaged.")
        if _describe(path) != expected:
            raise BackupError(f"{source}: {relative} has changed; the backup is damaged.")
    return manifest


# --- restore ----------------------------------------------------------------------------------


def backup_restore(source: Path, *, force: bool = False) -> Manifest:
    """Restore a verified backup into this site's database and MEDIA_ROOT.

    Refuses a damaged backup, one of another kind of database or from a newer version of the
    code, and (unless `force`) a database with rows in the application's tables or a MEDIA_ROOT
    that holds files. Run `migrate` afterwards if the code is newer than the backup."""
    source = Path(source)
    connection = connections[DEFAULT_DB_ALIAS]
    vendor = Manifest.read(source).vendor
    if vendor != connection.vendor:
        raise BackupError(
            f"The backup is of a {vendor} database; this site uses {connection.vendor}."
        )
    manifest = backup_verify(source)
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = sorted(
        f"{app}.{name}" for app, name in manifest.migrations.items() if (app, name) not in known
    )
    if unknown:
        raise BackupError(f"The backup was made by a newer version (migration {unknown[0]}).")
    if connection.vendor == "sqlite" and not _sqlite_in_memory(_sqlite_name(connection)):
        Path(_sqlite_name(connection)).parent.mkdir(parents=True, exist_ok=True)  # a new VAR_DIR
    if not force:
        filled = _filled_tables(connection)
        if filled:
            raise BackupError(
                f"The database is not empty ({filled[0]} has rows); use --force to overwrite it."
            )
    media_root = Path(settings.MEDIA_ROOT)
    if not force and media_root.is_dir() and any(p.is_file() for p in media_root.rglob("*")):
        raise BackupError(f"{media_root} holds files; use --force to restore over them.")

    database = source / manifest.database_file
    connections.close_all()
    if connection.vendor == "sqlite":
        # read-only: the backup stays exactly as verified (a WAL target is kept in WAL mode)
        _sqlite_copy(f"{database.resolve().as_uri()}?mode=ro", _sqlite_name(connection))
    else:
        _pg_restore(connection, database)
    connections.close_all()

    for relative in sorted(manifest.files):
        if relative.startswith(f"{MEDIA}/"):
            destination = media_root / relative.removeprefix(f"{MEDIA}/")
            _copy_file(source / relative, destination)
    audit_record(
        actor=None,
        action="backup.restored",
        changes={"directory": str(source), "created_at": manifest.created_at, "force": force},
    )
    return manifest


# --- helpers ----------------------------------------------------------------------------------


def _applied_migrations() -> dict[str, str]:
    """The last applied migration of each app (in the order they were applied)."""
    recorder = MigrationRecorder(connections[DEFAULT_DB_ALIAS])
    if not recorder.has_table():
        raise BackupError("The database has no tables yet: nothing to back up.")
    last: dict[str, str] = {}
    for app, name in recorder.migration_qs.order_by("id").values_list("app", "name"):
        last[app] = name
    return last


def _filled_tables(connection) -> list[str]:
    """The application's tables (ours, not Django's) that exist and hold at least one row."""
    existing = set(connection.introspection.table_names())
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model.__module__.startswith("regionbridge.") and model._meta.managed
        }
        & existing
    )
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        filled = []
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # noqa: S608 (known names)
            if cursor.fetchone():
                filled.append(table)
    return filled


def _modified_after(path: Path, instant: float) -> bool:
    try:
        return path.stat().st_mtime >= instant
    except FileNotFoundError:
        return True  # deleted while we walked: nothing to copy


def _describe(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _copy_file(source: Path, destination: Path) -> dict[str, Any] | None:
    """Copy one file, hashing what was copied; None if it disappeared first."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    try:
        reader = source.open("rb")
    except FileNotFoundError:
        return None
    temporary = destination.with_name(f".{destination.name}.part")
    with reader, temporary.open("wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            writer.write(chunk)
    os.replace(temporary, destination)
    return {"sha256": digest.hexdigest(), "size": size}


# SQLite


def _sqlite_name(connection) -> str:
    return str(connection.settings_dict["NAME"])


def _sqlite_in_memory(name: str) -> bool:
    return name == ":memory:" or "mode=memory" in name


def _sqlite_copy(source: str, destination: str, *, single_file: bool = False) -> None:
    """One step of the online backup API: a consistent copy, however busy the source is.

    `uri=True` also reaches the shared in-memory database that tests use. `single_file`: the
    copy leaves WAL mode, so reading it later writes no -wal/-shm files beside it."""
    source_db = sqlite3.connect(source, uri=True, timeout=60)
    try:
        destination_db = sqlite3.connect(destination, uri=True, timeout=60)
        try:
            source_db.backup(destination_db)
            if single_file:
                destination_db.execute("PRAGMA journal_mode=DELETE")
        finally:
            destination_db.close()
    finally:
        source_db.close()


# PostgreSQL


def _pg_environment(connection) -> dict[str, str]:
    """libpq's variables for the site's connection: the password never on a command line."""
    params = connection.settings_dict
    environment = {**os.environ}
    for variable, value in (
        ("PGHOST", params.get("HOST")),
        ("PGPORT", params.get("PORT")),
        ("PGUSER", params.get("USER")),
        ("PGPASSWORD", params.get("PASSWORD")),
        ("PGDATABASE", params.get("NAME")),
        ("PGSSLMODE", params.get("OPTIONS", {}).get("sslmode")),
    ):
        if value:
            environment[variable] = str(value)
    return environment


def _pg_binary(connection, name: str) -> str:
    """The newest `pg_dump`/`pg_restore` on PATH or in /usr/lib/postgresql; it must be at least
    the server's major version."""
    candidates = [shutil.which(name), *glob(f"/usr/lib/postgresql/*/bin/{name}")]
    best: tuple[int, str] | None = None
    for candidate in filter(None, candidates):
        try:
            output = subprocess.run(  # noqa: S603 (our own path, no shell)
                [candidate, "--version"], capture_output=True, text=True, check=True
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        match = re.search(r"(\d+)(?:\.\d+)?", output)
        if match and (best is None or int(match[1]) > best[0]):
            best = (int(match[1]), candidate)
    connection.ensure_connection()
    server = connection.pg_version // 10000
    if best is None:
        raise BackupError(f"No {name} found (install postgresql-client-{server}).")
    if best[0] < server:
        raise BackupError(f"{best[1]} is version {best[0]}; the server is {server}.")
    return best[1]


def _pg_run(command: list[str], environment: dict[str, str]) -> None:
    # A list without a shell; the password travels in the environment.
    result = subprocess.run(command, env=environment, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise BackupError(
            f"{Path(command[0]).name} failed: {lines[0] if lines else result.returncode}"
        )


def _pg_dump(connection, destination: Path) -> None:
    binary = _pg_binary(connection, "pg_dump")
    _pg_run(
        [binary, "--format=custom", "--no-owner", "--no-acl", f"--file={destination}"],
        _pg_environment(connection),
    )


def _pg_restore(connection, source: Path) -> None:
    binary = _pg_binary(connection, "pg_restore")
    connection.close()
    environment = _pg_environment(connection)
    _pg_run(
        [
            binary,
            "--no-owner",
            "--no-acl",
            "--clean",
            "--if-exists",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={environment.get('PGDATABASE', '')}",
            str(source),
        ],
        environment,
    )
