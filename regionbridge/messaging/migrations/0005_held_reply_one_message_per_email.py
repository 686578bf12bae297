# Held replies (e-mail whose sender could not be verified), and one message per e-mail.
# Before the constraint, earlier duplicates of an e-mail's Message-ID lose it (the first
# message keeps it), so a database that already holds a double delivery still migrates.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, Min


def clear_duplicate_message_ids(apps, schema_editor):
    Message = apps.get_model("messaging", "Message")
    duplicated = (
        Message.objects.exclude(email_message_id="")
        .values("email_message_id")
        .annotate(count=Count("id"), first=Min("id"))
        .filter(count__gt=1)
    )
    for row in duplicated.iterator():
        Message.objects.filter(email_message_id=row["email_message_id"]).exclude(
            pk=row["first"]
        ).update(email_message_id="")


class Migration(migrations.Migration):

    dependencies = [
        ('messaging', '0004_outbox_to_sent'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HeldReply',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('received_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('expires_at', models.DateTimeField(db_index=True)),
                ('reason', models.CharField(max_length=200)),
                ('subject', models.CharField(blank=True, max_length=300)),
                ('body', models.TextField(blank=True)),
                ('attachment_names', models.JSONField(blank=True, default=list)),
                ('raw', models.FileField(upload_to='held/%Y/%m/')),
                ('email_message_id', models.CharField(blank=True, max_length=255)),
            ],
            options={
                'verbose_name': 'held reply',
                'verbose_name_plural': 'held replies',
                'ordering': ['-received_at', '-id'],
            },
        ),
        migrations.RunPython(clear_duplicate_message_ids, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='message',
            constraint=models.UniqueConstraint(condition=models.Q(('email_message_id', ''), _negated=True), fields=('email_message_id',), name='one_message_per_email'),
        ),
        migrations.AddField(
            model_name='heldreply',
            name='thread',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='messaging.thread'),
        ),
        migrations.AddField(
            model_name='heldreply',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='held_replies', to=settings.AUTH_USER_MODEL),
        ),
    ]
