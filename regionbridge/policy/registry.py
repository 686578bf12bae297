"""The policy's registry: each domain's rules module registers its rules here, once.

Two kinds of rule, both taking a `Scope` first:
- an object rule `(scope, obj) -> bool` answers `can(user, action, obj)`;
- a visibility rule `(scope, queryset) -> queryset` answers `visible(user, Model)`, and object
  rules that ask "may they see it" use the same queryset, so a list and a detail cannot disagree.
- a publication rule `(queryset) -> queryset` answers `published(Model)`: what the public registry
  shows to anyone.
- an audience rule `(obj) -> queryset of users` answers `audience(kind, obj)`: who is told of a
  workflow event (always people who may see `obj`).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from regionbridge.policy.actions import Action
from regionbridge.policy.scope import Scope

ObjectRule = Callable[[Scope, Any], bool]
VisibilityRule = Callable[[Scope, QuerySet], QuerySet]
PublicationRule = Callable[[QuerySet], QuerySet]
AudienceRule = Callable[[Any], QuerySet]
F = TypeVar("F", bound=Callable[..., Any])

OBJECT_RULES: dict[Action, ObjectRule] = {}
VISIBILITY_RULES: dict[type[Model], VisibilityRule] = {}
# The same rows asked as a check per row (EXISTS): for subqueries correlated with an outer row,
# where SQLite would rebuild a list rule's IN-list for each row. Lists keep the list rule (a
# semi-join from the person's few participations is faster there).
PER_ROW_RULES: dict[type[Model], VisibilityRule] = {}
PUBLICATION_RULES: dict[type[Model], PublicationRule] = {}
AUDIENCE_RULES: dict[str, AudienceRule] = {}


def _register(table: dict, keys: tuple, rule: Callable) -> None:
    for key in keys:
        if key in table:
            raise ValueError(f"policy: {key} has two rules: {table[key].__name__}, {rule.__name__}")
        table[key] = rule


def allows(*actions: Action) -> Callable[[F], F]:
    """Register the decorated `(scope, obj) -> bool` as the rule of `actions`."""

    def decorator(rule: F) -> F:
        _register(OBJECT_RULES, actions, rule)
        return rule

    return decorator


def shows(*models: type[Model], per_row: bool = False) -> Callable[[F], F]:
    """Register the decorated `(scope, queryset) -> queryset` as the visibility of `models`
    (`per_row`: its form for correlated subqueries; the same rows, tests/test_policy.py)."""

    def decorator(rule: F) -> F:
        _register(PER_ROW_RULES if per_row else VISIBILITY_RULES, models, rule)
        return rule

    return decorator


def publishes(*models: type[Model]) -> Callable[[F], F]:
    """Register the decorated `(queryset) -> queryset` as what the public may see of `models`."""

    def decorator(rule: F) -> F:
        _register(PUBLICATION_RULES, models, rule)
        return rule

    return decorator


def tells(*kinds: str) -> Callable[[F], F]:
    """Register the decorated `(obj) -> queryset of users` as who is told of `kinds` (dotted
    notification codes such as "document.submitted") about `obj`."""

    def decorator(rule: F) -> F:
        _register(AUDIENCE_RULES, kinds, rule)
        return rule

    return decorator


def visible_to(scope: Scope, model: type[Model], *, per_row: bool = False) -> QuerySet:
    try:
        rule = (per_row and PER_ROW_RULES.get(model)) or VISIBILITY_RULES[model]
    except KeyError:
        raise LookupError(f"policy has no visibility rule for {model.__name__}") from None
    return rule(scope, model._default_manager.all())


def sees(scope: Scope, obj: Model) -> bool:
    """May the scope see `obj`? The visibility rule of its model, asked about one row."""
    return visible_to(scope, type(obj)).filter(pk=obj.pk).exists()


def actions_without_rule() -> list[Action]:
    return [action for action in Action if action not in OBJECT_RULES]
