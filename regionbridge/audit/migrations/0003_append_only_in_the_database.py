"""The audit log is append-only in the database too: triggers refuse UPDATE and DELETE of an
entry, except the actor becoming NULL when an account is deleted (issue 8.4)."""

from django.db import migrations


def create_triggers(apps, schema_editor):
    from regionbridge.audit import triggers

    triggers.create(schema_editor.connection)


def drop_triggers(apps, schema_editor):
    from regionbridge.audit import triggers

    triggers.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_scrub_secrets")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
