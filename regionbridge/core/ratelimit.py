"""Rate limits: counters in the database, shared by every process (decision 0005).

A fixed window per rule: the count of hits since the window began (windows are aligned to the
epoch, so every process agrees where one ends). One statement increments it, or starts a new
window, and returns the count (`INSERT … ON CONFLICT DO UPDATE … RETURNING`, SQLite ≥ 3.35 and
PostgreSQL alike): two processes can never read the same count and both write count + 1.

The rules live in `settings.RATE_LIMIT_RULES`; `RATE_LIMITS=off` lets everything through.
"""

import hashlib
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from regionbridge.core.models import RateCounter

logger = logging.getLogger(__name__)

LONGEST_WINDOW = timedelta(days=1)  # counters older than this are deleted
CLEANUP_ONE_IN = 100  # hits; each one of them deletes the counters whose window has ended


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # seconds until the window ends; 0 when allowed


class RateLimited(Exception):
    """Too many hits: pages answer 429, the API 429 JSON, mailgate 451; all with the wait."""

    def __init__(self, retry_after: int):
        super().__init__(f"Rate limited; retry after {retry_after} s")
        self.retry_after = retry_after


def _stored_key(key: str) -> str:
    return key if len(key) <= 200 else f"{key[:100]}…{hashlib.sha256(key.encode()).hexdigest()}"


def hit(key: str, *, limit: int, per: timedelta) -> Decision:
    """Count one hit on `key`; allowed while the window holds at most `limit` of them."""
    if not settings.RATE_LIMITS:
        return Decision(True)
    if not timedelta(seconds=1) <= per <= LONGEST_WINDOW:
        raise ValueError(f"A rate window is 1 second to {LONGEST_WINDOW}, not {per}")
    now = timezone.now()
    length = int(per.total_seconds())
    start = datetime.fromtimestamp(int(now.timestamp()) // length * length, tz=UTC)
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    key_col, start_col, count_col = (
        connection.ops.quote_name(name) for name in ("key", "window_start", "count")
    )
    # One transaction (or savepoint) for the upsert and the read of its result: if either
    # fails, the hit is not counted, so whoever retries does not count it twice.
    with transaction.atomic(), connection.cursor() as cursor:
        # The window's own start, not `now`: the same value in every process for one window, so
        # "an older window" is a plain comparison and restarts the count once only.
        cursor.execute(
            f"INSERT INTO {table} ({key_col}, {start_col}, {count_col}) VALUES (%s, %s, 1) "  # noqa: S608 — names only
            f"ON CONFLICT ({key_col}) DO UPDATE SET "
            f"{count_col} = CASE WHEN {table}.{start_col} < excluded.{start_col} "
            f"THEN 1 ELSE {table}.{count_col} + 1 END, "
            f"{start_col} = CASE WHEN {table}.{start_col} < excluded.{start_col} "
            f"THEN excluded.{start_col} ELSE {table}.{start_col} END "
            f"RETURNING {count_col}",
            [
                _stored_key(f"{key}:{length}"),
                connection.ops.adapt_datetimefield_value(start),
            ],
        )
        (count,) = cursor.fetchone()
    if secrets.randbelow(CLEANUP_ONE_IN) == 0:
        try:
            with transaction.atomic():  # a savepoint: a failure leaves the caller's work intact
                cleanup(now=now)
        except DatabaseError:  # housekeeping only: the hit is counted, the next one tidies up
            logger.info("Rate counter cleanup deferred", exc_info=True)
    if count <= limit:
        return Decision(True)
    return Decision(False, max(1, math.ceil((start + per - now).total_seconds())))


def check(key: str, rule: str) -> None:
    """Count a hit under every limit of `rule` (settings.RATE_LIMIT_RULES); raise RateLimited,
    with the longest wait, if any is exceeded. Call it first, before anything is written."""
    refused = []
    for limit, seconds in settings.RATE_LIMIT_RULES[rule]:
        decision = hit(f"{rule}:{key}", limit=limit, per=timedelta(seconds=seconds))
        if not decision.allowed:
            refused.append(decision.retry_after)
    if refused:
        raise RateLimited(max(refused))


def cleanup(*, now: datetime | None = None) -> int:
    """Delete counters whose window has surely ended (none is longer than LONGEST_WINDOW)."""
    cutoff = (now or timezone.now()) - LONGEST_WINDOW
    deleted, _ = RateCounter.objects.filter(window_start__lt=cutoff).delete()
    return deleted
