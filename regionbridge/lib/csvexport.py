"""Lists as files: safe CSV here, XLSX in `lib/xlsx.py`, and the one door both go through
(`export_format` to read `?format=`, `export_response` to answer it), so that every list exports
the rows its page shows, in the same shape, capped at the same size."""

import csv
import itertools
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse, HttpResponseBadRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

# What makes a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell as a formula or DDE.
_FORMULA_START = frozenset("=+-@")
# Characters a spreadsheet ignores or drops before the first visible one.
_INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def _first_visible(text: str) -> str:
    for char in text:
        if not (char.isspace() or unicodedata.category(char) in _INVISIBLE):
            return char
    return ""


def _looks_like_formula(text: str) -> bool:
    if text[:1] in ("\t", "\r", "\n"):
        return True
    first = _first_visible(text)
    # Full-width and small forms (＝ ＋ － ＠ ﹦ …) count as their ASCII twins; NFKC folds them.
    folded = unicodedata.normalize("NFKC", first)[:1] if first else ""
    return folded in _FORMULA_START or first == "\u2212"  # the minus sign, read as "-"


def _safe(value) -> str | int | float | Decimal:
    """Spreadsheets run cells that start like a formula, after any leading spaces and in any of
    the character's Unicode forms; such text is prefixed with an apostrophe to stay text.
    Numbers and dates cannot carry a formula and are written as they are."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).isoformat(timespec="minutes")  # the reader's zone
    if isinstance(value, int | float | Decimal | date):
        return value
    text = "" if value is None else str(value)
    return "'" + text if _looks_like_formula(text) else text


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # lets Excel read UTF-8 (Cyrillic) correctly
    writer = csv.writer(response)
    writer.writerow([_safe(value) for value in header])
    for row in rows:
        writer.writerow([_safe(value) for value in row])
    return response


# A list exported whole is still a bounded file: past this, the file ends with a row saying so.
MAX_ROWS = 100_000
CHUNK = 2000  # rows read from the database at a time (with their prefetched relations)
FORMATS = ("csv", "xlsx")


def export_format(query: Mapping[str, str]) -> str | None:
    """What `?format=` asks for: "" for the page itself, "csv" or "xlsx" for a file, None for
    anything else (which `bad_format` answers with a 400, never with the page)."""
    asked = query.get("format")
    if asked is None:
        return ""
    return asked if asked in FORMATS else None


def export_list(query: Mapping[str, str], lists: Sequence[str]) -> str | None:
    """Which of a page's lists `?list=` asks for (the first when not given); None if none."""
    asked = query.get("list", lists[0])
    return asked if asked in lists else None


def export_query(query: QueryDict) -> str:
    """The page's query string for its export links: its filters, without the page, format or list,
    ending with "&" when not empty (templates/_export.html adds format=)."""
    kept = query.copy()
    for name in ("page", "format", "list"):
        kept.pop(name, None)
    encoded = kept.urlencode()
    return f"{encoded}&" if encoded else ""


def bad_format() -> HttpResponse:
    return HttpResponseBadRequest(
        _("Unknown export format: ask for format=csv or format=xlsx."),
        content_type="text/plain; charset=utf-8",
    )


def rows_from(queryset) -> Iterator:
    """A list's queryset read for a file: at most MAX_ROWS + 1 rows (one more tells that the
    file was cut), in chunks, so that memory and the number of queries do not grow with it."""
    return queryset[: MAX_ROWS + 1].iterator(chunk_size=CHUNK)


def capped(rows: Iterable[Sequence], limit: int | None = None) -> Iterator[Sequence]:
    """The first `limit` (MAX_ROWS) rows, then, if there were more, one row that says the file
    was cut."""
    limit = MAX_ROWS if limit is None else limit
    iterator = iter(rows)
    yield from itertools.islice(iterator, limit)
    if next(iterator, None) is not None:
        yield [
            _("Cut at %(count)s rows: narrow the filters to export the rest.") % {"count": limit}
        ]


def export_response(
    fmt: str,
    stem: str,
    header: list[str],
    rows: Iterable[Sequence],
    *,
    sheet: str = "",
    keep: Callable[[Callable[[], bytes]], bytes] | None = None,
) -> HttpResponse:
    """The list as a file named `<stem>-<today>.<fmt>`: CSV or XLSX, capped at MAX_ROWS. An
    XLSX workbook is written by `keep(write)` when given (which may give one kept instead)."""
    filename = f"{stem}-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "xlsx":
        from regionbridge.lib.xlsx import workbook_response, xlsx_bytes  # openpyxl when asked

        def write() -> bytes:
            return xlsx_bytes(header, capped(rows), sheet=sheet or stem)

        return workbook_response(filename, keep(write) if keep else write())
    return csv_response(filename, header, capped(rows))
