"""Uploaded documents: the type is read from the content, never taken from the name alone.

DOCX and ODT files are ZIP archives. An archive is looked into without unpacking it: only its
directory is read (after checking the directory's own size), and at most a few kilobytes of the
one or two entries that say what the document is. A 0.5 MB file whose entry unpacks to 512 MiB
therefore costs what 0.5 MB costs; archives that would cost their readers (other people's office
programs, previews) far more than their size are refused outright.
"""

import hashlib
import unicodedata
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
EXTENSIONS = {".pdf": PDF, ".docx": DOCX, ".odt": ODT}

NAME_MAX_CHARS = 200
# What one document may hold, unpacked: a long text with many pictures is a few tens of MB.
ARCHIVE_MAX_UNPACKED = 200 * 1024 * 1024
ARCHIVE_MAX_RATIO = 100  # text compresses about 10:1; zeros about 1000:1
ARCHIVE_RATIO_FROM = 1024 * 1024  # below this, a high ratio costs nobody anything
ARCHIVE_MAX_ENTRIES = 10_000
# zipfile reads the whole directory into memory, an object per entry: bounded before it does.
ARCHIVE_MAX_DIRECTORY_BYTES = 1024 * 1024
ENTRY_READ_BYTES = 256 * 1024  # the most read of any entry ([Content_Types].xml is ~2 KB)
# Office keeps embedded objects (spreadsheets, documents, themselves ZIP files) here; never opened.
_EMBEDDINGS = ("word/embeddings/", "xl/embeddings/", "ppt/embeddings/")
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!")
_ARCHIVE_FAULTS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    KeyError,
    ValueError,
    NotImplementedError,  # an unsupported compression method
    RuntimeError,  # an encrypted entry
    zlib.error,
)
# Control characters, invisible formatting (a right-to-left override turns "fdp.exe" round),
# surrogates, private and unassigned code points, line and paragraph separators.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str
    name: str


def clean_name(raw: str) -> str:
    """A client's file name fit to keep and to show: its last part only, in NFC, without control
    or invisible characters, and at most NAME_MAX_CHARS long, its extension kept."""
    name = unicodedata.normalize("NFC", raw or "")
    name = "".join(c for c in name if unicodedata.category(c) not in _DROPPED_CATEGORIES)
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if len(name) <= NAME_MAX_CHARS:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= 10:
        return stem[: NAME_MAX_CHARS - len(extension) - 1].rstrip() + dot + extension
    return name[:NAME_MAX_CHARS].rstrip()


class SafeTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary-file handler (for uploads over FILE_UPLOAD_MAX_MEMORY_SIZE), except
    that the temporary file's own name does not end with the client's "extension": Django puts
    it there, and a 300-character one made the file system refuse the file (a 500)."""

    def new_file(self, field_name: str, file_name: str, *args, **kwargs) -> None:
        super().new_file(field_name, "upload", *args, **kwargs)
        self.file_name = file_name
        self.file.name = file_name


class TooLargeUnpacked(ValidationError):
    """An archive, or one of its entries (`entry`), declares more than its bound unpacked: the
    caller, who knows why the bound is what it is, may say what to do about it."""

    def __init__(self, message: str, *, entry: str | None, limit: int):
        super().__init__(message, code="unsafe_archive")
        self.entry, self.limit = entry, limit


def _refusal(message: str, name: str, **values) -> ValidationError:
    return ValidationError(message % {"name": name, **values}, code="unsafe_archive")


def _too_many_parts(name: str) -> ValidationError:
    return _refusal(
        _("%(name)s has too many parts (over %(limit)s); such files are not accepted."),
        name,
        limit=ARCHIVE_MAX_ENTRIES,
    )


def _directory_extent(upload: IO[bytes]) -> tuple[int, int]:
    """(entries, bytes) of the archive's central directory as its end record states them.
    zipfile's own reading of the end record, so that both agree on which directory it is."""
    end = zipfile._EndRecData(upload)
    if end is None:
        raise zipfile.BadZipFile
    return end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]


def _head(archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int) -> bytes:
    """The first `size` bytes of an entry, unpacked; never more, whatever the entry declares."""
    with archive.open(info) as entry:
        return entry.read(size)


def _xml_text(head: bytes) -> str:
    """The start of an XML part, which may be UTF-8 or UTF-16 (with a byte order mark)."""
    encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
    return head.decode(encoding, errors="ignore")


def _part_limit(filename: str, max_parts: Sequence[tuple[str, int]]) -> int | None:
    """The bound of the first pattern (fnmatch, case-sensitive; `*` crosses folders) the name
    matches, or None."""
    return next((limit for pattern, limit in max_parts if fnmatchcase(filename, pattern)), None)


