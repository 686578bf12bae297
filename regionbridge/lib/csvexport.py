import csv
import unicodedata
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.http import HttpResponse

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
    if isinstance(value, int | float | Decimal | date) and not isinstance(value, bool):
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
