from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import translation
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

from regionbridge import policy
from regionbridge.accounts.services import token_authenticate


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`: a wrong or revoked token is a 401, never anonymous."""

    def authenticate(self, request, token):
        user = token_authenticate(token)
        if user is None:
            raise AuthenticationError
        request.user = user
        translation.activate(user.language)  # the middleware saw no user yet
        request.LANGUAGE_CODE = user.language
        return user


class Anonymous:
    """Lets endpoints that are open to the public run without credentials."""

    def __call__(self, request):
        return request.user if request.user.is_authenticated else AnonymousUser()


bearer = BearerToken()
session = SessionAuth()
MEMBERS = [bearer, session]
PUBLIC = [bearer, session, Anonymous()]


def require(user, action: str, obj=None) -> None:
    """The policy's answer as an API error: 403 with a message."""
    if not policy.can(user, action, obj):
        raise PermissionDenied("You may not do this.")
