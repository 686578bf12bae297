"""Uploaded documents are what their content says, not what their name claims."""

import hashlib
import io
import unicodedata
import zipfile
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from regionbridge.accounts.services import token_issue
from regionbridge.lib.files import (
    DOCX,
    NAME_MAX_CHARS,
    ODT,
    PDF,
    check_document_upload,
    clean_name,
    download,
)
from regionbridge.messaging.models import Attachment
from regionbridge.messaging.services import thread_create
from regionbridge.partnerships import clearance, services
from regionbridge.partnerships.models import Document, DocumentStatus, DocumentVersion
from tests.conftest import org, region

PDF_BYTES = (
    b"%PDF-1.4\n"
    b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
HTML_BYTES = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def zipped(entries: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, content) in enumerate(entries):
            kind = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=kind)
    return buffer.getvalue()


DOCX_BYTES = zipped(
    [
        (
            "[Content_Types].xml",
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Override PartName="/word/document.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        ),
        ("_rels/.rels", b'<?xml version="1.0"?><Relationships/>'),
        (
            "word/document.xml",
            b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Memorandum</w:t></w:r></w:p>'
            b"</w:body></w:document>",
        ),
    ]
)
ODT_BYTES = zipped(
    [
        ("mimetype", ODT.encode()),
        ("content.xml", b'<?xml version="1.0"?><office:document-content/>'),
        ("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest:manifest/>'),
    ],
    stored_first=True,
)
RANDOM_ZIP_BYTES = zipped([("notes.txt", b"not a document"), ("photo.jpg", b"\xff\xd8\xff")])


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        check_document_upload(upload(name, content))
    return " ".join(caught.value.messages)


# --- check_document_upload ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("memorandum.pdf", PDF_BYTES, PDF),
        ("memorandum.docx", DOCX_BYTES, DOCX),
        ("memorandum.odt", ODT_BYTES, ODT),
        ("MEMORANDUM.PDF", PDF_BYTES, PDF),
    ],
)
def test_real_documents_are_accepted(name, content, content_type):
    checked = check_document_upload(upload(name, content))
    assert checked.content_type == content_type
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.name == name


def test_the_claimed_content_type_is_ignored():
    """The browser's content type is the client's word; the bytes decide."""
    lying = SimpleUploadedFile("memorandum.pdf", PDF_BYTES, content_type="text/html")
    assert check_document_upload(lying).content_type == PDF


def test_the_file_is_left_readable_from_the_start():
    file = upload("memorandum.docx", DOCX_BYTES)
    check_document_upload(file)
    assert file.read() == DOCX_BYTES


def test_a_path_in_the_name_is_dropped():
    checked = check_document_upload(upload("../../etc/memorandum.pdf", PDF_BYTES))
    assert checked.name == "memorandum.pdf"


def test_an_empty_file_is_refused():
    assert refusal("memorandum.pdf", b"") == "The file is empty."


def test_a_file_over_the_limit_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = len(PDF_BYTES) - 1
    assert "too large" in refusal("memorandum.pdf", PDF_BYTES)
    settings.UPLOAD_MAX_BYTES = len(PDF_BYTES)
    assert check_document_upload(upload("memorandum.pdf", PDF_BYTES)).size == len(PDF_BYTES)


