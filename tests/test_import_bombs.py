"""A spreadsheet import is bounded by what it reads, not by the file's size (issue 7): a 5 MB
workbook of two million short shared strings (8.6 to 1, under the archive checks) once cost
15 s and 330 MB, because openpyxl holds the whole shared-strings part in memory. Each part of a
workbook now has a bound derived from MAX_ROWS x the columns' lengths, read from the ZIP
directory before openpyxl sees the file; a workbook of the most rows still imports.

Memory is measured with tracemalloc (Python's allocations: openpyxl's strings are those)."""

import io
import random
import time
import tracemalloc
import zipfile
from xml.sax.saxutils import escape

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from regionbridge.lib import files
from regionbridge.matching import import_views, imports
from regionbridge.matching.models import Post
from regionbridge.organizations.models import Organization
from regionbridge.partnerships.services import spheres_load

MiB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def workbook(
    rows: list[list[str]], *, filler: int = 0, strings_part: str = "xl/sharedStrings.xml"
) -> bytes:
    """A one-sheet workbook as Excel writes one: every cell a shared string, in UTF-8; the
    shared-strings table, at `strings_part` as [Content_Types].xml says, holds the cells' texts
    and then `filler` short strings no cell uses (the reviewer's /tmp/rev7/bomb.py)."""
    content_types = (
        f'<?xml version="1.0"?><Types xmlns="{TYPES}">'
        f'<Default Extension="rels" ContentType="application/'
        f'vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{SHEET_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}.worksheet+xml"/>'
        f'<Override PartName="/{strings_part}" ContentType="{SHEET_TYPE}.sharedStrings+xml"/>'
        f"</Types>"
    )
    index: dict[str, int] = {}
    sheet = io.StringIO()
    sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>')
    for number, cells in enumerate(rows, start=1):
        sheet.write(f'<row r="{number}">')
        for column, text in enumerate(cells):
            at = index.setdefault(text, len(index))
            sheet.write(f'<c r="{chr(65 + column)}{number}" t="s"><v>{at}</v></c>')
        sheet.write("</row>")
    sheet.write("</sheetData></worksheet>")
    strings = io.StringIO()
    strings.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">')
    for text in index:
        strings.write(f'<si><t xml:space="preserve">{escape(text)}</t></si>')
    for number in range(filler):
        strings.write(f"<si><t>{number:x}</t></si>")
    strings.write("</sst>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>'
            f'<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{OFFICE}/sharedStrings" '
            f'Target="/{strings_part}"/></Relationships>',
        )
        archive.writestr("xl/worksheets/sheet1.xml", sheet.getvalue().encode())
        archive.writestr(strings_part, strings.getvalue().encode())
    return buffer.getvalue()


@pytest.fixture(scope="module")
def strings_bomb() -> bytes:
    """The reviewer's file: about 5 MB, 2,000,000 shared strings, 8.6 to 1 (a few seconds)."""
    return workbook([["kind"]], filler=2_000_000)


REFUSAL = (
    "bomb.xlsx is too large to import: keep it to one sheet of at most 500 rows, "
    "or split it into several files."
)


