"""Needs and offers from a spreadsheet (CSV or XLSX): read, checked row by row, written on
confirmation.

Reading is bounded before it starts: the file's size, then for a worksheet its ZIP directory,
its size unpacked, its compression and the size each part declares (`lib.files.check_archive`,
bounds derived from the rows and columns read: MAX_PARTS), so a zip bomb, or a table of two
million shared strings, costs what its bytes cost; then at most MAX_ROWS rows of at most
MAX_COLUMNS cells, each cut at a little over its field's size. A cell is text whatever it looks
like: "=HYPERLINK(…)" is kept as those characters (exports quote them, `lib.csvexport`), never
evaluated.

Each row's problems are kept as codes with parameters (`RowError`) and put in words when shown,
in the reader's language. Nothing is written until the person confirms; then every valid row goes
through `services.post_create`, in one transaction: one refusal and none is written.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from regionbridge.lib import files
from regionbridge.lib.i18n import has_bidi_controls
from regionbridge.matching import services, taxonomy
from regionbridge.matching.models import Audience, Post, PostKind
from regionbridge.organizations.models import InstitutionType, Organization
from regionbridge.partnerships.models import Sphere
from regionbridge.regions.models import Region

COLUMNS = (
    "kind",
    "title",
    "description",
    "sphere",
    "topics",
    "institution_type",
    "region",
    "scale",
    "timing",
    "audience",
)
REQUIRED = ("kind", "title", "description", "region")
MAX_ROWS = 500
MAX_COLUMNS = 30
MAX_LINES = 10 * MAX_ROWS  # empty lines included: a sheet that says it has a million stops here
MAX_BYTES = 5 * 1024 * 1024  # 500 rows of the longest descriptions fit in half of it
TOPICS_MAX = 20
LIMITS = {
    "title": Post._meta.get_field("title").max_length,
    "description": Post._meta.get_field("description").max_length,
    "scale": Post._meta.get_field("scale").max_length,
    "timing": Post._meta.get_field("timing").max_length,
}
CELL_KEPT = max(LIMITS.values()) + 1  # longer cells are cut here (and refused as too long)
# A workbook's parts, unpacked, bounded by what the import reads: MAX_ROWS rows (and the header)
# of every column at its longest (the limited ones at their limit, the others at 200 characters,
# more than a list of TOPICS_MAX topics takes), 2 bytes a character (Cyrillic in UTF-8, as Excel,
# LibreOffice and Google Sheets write it), and 64 bytes of XML around each of a row's MAX_COLUMNS
# cells: about 15 KB a row, 8 MB in all. openpyxl holds the shared strings whole in memory (about
# ten times their XML for short strings), so this bound, not the file's size, is what a workbook
# costs. (openpyxl itself writes "&#1087;", 7 bytes a character: its files fit if their rows
# average under about 2,000 characters.)
ROW_MAX_BYTES = 2 * (sum(LIMITS.values()) + 200 * (len(COLUMNS) - len(LIMITS))) + 64 * MAX_COLUMNS
PART_MAX_UNPACKED = (MAX_ROWS + 1) * ROW_MAX_BYTES
STYLES_MAX_UNPACKED = 2 * 1024 * 1024  # a real one is 2-200 KB; it is parsed whole
# Every other part has the same bound as the shared strings: openpyxl finds the parts it parses
# through [Content_Types].xml and the relationships, under any name, so a renamed part (shared
# strings as "xl/worksheets/sheet2.xml" or "xl/media/image1.png") gains nothing.
MAX_PARTS = (
    ("xl/sharedStrings.xml", PART_MAX_UNPACKED),
    ("xl/worksheets/*", PART_MAX_UNPACKED),
    ("xl/styles.xml", STYLES_MAX_UNPACKED),
    ("*", PART_MAX_UNPACKED),
)
# The whole workbook unpacked: its strings and a sheet that writes them in its cells instead.
MAX_UNPACKED = 2 * PART_MAX_UNPACKED + STYLES_MAX_UNPACKED  # about 18 MB
ISO_3166_2 = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
_LETTERS = re.compile(r"[A-Za-z\u0400-\u052f]")
# Characters no cell keeps: controls (but line breaks and tabs), invisible formatting.
_DROPPED = {"Cc", "Cf", "Cs", "Co"}
CSV_TYPES = (".csv",)
XLSX_TYPES = (".xlsx",)


class ImportRefused(ValidationError):
    """The file as a whole cannot be read: nothing of it is shown or written."""


@dataclass(frozen=True)
class RowError:
    """One problem of one row, put in words when shown (in the reader's language)."""

    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return error_text(self.code, self.params)

    def as_list(self) -> list[Any]:
        return [self.column, self.code, self.params]


@dataclass
class Row:
    line: int  # as a spreadsheet numbers it: the header is line 1
    values: dict[str, str]
    errors: list[RowError] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def dump(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "values": self.values,
            "errors": [error.as_list() for error in self.errors],
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> "Row":
        return cls(
            line=int(data["line"]),
            values={key: str(value) for key, value in data["values"].items()},
            errors=[RowError(c, code, dict(params)) for c, code, params in data["errors"]],
        )


def error_text(code: str, params: dict[str, Any]) -> str:
    """A row's problem in words, in the active language."""
    messages = {
        "required": _("%(column)s is missing."),
        "too_long": _("%(column)s is too long: at most %(limit)s characters."),
        "kind": _("Kind must be “need” or “offer”."),
        "sphere": _("Unknown sphere “%(value)s”: use a sphere code of the import page."),
        "topics": _("Unknown topics: %(value)s."),
        "too_many_topics": _("At most %(limit)s topics."),
        "institution_type": _("Unknown type of institution “%(value)s”."),
        "region_format": _("“%(value)s” is not an ISO 3166-2 code: write it like UA-18 or US-IN."),
        "region_unknown": _("There is no region with the code %(value)s."),
        "audience": _("Audience must be “members” or “partners”."),
        "language": _(
            "The language cannot be told: write the title and description in Ukrainian or English."
        ),
        "direction": _("Remove the characters that change the direction of the text."),
        "refused": "%(value)s",
    }
    template = messages.get(code, _("This value cannot be taken."))
    shown = dict(params)
    if "column" in shown:
        shown["column"] = column_label(shown["column"])
    try:
        return template % shown
    except (KeyError, TypeError, ValueError):
        return template


def column_label(column: str) -> str:
    """A column by the name its field has on the pages ("Title", «Назва»)."""
    try:
        return capfirst(str(Post._meta.get_field(column).verbose_name))
    except FieldDoesNotExist:
        return column


def column_labels() -> dict[str, str]:
    return {column: column_label(column) for column in COLUMNS}


# --- reading the file -----------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A cell as text: numbers as written (12, not 12.0), controls dropped, cut at CELL_KEPT."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value)[: CELL_KEPT * 2])
    text = "".join(
        char
        for char in text
        if char in "\n\t" or unicodedata.category(char) not in _DROPPED or char in "\u200c\u200d"
    )
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()[:CELL_KEPT]


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:65536]:
        raise ImportRefused(
            _("%(name)s is not a text file: save the sheet as CSV (UTF-8).") % {"name": name}
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(
            _(
                "%(name)s is not in UTF-8: in your spreadsheet choose “Save as” → "
                "“CSV UTF-8 (comma delimited)”."
            )
            % {"name": name}
        ) from None


def _csv_rows(data: bytes, name: str):
    text = _decode(data, name)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, cells[: MAX_COLUMNS + 1]
    except csv.Error:
        raise ImportRefused(
            _("%(name)s could not be read as CSV near line %(line)s.")
            % {"name": name, "line": reader.line_num}
        ) from None


def _xlsx_rows(upload: Any, name: str):
    from openpyxl import load_workbook  # only when a worksheet comes

    try:
        files.check_archive(upload, name, max_unpacked=MAX_UNPACKED, max_parts=MAX_PARTS)
    except files.TooLargeUnpacked:  # the whole or a part: either way too much to read
        raise ImportRefused(
            _(
                "%(name)s is too large to import: keep it to one sheet of at most %(limit)s rows, "
                "or split it into several files."
            )
            % {"name": name, "limit": MAX_ROWS}
        ) from None
    try:
        # read_only: rows are streamed, never held as cell objects; formulas stay their text.
        workbook = load_workbook(upload, read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises anything on a damaged file
        raise ImportRefused(
            _("%(name)s is damaged or not a real spreadsheet.") % {"name": name}
        ) from None
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        for line, cells in enumerate(
            sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True), start=1
        ):
            yield line, list(cells)
    except ImportRefused:
        raise
    except Exception:
        raise ImportRefused(
            _("%(name)s is damaged or not a real spreadsheet.") % {"name": name}
        ) from None
    finally:
        workbook.close()


def _header(cells: list[Any], name: str) -> list[str]:
    header = [_cell(cell).lower().replace(" ", "_").lstrip("\ufeff") for cell in cells]
    while header and not header[-1]:
        header.pop()
    unknown = [column for column in header if column not in COLUMNS]
    if unknown:
        raise ImportRefused(
            _(
                "Unknown columns in the first row of %(name)s: %(columns)s. "
                "The columns are: %(all)s."
            )
            % {
                "name": name,
                "columns": ", ".join(column[:40] or "—" for column in unknown[:5]),
                "all": ", ".join(COLUMNS),
            }
        )
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise ImportRefused(
            _("The first row of %(name)s must name the columns; missing: %(columns)s.")
            % {"name": name, "columns": ", ".join(missing)}
        )
    if len(set(header)) != len(header):
        raise ImportRefused(
            _("A column is named twice in the first row of %(name)s.") % {"name": name}
        )
    return header


def read_upload(upload: Any) -> list[dict[str, Any]]:
    """The rows of an uploaded CSV or XLSX as dicts of the known columns (with their line),
    empty rows left out; or ImportRefused saying why the file cannot be read."""
    name = files.clean_name(upload.name or "")
    if not upload.size:
        raise ImportRefused(_("The file is empty."))
    if upload.size > MAX_BYTES:
        raise ImportRefused(
            _("The file is too large (at most %(limit)s).") % {"limit": filesizeformat(MAX_BYTES)}
        )
    suffix = PurePath(name).suffix.lower()
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if suffix in XLSX_TYPES:
        if head != b"PK\x03\x04":
            raise ImportRefused(_("%(name)s is not a real XLSX workbook.") % {"name": name})
        rows = _xlsx_rows(upload, name)
    elif suffix in CSV_TYPES:
        if head.startswith(b"PK\x03\x04"):
            raise ImportRefused(
                _("%(name)s is a workbook, not a CSV file: name it .xlsx or save it as CSV.")
                % {"name": name}
            )
        rows = _csv_rows(upload.read(), name)
    else:
        raise ImportRefused(_("Only CSV and XLSX files are accepted."))
    header: list[str] | None = None
    found: list[dict[str, Any]] = []
    for line, cells in rows:
        if line > MAX_LINES:
            raise ImportRefused(
                _("%(name)s has more than %(limit)s lines, empty ones included.")
                % {"name": name, "limit": MAX_LINES}
            )
        if header is None:
            if any(_cell(cell) for cell in cells):
                header = _header(cells, name)
            continue
        values = {column: _cell(cell) for column, cell in zip(header, cells, strict=False)}
        if not any(values.values()):
            continue
        if len(found) >= MAX_ROWS:
            raise ImportRefused(
                ngettext(
                    "%(name)s has more than %(limit)s row; import at most %(limit)s at a time.",
                    "%(name)s has more than %(limit)s rows; import at most %(limit)s at a time.",
                    MAX_ROWS,
                )
                % {"name": name, "limit": MAX_ROWS}
            )
        found.append({"line": line, "values": {c: values.get(c, "") for c in COLUMNS}})
    if header is None:
        raise ImportRefused(_("The file has no rows."))
    if not found:
        raise ImportRefused(_("The file has a header row but no needs or offers under it."))
    return found


# --- checking the rows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """What the cells may name, read once for the whole file (a few queries)."""

    spheres: dict[str, Sphere]
    topics: frozenset[str]
    regions: dict[str, Region]

    @classmethod
    def for_rows(cls, rows: list[dict[str, Any]]) -> "Vocabulary":
        spheres: dict[str, Sphere] = {}
        for sphere in Sphere.objects.all():
            for key in (sphere.code, sphere.name_en, sphere.name_uk):
                spheres.setdefault(key.casefold(), sphere)
        codes = {row["values"]["region"].strip().upper() for row in rows}
        regions = Region.objects.filter(code__in=[c for c in codes if ISO_3166_2.match(c)])
        topics = frozenset(entry["code"] for entry in taxonomy.export().get("topics", []))
        return cls(spheres, topics, {region.code: region for region in regions})


def _choice(raw: str, choices: Any) -> str | None:
    """A choice's value from its value or its label in either language (any case)."""
    folded = raw.casefold()
    for value, label in choices:
        if folded in (value.casefold(), str(label).casefold()):
            return value
    return None


KIND_WORDS = {"потреба": PostKind.NEED, "пропозиція": PostKind.OFFER}
AUDIENCE_WORDS = {"усі": Audience.MEMBERS, "партнери": Audience.PARTNERS}


def check_row(line: int, values: dict[str, str], vocabulary: Vocabulary) -> tuple[Row, dict]:
    """A row's problems, and the keyword arguments of `services.post_create` it gives."""
    row = Row(line, values)
    errors = row.errors
    fields: dict[str, Any] = {}
    for column in REQUIRED:
        if not values.get(column):
            errors.append(RowError(column, "required", {"column": column}))
    for column, limit in LIMITS.items():
        if len(values.get(column, "")) > limit:
            errors.append(RowError(column, "too_long", {"column": column, "limit": limit}))
        if has_bidi_controls(values.get(column, "")):
            errors.append(RowError(column, "direction"))
        fields[column] = values.get(column, "")
    kind = values.get("kind", "").casefold()
    if kind:
        fields["kind"] = KIND_WORDS.get(kind) or _choice(kind, PostKind.choices)
        if fields["kind"] is None:
            errors.append(RowError("kind", "kind"))
    text = values.get("title", "") + " " + values.get("description", "")
    if text.strip() and not _LETTERS.search(text):
        errors.append(RowError("description", "language"))
    sphere = values.get("sphere", "")
    fields["sphere"] = None
    if sphere:
        fields["sphere"] = vocabulary.spheres.get(sphere.casefold())
        if fields["sphere"] is None:
            errors.append(RowError("sphere", "sphere", {"value": sphere[:60]}))
    topics = [t for t in re.split(r"[\s,;|]+", values.get("topics", "").lower()) if t]
    topics = list(dict.fromkeys(topics))
    unknown = [topic for topic in topics if topic not in vocabulary.topics]
    if unknown:
        errors.append(
            RowError("topics", "topics", {"value": ", ".join(t[:60] for t in unknown[:5])})
        )
    elif len(topics) > TOPICS_MAX:
        errors.append(RowError("topics", "too_many_topics", {"limit": TOPICS_MAX}))
    fields["topics"] = topics
    kind_of = values.get("institution_type", "")
    fields["institution_type"] = ""
    if kind_of:
        fields["institution_type"] = _choice(
            kind_of.replace(" ", "_"), InstitutionType.choices
        ) or (_choice(kind_of, InstitutionType.choices))
        if fields["institution_type"] is None:
            errors.append(RowError("institution_type", "institution_type", {"value": kind_of[:60]}))
    code = values.get("region", "").strip().upper()
    if code:
        if not ISO_3166_2.match(code):
            errors.append(RowError("region", "region_format", {"value": code[:20]}))
        elif code not in vocabulary.regions:
            errors.append(RowError("region", "region_unknown", {"value": code}))
        fields["region"] = vocabulary.regions.get(code)
    audience = values.get("audience", "").casefold()
    fields["audience"] = Audience.MEMBERS
    if audience:
        fields["audience"] = AUDIENCE_WORDS.get(audience) or _choice(audience, Audience.choices)
        if fields["audience"] is None:
            errors.append(RowError("audience", "audience"))
    return row, fields


def check_rows(rows: list[dict[str, Any]]) -> list[tuple[Row, dict]]:
    vocabulary = Vocabulary.for_rows(rows)
    return [check_row(row["line"], row["values"], vocabulary) for row in rows]


# --- writing --------------------------------------------------------------------------------


class RowRefused(Exception):
    """A row the service refused at confirmation; everything was rolled back."""

    def __init__(self, row: Row, messages: list[str]):
        super().__init__(row.line)
        self.row, self.messages = row, messages


def import_posts(*, by: Any, organization: Organization, rows: list[dict[str, Any]]) -> list[Post]:
    """Every valid row as a post of `organization`, through `services.post_create`, in one
    transaction: a row the service refuses (or a permission lost meanwhile) and none is kept.
    Rows with problems are left out; the caller has shown them."""
    checked = [(row, fields) for row, fields in check_rows(rows) if row.valid]
    created: list[Post] = []
    with transaction.atomic():
        for row, fields in checked:
            try:
                created.append(services.post_create(by=by, organization=organization, **fields))
            except ValidationError as exc:
                raise RowRefused(row, exc.messages) from None
    return created


def import_limits() -> dict[str, Any]:
    """What the upload page tells: the sizes a file may have."""
    return {
        "max_rows": MAX_ROWS,
        "max_size": filesizeformat(MAX_BYTES),
        "upload_limit": min(MAX_BYTES, settings.UPLOAD_MAX_BYTES),
    }
