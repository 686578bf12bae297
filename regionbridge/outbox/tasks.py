"""The outbox worker: e-mail goes out from here, never from a web request.

A row is claimed in one short transaction, sent with no transaction open, and marked sent (or its
error recorded) in another. The SMTP conversation is bounded by `EMAIL_TIMEOUT` and never holds a
database lock: a mail server that accepts the connection and then says nothing costs the worker
one timeout, not every write in the application.

Claiming a row pushes its `next_attempt_at` forward by a lease and counts the attempt, so no other
worker takes it meanwhile; a worker that dies after claiming leaves the row pending, and it is
tried again once the lease has run out. While the mail server is down the row waits with a
growing delay. Each message carries a stable Message-ID made from its key, so a resend after a
crash between the server's 250 and the mark is recognisably the same e-mail (mail clients fold the
duplicates). Notifications of messages are the one exception to "one row, one e-mail": the app
that writes them may say which rows go out together (`outbox_coalesce_messages_with`): a person's
notifications of one thread within a few minutes leave as one e-mail, under the newest row's key,
and the others are marked merged in the same transaction that stores the rendered e-mail.
"""

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from time import monotonic

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from regionbridge.outbox.models import OutboundEmail, OutboxStatus
from regionbridge.outbox.reaper import tasks_reap

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 12  # about 3 days with the back-off below
# An address that never had an account gets at most this many e-mails an hour; the rest wait.
# Nobody can use the platform to flood a stranger's mailbox, and nothing is dropped.
GUEST_MAIL_PER_HOUR = 20


def message_id(key: str) -> str:
    """Stable for a key (a resend is recognisably the same e-mail), and reveals nothing."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = settings.REPLY_ADDRESS.rpartition("@")[2] or "regionbridge.localhost"
    return f"<{digest}@{domain}>"


def claim_lease() -> timedelta:
    """How long a claimed row is left to its worker: more than one SMTP exchange can take (each
    step is bounded by EMAIL_TIMEOUT), so only a dead worker's row is taken up again."""
    return timedelta(seconds=2 * (settings.EMAIL_TIMEOUT or 0) + 60)


def _delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def _held_back_until(row: OutboundEmail) -> datetime | None:
    """When a row to an address that never had an account may go, if it may not go now."""
    if get_user_model().objects.filter(email__iexact=row.to).exists():
        return None
    recent = OutboundEmail.objects.filter(
        to=row.to, status=OutboxStatus.SENT, sent_at__gte=timezone.now() - timedelta(hours=1)
    ).order_by("-sent_at")
    oldest_that_counts = recent.values_list("sent_at", flat=True)[
        GUEST_MAIL_PER_HOUR - 1 : GUEST_MAIL_PER_HOUR
    ]
    oldest = next(iter(oldest_that_counts), None)
    return None if oldest is None else oldest + timedelta(hours=1, seconds=1)


def outbox_claim_next() -> OutboundEmail | None:
    """Claim the next due row for this worker, or None when nothing is due.

    The claim is the attempt counted and the lease taken, in a short transaction that commits
    before anything is sent. A row to a guest over the hourly limit is put off on the way.
    """
    while True:
        with transaction.atomic():
            rows = OutboundEmail.objects.filter(
                status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now()
            ).order_by("id")
            if connection.vendor == "postgresql":
                rows = rows.select_for_update(skip_locked=True)
            row = rows.first()
            if row is None:
                return None
            held_until = _held_back_until(row)
            if held_until is None:
                row.attempts += 1
                row.next_attempt_at = timezone.now() + claim_lease()
                row.save(update_fields=["attempts", "next_attempt_at"])
                return row
            row.next_attempt_at = held_until
            row.save(update_fields=["next_attempt_at"])


Rendered = tuple[str, str, str, str]  # subject, text, HTML, reply address
_message_renderer: Callable[[OutboundEmail], Rendered] | None = None


def outbox_render_messages_with(render: Callable[[OutboundEmail], Rendered]) -> None:
    """How a row naming a message and written unrendered is rendered at delivery. The app that
    writes such rows registers it (in its AppConfig.ready): the outbox knows no domain."""
    global _message_renderer  # set once, at start-up
    _message_renderer = render


# For a due message row: None when it is not needed any more (its reader has seen the message),
# or the rows that may go out in the same e-mail (the outbox takes those still pending, unclaimed
# and unrendered); and how several rows render as one e-mail, oldest first.
Gather = Callable[[OutboundEmail], "QuerySet[OutboundEmail] | None"]
_message_gatherer: Gather | None = None
_message_group_renderer: Callable[[list[OutboundEmail]], Rendered] | None = None


