"""Lists as XLSX workbooks (openpyxl): one sheet, a bold header row frozen above the rows, typed
cells (numbers as numbers, dates as dates, yes/no as booleans) and columns wide enough to read.

The workbook is written in openpyxl's write-only mode, row by row, so a list of 100,000 rows is not
held as cell objects in memory; the column widths are measured on the header and the first rows,
since a write-only sheet takes its widths before its first row.
"""

import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from regionbridge.lib.csvexport import _looks_like_formula

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_CELL = 32_767  # the most characters a cell holds
MEASURED_ROWS = 500  # rows that the column widths are measured on
MIN_WIDTH, MAX_WIDTH = 6, 60
# What XML 1.0 (and so a worksheet) cannot carry; openpyxl refuses a cell with any of them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


def _typed(value):
    """A cell's value as its type: numbers, booleans and dates as they are, a time with a zone in
    the reader's zone (a worksheet has none), everything else as text."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value)  # to the active zone: the reader's
        return value.replace(microsecond=0)
    if isinstance(value, date | time):
        return value
    return _ILLEGAL.sub("", str(value))[:MAX_CELL]


def _cell(sheet, value, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=_typed(value))
    if isinstance(cell.value, str):
        # Text stays text: openpyxl would store "=…" as a formula, and a spreadsheet would run
        # "+…", "-…", "@…" once the cell is edited; the quote prefix keeps them text there too.
        cell.data_type = "s"
        if _looks_like_formula(cell.value):
            cell.quotePrefix = True
    elif isinstance(cell.value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(cell.value, date):
        cell.number_format = DATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def _value(sheet, value):
    """A cell's value as openpyxl writes it: plain, unless it needs a format or a quote."""
    typed = _typed(value)
    if isinstance(typed, str):
        # openpyxl would store "=…" as a formula and "#N/A" as an error: text stays text.
        if _looks_like_formula(typed) or typed in ERROR_CODES:
            return _cell(sheet, value)
        return typed
    if isinstance(typed, date | time):
        return _cell(sheet, value)
    return typed


def _width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(DATETIME_FORMAT)
    if isinstance(value, date):
        return len(DATE_FORMAT)
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def _widths(header: Sequence, rows: list[Sequence]) -> list[float]:
    widths = [_width(name) for name in header]
    for row in rows:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], _width(_typed(value)))
    return [min(MAX_WIDTH, max(MIN_WIDTH, width + 2)) for width in widths]


def sheet_title(name: str) -> str:
    """A sheet's name as spreadsheets allow it: at most 31 characters, none of []:*?/\\."""
    return _SHEET_NAME.sub("-", name).strip("'")[:31] or "Sheet"


def xlsx_bytes(header: list[str], rows: Iterable[Sequence], *, sheet: str = "Sheet") -> bytes:
    """The workbook: a bold header row frozen at A2, then one row per item, typed."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet_title(sheet))
    iterator = iter(rows)
    first: list[Sequence] = []
    for row in iterator:
        first.append(row)
        if len(first) >= MEASURED_ROWS:
            break
    for index, width in enumerate(_widths(header, first), start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    worksheet.freeze_panes = "A2"
    worksheet.append([_cell(worksheet, name, bold=True) for name in header])
    for batch in (first, iterator):
        for row in batch:
            worksheet.append([_value(worksheet, value) for value in row])
    # No export time inside (the same list gives the same cells and properties); openpyxl still
    # stamps "modified" and the zip its entries, to the second.
    workbook.properties.creator = "Region Bridge"
    workbook.properties.created = workbook.properties.modified = datetime(2000, 1, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(
    filename: str, header: list[str], rows: Iterable[Sequence], *, sheet: str = "Sheet"
) -> HttpResponse:
    return workbook_response(filename, xlsx_bytes(header, rows, sheet=sheet))


def workbook_response(filename: str, workbook: bytes) -> HttpResponse:
    response = HttpResponse(workbook, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
