"""A tie is recorded once: the partner side's name compared in any case, and one tie with the
partner region itself. Stops, naming them, when the database already holds duplicates: they
need a person to merge them (their events, documents and links), not a guess."""

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def refuse_duplicates(apps, schema_editor):
    Partnership = apps.get_model("partnerships", "Partnership")
    by_name = (
        Partnership.objects.values("ukrainian_region", "partner_region", name=Lower("partner_name"))
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    regional = (
        Partnership.objects.filter(partner_kind="region")
        .values("ukrainian_region", "partner_region")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    groups = []
    for row in [*by_name, *regional]:
        same = Partnership.objects.filter(
            ukrainian_region=row["ukrainian_region"], partner_region=row["partner_region"]
        )
        if "name" in row:
            same = same.annotate(lowered=Lower("partner_name")).filter(lowered=row["name"])
        else:
            same = same.filter(partner_kind="region")
        groups.append(sorted(same.values_list("pk", flat=True)))
    if groups:
        listed = "; ".join(", ".join(str(pk) for pk in group) for group in groups)
        raise RuntimeError(
            "These partnerships record the same tie twice; merge each group (keep one, move its "
            f"events, documents and links) before migrating: {listed}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0003_signed_level"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicates, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="partnership",
            name="unique_partnership_sides",
        ),
        migrations.AddConstraint(
            model_name="partnership",
            constraint=models.UniqueConstraint(
                models.F("ukrainian_region"),
                models.F("partner_region"),
                django.db.models.functions.text.Lower("partner_name"),
                name="unique_partnership_sides_any_case",
                violation_error_message="This partnership already exists.",
            ),
        ),
        migrations.AddConstraint(
            model_name="partnership",
            constraint=models.UniqueConstraint(
                condition=models.Q(("partner_kind", "region")),
                fields=("ukrainian_region", "partner_region"),
                name="one_regional_partnership_per_pair",
                violation_error_message="This partnership already exists.",
            ),
        ),
    ]