def outbox_coalesce_messages_with(
    *, gather: Gather, render: Callable[[list[OutboundEmail]], Rendered]
) -> None:
    """How rows naming a message are grouped into one e-mail, or found not needed: registered by
    the app that writes them (in its AppConfig.ready), beside its renderer."""
    global _message_gatherer, _message_group_renderer  # set once, at start-up
    _message_gatherer, _message_group_renderer = gather, render


# Jobs that keep themselves in the queue (each run enqueues the next: a schedule without cron),
# started when the worker starts. Registered by the app that owns them, in its AppConfig.ready:
# the outbox knows no domain.
_at_worker_start: list[Callable[[], None]] = []


def outbox_at_worker_start(start: Callable[[], None]) -> None:
    """Have `start` called each time `regionbridge worker` starts (it must be idempotent: it
    makes sure its job waits in the queue, at most once)."""
    if start not in _at_worker_start:
        _at_worker_start.append(start)


def worker_started() -> None:
    """Called by the worker command once it has reaped: start the registered schedules."""
    for start in _at_worker_start:
        start()


class _Raced(Exception):
    """Another worker took one of the rows meanwhile: nothing is changed, the row is tried again."""


def _settle(row: OutboundEmail, status: str, *, attempts: int) -> int:
    # Only while the claim is still ours (or, for a companion, nobody's).
    return OutboundEmail.objects.filter(
        pk=row.pk, status=OutboxStatus.PENDING, attempts=attempts
    ).update(status=status, next_attempt_at=timezone.now())


def _prepare(row: OutboundEmail) -> OutboundEmail | None:
    """The rendered row to send for this claimed row: itself, or the newest of the rows that go
    out with it in one e-mail (the others marked merged); None when it is not needed. All in one
    transaction: a worker that dies here leaves everything as it was."""
    if row.message_id is None or _message_gatherer is None or _message_group_renderer is None:
        _render(row)
        return row
    with transaction.atomic():
        together = _message_gatherer(row)
        if together is None:
            if not _settle(row, OutboxStatus.NOT_NEEDED, attempts=row.attempts):
                raise _Raced(row.key)
            return None
        if row.text:  # a retry sends the e-mail rendered the first time
            return row
        others = together.filter(status=OutboxStatus.PENDING, attempts=0, text="").exclude(
            pk=row.pk
        )
        if connection.vendor == "postgresql":
            others = others.select_for_update(skip_locked=True)
        rows = sorted([row, *others.order_by("id")], key=lambda r: r.pk)
        if len(rows) == 1:
            _render(row)
            return row
        newest = rows[-1]
        if newest is not row:  # the newest carries the e-mail (its key, its Message-ID)
            if not OutboundEmail.objects.filter(
                pk=newest.pk, status=OutboxStatus.PENDING, attempts=0
            ).update(attempts=1, next_attempt_at=row.next_attempt_at):
                raise _Raced(newest.key)
            newest.attempts, newest.next_attempt_at = 1, row.next_attempt_at
        for older in rows[:-1]:
            if not _settle(older, OutboxStatus.MERGED, attempts=older.attempts):
                raise _Raced(older.key)
        subject, text, html, reply_to = _message_group_renderer(rows)
        newest.subject, newest.text, newest.html = subject[:300], text, html
        newest.reply_to = reply_to
        OutboundEmail.objects.filter(pk=newest.pk).update(
            subject=newest.subject, text=text, html=html, reply_to=reply_to
        )
    return newest


def _render(row: OutboundEmail) -> None:
    """A message's notification is written unrendered in the request that posts it: render it
    here, through the renderer its app registered, and keep the result on the row (what was sent
    stays readable, and a retry sends the same e-mail)."""
    if row.message_id is None or row.text:
        return
    if _message_renderer is None:
        raise RuntimeError("No renderer registered for the outbox's message notifications")
    subject, text, html, reply_to = _message_renderer(row)
    row.subject, row.text, row.html, row.reply_to = subject[:300], text, html, reply_to
    OutboundEmail.objects.filter(pk=row.pk).update(
        subject=row.subject, text=row.text, html=row.html, reply_to=row.reply_to
    )


class _WithCalendar(EmailMultiAlternatives):
    """An e-mail whose text/calendar alternative names its METHOD in the Content-Type
    (`text/calendar; method=REQUEST`), the mark by which mail clients know an invitation."""

    calendar_method = ""

    def _create_mime_attachment(self, content, mimetype):
        part = super()._create_mime_attachment(content, mimetype)
        if mimetype == "text/calendar" and self.calendar_method:
            part.set_param("method", self.calendar_method, requote=False)
        return part


