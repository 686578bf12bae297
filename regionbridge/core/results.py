"""Results kept between requests until the data under them changes (decision 0013).

Some reads cost hundreds of milliseconds at scale whatever SQL does: the oversight dashboard sums
every tie a viewer may see with its last contact, the briefing typesets a PDF, the picture of ties
draws a thousand lines. The same people ask for them again and again while nothing changes, so
`remember(name, parts, compute, reads=...)` keeps what `compute()` returned, in this process's
memory (the `results` cache), under a key made of

- `name` and `parts` (the viewer and the query: whatever the result depends on besides data),
- the reader's language and time zone (names, labels and "today" follow them), and
- the version of each app it `reads`: a token per app (`DataVersion`) that every save or delete
  of one of that app's models replaces, in the writer's own transaction.

So a result is never older than the last change committed before its request began. A write that
bypasses the model signals (a queryset's `update()`) calls `changed(app)` itself. What no save
marks (the clock: a meeting that has begun, a step that fell due) is at most `RESULTS_SECONDS`
old; `RESULTS_SECONDS = 0` turns keeping off.
"""

import hashlib
import secrets
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone, translation

from regionbridge.core.models import DataVersion

T = TypeVar("T")

# The apps whose rows kept results read; a result names those it reads (all by default).
WATCHED_APPS = (
    "accounts",  # roles: who may see what
    "institutions",
    "meetings",
    "messaging",
    "organizations",
    "partnerships",
    "regions",
)
# Rows that change on every visit or sign-in and that no kept result reads: watching them would
# throw the results away on every page view.
UNWATCHED_MODELS = frozenset(
    {
        "accounts.ApiToken",
        "accounts.SignedInSession",
        "accounts.User",  # saved on every sign-in: watched for USER_FIELDS_READ alone
        "meetings.CalendarFeed",
        "messaging.HeldReply",
        "messaging.ReadState",
        "messaging.UnreadBadge",
    }
)
# ... but a user's row also decides what *others* see, through these fields only: a colleague
# who leaves (`is_active`) takes the action items they own off their office's pages, an owner's
# time zone decides when their items fall overdue, a superuser is in every "who may see" rule.
# A save of a user is watched for these alone (`_user_saving`), so a sign-in (`last_login`) still
# throws nothing away. Keep in step with the User fields the policy rules read (policy/).
USER_FIELDS_READ = ("is_active", "is_superuser", "timezone")
_USER_CHANGED = "_results_user_changed"
_MISSING = object()
_guard = threading.Lock()
_computing: dict[str, threading.Lock] = {}  # keys being computed, each with its lock


def version(reads: tuple[str, ...] = WATCHED_APPS) -> str:
    """The versions of the apps `reads` names, as one string: one query."""
    tokens = dict(DataVersion.objects.filter(app__in=reads).values_list("app", "token"))
    return ".".join(tokens.get(app, "-") for app in sorted(reads))


def changed(app: str) -> None:
    """`app`'s rows changed: results that read them are not read again.

    Inside a transaction the new token commits (or rolls back) with the change itself. On
    PostgreSQL the token's row stays locked until then; a writer never waits for that lock
    (two transactions that change two apps in opposite orders would deadlock): when another
    transaction holds it, this one replaces the token again right after it commits."""
    conn = transaction.get_connection()
    if conn.in_atomic_block and conn.features.has_select_for_update_skip_locked:
        free = DataVersion.objects.select_for_update(skip_locked=True).filter(app=app)
        token = secrets.token_hex(8)
        # One statement: replaced if this transaction can take the row at once.
        if DataVersion.objects.filter(app__in=free.values("app")).update(token=token):
            return
        if DataVersion.objects.filter(app=app).exists():  # another transaction holds it
            transaction.on_commit(lambda: _replace(app))
            return
    _replace(app)


def _replace(app: str) -> None:
    token = secrets.token_hex(8)
    if not DataVersion.objects.filter(app=app).update(token=token):
        DataVersion.objects.get_or_create(app=app, defaults={"token": token})


def changed_all() -> None:
    """Every watched app changed (rows written in bulk, past the signals)."""
    for app in WATCHED_APPS:
        changed(app)


