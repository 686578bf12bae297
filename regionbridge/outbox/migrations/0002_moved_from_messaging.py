# What still names the outbox by its old place follows it: the admin's content type (its
# permissions and log entries) and the drains already waiting in the job queue, whose task
# moved from messaging.tasks to outbox.tasks (a worker could no longer import the old path).
# On a fresh database there is nothing to move.

from django.db import migrations

OLD_TASK = "regionbridge.messaging.tasks.deliver_outbox"
NEW_TASK = "regionbridge.outbox.tasks.deliver_outbox"


def forwards(apps, schema_editor):
    _move(apps, ("messaging", "outbox"), (OLD_TASK, NEW_TASK))


def backwards(apps, schema_editor):
    _move(apps, ("outbox", "messaging"), (NEW_TASK, OLD_TASK))


def _move(apps, labels, paths):
    ContentType = apps.get_model("contenttypes", "ContentType")
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    old_label, new_label = labels
    if not ContentType.objects.filter(app_label=new_label, model="outboundemail").exists():
        ContentType.objects.filter(app_label=old_label, model="outboundemail").update(
            app_label=new_label
        )
    old_path, new_path = paths
    DBTaskResult.objects.filter(task_path=old_path, status__in=["READY", "RUNNING"]).update(
        task_path=new_path
    )


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
