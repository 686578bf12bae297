from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("messaging", "0008_outboundemail_to_outbox")]

    operations = [
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["thread", "created_at"], name="message_thread_time"),
        ),
    ]
