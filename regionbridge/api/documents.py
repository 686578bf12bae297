"""A partnership's documents and their clearance: drafts, texts, reviews, signing, closing.

Endpoints translate: the service (`partnerships.clearance`) asks the policy and takes every
decision, including which clearing ministry a review counts for.
"""

from datetime import date

from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import model_validator

from regionbridge import policy
from regionbridge.api.auth import MEMBERS, require
from regionbridge.api.errors import answers
from regionbridge.api.schemas import DOWNLOAD, RegistryDate, Text, bilingual_input
from regionbridge.lib.files import download
from regionbridge.partnerships import clearance, selectors
from regionbridge.partnerships.models import (
    DocumentVersion,
    InstrumentKind,
    ReviewDecision,
    SignsFor,
)

router = Router(tags=["partnerships"])

# Operation ids from when these lived in api/partnerships.py: generated clients keep working.
OLD_ID = "regionbridge_api_partnerships_{}"


# --- schemas --------------------------------------------------------------------------------


class VersionOut(Schema):
    id: int
    language: str
    number: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    download_url: str

    @staticmethod
    def resolve_download_url(obj) -> str:
        return f"/api/v1/documents/versions/{obj.pk}/download"


class ReviewOut(Schema):
    ministry: str
    round: int
    decision: str
    comments: str
    order_number: str
    order_label: str  # "Наказ № 12" / "Order No. 12", in the reader's language

    @staticmethod
    def resolve_ministry(obj) -> str:
        return obj.ministry.key or str(obj.ministry_id)


class SignatoryOut(Schema):
    """`name`, `title` and `on_behalf_of` in the reader's language; `_uk` and `_en` beside."""

    name: str
    name_uk: str
    name_en: str
    title: str
    title_uk: str
    title_en: str
    signs_for: str
    on_behalf_of: str
    on_behalf_of_uk: str
    on_behalf_of_en: str


class DocumentOut(Schema):
    id: int
    partnership_id: int
    kind: str
    title_en: str
    title_uk: str
    status: str
    review_round: int
    signed_on: date | None
    signed_place: str
    signed_place_uk: str
    signed_place_en: str
    signed_online: bool
    valid_until: date | None
    versions: list[VersionOut]
    reviews: list[ReviewOut]
    signatories: list[SignatoryOut]


class DocumentIn(Schema):
    kind: InstrumentKind
    title_en: str = Field("", max_length=300)
    title_uk: str = Field("", max_length=300)


class ReviewIn(Schema):
    decision: ReviewDecision
    comments: str = Field("", max_length=5000)
    order_number: str = Field("", max_length=100)
    ministry: str | None = Field(None, description="mfa or mindev, when you review for both")


SIGNATORY_TEXTS = ("name", "title", "on_behalf_of")
OLD = "The value in one language; kept for older scripts: `{0}_uk` / `{0}_en` say which."


class SignatoryIn(Schema):
    """Each text in Ukrainian (`_uk`) and English (`_en`); a name in one of them at least. The
    single fields are still accepted: Cyrillic is taken as Ukrainian, anything else as English."""

    name: Text(200, description=OLD.format("name")) | None = None
    name_uk: Text(200) | None = None
    name_en: Text(200) | None = None
    title: Text(255, description=OLD.format("title")) | None = None
    title_uk: Text(255) | None = None
    title_en: Text(255) | None = None
    signs_for: SignsFor
    on_behalf_of: Text(255, description=OLD.format("on_behalf_of")) | None = None
    on_behalf_of_uk: Text(255) | None = None
    on_behalf_of_en: Text(255) | None = None

    @model_validator(mode="after")
    def named(self):
        if not any((value or "").strip() for value in (self.name, self.name_uk, self.name_en)):
            raise ValueError("A signatory needs a name, in Ukrainian or in English.")
        return self

    def texts(self) -> dict[str, str]:
        data = bilingual_input(self.dict(), *SIGNATORY_TEXTS)
        return {key: data.get(key) or "" for key in data} | {"signs_for": self.signs_for}


class SignIn(Schema):
    signed_on: RegistryDate
    place: Text(255, description=OLD.format("place")) | None = None
    place_uk: Text(255) | None = None
    place_en: Text(255) | None = None
    online: bool = False
    valid_until: RegistryDate | None = None
    signatories: list[SignatoryIn] = []
    source: str = Field("", max_length=500)


class CloseIn(Schema):
    status: str = Field(..., pattern="^(expired|terminated)$")


# --- endpoints ------------------------------------------------------------------------------