def _send(row: OutboundEmail, mail: BaseEmailBackend) -> None:
    email = _WithCalendar(
        row.subject,
        row.text,
        settings.DEFAULT_FROM_EMAIL,
        [row.to],
        reply_to=[row.reply_to] if row.reply_to else None,
        headers={"Message-ID": message_id(row.key)},
        connection=mail,
    )
    if row.html:
        email.attach_alternative(row.html, "text/html")
    if row.calendar:
        email.calendar_method = row.calendar_method or "REQUEST"
        email.attach_alternative(row.calendar, "text/calendar")
        email.attach("invite.ics", row.calendar.encode(), "application/ics")
    email.send()


def _mark_sent(row: OutboundEmail) -> None:
    # Sent is sent, whoever holds the lease by now. The lease ends with it: a row put back to
    # pending by hand is due at once.
    now = timezone.now()
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=OutboxStatus.SENT, sent_at=now, next_attempt_at=now
    )


def _mark_failed(row: OutboundEmail, exc: Exception) -> None:
    gives_up = row.attempts >= MAX_ATTEMPTS
    # Only while the claim is still ours: after the lease another worker may have the row.
    OutboundEmail.objects.filter(
        pk=row.pk, status=OutboxStatus.PENDING, attempts=row.attempts
    ).update(
        last_error=str(exc)[:1000],
        next_attempt_at=timezone.now() + _delay(row.attempts),
        status=OutboxStatus.FAILED if gives_up else OutboxStatus.PENDING,
    )
    if gives_up:
        logger.error("Giving up on e-mail %s to %s: %s", row.key, row.to, exc)


def deliver_due(*, limit: int = 200, budget: timedelta | None = None) -> tuple[int, int]:
    """Send what is due; return (sent, failed). Safe to run in several workers at once.

    No transaction is open while the mail server is spoken to, and each step of the exchange
    gives up after EMAIL_TIMEOUT. With a `budget`, no new row is claimed once it is spent.
    """
    sent = failed = 0
    started = monotonic()
    mail = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
    for _ in range(limit):
        if budget is not None and monotonic() - started > budget.total_seconds():
            break
        row = outbox_claim_next()
        if row is None:
            break
        try:
            ready = _prepare(row)
            if ready is None:  # read in the browser meanwhile: no e-mail
                continue
            row = ready
            _send(row, mail)
        except Exception as exc:  # the mail server is down, refused, timed out…
            _mark_failed(row, exc)
            failed += 1
            break  # the server is likely down for the rest too: retry later
        _mark_sent(row)
        sent += 1
    return sent, failed


@task()
def deliver_outbox() -> None:
    """Deliver due e-mail; if some must wait, come back when the next one is due.

    It first puts back in the queue any job a dead worker left running, and stops claiming rows
    halfway through TASKS_RUNNING_TIMEOUT, so that a live run is never taken for a dead one.
    """
    tasks_reap(older_than=settings.TASKS_RUNNING_TIMEOUT)
    deliver_due(budget=settings.TASKS_RUNNING_TIMEOUT / 2)
    following = (
        OutboundEmail.objects.filter(status=OutboxStatus.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if following is not None:
        outbox_kick(at=following)


def outbox_kick(*, at: datetime | None = None) -> None:
    """Ask for a drain of the outbox by `at` (now by default). However many rows are queued
    (a thousand messages posted while the mail server is down), at most one drain waits in the
    queue: if one is due by then, nothing is added; if it waits for later, it is brought forward.
    A drain that is already running does not count: it may have passed the new rows."""
    now = timezone.now()
    at = max(at or now, now)
    if not isinstance(deliver_outbox.get_backend(), DatabaseBackend):
        (deliver_outbox.using(run_after=at) if at > now else deliver_outbox).enqueue()
        return
    with transaction.atomic():
        waiting = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=deliver_outbox.module_path
        ).order_by("run_after")
        if connection.vendor == "postgresql":
            waiting = waiting.select_for_update(skip_locked=True)
        first = waiting.values_list("pk", "run_after").first()
        if first is None:
            (deliver_outbox.using(run_after=at) if at > now else deliver_outbox).enqueue()
        elif first[1] != get_date_max() and first[1] > at:
            DBTaskResult.objects.filter(pk=first[0], status=TaskResultStatus.READY).update(
                run_after=at
            )
