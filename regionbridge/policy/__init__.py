"""The one authority on access, and its only door: import `policy`, nothing inside it.

    policy.can(user, action, obj)   may `user` do `action` (to `obj`)?
    policy.require(by, action, obj) the same, as a service's check (PermissionDenied)
    policy.visible(user, Model)     the rows of `Model` that `user` may see
    policy.published(Model)         the rows the public registry shows anyone
    policy.audience(kind, obj)      who is told of a workflow event (notifications)
    policy.scope_of(user) / forget  what the user's roles reach (cached per request) / drop it
    policy.clearing_ministries      the ministries a user clears drafts for
    policy.partnership_viewers / thread_readers   the same rules read the other way round
    policy.Action                   the actions, named for what they allow

Pages, the API, the CLI, search, exports, e-mail and live updates all ask these, so a list, its
count, a detail page and an export cannot disagree. Each domain writes its rules in its own
module (`policy/<domain>.py`: one visibility rule per model, `(scope, queryset) -> queryset`, and
one rule per action, `(scope, obj) -> bool`) and registers them in `registry`; an action or a
model without a rule fails the system check `policy.E001`/`E002` and the tests.

Outsiders (signed in, no business with an object) get 404 from views; insiders who may see but not
change get 403.
"""

from typing import Any

from django.core import checks
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

# Each domain's rules register themselves when their module is imported.
from regionbridge.policy import (  # noqa: F401
    accounts,
    audit,
    directory,
    institutions,
    matching,
    meetings,
    messaging,
    oversight,
    partnerships,
    regions,
)
from regionbridge.policy.actions import Action
from regionbridge.policy.registry import (
    AUDIENCE_RULES,
    OBJECT_RULES,
    PUBLICATION_RULES,
    actions_without_rule,
    visible_to,
)
from regionbridge.policy.scope import Scope, forget, scope_of

__all__ = [
    "Action",
    "Scope",
    "audience",
    "can",
    "clearing_ministries",
    "forget",
    "live_ties",
    "partnership_viewers",
    "post_organizations",
    "published",
    "require",
    "scope_of",
    "thread_readers",
    "visible",
]

partnership_viewers = partnerships.partnership_viewers
thread_readers = messaging.thread_readers
live_ties = partnerships.live_ties


def post_organizations(user: Any) -> QuerySet:
    """The organizations `user` may post needs and offers for."""
    return matching.post_organizations(scope_of(user))


def can(user: Any, action: str, obj: Any = None) -> bool:
    """May `user` (a user, or a `Scope`) do `action` (to `obj`, where it concerns one object)?"""
    try:
        rule = OBJECT_RULES[Action(action)]
    except ValueError:
        raise LookupError(f"policy has no rule for action {action!r}") from None
    return bool(rule(scope_of(user), obj))


def require(by: Any, action: str, obj: Any = None) -> None:
    """A service's check: raise PermissionDenied unless `by` may do `action` (to `obj`).
    `by=None` is the system itself (loaders, the demo, scheduled jobs), which the rules don't
    restrain."""
    if by is not None and not can(by, action, obj):
        raise PermissionDenied(_("You may not do this."))


def visible(user: Any, model: type[Model], *, per_row: bool = False) -> QuerySet:
    """The rows of `model` that `user` may see; every list, count, search and export starts here.
    `per_row`: the same rows, decided by a check per row, for a subquery tied to an outer row
    (a tie's last message); lists and counts keep the default."""
    return visible_to(scope_of(user), model, per_row=per_row)


def published(model: type[Model]) -> QuerySet:
    """The rows of `model` the public registry may show to anyone."""
    try:
        rule = PUBLICATION_RULES[model]
    except KeyError:
        raise LookupError(f"policy publishes no {model.__name__}") from None
    return rule(model._default_manager.all())


def audience(kind: str, obj: Any) -> QuerySet:
    """The active accounts to be told of the workflow event `kind` (a dotted code such as
    "document.submitted") about `obj`: one queryset, always within those who may see `obj`."""
    try:
        rule = AUDIENCE_RULES[kind]
    except KeyError:
        raise LookupError(f"policy tells nobody of {kind!r}") from None
    return rule(obj)


def clearing_ministries(user: Any) -> list:
    """The clearing ministries (MFA, Ministry for Development) a user reviews drafts for."""
    return directory.clearing_ministries(scope_of(user))


@checks.register()
def check_every_action_has_a_rule(app_configs: Any = None, **kwargs: Any) -> list[checks.Error]:
    return [
        checks.Error(
            f"policy: the action {action.name} has no rule",
            hint="Register one with @allows in the rules module of its domain.",
            id="policy.E001",
        )
        for action in actions_without_rule()
    ]
