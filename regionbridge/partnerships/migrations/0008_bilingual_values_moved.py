"""Both languages in the data, the values (the columns came in 0007):

The single columns' values move by their letters: with Cyrillic they are Ukrainian, otherwise
English (the other language is left empty, and pages show the value with its language marked).
Partnerships get the partner's sort keys (lib.collation), and an approval's "Order No. … of the
Ministry for Development", which was stored in the language of whoever cleared the draft, keeps
only its number (`order_number`): pages compose the words in the reader's language.
"""

import re

from django.db import migrations

from regionbridge.lib.collation import name_sort_keys
from regionbridge.lib.i18n import by_script

# (model, old column, new stem): the old column's value goes to `<stem>_uk` or `<stem>_en`.
MOVES = [
    ("partnership", "ukrainian_side", "ukrainian_side"),
    ("partnership", "partner_name", "partner_name"),
    ("partnership", "next_step", "next_step"),
    ("partnershipevent", "instrument", "instrument"),
    ("partnershipevent", "signatories", "signatories"),
    ("partnershipevent", "place", "place"),
    ("document", "signed_place", "signed_place"),
    ("signatory", "name", "name"),
    ("signatory", "title", "title"),
    ("signatory", "on_behalf_of", "on_behalf_of"),
]
# The approval's source as clearance.document_review wrote it, in English or in Ukrainian.
ORDER_SOURCE = re.compile(
    r"^(?:Order No\. (?P<en>.+) of the Ministry for Development|Наказ Мінрозвитку № (?P<uk>.+))$"
)
BATCH = 500


def _rows(model, *fields):
    return model.objects.order_by("pk").only("pk", *fields).iterator(chunk_size=2000)


def split_by_script(apps, schema_editor):
    models_by_name: dict[str, list[tuple[str, str]]] = {}
    for model_name, old, stem in MOVES:
        models_by_name.setdefault(model_name, []).append((old, stem))
    for model_name, moves in models_by_name.items():
        model = apps.get_model("partnerships", model_name)
        changed = []
        for row in _rows(model, *(old for old, _ in moves)):
            for old, stem in moves:
                uk, en = by_script((getattr(row, old) or "").strip())
                setattr(row, f"{stem}_uk", uk)
                setattr(row, f"{stem}_en", en)
            changed.append(row)
        written = [f"{stem}_{language}" for _, stem in moves for language in ("uk", "en")]
        model.objects.bulk_update(changed, written, batch_size=BATCH)
    Event = apps.get_model("partnerships", "PartnershipEvent")
    approvals = []
    for event in Event.objects.filter(kind="draft_approved_by_ministry").exclude(document=None):
        found = ORDER_SOURCE.match(event.source.strip())
        if found:
            event.order_number = found["en"] or found["uk"]
            event.source = ""
            approvals.append(event)
    Event.objects.bulk_update(approvals, ["order_number", "source"], batch_size=BATCH)
    fill_partner_sort_keys(apps)


def fill_partner_sort_keys(apps) -> None:
    Partnership = apps.get_model("partnerships", "Partnership")
    rows = Partnership.objects.select_related("partner_region").order_by("pk")
    changed = []
    for row in rows.iterator(chunk_size=2000):
        if row.partner_kind == "region":
            keys = name_sort_keys(row.partner_region.name_uk, row.partner_region.name_en)
        else:
            keys = name_sort_keys(row.partner_name_uk, row.partner_name_en)
        row.partner_sort_uk, row.partner_sort_en = keys
        changed.append(row)
    Partnership.objects.bulk_update(
        changed, ["partner_sort_uk", "partner_sort_en"], batch_size=BATCH
    )


def join_languages(apps, schema_editor):
    """Back to one column: the Ukrainian value where there is one, else the English."""
    models_by_name: dict[str, list[tuple[str, str]]] = {}
    for model_name, old, stem in MOVES:
        models_by_name.setdefault(model_name, []).append((old, stem))
    for model_name, moves in models_by_name.items():
        model = apps.get_model("partnerships", model_name)
        fields = [f"{stem}_{language}" for _, stem in moves for language in ("uk", "en")]
        changed = []
        for row in _rows(model, *fields):
            for old, stem in moves:
                setattr(row, old, getattr(row, f"{stem}_uk") or getattr(row, f"{stem}_en"))
            changed.append(row)
        model.objects.bulk_update(changed, [old for old, _ in moves], batch_size=BATCH)
    Event = apps.get_model("partnerships", "PartnershipEvent")
    approvals = []
    for event in Event.objects.exclude(order_number=""):
        event.source = f"Order No. {event.order_number} of the Ministry for Development"
        approvals.append(event)
    Event.objects.bulk_update(approvals, ["source"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0007_bilingual")]

    operations = [migrations.RunPython(split_by_script, join_languages, elidable=False)]
