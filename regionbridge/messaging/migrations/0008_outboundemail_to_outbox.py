# The outbox model moved to the outbox app (its migration 0001 takes it over in the state). The
# table stays, under its old name: nothing is dropped here.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0007_unread_badge"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OutboundEmail")],
            database_operations=[],
        ),
    ]
