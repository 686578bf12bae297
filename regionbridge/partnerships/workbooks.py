"""The partnerships' workbooks (XLSX), kept while the ties in them are unchanged (decision 0013).

openpyxl takes most of a second to write 4,000 rows, and the same rows make the same file. So a
workbook is kept under what decides its contents, whoever asks: the ids of the ties in it, in
their order (the viewer's sight and the list's filters come down to these), the day of their
stages, the reader's language and time zone, and the versions of the partnerships' and regions'
data. Two officials who see the same ties share one; one who sees a tie more gets another.
"""

import hashlib
from collections.abc import Callable
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from regionbridge.core import results
from regionbridge.lib.csvexport import MAX_ROWS
from regionbridge.partnerships.models import Partnership

READS = ("partnerships", "regions")


def keeper(
    items: QuerySet[Partnership], *, name: str, as_of: date | None
) -> Callable[[Callable[[], bytes]], bytes]:
    """`keep(write)` for `export_response`: the workbook of `items`, written once."""

    def keep(write: Callable[[], bytes]) -> bytes:
        return kept(items, name=name, as_of=as_of, write=write)

    return keep


def kept(
    items: QuerySet[Partnership], *, name: str, as_of: date | None, write: Callable[[], bytes]
) -> bytes:
    """The workbook `write()` makes of `items`, written once while they are unchanged: one
    query for their ids."""
    ids = items.values_list("pk", flat=True)[: MAX_ROWS + 1]
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
    day = as_of or timezone.localdate()
    return results.remember(
        f"partnerships.workbook.{name}", (digest, day), write, reads=READS, cache="exports"
    )
