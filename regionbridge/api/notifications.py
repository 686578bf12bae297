"""The person's own notifications: newest first, and "read up to here". Members and signed-in
people without a role alike: nobody sees or marks anyone else's."""

from datetime import datetime
from typing import Annotated

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from regionbridge.api.auth import MEMBERS
from regionbridge.api.errors import answers
from regionbridge.api.pagination import Pages
from regionbridge.outbox import notifications

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    url: str
    created_at: datetime
    read: bool

    @staticmethod
    def resolve_text(obj) -> str:
        return notifications.text_of(obj)  # in the reader's language (auth activated it)


class ReadIn(Schema):
    upto: Annotated[int, Field(ge=1, le=2**63 - 1)]


@router.get("/notifications", response=answers(list[NotificationOut]), auth=MEMBERS)
@paginate(Pages)
def list_notifications(request):
    return notifications.notifications_for(request.user)


@router.post("/notifications/read", response=answers({204: None}, 403, body=True), auth=MEMBERS)
def mark_notifications_read(request, payload: ReadIn):
    notifications.mark_read(user=request.user, upto=payload.upto)
    return Status(204, None)
