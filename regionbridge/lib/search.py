from django.db.models import QuerySet

from regionbridge.lib.text import query_terms


def filter_by_terms(queryset: QuerySet, query: str, field: str = "search_text") -> QuerySet:
    """Keep rows whose search text has a word starting with each term of the query."""
    for term in query_terms(query):
        queryset = queryset.filter(**{f"{field}__contains": " " + term})
    return queryset