@router.get(
    "/partnerships/{partnership_id}/documents",
    response=answers(list[DocumentOut], 404),
    operation_id=OLD_ID.format("list_documents"),
    auth=MEMBERS,
)
def list_documents(request, partnership_id: int):
    partnership = selectors.access_partnership(request.user, partnership_id)
    return selectors.documents_of(request.user, partnership)


@router.post(
    "/partnerships/{partnership_id}/documents",
    response=answers({201: DocumentOut}, 403, 404, body=True),
    operation_id=OLD_ID.format("create_document"),
    auth=MEMBERS,
)
def create_document(request, partnership_id: int, payload: DocumentIn):
    document = clearance.document_create(
        partnership=selectors.access_partnership(request.user, partnership_id),
        by=request.user,
        kind=payload.kind,
        title_en=payload.title_en,
        title_uk=payload.title_uk,
    )
    return Status(201, document)


@router.get(
    "/documents/{document_id}",
    response=answers(DocumentOut, 404),
    operation_id=OLD_ID.format("get_document"),
    auth=MEMBERS,
)
def get_document(request, document_id: int):
    return selectors.access_document(request.user, document_id)


@router.post(
    "/documents/{document_id}/versions",
    response=answers({201: VersionOut}, 403, 404, body=True),
    operation_id=OLD_ID.format("upload_version"),
    auth=MEMBERS,
)
def upload_version(
    request,
    document_id: int,
    file: UploadedFile = File(...),
    language: str = Form(..., pattern="^(uk|en)$"),
):
    version = clearance.document_add_version(
        document=selectors.access_document(request.user, document_id),
        language=language,
        upload=file,
        by=request.user,
    )
    return Status(201, version)


@router.get(
    "/documents/versions/{version_id}/download",
    response=answers({200: None}, 404),
    operation_id=OLD_ID.format("download_version"),
    auth=MEMBERS,
    openapi_extra=DOWNLOAD,
)
def download_version(request, version_id: int):
    version = get_object_or_404(policy.visible(request.user, DocumentVersion), pk=version_id)
    return download(version)


@router.post(
    "/documents/{document_id}/submit",
    response=answers(DocumentOut, 403, 404),
    operation_id=OLD_ID.format("submit_document"),
    auth=MEMBERS,
)
def submit_document(request, document_id: int):
    document = selectors.access_document(request.user, document_id)
    clearance.document_submit(document=document, by=request.user)
    return selectors.access_document(request.user, document_id)


@router.post(
    "/documents/{document_id}/reviews",
    response=answers({201: ReviewOut}, 403, 404, body=True),
    operation_id=OLD_ID.format("review_document"),
    auth=MEMBERS,
)
def review_document(request, document_id: int, payload: ReviewIn):
    review = clearance.document_review(
        document=selectors.access_document(request.user, document_id),
        ministry=payload.ministry or "",
        decision=payload.decision,
        comments=payload.comments,
        order_number=payload.order_number,
        by=request.user,
    )
    return Status(201, review)


@router.post(
    "/documents/{document_id}/sign",
    response=answers(DocumentOut, 403, 404, body=True),
    operation_id=OLD_ID.format("sign_document"),
    auth=MEMBERS,
)
def sign_document(request, document_id: int, payload: SignIn):
    place = bilingual_input(payload.dict(include={"place", "place_uk", "place_en"}), "place")
    clearance.document_sign(
        document=selectors.access_document(request.user, document_id),
        by=request.user,
        signed_on=payload.signed_on,
        online=payload.online,
        valid_until=payload.valid_until,
        signatories=[signatory.texts() for signatory in payload.signatories],
        source=payload.source,
        **place,
    )
    return selectors.access_document(request.user, document_id)


@router.post(
    "/documents/{document_id}/close",
    response=answers(DocumentOut, 403, 404, body=True),
    operation_id=OLD_ID.format("close_document"),
    auth=MEMBERS,
)
def close_document(request, document_id: int, payload: CloseIn):
    clearance.document_close(
        document=selectors.access_document(request.user, document_id),
        by=request.user,
        status=payload.status,
    )
    return selectors.access_document(request.user, document_id)


@router.get(
    "/reviews/queue",
    response=answers(list[DocumentOut], 403, takes_input=False),
    operation_id=OLD_ID.format("review_queue"),
    auth=MEMBERS,
)
def review_queue(request):
    require(request.user, policy.Action.REVIEW_QUEUE_VIEW)
    return selectors.review_queue(request.user)
