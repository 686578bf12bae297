"""Each submission of a draft for review kept as a row (`Submission`): the document's own
`submitted_at` is replaced by every resubmission, so a past day's clearance could not be read.

The rows of documents submitted before this are filled in: the document's latest round from
its own fields, and earlier rounds from the audit log's "document.submitted" entries (each names
its round), when the log still holds them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BATCH = 1000


def backfill(apps, schema_editor):
    Document = apps.get_model("partnerships", "Document")
    Submission = apps.get_model("partnerships", "Submission")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    latest = {
        pk: (review_round, submitted_at)
        for pk, review_round, submitted_at in Document.objects.filter(
            submitted_at__isnull=False
        ).values_list("pk", "review_round", "submitted_at")
    }
    # (document, round) -> [when, by whom]
    rows = {(pk, number): [at, None] for pk, (number, at) in latest.items()}
    audited = AuditEntry.objects.filter(
        action="document.submitted", target_type="partnerships.document"
    ).order_by("at", "pk")
    for target_id, changes, at, actor_id in audited.values_list(
        "target_id", "changes", "at", "actor_id"
    ).iterator():
        try:
            pk, number = int(target_id), int((changes or {}).get("round"))
        except (TypeError, ValueError):
            continue
        if pk not in latest or not 0 < number <= latest[pk][0]:
            continue  # a deleted document, or a round its document never reached
        if number == latest[pk][0]:
            rows[(pk, number)][1] = actor_id  # the time is the document's own
        else:
            rows[(pk, number)] = [at, actor_id]
    Submission.objects.bulk_create(
        [
            Submission(document_id=pk, round=number, submitted_at=at, submitted_by_id=by)
            for (pk, number), (at, by) in sorted(rows.items())
        ],
        batch_size=BATCH,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0009_single_language_columns_dropped"),
        ("audit", "0003_append_only_in_the_database"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Submission",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("round", models.PositiveSmallIntegerField()),
                ("submitted_at", models.DateTimeField(verbose_name="submitted for review")),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="submissions",
                        to="partnerships.document",
                    ),
                ),
                (
                    "submitted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "submission for review",
                "verbose_name_plural": "submissions for review",
                "ordering": ["round"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("document", "round"), name="one_submission_per_round"
                    )
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
