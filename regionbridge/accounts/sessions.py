"""Where a person is signed in, and ending it (OWASP ASVS 3.3.3, 3.3.4).

Each signed-in browser has a `SignedInSession` row beside its Django session: written at
sign-in, its last activity moved when the session timeout middleware touches the session (at
most once a minute), removed at sign-out. The session store stays the truth: ending a session
deletes it from the store, so the browser's next request is anonymous whatever became of the row.
A session key never leaves the server: pages and the audit log name the row by its id.
"""

import re
from datetime import UTC, datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.utils import timezone

from regionbridge.accounts.models import SignedInSession, User
from regionbridge.audit.middleware import client_address
from regionbridge.audit.services import audit_record

LIST_LIMIT = 50  # a person has a few; a list never grows past this
# The session key its record was written under, kept in the session: when the key changes (a
# new key after a change of privilege), the middleware notices without a query and moves it.
RECORDED_KEY = "rb_recorded_key"

# (pattern, name): the first that matches names the browser, then the system. Order matters:
# Edge and Opera also say "Chrome", Chrome also says "Safari", Android also says "Linux".
_BROWSERS = (
    (re.compile(r"Edg(e|A|iOS)?/"), "Edge"),
    (re.compile(r"OPR/|Opera"), "Opera"),
    (re.compile(r"YaBrowser/"), "Yandex Browser"),
    (re.compile(r"SamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"Firefox/|FxiOS/"), "Firefox"),
    (re.compile(r"Chrome/|CriOS/|Chromium/"), "Chrome"),
    (re.compile(r"Version/[\d.]+.*Safari/"), "Safari"),
    (re.compile(r"^curl/"), "curl"),
)
_SYSTEMS = (
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"iPhone|iPad|iPod"), "iOS"),
    (re.compile(r"Android"), "Android"),
    (re.compile(r"CrOS"), "ChromeOS"),
    (re.compile(r"Mac OS X|Macintosh"), "macOS"),
    (re.compile(r"Linux|X11"), "Linux"),
)


def device_describe(user_agent: str) -> str:
    """'Firefox · Windows' from a User-Agent header; '' when nothing is recognised.

    Only names from the lists above are ever kept, so nothing a client sends is stored."""
    user_agent = user_agent[:512]
    parts = [
        next((name for pattern, name in table if pattern.search(user_agent)), "")
        for table in (_BROWSERS, _SYSTEMS)
    ]
    return " · ".join(part for part in parts if part)


def _address(request: HttpRequest) -> str:
    """Where the browser signed in from, as the audit log sees it ('' when not known)."""
    address = client_address(request)
    return "" if address == "unknown" else address[:64]


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _stored_sessions() -> QuerySet | None:
    """The session table, when sessions are kept in the database (None otherwise)."""
    store = _store()
    return store.get_model_class().objects.all() if hasattr(store, "get_model_class") else None


def _fresh(now: datetime) -> Q:
    """Sessions the timeout middleware would still let in: seen within the idle time, signed in
    within the maximum age (the same rules, in SQL)."""
    return Q(
        last_seen_at__gte=now - timedelta(seconds=settings.SESSION_IDLE_SECONDS),
        signed_in_at__gte=now - timedelta(seconds=settings.SESSION_MAX_SECONDS),
    )


def _alive(now: datetime) -> Q:
    """Fresh, and still in the session store (a password change or a second sign-in in the
    same browser drops a session from the store without a sign-out)."""
    rule = _fresh(now)
    stored = _stored_sessions()
    if stored is not None:
        rule &= Q(Exists(stored.filter(session_key=OuterRef("session_key"), expire_date__gt=now)))
    return rule


