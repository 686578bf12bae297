from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
    ]
