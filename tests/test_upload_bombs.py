"""A document upload is looked into, never unpacked: archives that unpack to far more than their
size (zip bombs) are refused, and checking one costs what its few hundred kilobytes cost."""

import io
import json
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from regionbridge.lib.files import DOCX, ODT, PDF, check_document_upload
from tests.test_uploads import DOCX_BYTES, ODT_BYTES, PDF_BYTES, zipped

MiB = 1024 * 1024
REPO = Path(__file__).resolve().parents[1]
ODT_MIMETYPE = ODT.encode()
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCUMENT_XML = b'<?xml version="1.0"?><w:document><w:body/></w:document>'
DOCM_CONTENT_TYPES = CONTENT_TYPES.replace(
    b"wordprocessingml.document.main", b"ms-word.document.macroEnabled.main"
)


def check(name: str, content: bytes) -> str:
    return check_document_upload(SimpleUploadedFile(name, content)).content_type


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        check_document_upload(SimpleUploadedFile(name, content))
    return " ".join(caught.value.messages)


def odt(*entries: tuple[str, bytes]) -> bytes:
    return zipped([("mimetype", ODT_MIMETYPE), *entries], stored_first=True)


def deflated_zeros(path: Path, *, entry: str, size: int, head: bytes = b"") -> Path:
    """An archive whose one entry is `head` and then `size` zero bytes, written in chunks so that
    building it costs no more memory than checking it should."""
    chunk = bytes(MiB)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(entry, "w", force_zip64=True) as out,
    ):
        out.write(head)
        for _ in range(size // MiB):
            out.write(chunk)
    return path


def lying_about_sizes(content: bytes, *, unpacked: int | None = None, entries: int | None = None):
    """The same archive, its central directory claiming other sizes or another entry count."""
    data = bytearray(content)
    end = data.rindex(b"PK\x05\x06")
    if entries is not None:
        struct.pack_into("<HH", data, end + 8, entries, entries)
    if unpacked is not None:
        directory = data.index(b"PK\x01\x02")
        struct.pack_into("<I", data, directory + 24, unpacked)
    return bytes(data)


@pytest.fixture(scope="session")
def bomb(tmp_path_factory) -> Path:
    """A 0.5 MB ODT whose `mimetype` entry unpacks to 512 MiB (about 6 s to build, once)."""
    path = tmp_path_factory.mktemp("bombs") / "bomb.odt"
    return deflated_zeros(path, entry="mimetype", size=512 * MiB, head=ODT_MIMETYPE)


MEASURE = """
import json, os, resource, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regionbridge.settings")
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from regionbridge.lib.files import check_document_upload
with open(sys.argv[1], "rb") as file:
    upload = SimpleUploadedFile(sys.argv[2], file.read())
translation.activate("en")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    outcome = check_document_upload(upload).content_type
except ValidationError as refused:
    outcome = " ".join(refused.messages)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcome": outcome, "grew_kib": after - before}))
"""


def checked_in_a_fresh_process(path: Path, name: str) -> dict:
    """Check a file in a new Python; its outcome and how much its peak memory (RSS) grew."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), name],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the bomb ------------------------------------------------------------------------------------


def test_checking_a_zip_bomb_keeps_memory_flat(bomb):
    assert bomb.stat().st_size < MiB
    started = time.monotonic()
    result = checked_in_a_fresh_process(bomb, "memorandum.odt")
    assert "would unpack to more than 200.0\xa0MB" in result["outcome"]
    assert result["grew_kib"] < 20 * 1024, result  # the whole entry read at once: ~1 GB
    assert time.monotonic() - started < 30


def test_a_normal_document_checked_the_same_way_passes(tmp_path):
    path = tmp_path / "memorandum.odt"
    path.write_bytes(ODT_BYTES)
    assert checked_in_a_fresh_process(path, "memorandum.odt")["outcome"] == ODT


def test_a_bomb_is_refused_whatever_its_name_claims(bomb):
    content = bomb.read_bytes()
    for name in ("memorandum.odt", "memorandum.docx"):
        assert "would unpack to more than" in refusal(name, content)


# --- what an archive may declare -----------------------------------------------------------------


def test_an_archive_compressed_over_100_to_1_is_refused(tmp_path):
    path = deflated_zeros(tmp_path / "x.zip", entry="content.xml", size=50 * MiB)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("mimetype", ODT_MIMETYPE)
    assert refusal("memorandum.odt", path.read_bytes()) == (
        "memorandum.odt is compressed far more than a real document is (over 100 to 1); "
        "such files are not accepted."
    )


def test_a_small_archive_may_compress_well():
    """Below 1 MB unpacked a high ratio costs nobody anything: a page of repeated table rows."""
    content = odt(("content.xml", b"<table:table-row/>" * 40_000))
    assert check("memorandum.odt", content) == ODT


def test_an_archive_declaring_over_200_mb_is_refused():
    random_looking = bytes(range(256)) * (12 * 1024)  # 3 MB, stored: about 1 to 1
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", random_looking, compress_type=zipfile.ZIP_STORED)
        archive.writestr("mimetype", ODT_MIMETYPE, compress_type=zipfile.ZIP_STORED)
    content = lying_about_sizes(buffer.getvalue(), unpacked=250 * MiB)  # 83 to 1: under 100
    assert refusal("memorandum.odt", content) == (
        "memorandum.odt would unpack to more than 200.0\xa0MB; such files are not accepted."
    )


def test_an_archive_of_more_than_10000_parts_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("mimetype", ODT_MIMETYPE)
        for number in range(10_000):
            archive.writestr(f"p/{number}", b"")
    assert refusal("memorandum.odt", buffer.getvalue()) == (
        "memorandum.odt has too many parts (over 10000); such files are not accepted."
    )


def test_a_directory_too_large_is_refused_before_it_is_read():
    """The end record may understate the count; the directory's size bounds what zipfile reads."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("mimetype", ODT_MIMETYPE)
        for number in range(25_000):
            archive.writestr(f"Pictures/{number:040d}", b"")
    content = lying_about_sizes(buffer.getvalue(), entries=2)
    assert "has too many parts" in refusal("memorandum.odt", content)


@pytest.mark.parametrize(
    "inner",
    [zipped([("a.txt", b"a")]), b"\x1f\x8b\x08\x00" + bytes(20), b"7z\xbc\xaf\x27\x1c" + bytes(20)],
    ids=["zip", "gzip", "7z"],
)
def test_an_archive_inside_a_document_is_refused(inner):
    content = odt(("content.xml", b"<office:document-content/>"), ("Pictures/x.png", inner))
    assert refusal("memorandum.odt", content) == (
        "memorandum.odt contains another archive (x.png); such files are not accepted."
    )


# --- real documents still pass -------------------------------------------------------------------


def test_a_docx_with_an_embedded_spreadsheet_and_a_picture_passes():
    content = zipped(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", b"<Relationships/>"),
            ("word/document.xml", DOCUMENT_XML),
            ("word/media/image1.png", b"\x89PNG\r\n\x1a\n" + bytes(2000)),
            ("word/embeddings/Microsoft_Excel_Worksheet.xlsx", zipped([("xl/a.xml", b"<a/>")])),
        ]
    )
    assert check("budget.docx", content) == DOCX


