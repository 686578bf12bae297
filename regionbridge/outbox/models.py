from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    # Never sent on its own: it went out in the e-mail of a later row (its message with the others
    # of the thread in a few minutes), or was not needed (its reader had read it meanwhile).
    MERGED = "merged", _("merged")
    NOT_NEEDED = "unneeded", _("not needed")


class OutboundEmail(models.Model):
    """An e-mail waiting to go out. Written in the same transaction as its cause; the worker
    delivers it, retrying while the mail server is down. `key` makes each notification unique."""

    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    reply_to = models.CharField(max_length=300, blank=True)
    # An invitation's iCalendar file (RFC 5545), sent as a text/calendar alternative with its
    # METHOD (REQUEST, CANCEL) and as invite.ics: what Outlook, Gmail and Apple Mail take for an
    # invitation they can add to the calendar and answer. Defaults in the database too: rows
    # written by INSERT … SELECT (messages' notifications) do not name these columns.
    calendar = models.TextField(blank=True, default="", db_default="")
    calendar_method = models.CharField(max_length=10, blank=True, default="", db_default="")
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A message's notification is written unrendered (subject and text empty): the worker renders
    # it, in the recipient's language, and signs its reply address, so posting stays cheap. The
    # app that writes such rows says how (`services.outbox_register_renderer`); the outbox only
    # names the model, it imports nothing of messaging.
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        # The table kept its name when the model moved here from messaging (no data moves).
        db_table = "messaging_outboundemail"
        ordering = ["id"]
        indexes = [models.Index(fields=["to", "sent_at"], name="outbox_to_sent")]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class Notification(models.Model):
    """Something that waits for a person, shown by the bell and (if they want) e-mailed.

    Its text is composed when shown, in the reader's language, from `params` (ids and the names in
    both languages), by the composer its domain registered for `kind` (`outbox.notifications`).
    `key` is unique per person, so a retried workflow step never tells anyone twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)  # a dotted code: document.submitted, thread.added…
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500)  # a path on this site
    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    read = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key")
        ]
        indexes = [
            # Mine, newest first (the list, the API).
            models.Index(fields=["user", "-id"], name="notification_mine"),
            # My unread count (the bell, on every page): only the unread rows are indexed.
            models.Index(
                fields=["user"], condition=models.Q(read=False), name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"
