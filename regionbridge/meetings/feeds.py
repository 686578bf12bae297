"""A person's calendar feed: a secret, revocable, read-only address from which their calendar
app reads the meetings they are invited to.

Calendar apps cannot sign in, so the address is the key: 256 random bits, shown once, of which
only the SHA-256 digest is kept (as for API tokens); the digest is what the database is asked
for, so nothing secret is compared in Python. One address at a time: making a new one ends the
old. What the feed shows is asked of the policy at every read, so a meeting the person may no
longer see leaves their calendar at its next refresh.
"""

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from regionbridge import policy
from regionbridge.audit.services import audit_record
from regionbridge.core import ratelimit
from regionbridge.meetings.models import CalendarFeed, Meeting
from regionbridge.messaging.models import Thread

PAST_DAYS = 90  # the feed shows the last 90 days and everything to come
MAX_MEETINGS = 1000
USED_EVERY = timedelta(hours=1)  # last_used_at is written at most this often (apps poll)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_feed(user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


@transaction.atomic
def feed_create(*, user: Any) -> tuple[CalendarFeed, str]:
    """A new secret address for the person's feed (any earlier one stops working). The token is
    returned once; only its digest is kept."""
    feed_revoke(user=user)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=user, digest=_digest(token))
    audit_record(actor=user, action="calendar_feed.created", target=feed)
    return feed, token


@transaction.atomic
def feed_revoke(*, user: Any) -> int:
    """End the person's feed address (their own only); returns how many were ended."""
    now = timezone.now()
    feeds = list(CalendarFeed.objects.filter(user=user, revoked_at__isnull=True))
    for feed in feeds:
        feed.revoked_at = now
        feed.save(update_fields=["revoked_at"])
        audit_record(actor=user, action="calendar_feed.revoked", target=feed)
    return len(feeds)


def feed_reader(token: str) -> CalendarFeed | None:
    """The live feed whose address this is (its owner still active), or None. Each read counts
    against the address's own rate limit (the API's: a calendar polls far less)."""
    if not _TOKEN.match(token or ""):
        return None
    digest = _digest(token)
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(digest=digest, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None:
        return None
    ratelimit.check(f"feed:{digest[:32]}", "api")
    now = timezone.now()
    if feed.last_used_at is None or feed.last_used_at < now - USED_EVERY:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed


def feed_meetings(user: Any, *, now: datetime | None = None) -> QuerySet[Meeting]:
    """The meetings of the person's feed: those they are invited to and may see (a coordinator's
    oversight of every meeting is not their calendar), from 90 days ago on, cancelled included."""
    since = (now or timezone.now()) - timedelta(days=PAST_DAYS)
    invited = policy.visible(user, Thread).values("pk")
    return (
        policy.visible(user, Meeting)
        .filter(thread__in=invited, starts_at__gte=since)
        .select_related("organizer")
        .prefetch_related("agenda")
        .order_by("starts_at", "pk")[:MAX_MEETINGS]
    )
