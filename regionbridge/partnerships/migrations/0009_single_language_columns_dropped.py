"""The single-language columns go, now that their values live in the `_uk`/`_en` pairs
(0007_bilingual, 0008_bilingual_values_moved). Apart from the data move on purpose: on
PostgreSQL a table cannot be altered in the transaction that just updated its rows ("pending
trigger events" of the deferred foreign keys), so the move commits first, then the columns go.
"""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0008_bilingual_values_moved")]

    operations = [
        # The single columns that could not be blank take a default before they go, so that
        # migrating back can add them again to rows that exist.
        migrations.AlterField(
            model_name="partnership",
            name="ukrainian_side",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
        migrations.AlterField(
            model_name="partnership",
            name="partner_name",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
        migrations.AlterField(
            model_name="signatory",
            name="name",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.RemoveConstraint(
            model_name="partnership", name="unique_partnership_sides_any_case"
        ),
        migrations.RemoveField(model_name="partnership", name="ukrainian_side"),
        migrations.RemoveField(model_name="partnership", name="partner_name"),
        migrations.RemoveField(model_name="partnership", name="next_step"),
        migrations.RemoveField(model_name="partnershipevent", name="instrument"),
        migrations.RemoveField(model_name="partnershipevent", name="signatories"),
        migrations.RemoveField(model_name="partnershipevent", name="place"),
        migrations.RemoveField(model_name="document", name="signed_place"),
        migrations.RemoveField(model_name="signatory", name="name"),
        migrations.RemoveField(model_name="signatory", name="title"),
        migrations.RemoveField(model_name="signatory", name="on_behalf_of"),
        migrations.AlterModelOptions(
            name="partnership",
            options={
                "ordering": ["ukrainian_region__sort_uk", "partner_sort_uk", "id"],
                "verbose_name": "partnership",
                "verbose_name_plural": "partnerships",
            },
        ),
        migrations.AddIndex(
            model_name="partnership",
            index=models.Index(
                fields=["ukrainian_region", "partner_sort_uk", "id"],
                name="partnership_partner_uk_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="partnership",
            index=models.Index(
                fields=["ukrainian_region", "partner_sort_en", "id"],
                name="partnership_partner_en_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="partnership",
            constraint=models.UniqueConstraint(
                models.F("ukrainian_region"),
                models.F("partner_region"),
                django.db.models.functions.text.Lower("partner_name_uk"),
                condition=models.Q(("partner_name_uk", ""), _negated=True),
                name="unique_partnership_sides_uk",
                violation_error_message="This partnership already exists.",
            ),
        ),
        migrations.AddConstraint(
            model_name="partnership",
            constraint=models.UniqueConstraint(
                models.F("ukrainian_region"),
                models.F("partner_region"),
                django.db.models.functions.text.Lower("partner_name_en"),
                condition=models.Q(("partner_name_en", ""), _negated=True),
                name="unique_partnership_sides_en",
                violation_error_message="This partnership already exists.",
            ),
        ),
    ]
