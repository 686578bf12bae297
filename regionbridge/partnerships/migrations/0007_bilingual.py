"""Both languages in the data: every name, side, instrument, signatory, place and next step of a
partnership gets a Ukrainian and an English column, and partnerships their partner's sort keys.
The values move in 0008 and the single columns go in 0009: on PostgreSQL a table cannot be
altered in the transaction that updated its rows (the deferred foreign keys' pending trigger
events), so schema and data changes commit apart, both ways.
"""

from django.db import migrations, models


def _pair(model_name, stem, max_length, label, help_uk="", help_en=""):
    return [
        migrations.AddField(
            model_name=model_name,
            name=f"{stem}_{language}",
            field=models.CharField(
                blank=True,
                max_length=max_length,
                verbose_name=f"{label} ({name})",
                **({"help_text": help_text} if help_text else {}),
            ),
        )
        for language, name, help_text in (("uk", "Ukrainian", help_uk), ("en", "English", help_en))
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0006_stored_stage"),
        # The partnerships' order names the regions' sort keys.
        ("regions", "0002_sort_keys"),
    ]

    operations = [
        *_pair(
            "partnership",
            "ukrainian_side",
            255,
            "Ukrainian side",
            "The signing body, e.g. the oblast military administration or council.",
        ),
        *_pair(
            "partnership",
            "partner_name",
            255,
            "partner side",
            "e.g. штат Індіана; округ Ольстер, Нью-Йорк",
            "e.g. State of Indiana; Ulster County, NY",
        ),
        *_pair("partnership", "next_step", 500, "next step"),
        migrations.AddField(
            model_name="partnership",
            name="partner_sort_uk",
            field=models.CharField(default="", editable=False, max_length=255),
        ),
        migrations.AddField(
            model_name="partnership",
            name="partner_sort_en",
            field=models.CharField(default="", editable=False, max_length=255),
        ),
        *_pair("partnershipevent", "instrument", 255, "instrument"),
        *_pair("partnershipevent", "signatories", 500, "signatories"),
        *_pair("partnershipevent", "place", 255, "place"),
        migrations.AddField(
            model_name="partnershipevent",
            name="order_number",
            field=models.CharField(blank=True, max_length=100, verbose_name="order number"),
        ),
        *_pair("document", "signed_place", 255, "place of signing"),
        *_pair("signatory", "name", 200, "name"),
        *_pair("signatory", "title", 255, "title"),
        *_pair(
            "signatory",
            "on_behalf_of",
            255,
            "on behalf of",
            "When someone signs for another body, e.g. the ambassador for a region.",
        ),
    ]
