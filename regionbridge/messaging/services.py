"""Threads and messages: who takes part, what is said, and what goes out because of it.

Side effects (live updates, e-mail) are queued with `transaction.on_commit`, so nothing is
announced or sent for a message that was never saved.
"""

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import connection, models, transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Concat, Left, Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.accounts.models import NotificationMode, User
from regionbridge.audit.services import audit_record
from regionbridge.core import ratelimit, results
from regionbridge.lib.files import check_document_upload
from regionbridge.messaging import live, search, selectors
from regionbridge.messaging.models import (
    Attachment,
    Mention,
    Message,
    MessageRevision,
    Participant,
    ReadState,
    Thread,
    ThreadKind,
)
from regionbridge.messaging.notifications import mentions_notify, participant_added_notify
from regionbridge.messaging.replies import reply_address
from regionbridge.messaging.text import lemmas, mentioned_emails, render
from regionbridge.organizations.models import Organization
from regionbridge.outbox.models import OutboundEmail, OutboxStatus
from regionbridge.outbox.services import render_templated
from regionbridge.outbox.tasks import outbox_kick

if TYPE_CHECKING:
    from regionbridge.partnerships.models import Document, Partnership

EDIT_WINDOW = timedelta(minutes=15)
MAX_BODY = 20_000


# --- who is in a thread -----------------------------------------------------------------------


def member_users(thread: Thread) -> list[User]:
    """Every account that takes part and may read the thread: named people and the members of
    named organizations (on a partnership, only those who may see the partnership)."""
    return list(policy.thread_readers(thread))


def guest_emails(thread: Thread) -> list[str]:
    """The addresses that take part by e-mail alone; none on a confidential negotiation, even if
    the tie became confidential after they were added."""
    if thread.partnership is not None and thread.partnership.confidential:
        return []
    return list(thread.participants.exclude(guest_email="").values_list("guest_email", flat=True))


MAX_GUESTS_PER_THREAD = 20
MAX_NEW_GUESTS_PER_DAY = 50


def _check_guest(thread: Thread, by: User | None, email: str) -> None:
    """A guest (an address without an account) joins only an open thread, within the limits
    that keep the platform from being used to mail strangers."""
    if thread.partnership is not None and thread.partnership.confidential:
        raise ValidationError(
            _(
                "%(email)s has no account. A confidential negotiation is discussed only with "
                "people who have an account and may see it."
            )
            % {"email": email}
        )
    if thread.participants.exclude(guest_email="").count() >= MAX_GUESTS_PER_THREAD:
        raise ValidationError(
            _("A thread can have at most %(limit)s guests without an account.")
            % {"limit": MAX_GUESTS_PER_THREAD}
        )
    if by is None:
        return
    invited_today = (
        Participant.objects.filter(added_by=by, added_at__gte=timezone.now() - timedelta(days=1))
        .exclude(guest_email="")
        .values("guest_email")
    )
    if invited_today.filter(guest_email=email).exists():
        return  # not a new address
    if invited_today.distinct().count() >= MAX_NEW_GUESTS_PER_DAY:
        raise ValidationError(
            _(
                "You have invited %(limit)s new addresses in the last 24 hours, the most allowed. "
                "Try again tomorrow, or ask a coordinator."
            )
            % {"limit": MAX_NEW_GUESTS_PER_DAY}
        )


def _organization_members(organization: Organization):
    return User.objects.filter(is_active=True).filter(
        Q(person__organization=organization) | Q(role_assignments__organization=organization)
    )


def _check_member(
    thread: Thread, *, user: User | None = None, organization: Organization | None = None
) -> None:
    """On a partnership, only people who may see it take part (an office: all its staff who
    hold a role; staff without one read no partnership thread anyway)."""
    partnership = thread.partnership
    if partnership is None:
        return
    if user is not None:
        people = User.objects.filter(pk=user.pk)
    else:
        assert organization is not None  # one of the two is named
        people = _organization_members(organization).filter(role_assignments__isnull=False)
    # One query, however large the office: anyone of them outside the partnership's viewers?
    if people.exclude(pk__in=policy.partnership_viewers(partnership).values("pk")).exists():
        raise ValidationError(
            _("%(who)s may not see this partnership, so cannot take part in its threads.")
            % {"who": user or organization}
        )


