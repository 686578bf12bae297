"""Indexes for the directory's search (`search_text LIKE '% term%'`, a word start anywhere).

A B-tree cannot serve a pattern that starts with a wildcard, so:
- PostgreSQL: a GIN trigram index (`pg_trgm`, in Debian's postgresql-contrib and a trusted
  extension since PostgreSQL 13) on `search_text`, which the planner uses for the very `LIKE`
  that Django's `contains` builds; where the extension cannot be created the search still works,
  by a scan.
- SQLite: an FTS5 table with the trigram tokenizer over the same column (external content, kept
  by triggers, so every write path is covered, bulk updates included); `lib.search` asks it with
  `GLOB`, which the trigram index serves case-sensitively (the text is casefolded already).
"""

from typing import Any

TABLES = ("organizations_organization", "organizations_person")


def fts_table(table: str) -> str:
    return f"{table}_trigram"


def _sqlite_create(table: str) -> list[str]:
    fts = fts_table(table)
    # Names are the constants above, never input.
    insert = f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text);"  # noqa: S608
    delete = (
        f"INSERT INTO {fts}({fts}, rowid, search_text) "  # noqa: S608
        "VALUES ('delete', old.id, old.search_text);"
    )
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(search_text, content='{table}', "
        "content_rowid='id', tokenize='trigram case_sensitive 1')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF search_text ON {table} "
        f"BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # noqa: S608
    ]


def _sqlite_drop(table: str) -> list[str]:
    fts = fts_table(table)
    return [f"DROP TRIGGER IF EXISTS {fts}_{suffix}" for suffix in ("ai", "ad", "au")] + [
        f"DROP TABLE IF EXISTS {fts}"
    ]


def create(connection: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in TABLES:
                for statement in _sqlite_create(table):
                    cursor.execute(statement)
        elif connection.vendor == "postgresql":
            if not _trigram_extension(connection):
                return
            for table in TABLES:
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {table}_search_trgm ON {table} "
                    "USING gin (search_text gin_trgm_ops)"
                )


def ensure(connection: Any, **_signal: Any) -> None:
    """After every migrate: SQLite rebuilds a table to add most columns, and the rebuild drops its
    triggers, so any migration that adds a field to these tables would silently stop the index
    following writes. Recreate (and refill) it when a trigger is missing."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
    expected = {
        name
        for table in TABLES
        if table in present
        for name in (fts_table(table), *(f"{fts_table(table)}_{s}" for s in ("ai", "ad", "au")))
    }
    if not expected <= present:
        create(connection)


def drop(connection: Any) -> None:
    with connection.cursor() as cursor:
        for table in TABLES:
            if connection.vendor == "sqlite":
                for statement in _sqlite_drop(table):
                    cursor.execute(statement)
            elif connection.vendor == "postgresql":
                cursor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")


def _trigram_extension(connection: Any) -> bool:
    """pg_trgm, created when the role may (a savepoint keeps a refusal from aborting the
    migration)."""
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        return False
    return True
