"""Uploaded documents: the type is read from the content, never taken from the name alone."""

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
EXTENSIONS = {".pdf": PDF, ".docx": DOCX, ".odt": ODT}


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str
    name: str


def _sniff(upload: UploadedFile) -> str | None:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
            if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
                return ODT
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    finally:
        upload.seek(0)
    return None


def check_document_upload(upload: UploadedFile) -> CheckedFile:
    """A PDF, DOCX or ODT under the size limit whose content matches its name, or a clear error."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("The file is empty."))
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large (at most %(limit)s).") % {"limit": filesizeformat(limit)}
        )
    name = PurePath((upload.name or "").replace("\x00", "")).name[-200:]
    claimed = EXTENSIONS.get(PurePath(name).suffix.lower())
    if claimed is None:
        raise ValidationError(_("Only PDF, DOCX and ODT files are accepted."))
    actual = _sniff(upload)
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
    with the name and type recorded when it was checked."""
    return FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.original_name,
        content_type=stored.content_type,
    )
