"""Rules for accounts' own things: API tokens belong to the one who made them."""

from django.db.models import QuerySet

from regionbridge.accounts.models import ApiToken
from regionbridge.policy.actions import Action
from regionbridge.policy.registry import allows, shows
from regionbridge.policy.scope import Scope


@shows(ApiToken)
def _tokens(scope: Scope, qs: QuerySet) -> QuerySet:
    return qs.filter(user=scope.user_id) if scope.authenticated else qs.none()


@allows(Action.TOKEN_MANAGE)
def _manages_token(scope: Scope, token: ApiToken | None) -> bool:
    return scope.authenticated and (token is None or token.user_id == scope.user_id)