def test_the_size_message_states_a_limit_below_one_megabyte(settings):
    settings.UPLOAD_MAX_BYTES = 512 * 1024
    message = refusal("memorandum.pdf", b"%PDF-1.4\n" + b"0" * (600 * 1024))
    assert "too large" in message
    assert "at most 0 MB" not in message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("page.html", HTML_BYTES),
        ("memorandum", PDF_BYTES),
        ("memorandum.pdf.exe", PDF_BYTES),
        ("memorandum.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
    ],
)
def test_other_kinds_of_file_are_refused_by_name(name, content):
    assert refusal(name, content) == "Only PDF, DOCX and ODT files are accepted."


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("memorandum.docx", PDF_BYTES),
        ("memorandum.odt", PDF_BYTES),
        ("memorandum.pdf", HTML_BYTES),
        ("memorandum.docx", RANDOM_ZIP_BYTES),
        ("memorandum.odt", RANDOM_ZIP_BYTES),
        ("memorandum.odt", DOCX_BYTES),
        ("memorandum.docx", ODT_BYTES),
        ("memorandum.pdf", DOCX_BYTES),
        ("memorandum.docx", b"PK\x03\x04 but not really a zip archive"),
    ],
    ids=[
        "pdf-as-docx",
        "pdf-as-odt",
        "html-as-pdf",
        "zip-as-docx",
        "zip-as-odt",
        "docx-as-odt",
        "odt-as-docx",
        "docx-as-pdf",
        "broken-zip-as-docx",
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(name, content):
    extension = name.rsplit(".", 1)[1].upper()
    assert refusal(name, content) == (
        f"The file is not what its name says: {name} is not a valid {extension} file."
    )


def test_an_odt_needs_the_text_mimetype():
    spreadsheet = zipped([("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")])
    assert "not what its name says" in refusal("table.odt", spreadsheet)


# --- document_add_version ------------------------------------------------------------------------


@pytest.fixture
def document(coordinator, zhytomyr, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    partnership = services.partnership_create(
        by=coordinator,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-IN"),
        first_event="reported_negotiating",
        first_event_on=date(2024, 6, 1),
    )
    return clearance.document_create(partnership=partnership, kind="memorandum", by=zhytomyr)


def add(document, language, name, content, by):
    return clearance.document_add_version(
        document=document, language=language, upload=upload(name, content), by=by
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("memorandum.pdf", PDF_BYTES, PDF),
        ("memorandum.docx", DOCX_BYTES, DOCX),
        ("memorandum.odt", ODT_BYTES, ODT),
    ],
)
def test_a_version_stores_the_checked_file(
    document, zhytomyr, tmp_path, name, content, content_type
):
    version = add(document, "uk", name, content, zhytomyr)
    version.refresh_from_db()
    assert version.content_type == content_type
    assert version.sha256 == hashlib.sha256(content).hexdigest()
    assert version.size == len(content)
    assert version.original_name == name
    assert version.uploaded_by == zhytomyr
    assert version.number == 1
    assert str(tmp_path) in version.file.path
    assert version.file.name.endswith(name[name.rfind(".") :])
    with version.file.open("rb") as stored:
        assert stored.read() == content


def test_version_numbers_increase_per_language(document, zhytomyr):
    numbers = [
        (v.language, v.number)
        for v in [
            add(document, "uk", "draft.pdf", PDF_BYTES, zhytomyr),
            add(document, "uk", "draft.docx", DOCX_BYTES, zhytomyr),
            add(document, "en", "draft.pdf", PDF_BYTES, zhytomyr),
            add(document, "uk", "draft.odt", ODT_BYTES, zhytomyr),
            add(document, "en", "draft.docx", DOCX_BYTES, zhytomyr),
        ]
    ]
    assert numbers == [("uk", 1), ("uk", 2), ("en", 1), ("uk", 3), ("en", 2)]
    assert document.versions.count() == 5


def test_a_refused_file_is_not_stored(document, zhytomyr, tmp_path):
    with pytest.raises(ValidationError):
        add(document, "uk", "memorandum.pdf", HTML_BYTES, zhytomyr)
    assert not document.versions.exists()
    assert not any(path.is_file() for path in tmp_path.rglob("*"))


def test_a_version_must_be_in_ukrainian_or_english(document, zhytomyr):
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        add(document, "de", "memorandum.pdf", PDF_BYTES, zhytomyr)
    assert caught.value.messages == ["The text must be in Ukrainian or English."]
    assert not document.versions.exists()


def test_uploads_are_refused_while_under_review(document, zhytomyr, ministry):
    add(document, "uk", "draft.pdf", PDF_BYTES, zhytomyr)
    clearance.document_submit(document=document, by=zhytomyr)
    document = Document.objects.get(pk=document.pk)
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        add(document, "uk", "draft-2.pdf", PDF_BYTES, zhytomyr)
    assert caught.value.messages == [
        "A new text cannot be added while the document is under review."
    ]
    assert document.versions.count() == 1

    # Returned with comments: a revised text is welcome again.
    clearance.document_review(
        document=document,
        ministry=org("mfa"),
        decision="returned",
        by=ministry,
        comments="Name the spheres.",
    )
    document = Document.objects.get(pk=document.pk)
    assert document.status == DocumentStatus.RETURNED
    assert add(document, "uk", "draft-2.pdf", PDF_BYTES, zhytomyr).number == 2


@pytest.mark.parametrize("status", [DocumentStatus.EXPIRED, DocumentStatus.TERMINATED])
def test_uploads_are_refused_to_a_closed_document(document, zhytomyr, status):
    Document.objects.filter(pk=document.pk).update(status=status)
    document = Document.objects.get(pk=document.pk)
    with pytest.raises(ValidationError):
        add(document, "uk", "draft.pdf", PDF_BYTES, zhytomyr)
    assert not DocumentVersion.objects.filter(document=document).exists()


# --- long and odd file names, through every door ------------------------------------------------
#
# A browser sends whatever name the file has. Django keeps a multipart part's headers under
# 1 KiB, so a longer name never reaches our code: the request is refused with a 400 (by Django on
# the pages, by the API's error handler on the API). A name that fits is cleaned (no path, no
# control characters) and cut to NAME_MAX_CHARS, keeping its extension. Nothing is stored half-way.


class NamedBytes(io.BytesIO):
    """A file for the test client with any name (SimpleUploadedFile cuts names at 255)."""

    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name = name


# Over FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), so Django spools it to a temporary file.
LARGE_PDF_BYTES = PDF_BYTES + b"%" + b"0" * (3 * 1024 * 1024) + b"\n"
SIZES = {"small": PDF_BYTES, "temporary-file": LARGE_PDF_BYTES}


@pytest.fixture
def thread(zhytomyr, indiana):
    return thread_create(by=zhytomyr, subject="Draft memorandum", users=[indiana])


def page_document(client, user, document, thread, file):
    client.force_login(user)
    return client.post(
        f"/partnerships/documents/{document.pk}/upload/", {"language": "uk", "file": file}
    )


def page_message(client, user, document, thread, file):
    client.force_login(user)
    return client.post(f"/messages/{thread.pk}/post/", {"body": "", "files": [file]})


def api_document(client, user, document, thread, file):
    return client.post(
        f"/api/v1/documents/{document.pk}/versions",
        {"language": "uk", "file": file},
        headers={"Authorization": f"Bearer {token_issue(user=user, name='t')[1]}"},
    )


def api_message(client, user, document, thread, file):
    return client.post(
        f"/api/v1/threads/{thread.pk}/messages/with-files",
        {"body": "", "files": [file]},
        headers={"Authorization": f"Bearer {token_issue(user=user, name='t')[1]}"},
    )


DOORS = {
    "page-document": page_document,
    "page-message": page_message,
    "api-document": api_document,
    "api-message": api_message,
}


def records(document, thread) -> list:
    return [*document.versions.all(), *Attachment.objects.filter(message__thread=thread)]


def files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize(
    "name",
    ["m" * 4996 + ".pdf", "Меморандум" * 499 + ".pdf", "memorandum." + "p" * 900],
    ids=["5000-latin", "5000-cyrillic", "900-character-extension"],
)
def test_a_very_long_file_name_is_refused_clearly(
    client, document, thread, zhytomyr, tmp_path, door, size, name
):
    response = DOORS[door](client, zhytomyr, document, thread, NamedBytes(name, SIZES[size]))
    assert response.status_code == 400, response.content[:300]
    assert not records(document, thread)
    assert not files(tmp_path)
    assert not thread.messages.exists()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("door", DOORS)
def test_a_long_file_name_that_fits_is_cut_keeping_its_extension(
    client, document, thread, zhytomyr, tmp_path, door, size
):
    name = "Меморандум про співпрацю " * 16 + ".pdf"  # 404 characters, 740 bytes
    response = DOORS[door](client, zhytomyr, document, thread, NamedBytes(name, SIZES[size]))
    assert response.status_code in (200, 201, 302), response.content[:300]
    (record,) = records(document, thread)
    assert record.original_name == name[: NAME_MAX_CHARS - 4].rstrip() + ".pdf"
    assert len(files(tmp_path)) == 1


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("memo\x1b[31m\x7frandum\u202e.pdf", "memo[31mrandum.pdf"),
        ("C:\\Users\\olena\\memorandum.pdf", "memorandum.pdf"),
        ("memorandum\u2028.pdf", "memorandum.pdf"),
        ("  memorandum.pdf  ", "memorandum.pdf"),
        (unicodedata.normalize("NFD", "Угода й договір.pdf"), "Угода й договір.pdf"),
        ("x" * 300 + ".docx", "x" * (NAME_MAX_CHARS - 5) + ".docx"),
    ],
)
def test_names_are_cleaned(name, kept):
    assert clean_name(name) == kept


def test_the_download_name_is_safe_even_for_a_name_stored_before_the_cleaning(
    document, zhytomyr, client
):
    version = add(document, "uk", "memorandum.pdf", PDF_BYTES, zhytomyr)
    DocumentVersion.objects.filter(pk=version.pk).update(original_name='a"b\r\nSet-Cookie: x.pdf')
    version.refresh_from_db()
    response = download(version)
    assert "\n" not in response["Content-Disposition"]
    assert response["Content-Disposition"] == 'attachment; filename="a\\"bSet-Cookie: x.pdf"'
