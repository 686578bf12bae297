"""When a meeting was cancelled, kept apart from `updated_at` (which later edits move), so the
oversight picture of a past day still shows a meeting that was cancelled only afterwards.

Backfill of the meetings already cancelled: the time of their "meeting.cancelled" audit entry
(`meetings.services.meeting_cancel` writes one; the first, should there be more). A cancelled
meeting with no such entry (cancelled before the audit log, or in a data import) takes its
`updated_at`: the best guess left, and at worst later than the real cancellation, so a past
day may show such a meeting as still planned a little longer than it was.
"""

from django.db import migrations, models
from django.db.models import CharField, F, Min, OuterRef, Subquery
from django.db.models.functions import Cast, Coalesce


def backfill_cancelled_at(apps, schema_editor):
    Meeting = apps.get_model("meetings", "Meeting")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    first_cancel = (
        AuditEntry.objects.filter(
            action="meeting.cancelled",
            target_type="meetings.meeting",
            target_id=Cast(OuterRef("pk"), CharField()),
        )
        .order_by()
        .values("target_id")
        .annotate(first=Min("at"))
        .values("first")[:1]
    )
    Meeting.objects.filter(status="cancelled", cancelled_at__isnull=True).update(
        cancelled_at=Coalesce(Subquery(first_cancel), F("updated_at"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0002_action_partnership"),
        ("audit", "0003_append_only_in_the_database"),
    ]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="cancelled at"),
        ),
        migrations.RunPython(backfill_cancelled_at, migrations.RunPython.noop, elidable=True),
    ]
