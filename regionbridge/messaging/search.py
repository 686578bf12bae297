"""Search in messages: by dictionary forms ("договір" finds "договору"), in Ukrainian and English.

SQLite: an FTS5 table over the lemmas. PostgreSQL: full-text search over the same lemmas
('simple' configuration, since simplemma has already done the language work), with a GIN index.
"""

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import QuerySet

from regionbridge.messaging.models import Message
from regionbridge.messaging.text import lemmas

FTS_TABLE = "messaging_message_fts"


def index(message: Message) -> None:
    if connection.vendor != "sqlite":
        return  # PostgreSQL indexes the column itself
    with connection.cursor() as cursor:
        # The table name is a constant of this module, never input.
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [message.pk])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, lemmas) VALUES (%s, %s)",  # noqa: S608
            [message.pk, message.search_lemmas],
        )


def matching(messages: QuerySet[Message], query: str) -> QuerySet[Message]:
    """Messages (from an already scoped queryset) whose text has every word of the query."""
    terms = [term for term in lemmas(query).split() if term]
    if not terms:
        return messages.none()
    if connection.vendor == "postgresql":
        return messages.annotate(document=SearchVector("search_lemmas", config="simple")).filter(
            document=SearchQuery(" ".join(terms), config="simple", search_type="plain")
        )
    phrase = " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)
    with connection.cursor() as cursor:
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
        cursor.execute(sql, [phrase])
        ids = [row[0] for row in cursor.fetchall()]
    return messages.filter(pk__in=ids)
