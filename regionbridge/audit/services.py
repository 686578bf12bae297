import re
from typing import Any

from django.db import models

from regionbridge.audit.context import current_origin
from regionbridge.audit.models import AuditEntry

REDACTED = "[secret: not recorded]"
# Field names whose values are secrets wherever they come from: passwords (password1,
# old_password), tokens, one-time-code and signing secrets, recovery codes, digests of tokens.
SECRET_NAME = re.compile(
    r"pass(word|phrase)?|secret|token|otp|totp|recovery|digest|private_?key|api_?key|"
    r"authorization|credential|cookie|session",
    re.IGNORECASE,
)


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def _plain(value: Any) -> Any:
    """A value as JSON can hold it: a dict is scrubbed, a list or tuple is walked item by item,
    so a dict with a secret key inside a list (a list of devices) loses that value too. A bare
    list is redacted only when its own key names a secret (`recovery_codes`)."""
    if isinstance(value, dict):
        return scrub(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def scrub(changes: dict[str, Any]) -> dict[str, Any]:
    """The changes as they may be recorded: a secret keeps its field name, never its value, at
    any depth of dicts and lists."""
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        clean[str(key)] = REDACTED if is_secret_name(str(key)) else _plain(value)
    return clean


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry: who (`actor`, None for the system), what, to which object, from where.

    Values of secret fields (by name) are never written, whatever the caller passes."""
    origin = current_origin()
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=actor_user,
        actor_label=(actor_user.email if actor_user else "system")[:255],
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:255] if target is not None else "",
        changes=scrub(changes or {}),
        source=origin.source[:255],
        user_agent=origin.user_agent,
    )
