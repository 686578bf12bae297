from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regionbridge.messaging.mailauth import REASON_LABELS
from regionbridge.organizations.models import Organization


class ThreadKind(models.TextChoices):
    DIRECT = "direct", _("direct conversation")
    CHANNEL = "channel", _("standing channel")
    TOPIC = "topic", _("topic")


class ThreadQuerySet(models.QuerySet):
    """Threads; `with_unread(user)` gives each fetched thread `unread` (see `selectors`)."""

    _unread_for = None

    def with_unread(self, user) -> "ThreadQuerySet":
        clone = self._chain()
        clone._unread_for = user
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._unread_for = self._unread_for
        return clone

    def _fetch_all(self) -> None:
        fetched = self._result_cache is None
        super()._fetch_all()
        if not (fetched and self._unread_for is not None and self._result_cache):
            return
        if not isinstance(self._result_cache[0], Thread):
            return  # values(), values_list(): nothing to attach to
        from regionbridge.messaging.selectors import unread_counts

        counts = unread_counts(self._result_cache, self._unread_for)
        for thread in self._result_cache:
            thread.unread = counts.get(thread.pk, 0)


class Thread(models.Model):
    """A conversation: between two people, a standing channel, or on a partnership or document."""

    kind = models.CharField(_("kind"), max_length=20, choices=ThreadKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="threads",
        verbose_name=_("partnership"),
    )
    document = models.ForeignKey(
        "partnerships.Document",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="threads",
        verbose_name=_("document"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        ordering = ["-last_message_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class Participant(models.Model):
    """Who is in a thread: a person (account), a whole organization (its members follow), or a
    counterpart known only by e-mail (a guest, who takes part by e-mail alone)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    guest_email = models.EmailField(_("guest e-mail"), blank=True)
    guest_name = models.CharField(_("guest name"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, organization__isnull=True, guest_email="")
                    | models.Q(user__isnull=True, organization__isnull=False, guest_email="")
                    | models.Q(user__isnull=True, organization__isnull=True)
                    & ~models.Q(guest_email="")
                ),
                name="participant_is_one_of_user_org_guest",
            )
        ]

    def __str__(self) -> str:
        return str(self.user or self.organization or self.guest_email)


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    guest_email = models.EmailField(blank=True)
    body = models.TextField(_("text"))
    body_html = models.TextField(editable=False)
    search_lemmas = models.TextField(editable=False, default="")
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    via = models.CharField(max_length=10, default="web")  # web, api, email
    email_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        # Unread counts are ranges of a thread's ids after what a person has read.
        indexes = [models.Index(fields=["thread", "id"], name="message_thread_id")]
        constraints = [
            # One e-mail is one message: an MTA that delivers twice gets "already received".
            models.UniqueConstraint(
                fields=["email_message_id"],
                condition=~models.Q(email_message_id=""),
                name="one_message_per_email",
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def author_label(self) -> str:
        if self.author_id:
            return self.author.get_full_name()
        return self.guest_email


class MessageRevision(models.Model):
    """The text a message had before an edit: edits keep their history."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["replaced_at", "id"]

    def __str__(self) -> str:
        return f"{self.message_id} before {self.replaced_at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.original_name


class Mention(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.message_id}"


class ReadState(models.Model):
    """How far a person has read a thread."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="one_read_state_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.thread_id} to {self.last_read_id}"


class UnreadBadge(models.Model):
    """The header's unread count of one person, as it was when the newest message of the whole
    site was `upto`: a cache, right until any message is posted or the person reads, one row
    read per page instead of a count over every thread they may see (`selectors.unread_badge`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    upto = models.BigIntegerField()
    count = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.user_id}: {self.count} unread up to {self.upto}"


class HeldReply(models.Model):
    """A reply by e-mail from an account holder's address, with their valid reply address, that
    the sender's domain did not vouch for (no aligned DKIM or SPF). Anyone can forge From, so it
    is not posted; it waits, for a while, for the account holder to confirm or discard it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="held_replies"
    )
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    reason = models.CharField(max_length=200)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)  # the text as it would be posted
    attachment_names = models.JSONField(default=list, blank=True)
    raw = models.FileField(upload_to="held/%Y/%m/")  # the e-mail as received, for its files
    email_message_id = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("held reply")
        verbose_name_plural = _("held replies")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.thread_id} at {self.received_at:%Y-%m-%d %H:%M}"

    @property
    def reason_label(self) -> str:
        return str(REASON_LABELS.get(self.reason, self.reason))
