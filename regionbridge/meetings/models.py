"""Meetings across time zones, what they decide, and the actions that follow.

A meeting's people are the participants of its own thread (people, whole offices, guests by
e-mail), so who may see it, who is invited, and where a reply by e-mail lands are the thread's
rules; `from_thread` is the conversation it was arranged in, if any. Times are stored in UTC.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    HELD = "held", _("held")
    CANCELLED = "cancelled", _("cancelled")


class Answer(models.TextChoices):
    """An invitee's answer, as iCalendar's PARTSTAT names it."""

    NEEDS_ACTION = "needs-action", _("no answer yet")
    ACCEPTED = "accepted", _("will attend")
    TENTATIVE = "tentative", _("may attend")
    DECLINED = "declined", _("will not attend")


def new_uid() -> str:
    return f"{uuid.uuid4()}@regionbridge"


class Meeting(models.Model):
    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True)
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("partnership"),
    )
    # Its own conversation: the participants are the invitees; replies by e-mail land here.
    thread = models.OneToOneField(
        "messaging.Thread", on_delete=models.PROTECT, related_name="meeting"
    )
    from_thread = models.ForeignKey(
        "messaging.Thread",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings_arranged",
        verbose_name=_("arranged in"),
    )
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("organizer"),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_link = models.URLField(_("online link"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    # iCalendar: one UID for the meeting's life; SEQUENCE rises with each change of time or place.
    uid = models.CharField(max_length=100, unique=True, default=new_uid, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_html = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # When it was cancelled: `updated_at` moves with later edits, and a picture of a past day
    # must still show a meeting cancelled only afterwards (`oversight.selectors`).
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["starts_at", "id"], name="meeting_starts"),
            models.Index(fields=["partnership", "starts_at"], name="meeting_partnership"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("agenda item"), max_length=500)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class MeetingResponse(models.Model):
    """One invitee's answer: a person with an account (named, or of an invited office) or a
    guest by e-mail. No row: no answer yet."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    guest_email = models.EmailField(blank=True)
    answer = models.CharField(max_length=15, choices=Answer.choices)
    comment = models.CharField(max_length=500, blank=True)
    via = models.CharField(max_length=10, default="web")  # web, api, email
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=models.Q(user__isnull=False),
                name="one_answer_per_person",
            ),
            models.UniqueConstraint(
                fields=["meeting", "guest_email"],
                condition=models.Q(user__isnull=True),
                name="one_answer_per_guest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id or self.guest_email}: {self.answer}"


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:60]


class ActionStatus(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")
    DROPPED = "dropped", _("dropped")


class ActionItem(models.Model):
    """Something a person has to do, by a date: decided at a meeting or taken from a message.

    `partnership` is copied from the meeting or the thread, so an action on a confidential
    negotiation stays as confidential as it."""

    title = models.CharField(_("what is to be done"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="action_items",
        verbose_name=_("owner"),
    )
    due = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    message = models.ForeignKey(
        "messaging.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    thread = models.ForeignKey(
        "messaging.Thread", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="actions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due", "id"]
        indexes = [
            models.Index(fields=["owner", "status", "due"], name="action_owner"),
            models.Index(fields=["status", "due"], name="action_due"),
            # A tie's open and overdue items (oversight), without scanning every open item.
            models.Index(fields=["partnership", "status", "due"], name="action_partnership"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(meeting__isnull=False) | models.Q(thread__isnull=False),
                name="action_from_meeting_or_thread",
            )
        ]

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """A person's calendar feed: a secret address (only its digest kept) that a calendar app
    reads their meetings from. Revoking it ends the address; a new one can be made."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"feed of {self.user_id}"
