from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from regionbridge.lib.text import query_terms

# Tables whose `search_text` has an FTS5 trigram twin on SQLite (organizations/search_index.py).
SQLITE_TRIGRAM_TABLES = frozenset({"organizations_organization", "organizations_person"})


def filter_by_terms(queryset: QuerySet, query: str, field: str = "search_text") -> QuerySet:
    """Keep rows whose search text has a word starting with each term of the query.

    The same condition everywhere (`LIKE '% term%'`; PostgreSQL serves it from a trigram index);
    on SQLite, for the directory, the rows come from the trigram table with `GLOB`, which its
    index serves, instead of a scan of the whole table."""
    table = queryset.model._meta.db_table
    trigram = (
        field == "search_text"
        and table in SQLITE_TRIGRAM_TABLES
        and connections[queryset.db].vendor == "sqlite"
    )
    for term in query_terms(query):
        if trigram:
            # Terms are word characters and apostrophes only: nothing GLOB reads as a wildcard.
            # The table's name is one of the constants above; the term is a parameter.
            sql = f"SELECT rowid FROM {table}_trigram WHERE search_text GLOB %s"  # noqa: S608
            matches = RawSQL(sql, (f"* {term}*",))  # noqa: S611
            queryset = queryset.filter(pk__in=matches)
        else:
            queryset = queryset.filter(**{f"{field}__contains": " " + term})
    return queryset