def _add(
    thread: Thread,
    *,
    by: User | None,
    user: User | None = None,
    organization: Organization | None = None,
    guest_email: str = "",
    guest_name: str = "",
) -> Participant | None:
    """Add a participant; None when they already take part."""
    guest_email = (guest_email or "").strip().lower()
    if guest_email:
        account = User.objects.filter(email__iexact=guest_email, is_active=True).first()
        if account:
            user, guest_email = account, ""  # a counterpart who has an account takes part as one
    lookup = {"user": user, "organization": organization, "guest_email": guest_email}
    if thread.participants.filter(**lookup).exists():
        return None
    if guest_email:
        _check_guest(thread, by, guest_email)
    elif user is not by:
        _check_member(thread, user=user, organization=organization)
    participant = Participant(thread=thread, guest_name=guest_name[:200], added_by=by, **lookup)
    participant.full_clean(exclude=["thread", "added_by"])
    participant.save()
    return participant


def people_split(emails: Iterable[str]) -> tuple[list[User], list[str]]:
    """Addresses as a person types them (any case, stray spaces, twice) split into the active
    accounts they name and the rest, the guests, each once and in the order given. An address
    that is not one is refused, naming it: every door (page, API) gets the same answer."""
    addresses = []
    for raw in emails:
        address = str(raw).strip().lower()
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                _("Not an e-mail address: %(address)s") % {"address": str(raw)[:254]}
            ) from None
        addresses.append(address)
    addresses = list(dict.fromkeys(addresses))
    known = User.objects.annotate(address=Lower("email")).filter(
        address__in=addresses, is_active=True
    )
    accounts = {user.address: user for user in known}
    return (
        [accounts[address] for address in addresses if address in accounts],
        [address for address in addresses if address not in accounts],
    )


@transaction.atomic
def thread_open(
    *,
    by: User,
    subject: str,
    kind: str = ThreadKind.TOPIC,
    people: Sequence[str] = (),
    users: Sequence[User] = (),
    organizations: Sequence[Organization] = (),
    guests: Sequence[tuple[str, str]] = (),
    partnership: "Partnership | None" = None,
    document: "Document | None" = None,
) -> tuple[Thread, list[Participant]]:
    """Start a thread with its people, telling nobody: the thread and who was added (the author
    first). `people` are e-mail addresses as typed: an account takes part as itself, anyone else
    as a guest (`people_split`). A thread on a partnership is seen only by those who may see the
    partnership (a confidential negotiation keeps its threads confidential)."""
    accounts, guest_addresses = people_split(people)  # as the doors did, before anything else
    ratelimit.check(str(by.pk), "invite")
    if not policy.can(by, policy.Action.THREAD_START):
        raise PermissionDenied
    subject = subject.strip()
    if not subject:
        raise ValidationError(_("Give the thread a subject."))
    if kind not in ThreadKind.values:
        raise ValidationError(_("Unknown kind of thread."))
    if document is not None:
        partnership = document.partnership
    if partnership is not None and not policy.can(by, policy.Action.PARTNERSHIP_VIEW, partnership):
        raise PermissionDenied
    thread = Thread.objects.create(
        kind=kind, subject=subject[:200], partnership=partnership, document=document, created_by=by
    )
    _add(thread, by=by, user=by)
    added = [_add(thread, by=by, user=user) for user in [*users, *accounts]]
    added += [_add(thread, by=by, organization=organization) for organization in organizations]
    for email, name in [*guests, *((address, "") for address in guest_addresses)]:
        added.append(_add(thread, by=by, guest_email=email, guest_name=name))
    audit_record(actor=by, action="thread.created", target=thread)
    return thread, [participant for participant in added if participant is not None]


@transaction.atomic
def thread_create(
    *,
    by: User,
    subject: str,
    kind: str = ThreadKind.TOPIC,
    people: Sequence[str] = (),
    users: Sequence[User] = (),
    organizations: Sequence[Organization] = (),
    guests: Sequence[tuple[str, str]] = (),
    partnership: "Partnership | None" = None,
    document: "Document | None" = None,
    body: str = "",
    files: Sequence[Any] = (),
) -> Thread:
    """Start a thread (`thread_open`) and tell its people; the first message may carry
    attachments, checked as every message's are (`message_post`)."""
    thread, added = thread_open(
        by=by,
        subject=subject,
        kind=kind,
        people=people,
        users=users,
        organizations=organizations,
        guests=guests,
        partnership=partnership,
        document=document,
    )
    first_message = bool(body.strip() or files)
    if first_message:
        message_post(thread=thread, author=by, body=body, files=files)
    for participant in added:  # in the app: the first message's own e-mail tells by mail
        if participant.guest_email == "":
            participant_added_notify(participant=participant, by=by, email=False)
    return thread


