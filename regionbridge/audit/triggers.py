"""The audit log's append-only rule, enforced by the database itself.

`AuditEntry.save()` refuses to rewrite an entry, but a queryset `update()`, raw SQL or a
database shell would not ask it. These triggers refuse every UPDATE and DELETE of
`audit_auditentry`, with one exception: `actor_id` becoming NULL while nothing else changes,
which is what the actor's `on_delete=SET_NULL` does when an account is deleted.

The columns compared are read from the table when the triggers are created, so a migration that
adds a column to the table must call `drop()` and `create()` again.
"""

from __future__ import annotations

TABLE = "audit_auditentry"
NAME = "audit_auditentry_append_only"
MESSAGE = "audit entries are append-only"


def _columns(connection) -> list[str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, TABLE)
    return [column.name for column in description if column.name != "actor_id"]


def _unchanged(connection, *, distinct: str) -> str:
    quote = connection.ops.quote_name
    return " AND ".join(
        f"NOT (NEW.{quote(name)} {distinct} OLD.{quote(name)})" for name in _columns(connection)
    )


def create_sql(connection) -> list[str]:
    """The statements that install the triggers (none for another vendor)."""
    if connection.vendor == "sqlite":
        allowed = f"NEW.actor_id IS NULL AND {_unchanged(connection, distinct='IS NOT')}"
        return [
            f"CREATE TRIGGER {NAME}_update BEFORE UPDATE ON {TABLE} FOR EACH ROW "
            f"WHEN NOT ({allowed}) BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
            f"CREATE TRIGGER {NAME}_delete BEFORE DELETE ON {TABLE} FOR EACH ROW "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        ]
    if connection.vendor == "postgresql":
        allowed = f"NEW.actor_id IS NULL AND {_unchanged(connection, distinct='IS DISTINCT FROM')}"
        return [
            f"CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n"
            f"  IF TG_OP = 'UPDATE' AND {allowed} THEN\n"
            f"    RETURN NEW;\n"
            f"  END IF;\n"
            f"  RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';\n"
            f"END\n$$",
            # Row triggers: a TRUNCATE (the test suite's flush on PostgreSQL) is not refused.
            f"CREATE TRIGGER {NAME} BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION {NAME}()",
        ]
    return []


def drop_sql(connection) -> list[str]:
    if connection.vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {NAME}_update", f"DROP TRIGGER IF EXISTS {NAME}_delete"]
    if connection.vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {NAME} ON {TABLE}", f"DROP FUNCTION IF EXISTS {NAME}()"]
    return []


def create(connection) -> None:
    with connection.cursor() as cursor:
        for statement in create_sql(connection):
            cursor.execute(statement)


def drop(connection) -> None:
    with connection.cursor() as cursor:
        for statement in drop_sql(connection):
            cursor.execute(statement)