def sessions_active(*, user: User, current_session_key: str | None = None) -> QuerySet:
    """The person's live sessions, this one first (`is_current`), then the latest active;
    at most LIST_LIMIT."""
    current = current_session_key or ""
    return (
        SignedInSession.objects.filter(user=user)
        .filter(_alive(timezone.now()))
        .annotate(
            is_current=Case(
                When(session_key=current, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-is_current", "-last_seen_at", "-pk")[:LIST_LIMIT]
    )


def session_signed_in(*, request: HttpRequest, user: User) -> SignedInSession:
    """Record the browser that just signed in, and drop the person's records of sessions that
    have ended meanwhile (timed out, or gone from the store)."""
    if not request.session.session_key:
        request.session.save()  # a flushed session has no key until it is saved
    now = timezone.now()
    stale = SignedInSession.objects.filter(user=user).exclude(_alive(now))
    stale.delete()
    record, _created = SignedInSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "signed_in_at": now,
            "last_seen_at": now,
            "device": device_describe(request.META.get("HTTP_USER_AGENT", "")),
            "address": _address(request),
        },
    )
    request.session[RECORDED_KEY] = record.session_key
    return record


def session_seen(*, request: HttpRequest, signed_in_at: int, active: bool = True) -> None:
    """Called by the timeout middleware when it rewrites the session's seen-at (at most once a
    minute; `active`) or finds the session under a new key. A record written under the old key
    follows the session; a session without a record (one that began before records were kept)
    gets one, so every live session is listed and can be ended."""
    session = request.session
    key = session.session_key
    if not key:
        return
    now = timezone.now()
    seen = {"last_seen_at": now} if active else {}
    previous = session.get(RECORDED_KEY)
    moved = bool(previous and previous != key) and (
        SignedInSession.objects.filter(session_key=previous, user=request.user).update(
            session_key=key, **seen
        )
    )
    if not moved and not (
        active and SignedInSession.objects.filter(session_key=key).update(**seen)
    ):
        SignedInSession.objects.get_or_create(
            session_key=key,
            defaults={
                "user": request.user,
                "signed_in_at": datetime.fromtimestamp(signed_in_at, tz=UTC),
                "last_seen_at": now,
                "device": device_describe(request.META.get("HTTP_USER_AGENT", "")),
                "address": _address(request),
            },
        )
    if previous != key:
        session[RECORDED_KEY] = key


def session_signed_out(*, session_key: str | None) -> None:
    """The browser signed out (or its session timed out): its record goes."""
    if session_key:
        SignedInSession.objects.filter(session_key=session_key).delete()


def _end(record: SignedInSession, *, by: User | None, action: str, reason: str) -> None:
    """Delete the session from the store and its record, and say so in the audit log (by the
    record's id: the key itself is never written anywhere)."""
    changes = {"record": record.pk, "device": record.device, "address": record.address}
    if reason:
        changes["reason"] = reason
    audit_record(actor=by, action=action, target=record.user, changes=changes)
    _store()().delete(record.session_key)
    record.delete()


@transaction.atomic
def session_end(
    user: User, record_id: int, *, by: User | None, reason: str = ""
) -> SignedInSession:
    """End one of `user`'s sessions: that browser's next request is anonymous.

    Raises SignedInSession.DoesNotExist when `user` has no such session (another person's
    included). Returns the ended record (no longer saved) so a caller can tell whether it was
    its own session."""
    record = SignedInSession.objects.select_related("user").get(user=user, pk=record_id)
    _end(record, by=by, action="session.ended", reason=reason)
    return record


@transaction.atomic
def sessions_end_others(
    user: User, *, keep_session_key: str | None, by: User | None, reason: str = ""
) -> int:
    """End every session of `user` but the one with `keep_session_key` (None: every one), e.g.
    after a sign-in factor changed. Returns how many were ended.

    Sessions are found by their records; a session signed in before records were kept and
    not used since is not found (it gets a record on its next request)."""
    records = SignedInSession.objects.select_related("user").filter(user=user)
    if keep_session_key:
        records = records.exclude(session_key=keep_session_key)
    ended = 0
    for record in records.order_by("pk"):
        _end(record, by=by, action="session.ended_other", reason=reason)
        ended += 1
    return ended