def participant_add(
    thread: Thread,
    *,
    by: User | None,
    user: User | None = None,
    organization: Organization | None = None,
    guest_email: str = "",
) -> Participant | None:
    """Add one participant under the thread's rules (guests, confidentiality), telling nobody;
    None when they already take part. For domains that keep their people in a thread."""
    return _add(thread, by=by, user=user, organization=organization, guest_email=guest_email)


@transaction.atomic
def thread_add_participant(
    *,
    thread: Thread,
    by: User,
    user: User | None = None,
    organization: Organization | None = None,
    guest_email: str = "",
    guest_name: str = "",
) -> None:
    ratelimit.check(str(by.pk), "invite")
    if not policy.can(by, policy.Action.THREAD_INVITE, thread):
        raise PermissionDenied
    if not (user or organization or guest_email):
        raise ValidationError(_("Name a person, an organization or an e-mail address."))
    participant = _add(
        thread,
        by=by,
        user=user,
        organization=organization,
        guest_email=guest_email,
        guest_name=guest_name,
    )
    if participant is not None:
        participant_added_notify(participant=participant, by=by)
    audit_record(
        actor=by,
        action="thread.participant_added",
        target=thread,
        changes={"user": user, "organization": organization, "guest": guest_email},
    )
    transaction.on_commit(lambda: live.members_changed(thread.pk))


def guests_claim(*, user: User) -> int:
    """A guest who now has an account takes part with it: their e-mail threads follow."""
    claimed = Participant.objects.filter(guest_email__iexact=user.email).update(
        user=user, guest_email=""
    )
    if claimed:
        results.changed("messaging")  # written past the models' signals
    return claimed


def guests_claim_on_signup(sender: type[User], *, user: User, **_signal: Any) -> None:
    """`accounts.signals.user_created`'s receiver: the new account claims its guest threads."""
    guests_claim(user=user)


# --- messages --------------------------------------------------------------------------------


def _check_body(body: str, has_files: bool) -> str:
    body = (body or "").replace("\x00", "").strip()
    if not body and not has_files:
        raise ValidationError(_("Write something, or attach a file."))
    if len(body) > MAX_BODY:
        raise ValidationError(_("The message is too long."))
    return body


@transaction.atomic
def message_post(
    *,
    thread: Thread,
    body: str,
    author: User | None = None,
    guest_email: str = "",
    reply_to: Message | None = None,
    files: Sequence[Any] = (),
    via: str = "web",
    email_message_id: str = "",
) -> Message:
    """Post a message by a participant (or by a guest, by e-mail). Mentions notify; everyone
    who has the thread open sees it at once; e-mail goes out after commit, through the outbox."""
    ratelimit.check(str(author.pk) if author else f"guest:{guest_email.lower()}", "post")
    if author is not None and not policy.can(author, policy.Action.THREAD_VIEW, thread):
        raise PermissionDenied
    if author is None and guest_email.lower() not in guest_emails(thread):
        raise PermissionDenied
    body = _check_body(body, bool(files))
    checked = [check_document_upload(upload) for upload in files]
    if reply_to is not None and reply_to.thread_id != thread.pk:
        raise ValidationError(_("A reply must quote a message of the same thread."))
    message = Message.objects.create(
        thread=thread,
        author=author,
        guest_email=guest_email.lower() if author is None else "",
        body=body,
        body_html=render(body),
        search_lemmas=lemmas(body),
        reply_to=reply_to,
        via=via,
        email_message_id=email_message_id[:255],
    )
    for upload, info in zip(files, checked, strict=True):
        attachment = Attachment(
            message=message,
            original_name=info.name,
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
        )
        attachment.file.save(f"{info.sha256[:16]}{info.name[info.name.rfind('.') :]}", upload)
    mentioned = _mentioned(thread, body)
    mentions = Mention.objects.bulk_create(Mention(message=message, user_id=pk) for pk in mentioned)
    if mentions:
        mentions_notify(message=message, mentions=mentions)
    Thread.objects.filter(pk=thread.pk).update(last_message_at=message.created_at)
    if author is not None:  # (every badge is stale now anyway: the newest message changed)
        _move_read_mark(thread=thread, user=author, upto=message.pk)
    search.index(message, new=True)
    _queue_notifications(message, mentioned)
    transaction.on_commit(lambda: live.publish(thread.pk, message.pk))
    return message


