"""Rules for the audit log: coordinators read it; nobody changes it."""

from typing import Any

from django.db.models import QuerySet

from regionbridge.audit.models import AuditEntry
from regionbridge.policy.actions import Action
from regionbridge.policy.registry import allows, shows
from regionbridge.policy.scope import Scope


@shows(AuditEntry)
def _audit(scope: Scope, qs: QuerySet) -> QuerySet:
    return qs if scope.is_coordinator else qs.none()


@allows(Action.AUDIT_VIEW)
def _reads_audit(scope: Scope, obj: Any) -> bool:
    return scope.is_coordinator
