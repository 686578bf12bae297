"""Search in messages: by dictionary forms ("договір" finds "договору"), in Ukrainian and English.

SQLite: an FTS5 table over the lemmas. PostgreSQL: full-text search over the same lemmas
('simple' configuration, since simplemma has already done the language work), with a GIN index.
"""

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import Func, QuerySet
from django.db.models.expressions import RawSQL

from regionbridge.messaging.models import Message
from regionbridge.messaging.text import lemmas

FTS_TABLE = "messaging_message_fts"


def index(message: Message, *, new: bool = False) -> None:
    """Keep the SQLite full-text table up to date (a `new` message has nothing to replace)."""
    if connection.vendor != "sqlite":
        return  # PostgreSQL indexes the column itself
    with connection.cursor() as cursor:
        # The table name is a constant of this module, never input.
        if not new:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [message.pk])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, lemmas) VALUES (%s, %s)",  # noqa: S608
            [message.pk, message.search_lemmas],
        )


class _Lemmas(Func):
    """`to_tsvector('simple', search_lemmas)`, written exactly as the GIN index is (migration
    0002), so that PostgreSQL uses it; Django's SearchVector adds a COALESCE and a cast, an
    expression the index does not hold."""

    function = "to_tsvector"
    template = "%(function)s('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


def matching(messages: QuerySet[Message], query: str) -> QuerySet[Message]:
    """Messages (from an already scoped queryset) whose text has every word of the query.

    The full-text match stays inside the SQL statement (a subquery on SQLite): no list of ids
    comes back to Python, however common the word."""
    terms = [term for term in lemmas(query).split() if term]
    if not terms:
        return messages.none()
    if connection.vendor == "postgresql":
        return messages.alias(document=_Lemmas("search_lemmas")).filter(
            document=SearchQuery(" ".join(terms), config="simple", search_type="plain")
        )
    phrase = " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)
    # The table name is a constant of this module, never input; the phrase is a parameter.
    sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
    hits = RawSQL(sql, [phrase])  # noqa: S611
    return messages.filter(pk__in=hits)
