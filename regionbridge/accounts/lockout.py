"""Sign-in lockout (django-axes): per account, with a wait that doubles with each failure.

Keying the lock on the account and the address let anyone lock anyone out for an hour behind
the proxy (every client was 127.0.0.1) and let a guesser walk around it from many addresses.
Now the account is what counts: after AXES_FAILURE_LIMIT failures it waits FIRST_WAIT, and each
further failure (once the wait is over) doubles the wait, up to LONGEST_WAIT. Attempts made while
locked are refused unread and count for nothing, so a flood neither lengthens the wait nor tries
a password. Failures are forgotten a day (AXES_COOLOFF_TIME) after the last one, or on success.
The address recorded with each attempt is the client's, read the way the audit log reads it.
"""

import ipaddress
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from regionbridge.accounts.models import User
from regionbridge.audit.middleware import client_address
from regionbridge.audit.services import audit_record
from regionbridge.core.pages import try_again_page

FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(days=1)


def wait_after(failures: int, limit: int) -> timedelta | None:
    """How long an account waits after its latest failure: none below the limit, then 1 minute,
    2, 4, … up to a day."""
    if failures < limit:
        return None
    doublings = min(failures - limit, 30)  # 2**30 minutes is far past the longest wait
    return min(FIRST_WAIT * 2**doublings, LONGEST_WAIT)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (X-Real-IP from our proxy when BEHIND_PROXY), if it is one."""
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def username_of(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The account tried, as sign-in compares it (case and spaces do not make another one)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    raw = (credentials or {}).get(field) or request.POST.get(field)
    if not isinstance(raw, str):
        return None
    return raw.strip().lower()[:255] or None


class ProgressiveLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, locking while the account's latest failure is younger than the
    wait its failure count earns (axes alone locks for as long as it remembers failures)."""

    def locked_until(
        self, request: HttpRequest, credentials: dict | None = None
    ) -> datetime | None:
        totals = [
            attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            for attempts in self.get_user_attempts(request, credentials)
        ]
        failures = max((t["failures"] or 0 for t in totals), default=0)
        last = max((t["last"] for t in totals if t["last"]), default=None)
        wait = wait_after(failures, get_failure_limit(request, credentials))
        if wait is None or last is None:
            return None
        until = last + wait
        now = getattr(request, "axes_attempt_time", None) or timezone.now()
        return until if until > now else None

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        return settings.AXES_LOCK_OUT_AT_FAILURE and bool(self.locked_until(request, credentials))


def locked_response(
    request: HttpRequest, original_response: Any = None, credentials: dict | None = None
) -> HttpResponse:
    """The lockout page: 429, saying when to try again (also as Retry-After)."""
    handler = AxesProxyHandler.get_implementation()
    until = None
    if isinstance(handler, ProgressiveLockoutHandler):
        until = handler.locked_until(request, credentials)
    wait = (until - timezone.now()).total_seconds() if until else FIRST_WAIT.total_seconds()
    return try_again_page(
        request, "accounts/locked.html", wait, status=settings.AXES_HTTP_RESPONSE_CODE
    )


def lockout_clear(*, attempts: Any, by: Any) -> int:
    """Unlock accounts by forgetting their failed sign-ins, for a coordinator helping someone who
    is locked out. Each attempt forgotten is audited (on the account, when there is one), so an
    unlock cannot hide a guessing run. Returns how many were forgotten."""
    count = 0
    for attempt in attempts:
        account = User.objects.filter(email__iexact=attempt.username or "").first()
        audit_record(
            actor=by,
            action="user.unlocked",
            target=account or attempt,
            changes={
                "account": attempt.username,
                "address": attempt.ip_address,
                "failures": attempt.failures_since_start,
                "last_attempt": attempt.attempt_time.isoformat(),
            },
        )
        attempt.delete()
        count += 1
    return count
