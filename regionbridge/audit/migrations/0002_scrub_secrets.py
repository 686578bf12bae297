"""Scrub secret values that the back office once wrote into the audit log (issue 7.1).

The one allowed edit of old audit entries: values of fields named like secrets are replaced,
their names kept, and an entry records which entries were scrubbed.
"""

import re

from django.db import migrations

REDACTED = "[secret: not recorded]"
# Frozen copy of audit.services.SECRET_NAME as it was when this migration was written.
SECRET_NAME = re.compile(
    r"pass(word|phrase)?|secret|token|otp|totp|recovery|digest|private_?key|api_?key|"
    r"authorization|credential|cookie|session",
    re.IGNORECASE,
)


def _scrubbed(changes, is_secret):
    if not isinstance(changes, dict):
        return changes
    return {
        key: REDACTED
        if is_secret(str(key))
        else (_scrubbed(value, is_secret) if isinstance(value, dict) else value)
        for key, value in changes.items()
    }


def scrub_secrets(apps, schema_editor):
    def is_secret_name(name):
        return bool(SECRET_NAME.search(name))

    AuditEntry = apps.get_model("audit", "AuditEntry")
    scrubbed = []
    for entry in AuditEntry.objects.exclude(changes={}).only("pk", "changes").iterator():
        clean = _scrubbed(entry.changes, is_secret_name)
        if clean != entry.changes:
            # A queryset update: the append-only rule lives in the model's save(), on purpose.
            AuditEntry.objects.filter(pk=entry.pk).update(changes=clean)
            scrubbed.append(entry.pk)
    if scrubbed:
        AuditEntry.objects.create(
            actor_label="system",
            action="audit.secrets_scrubbed",
            changes={"entries": scrubbed, "reason": "secret values removed (issue 7.1)"},
            source="migration",
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(scrub_secrets, migrations.RunPython.noop, elidable=False)]