def _mentioned(thread: Thread, body: str) -> list[int]:
    """The readers of the thread that the text mentions by e-mail (one query, only if any)."""
    emails = mentioned_emails(body)
    if not emails:
        return []
    readers = policy.thread_readers(thread).annotate(address=Lower("email"))
    return list(readers.filter(address__in=emails).values_list("pk", flat=True))


@transaction.atomic
def message_edit(*, message: Message, by: User, body: str) -> Message:
    """Authors may correct a message for a short while; the earlier text is kept."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.author_id != by.pk:
        raise PermissionDenied
    if timezone.now() - message.created_at > EDIT_WINDOW:
        raise ValidationError(_("A message can be edited for 15 minutes after it is sent."))
    body = _check_body(body, message.attachments.exists())
    if body == message.body:
        return message
    MessageRevision.objects.create(message=message, body=message.body)
    message.body, message.body_html = body, render(body)
    message.search_lemmas = lemmas(body)
    message.edited_at = timezone.now()
    message.save(update_fields=["body", "body_html", "search_lemmas", "edited_at"])
    search.index(message)
    transaction.on_commit(lambda: live.publish(message.thread_id, message.pk))
    return message


def thread_mark_read(*, thread: Thread, user: User, upto: int) -> None:
    """Read up to the id `upto`; reading never goes back. Three queries at most, no savepoint:
    the mark moved (or made, the first time), and the person's unread badge dropped."""
    _move_read_mark(thread=thread, user=user, upto=upto)
    selectors.unread_badge_forget(user)


def _move_read_mark(*, thread: Thread, user: User, upto: int) -> None:
    moved = ReadState.objects.filter(thread=thread, user=user, last_read_id__lt=upto).update(
        last_read_id=upto
    )
    if not moved:  # no state yet (or already further on: then the insert is ignored)
        ReadState.objects.bulk_create(
            [ReadState(thread=thread, user=user, last_read_id=upto)], ignore_conflicts=True
        )


# --- e-mail out ------------------------------------------------------------------------------

_OUTBOX_COLUMNS = (
    "key",
    "to",
    "subject",
    "text",
    "html",
    "reply_to",
    "status",
    "attempts",
    "last_error",
    "next_attempt_at",
    "created_at",
    "message_id",
    "user_id",
)


def _outbox_rows(rows: QuerySet, *, message: Message, email: str, user: Any) -> QuerySet:
    """`rows` as the outbox's columns, in `_OUTBOX_COLUMNS` order: an unrendered notification
    of `message` to the address in the field `email` (the worker renders and signs it). It is
    due `MESSAGE_MAIL_DELAY_SECONDS` after the message (`notification_gather`)."""
    now = timezone.now()
    due = now + timedelta(seconds=settings.MESSAGE_MAIL_DELAY_SECONDS)
    text = {"output_field": models.TextField()}
    return (
        rows.order_by()
        .annotate(
            ob_key=Left(Concat(Value(f"message:{message.pk}:"), Lower(email), **text), 200),
            ob_to=F(email),
            ob_subject=Value("", **text),
            ob_text=Value("", **text),
            ob_html=Value("", **text),
            ob_reply_to=Value("", **text),
            ob_status=Value(OutboxStatus.PENDING.value, **text),
            ob_attempts=Value(0, output_field=models.IntegerField()),
            ob_last_error=Value("", **text),
            ob_next_attempt_at=Value(due, output_field=models.DateTimeField()),
            ob_created_at=Value(now, output_field=models.DateTimeField()),
            ob_message_id=Value(message.pk, output_field=models.BigIntegerField()),
            ob_user_id=user,
        )
        .values_list(*(f"ob_{column}" for column in _OUTBOX_COLUMNS))
    )


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return field.column


