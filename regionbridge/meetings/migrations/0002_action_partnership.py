from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [
        migrations.AddIndex(
            model_name="actionitem",
            index=models.Index(
                fields=["partnership", "status", "due"], name="action_partnership"
            ),
        ),
    ]
