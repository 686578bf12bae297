"""Threads and messages: the same rules as the pages (participants only)."""

from datetime import datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from regionbridge import policy
from regionbridge.api.auth import MEMBERS, require
from regionbridge.api.errors import answers
from regionbridge.api.pagination import Pages
from regionbridge.api.schemas import DOWNLOAD
from regionbridge.lib.files import download
from regionbridge.messaging import search, selectors, services
from regionbridge.messaging.models import Attachment, Message, Thread, ThreadKind
from regionbridge.organizations.models import Organization
from regionbridge.partnerships.models import Partnership

router = Router(tags=["messages"])
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ThreadOut(Schema):
    id: int
    kind: str
    subject: str
    partnership_id: int | None
    last_message_at: datetime | None
    unread: int = 0


class ThreadIn(Schema):
    subject: str = Field(..., min_length=1, max_length=200)
    kind: ThreadKind = ThreadKind.TOPIC
    people: list[Annotated[str, Field(max_length=254)]] = Field([], max_length=100)
    organizations: list[Id] = Field([], max_length=100)
    partnership: Id | None = None
    body: str = Field("", max_length=20000)


class AttachmentOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    thread_id: int
    author: str
    body: str
    body_html: str
    reply_to_id: int | None
    via: str
    created_at: datetime
    edited_at: datetime | None
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author_label


class MessageIn(Schema):
    body: str = Field(..., max_length=20000)
    reply_to: Id | None = None


class EditIn(Schema):
    body: str = Field(..., max_length=20000)


class ReadIn(Schema):
    upto: Id


def _thread(request, thread_id: int) -> Thread:
    return selectors.access_thread(request.user, thread_id)


@router.get("/threads", response=answers(list[ThreadOut], 403), auth=MEMBERS)
@paginate(Pages)
def list_threads(request):
    require(request.user, policy.Action.THREAD_START)
    return selectors.threads_for(request.user)


@router.post("/threads", response=answers({201: ThreadOut}, 403, 404, body=True), auth=MEMBERS)
def create_thread(request, payload: ThreadIn):
    partnership = (
        get_object_or_404(policy.visible(request.user, Partnership), pk=payload.partnership)
        if payload.partnership
        else None
    )
    thread = services.thread_create(
        by=request.user,
        subject=payload.subject,
        kind=payload.kind,
        people=payload.people,
        organizations=list(
            policy.visible(request.user, Organization).filter(pk__in=payload.organizations)
        ),
        partnership=partnership,
        body=payload.body,
    )
    return Status(201, selectors.threads_for(request.user).get(pk=thread.pk))


@router.get("/threads/{thread_id}", response=answers(ThreadOut, 404), auth=MEMBERS)
def get_thread(request, thread_id: int):
    return get_object_or_404(selectors.threads_for(request.user), pk=thread_id)


@router.get(
    "/threads/{thread_id}/messages",
    response=answers(list[MessageOut], 404),
    auth=MEMBERS,
)
def list_messages(request, thread_id: int, after: int = Query(0, ge=0, le=2**63 - 1)):
    """Messages after the id `after` (200 at most): poll with the last id you have."""
    thread = _thread(request, thread_id)
    return list(selectors.messages_of(thread, after=after)[:200])


@router.post(
    "/threads/{thread_id}/messages",
    response=answers({201: MessageOut}, 403, 404, body=True),
    auth=MEMBERS,
)
def post_message(request, thread_id: int, payload: MessageIn):
    thread = _thread(request, thread_id)
    reply_to = None
    if payload.reply_to:
        reply_to = get_object_or_404(Message, pk=payload.reply_to, thread=thread)
    message = services.message_post(
        thread=thread, author=request.user, body=payload.body, reply_to=reply_to, via="api"
    )
    return Status(201, message)


@router.post(
    "/threads/{thread_id}/messages/with-files",
    response=answers({201: MessageOut}, 403, 404, body=True),
    auth=MEMBERS,
)
def post_message_with_files(
    request,
    thread_id: int,
    files: list[UploadedFile] = File(...),
    body: str = Form("", max_length=20000),
):
    """A message with attachments (multipart: `body` and one or more `files`); the files pass
    the same content checks as documents (PDF, DOCX, ODT)."""
    thread = _thread(request, thread_id)
    if len(files) > 10:
        raise ValidationError("At most 10 files per message.")
    message = services.message_post(
        thread=thread, author=request.user, body=body, files=files, via="api"
    )
    return Status(201, message)


@router.get(
    "/attachments/{attachment_id}/download",
    response=answers({200: None}, 404),
    auth=MEMBERS,
    openapi_extra=DOWNLOAD,
)
def download_attachment(request, attachment_id: int):
    attachment = get_object_or_404(policy.visible(request.user, Attachment), pk=attachment_id)
    return download(attachment)


@router.patch(
    "/messages/{message_id}", response=answers(MessageOut, 403, 404, body=True), auth=MEMBERS
)
def edit_message(request, message_id: int, payload: EditIn):
    message = get_object_or_404(policy.visible(request.user, Message), pk=message_id)
    return services.message_edit(message=message, by=request.user, body=payload.body)


@router.post(
    "/threads/{thread_id}/read",
    response=answers({204: None}, 403, 404, body=True),
    auth=MEMBERS,
)
def mark_read(request, thread_id: int, payload: ReadIn):
    thread = _thread(request, thread_id)
    services.thread_mark_read(thread=thread, user=request.user, upto=payload.upto)
    return Status(204, None)


@router.get("/search/messages", response=answers(list[MessageOut], 403), auth=MEMBERS)
@paginate(Pages)
def search_messages(request, q: str = Query(..., min_length=1, max_length=200)):
    require(request.user, policy.Action.THREAD_START)
    found = search.matching(policy.visible(request.user, Message), q)
    return found.select_related("author").prefetch_related("attachments").order_by("-id")