def test_a_docx_whose_parts_are_in_utf16_passes():
    """XML parts of a package may be UTF-16 (with a byte order mark) as well as UTF-8."""
    content = zipped(
        [
            ("[Content_Types].xml", CONTENT_TYPES.decode().encode("utf-16")),
            ("word/document.xml", DOCUMENT_XML.decode().encode("utf-16")),
        ]
    )
    assert check("memorandum.docx", content) == DOCX


def test_the_existing_documents_pass():
    assert check("memorandum.docx", DOCX_BYTES) == DOCX
    assert check("memorandum.odt", ODT_BYTES) == ODT
    assert check("memorandum.pdf", PDF_BYTES) == PDF


def test_a_pdf_declaring_a_huge_stream_passes():
    """We do not parse PDFs, so whatever one declares inside costs nothing here."""
    content = PDF_BYTES.replace(b"trailer", b"3 0 obj << /Length 99999999999 >> stream\nendobj\n")
    assert check("memorandum.pdf", content) == PDF


# --- DOCX by content, not by part names alone ----------------------------------------------------


@pytest.mark.parametrize(
    ("content_types", "document"),
    [
        (DOCM_CONTENT_TYPES, DOCUMENT_XML),
        (b"<Types/>", DOCUMENT_XML),
        (CONTENT_TYPES, b"MZ\x90\x00 an executable"),
    ],
    ids=["macro-enabled-docm", "no-main-part-type", "document-part-not-xml"],
)
def test_a_docx_must_say_it_is_a_word_document(content_types, document):
    content = zipped([("[Content_Types].xml", content_types), ("word/document.xml", document)])
    assert "not what its name says" in refusal("memorandum.docx", content)


def test_an_encrypted_or_oddly_compressed_part_is_refused_not_a_crash():
    encrypted = bytearray(ODT_BYTES)
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = encrypted.index(signature)
        struct.pack_into("<H", encrypted, at + flags_at, 1)  # "encrypted", first entry
    unknown = bytearray(ODT_BYTES)
    for signature, method_at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = unknown.index(signature)
        struct.pack_into("<H", unknown, at + method_at, 99)  # AES: not supported
    for content in (bytes(encrypted), bytes(unknown)):
        assert "not what its name says" in refusal("memorandum.odt", content)
