"""Directory search is served by an index (organizations/search_index.py) and finds exactly what
the plain `LIKE '% term%'` over the casefolded text finds, whatever wrote the rows."""

import pytest
from django.db import connection

from regionbridge.lib.search import filter_by_terms
from regionbridge.lib.text import query_terms
from regionbridge.organizations.models import Organization, Person
from regionbridge.organizations.services import (
    organization_refresh_search,
    person_create,
    person_update,
)
from tests.conftest import org
from tests.factories import OrganizationFactory, PersonFactory

pytestmark = pytest.mark.django_db

QUERIES = [
    "Zhytomyr",
    "житомирської ОВА",
    "who heads Zhytomyr's RMA?",
    "Indiana",
    "Індіані",
    "Olena",
    "Олена Коваль",
    "x",
    "ua",
    "nothing-like-this",
    "hospital",
    "лікарня",
]


def scanned(queryset, query: str) -> set[int]:
    """The reference: the condition itself, on every row."""
    for term in query_terms(query):
        queryset = queryset.filter(search_text__contains=" " + term)
    return set(queryset.values_list("pk", flat=True))


def assert_index_agrees() -> None:
    for model in (Organization, Person):
        for query in QUERIES:
            found = set(filter_by_terms(model.objects.all(), query).values_list("pk", flat=True))
            assert found == scanned(model.objects.all(), query), (model.__name__, query)


def test_the_index_finds_what_a_scan_finds_after_every_kind_of_write(reference):
    rma = org("rma-UA-18")
    hospital = OrganizationFactory(name_en="Zhytomyr Regional Hospital", name_uk="Лікарня")
    olena = person_create(organization=rma, name_en="Olena Koval", name_uk="Олена Коваль")
    PersonFactory(organization=hospital, name_en="Ivan Hospitalier")
    assert_index_agrees()
    assert olena.pk in set(
        filter_by_terms(Person.objects.all(), "Олена Коваль").values_list("pk", flat=True)
    )
    # An update, a bulk update (the organization's people follow it), a delete.
    person_update(person=olena, by=None, name_en="Olena Indiana")
    hospital.name_en = "Indiana University Health"
    organization_refresh_search(organization=hospital)
    Person.objects.filter(name_en="Ivan Hospitalier").delete()
    assert_index_agrees()
    found = filter_by_terms(Organization.objects.all(), "indiana health")
    assert list(found.values_list("pk", flat=True)) == [hospital.pk]


def plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row) for row in cursor.fetchall())


@pytest.mark.parametrize("model", [Organization, Person])
def test_the_search_uses_the_index(reference, model):
    sql, params = filter_by_terms(model.objects.all(), "Житомирської").query.sql_with_params()
    explained = plan(sql, params)
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        assert f"{table}_search_trgm" in explained, explained
    else:
        assert f"{table}_trigram VIRTUAL TABLE INDEX" in explained, explained