def remember(
    name: str,
    parts: tuple,
    compute: Callable[[], T],
    *,
    reads: tuple[str, ...] = WATCHED_APPS,
    cache: str = "results",
) -> T:
    """What `compute()` returns for `parts`, computed once per version of the apps it reads,
    language and time zone, and kept for at most RESULTS_SECONDS in `cache` (`results`, or
    `exports` for the few large files)."""
    seconds = settings.RESULTS_SECONDS
    if not seconds:
        return compute()
    unknown = set(reads) - set(WATCHED_APPS)
    if unknown:
        raise ValueError(f"no version is kept for {sorted(unknown)}")
    context = (
        version(reads),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        *parts,
    )
    key = f"{name}:{hashlib.sha256(repr(context).encode()).hexdigest()[:40]}"
    store = caches[cache]
    found = store.get(key, _MISSING)
    if found is not _MISSING:
        return found
    # One thread computes, those that ask for the same meanwhile wait for its result: sixteen
    # readers arriving together would otherwise each pay the whole cost at once.
    with _guard:
        lock = _computing.setdefault(key, threading.Lock())
    try:
        with lock:
            found = store.get(key, _MISSING)
            if found is not _MISSING:
                return found
            value = compute()
            store.set(key, value, seconds)
            return value
    finally:
        with _guard:
            if _computing.get(key) is lock:
                del _computing[key]


def viewer(user: Any) -> tuple:
    """Whom a kept result is for: what decides what `user` may see (their scope: who they are,
    superuser or not, their roles, regions, offices and host countries). A change to any of
    these gives another key at once, whether or not a watched row was saved for it."""
    from regionbridge import policy

    scope = policy.scope_of(user)
    return (
        scope.user_id,
        scope.superuser,
        tuple(sorted(scope.roles)),
        tuple(sorted(scope.region_ids)),
        tuple(sorted(scope.organization_ids)),
        tuple(sorted(scope.host_country_ids)),
        scope.person_id,
        scope.person_organization_id,
    )


def watched_models() -> list[type]:
    return [
        model
        for label in WATCHED_APPS
        for model in apps.get_app_config(label).get_models()
        if model._meta.label not in UNWATCHED_MODELS
    ]


def watch() -> None:
    """Replace an app's token on every save and delete of its watched models, and on changes
    to their many-to-many fields (`CoreConfig.ready`)."""
    for model in watched_models():
        uid = f"results:{model._meta.label}"
        post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(_saved, sender=model, dispatch_uid=f"{uid}:delete")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _m2m_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"{uid}:{field.name}",
            )
    watch_users()


def watch_users() -> None:
    """Replace accounts' token when a user's row changes in a field others' results read
    (`USER_FIELDS_READ`), and when a user is deleted (`CoreConfig.ready`, through `watch`).

    A new user does not: nothing anyone sees depends on them until a row of theirs is saved in
    a watched app (a role, a directory entry, an action item they own), and that saving bumps
    its own app."""
    user = apps.get_model(settings.AUTH_USER_MODEL)
    uid = "results:users"
    pre_save.connect(_user_saving, sender=user, dispatch_uid=f"{uid}:pre_save")
    post_save.connect(_user_saved, sender=user, dispatch_uid=f"{uid}:save")
    post_delete.connect(_saved, sender=user, dispatch_uid=f"{uid}:delete")


def _user_saving(
    sender: type, instance: Any, raw: bool = False, update_fields: Any = None, **_kwargs: Any
) -> None:
    """Whether this save changes a field others' results read: one query, and none at all for
    a new user or a save of other fields only (a sign-in saves `last_login` alone)."""
    setattr(instance, _USER_CHANGED, False)
    fields = set(USER_FIELDS_READ)
    if update_fields is not None:
        fields &= set(update_fields)
    if raw or instance.pk is None or not fields:
        return
    stored = sender._default_manager.filter(pk=instance.pk).values(*fields).first()
    if stored is not None and any(stored[name] != getattr(instance, name) for name in fields):
        setattr(instance, _USER_CHANGED, True)


def _user_saved(sender: type, instance: Any, **_kwargs: Any) -> None:
    if getattr(instance, _USER_CHANGED, False):
        setattr(instance, _USER_CHANGED, False)
        changed(sender._meta.app_label)


def _saved(sender: type, **_kwargs: Any) -> None:
    changed(sender._meta.app_label)


def _m2m_changed(sender: type, action: str = "", **_kwargs: Any) -> None:
    if action.startswith("post_"):
        changed(sender._meta.app_label)