def measured(call):
    """What `call` returned (or the messages it raised), its peak of traced memory and time."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        outcome = call()
    except Exception as refused:
        outcome = refused
    seconds = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return outcome, peak, seconds


# --- the shared-strings bomb ---------------------------------------------------------------------


def test_the_bomb_passes_the_generic_archive_checks(strings_bomb):
    """What made it a bomb: nothing a document's checks look at is wrong with it."""
    assert 4 * MiB < len(strings_bomb) < imports.MAX_BYTES
    with zipfile.ZipFile(io.BytesIO(strings_bomb)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    assert unpacked < 50 * MiB and unpacked < 100 * len(strings_bomb)
    files.check_archive(io.BytesIO(strings_bomb), "bomb.xlsx", max_unpacked=50 * MiB)


def test_the_service_refuses_the_bomb_quickly_with_flat_memory(strings_bomb):
    upload = SimpleUploadedFile("bomb.xlsx", strings_bomb)
    with translation.override("en"):
        outcome, peak, seconds = measured(lambda: imports.read_upload(upload))
    assert isinstance(outcome, imports.ImportRefused), outcome
    assert outcome.messages == [REFUSAL]
    assert peak < 20 * MiB, peak  # before: about 330 MB
    assert seconds < 2, seconds  # before: about 15 s


@pytest.mark.django_db
def test_the_import_page_refuses_the_bomb_with_flat_memory(client, reference, zhytomyr):
    spheres_load()
    office = Organization.objects.get(key="rma-UA-18")
    client.force_login(zhytomyr)
    bomb = workbook([["kind"]], filler=2_000_000)
    data = {"organization": office.pk, "file": SimpleUploadedFile("bomb.xlsx", bomb)}
    with translation.override("en"):
        started = time.monotonic()
        client.post(reverse("matching:import"), data)
        seconds = time.monotonic() - started  # untraced: tracemalloc slows the parsing down
        data["file"].seek(0)
        response, peak, _seconds = measured(lambda: client.post(reverse("matching:import"), data))
    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    # The test client encodes the 5 MB body and Django parses it again: a few copies of it.
    assert peak < 40 * MiB, peak
    assert seconds < 3, seconds
    assert import_views.SESSION_KEY not in client.session
    assert not Post.objects.exists()


def test_a_renamed_strings_part_gains_nothing():
    """openpyxl finds the shared strings by their content type, under any name: every part not
    named in MAX_PARTS has the same bound."""
    count = imports.PART_MAX_UNPACKED // 12  # short strings take 16-18 bytes each
    content = workbook([["kind"]], filler=count, strings_part="xl/media/image1.png")
    with pytest.raises(imports.ImportRefused) as caught, translation.override("en"):
        imports.read_upload(SimpleUploadedFile("bomb.xlsx", content))
    assert caught.value.messages == [REFUSAL]


def test_the_bounds_are_far_below_the_old_50_mb():
    assert 10 * MiB > imports.PART_MAX_UNPACKED
    assert 20 * MiB > imports.MAX_UNPACKED


# --- real workbooks still import -----------------------------------------------------------------

WORDS = (
    "протезування навчання фахівців обладнання ветеранів реабілітація лікарня громада "
    "партнерство Житомир Індіана програма обмін досвідом школа вчителі медицина"
).split()


def longest_rows_workbook() -> bytes:
    """MAX_ROWS rows, every limited cell at its limit, in Ukrainian: what the bounds allow for."""
    rng = random.Random(7)

    def text(length: int) -> str:
        words: list[str] = []
        while sum(len(word) + 1 for word in words) <= length:
            words.append(rng.choice(WORDS))
        cut = " ".join(words)[:length]
        return cut[:-1] + "я" if cut.endswith(" ") else cut  # a cell's spaces are trimmed

    rows = [list(imports.COLUMNS)]
    for _ in range(imports.MAX_ROWS):
        rows.append(
            [
                "need",
                text(imports.LIMITS["title"]),
                text(imports.LIMITS["description"]),
                "healthcare",
                "",
                "hospital",
                "UA-18",
                text(imports.LIMITS["scale"]),
                text(imports.LIMITS["timing"]),
                "members",
            ]
        )
    return workbook(rows)


@pytest.mark.django_db
def test_a_workbook_of_the_most_rows_at_their_longest_imports(reference):
    spheres_load()
    content = longest_rows_workbook()
    assert len(content) < imports.MAX_BYTES
    rows = imports.read_upload(SimpleUploadedFile("posts.xlsx", content))
    assert len(rows) == imports.MAX_ROWS
    assert len(rows[0]["values"]["description"]) == imports.LIMITS["description"]
    assert all(row.valid for row, _fields in imports.check_rows(rows))


def office_zip(*entries: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "embedded",
    [
        ("xl/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),
        ("xl/embeddings/Microsoft_Word_Document.docx", office_zip(("word/document.xml", b"<w/>"))),
        ("ppt/embeddings/Microsoft_Excel_Worksheet.xlsx", office_zip(("xl/a.xml", b"<a/>"))),
    ],
    ids=["ole-object", "embedded-docx", "pptx-embedded-xlsx"],
)
def test_a_workbook_with_an_embedded_object_is_accepted(embedded):
    """Excel and PowerPoint keep embedded objects where Word does, and they are as unread."""
    content = office_zip(
        ("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>"), embedded
    )
    files.check_archive(io.BytesIO(content), "budget.xlsx", max_unpacked=imports.MAX_UNPACKED)
    files.check_archive(
        io.BytesIO(content),
        "budget.xlsx",
        max_unpacked=imports.MAX_UNPACKED,
        max_parts=imports.MAX_PARTS,
    )


def test_an_archive_elsewhere_in_a_workbook_is_still_refused():
    content = office_zip(("xl/media/image1.png", office_zip(("a.txt", b"a"))))
    with (
        pytest.raises(ValidationError, match="contains another archive"),
        translation.override("en"),
    ):
        files.check_archive(io.BytesIO(content), "budget.xlsx", max_unpacked=imports.MAX_UNPACKED)
