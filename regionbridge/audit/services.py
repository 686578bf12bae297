from typing import Any

from django.db import models

from regionbridge.audit.context import current_origin
from regionbridge.audit.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry: who (`actor`, None for the system), what, to which object, from where."""
    origin = current_origin()
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=actor_user,
        actor_label=(actor_user.email if actor_user else "system")[:255],
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:255] if target is not None else "",
        changes={key: _plain(value) for key, value in (changes or {}).items()},
        source=origin.source[:255],
        user_agent=origin.user_agent,
    )
