from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class OutboundEmail(models.Model):
    """An e-mail waiting to go out. Written in the same transaction as its cause; the worker
    delivers it, retrying while the mail server is down. `key` makes each notification unique."""

    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    reply_to = models.CharField(max_length=300, blank=True)
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