def _insert_outbox(rows: QuerySet) -> int:
    """INSERT … SELECT: the database writes the rows, however many; a key already there is
    skipped (a retry never doubles a notification)."""
    select, params = rows.query.sql_with_params()
    table = connection.ops.quote_name(OutboundEmail._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(_column(OutboundEmail, c.removesuffix("_id")))
        for c in _OUTBOX_COLUMNS
    )
    if connection.vendor == "sqlite":
        sql = f"INSERT OR IGNORE INTO {table} ({columns}) {select}"
    else:
        sql = f"INSERT INTO {table} ({columns}) {select} ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _queue_notifications(message: Message, mentioned: list[int]) -> int:
    """One outbox row per recipient and message, in two statements whatever the number of
    recipients: the thread's readers (by the policy's rule) who want every message, or a digest
    and are mentioned, but not the author; and its guests, unless the thread is about a
    confidential negotiation. Delivery is asked for once, after commit."""
    thread = message.thread
    wants = ~Q(notification_mode=NotificationMode.OFF) & (
        ~Q(notification_mode=NotificationMode.DIGEST) | Q(pk__in=mentioned)
    )
    users = policy.thread_readers(thread).filter(wants)
    if message.author_id is not None:
        users = users.exclude(pk=message.author_id)
    guests = (
        Participant.objects.filter(thread=thread.pk)
        .filter(Q(thread__partnership__isnull=True) | Q(thread__partnership__confidential=False))
        .exclude(guest_email="")
    )
    if message.guest_email:
        guests = guests.exclude(guest_email__iexact=message.guest_email)
    queued = _insert_outbox(_outbox_rows(users, message=message, email="email", user=F("pk")))
    queued += _insert_outbox(
        _outbox_rows(
            guests,
            message=message,
            email="guest_email",
            user=Value(None, output_field=models.BigIntegerField()),
        )
    )
    if queued:
        transaction.on_commit(outbox_kick)
    return queued


def notification_gather(row: OutboundEmail) -> QuerySet[OutboundEmail] | None:
    """For the outbox, when a message's notification is due: None if its reader has read the
    message in the browser meanwhile (their read mark is at or beyond it: nothing to mail);
    otherwise the notifications to the same person (a guest: the same address) of messages in
    the same thread posted within `MESSAGE_MAIL_DELAY_SECONDS` of it, which go out in the same
    e-mail. Registered with the outbox in `MessagingConfig.ready`."""
    assert row.message_id is not None  # the outbox calls this for message rows only
    message = Message.objects.filter(pk=row.message_id).values("thread_id", "created_at").first()
    if message is None:
        return None
    thread_id = message["thread_id"]
    if (
        row.user_id is not None
        and ReadState.objects.filter(
            thread_id=thread_id, user_id=row.user_id, last_read_id__gte=row.message_id
        ).exists()
    ):
        return None
    window = message["created_at"] + timedelta(seconds=settings.MESSAGE_MAIL_DELAY_SECONDS)
    rows = OutboundEmail.objects.filter(
        message__thread_id=thread_id, message__created_at__lte=window
    )
    if row.user_id is not None:
        return rows.filter(user_id=row.user_id)
    return rows.filter(user__isnull=True, to__iexact=row.to)


def notification_render(row: OutboundEmail) -> tuple[str, str, str, str]:
    """A message's notification, written unrendered when it was posted, as the worker sends it
    (subject, text, HTML, reply address). Registered with the outbox in `MessagingConfig.ready`."""
    return notifications_render([row])


def notifications_render(rows: list[OutboundEmail]) -> tuple[str, str, str, str]:
    """One e-mail for a person's notifications of messages in one thread, the messages oldest
    first: in the recipient's language and time zone, with a reply address signed for them
    (subject, text, HTML, reply address)."""
    row = rows[-1]
    messages = list(
        Message.objects.filter(pk__in=[r.message_id for r in rows])
        .select_related("thread", "author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    thread = messages[-1].thread
    user = User.objects.filter(pk=row.user_id).first() if row.user_id is not None else None
    name = user.get_full_name(user.language) if user else ""  # in the recipient's script
    subject, text, html = render_templated(
        "messaging/email/message",
        {"messages": messages, "message": messages[-1], "thread": thread, "name": name},
        language=user.language if user else None,
        time_zone=user.timezone if user else "",
    )
    return subject, text, html, reply_address(thread, row.to)