def _check_archive(
    archive: zipfile.ZipFile,
    name: str,
    max_unpacked: int = ARCHIVE_MAX_UNPACKED,
    max_parts: Sequence[tuple[str, int]] = (),
) -> list[zipfile.ZipInfo]:
    """Refuse archives that would cost their readers far more than their size."""
    infos = archive.infolist()
    if len(infos) > ARCHIVE_MAX_ENTRIES:
        raise _too_many_parts(name)
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos)
    if unpacked > max_unpacked:
        raise TooLargeUnpacked(
            _("%(name)s would unpack to more than %(limit)s; such files are not accepted.")
            % {"name": name, "limit": filesizeformat(max_unpacked)},
            entry=None,
            limit=max_unpacked,
        )
    if unpacked > ARCHIVE_RATIO_FROM and unpacked > ARCHIVE_MAX_RATIO * packed:
        raise _refusal(
            _(
                "%(name)s is compressed far more than a real document is (over %(ratio)s to 1); "
                "such files are not accepted."
            ),
            name,
            ratio=ARCHIVE_MAX_RATIO,
        )
    for info in infos:
        # Sizes as the directory declares them: zipfile never unpacks an entry past its declared
        # size (it stops there, and a wrong checksum then raises), so a bound on them holds.
        limit = _part_limit(info.filename, max_parts)
        if limit is not None and info.file_size > limit:
            raise TooLargeUnpacked(
                _("%(name)s has a part (%(entry)s) over %(limit)s unpacked.")
                % {
                    "name": name,
                    "entry": clean_name(info.filename),
                    "limit": filesizeformat(limit),
                },
                entry=info.filename,
                limit=limit,
            )
    for info in infos:
        if info.file_size < 4 or info.filename.startswith(_EMBEDDINGS):
            continue
        if _head(archive, info, 8).startswith(_ARCHIVE_MAGIC):
            raise _refusal(
                _("%(name)s contains another archive (%(entry)s); such files are not accepted."),
                name,
                entry=clean_name(info.filename),
            )
    return infos


def _sniff_package(upload: UploadedFile, name: str) -> str | None:
    entries, directory_bytes = _directory_extent(upload)
    if entries > ARCHIVE_MAX_ENTRIES or directory_bytes > ARCHIVE_MAX_DIRECTORY_BYTES:
        raise _too_many_parts(name)
    with zipfile.ZipFile(upload) as archive:
        infos = {info.filename: info for info in _check_archive(archive, name)}
        content_types, document = infos.get("[Content_Types].xml"), infos.get("word/document.xml")
        if content_types is not None and document is not None:
            # The main part's type tells a document from a macro-enabled one (.docm) or a template.
            declared = _xml_text(_head(archive, content_types, ENTRY_READ_BYTES))
            text = _xml_text(_head(archive, document, 64)).lstrip("\ufeff \t\r\n")
            if "wordprocessingml.document.main+xml" in declared and text.startswith("<"):
                return DOCX
        mimetype = infos.get("mimetype")
        if mimetype is not None and _head(archive, mimetype, len(ODT) + 64).strip() == ODT.encode():
            return ODT
    return None


def check_archive(
    upload: IO[bytes], name: str, *, max_unpacked: int, max_parts: Sequence[tuple[str, int]] = ()
) -> None:
    """A ZIP-based file (a worksheet) that may be opened by a reader: its directory, its size
    unpacked (at most `max_unpacked`), its compression ratio and its entries checked as a
    document's are, without unpacking anything; else a ValidationError that says why.

    `max_parts` bounds single entries by name, as (fnmatch pattern, bytes unpacked) pairs, the
    first matching pattern applying: a reader that loads a whole part into memory (a workbook's
    shared strings) costs what that part declares, whatever the total. An entry over its bound
    raises TooLargeUnpacked, as does the whole over `max_unpacked`."""
    upload.seek(0)
    try:
        entries, directory_bytes = _directory_extent(upload)
        if entries > ARCHIVE_MAX_ENTRIES or directory_bytes > ARCHIVE_MAX_DIRECTORY_BYTES:
            raise _too_many_parts(name)
        with zipfile.ZipFile(upload) as archive:
            _check_archive(archive, name, max_unpacked, max_parts)
    except _ARCHIVE_FAULTS:
        raise ValidationError(
            _("%(name)s is damaged or not a real spreadsheet.") % {"name": name}
        ) from None
    finally:
        upload.seek(0)


def _sniff(upload: UploadedFile, name: str) -> str | None:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF  # never parsed here, so whatever it declares inside costs nothing
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        return _sniff_package(upload, name)
    except _ARCHIVE_FAULTS:
        return None
    finally:
        upload.seek(0)


def check_document_upload(upload: UploadedFile) -> CheckedFile:
    """A PDF, DOCX or ODT under the size limit whose content matches its name, and which does not
    unpack to far more than its size; or a clear error. The name is cleaned (see clean_name)."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("The file is empty."))
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large (at most %(limit)s).") % {"limit": filesizeformat(limit)}
        )
    name = clean_name(upload.name or "")
    claimed = EXTENSIONS.get(PurePath(name).suffix.lower())
    if claimed is None:
        raise ValidationError(_("Only PDF, DOCX and ODT files are accepted."))
    actual = _sniff(upload, name)
    if actual != claimed:
        raise ValidationError(
            _("The file is not what its name says: %(name)s is not a valid %(ext)s file.")
            % {"name": name, "ext": PurePath(name).suffix.lower().lstrip(".").upper()}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(content_type=actual, size=upload.size, sha256=digest.hexdigest(), name=name)


def download(stored) -> FileResponse:
    """Send a checked, stored upload (a document version, an attachment) as an attachment,
    with the name and type recorded when it was checked (cleaned again: older rows)."""
    return FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=clean_name(stored.original_name),
        content_type=stored.content_type,
    )
