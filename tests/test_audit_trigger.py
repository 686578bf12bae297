"""The audit log is append-only in the database itself, not only in `AuditEntry.save()`."""

import pytest
from django.db import DatabaseError, connection, transaction

from regionbridge.audit.models import AuditEntry
from regionbridge.audit.services import audit_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    actor = UserFactory(email="actor@example.org")
    return audit_record(actor=actor, action="test.done", changes={"name": "new"})


def refused(sql: str, params: list) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def test_raw_update_of_an_entry_is_refused(entry):
    refused("UPDATE audit_auditentry SET changes = '{}' WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.changes == {"name": "new"}


def test_raw_update_of_the_actor_to_someone_else_is_refused(entry):
    other = UserFactory(email="other@example.org")
    refused("UPDATE audit_auditentry SET actor_id = %s WHERE id = %s", [other.pk, entry.pk])


def test_clearing_the_actor_together_with_another_column_is_refused(entry):
    refused(
        "UPDATE audit_auditentry SET actor_id = NULL, action = 'forged' WHERE id = %s",
        [entry.pk],
    )


def test_raw_delete_of_an_entry_is_refused(entry):
    refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_and_delete_are_refused(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk)._raw_delete(connection.alias)
    entry.refresh_from_db()
    assert entry.action == "test.done"


def test_deleting_an_account_keeps_its_entries_without_the_actor(entry):
    label = entry.actor_label
    entry.actor.delete()
    entry.refresh_from_db()
    assert entry.actor_id is None
    assert entry.actor_label == label
    assert entry.changes == {"name": "new"}


@pytest.mark.django_db(transaction=True)
def test_the_test_suites_flush_still_empties_the_log():
    # A committed entry: the flush after this test must be able to remove it (on SQLite the
    # triggers are lifted for the flush only, see conftest).
    audit_record(actor=None, action="test.committed")
    refused("DELETE FROM audit_auditentry", [])
    assert AuditEntry.objects.filter(action="test.committed").exists()


@pytest.mark.django_db(transaction=True)
def test_the_flush_left_the_triggers_in_place():
    assert not AuditEntry.objects.filter(action="test.committed").exists()
    audit_record(actor=None, action="test.committed")
    refused("DELETE FROM audit_auditentry", [])
