from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

from regionbridge import policy
from regionbridge.accounts.services import token_find
from regionbridge.audit.middleware import client_address
from regionbridge.core import ratelimit

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _count(request, user) -> None:
    """One API request against the limit: a person's (whatever token or session), else the
    address's; past it RateLimited, which errors.py answers with 429 before the endpoint runs."""
    key = f"user:{user.pk}" if user.is_authenticated else f"ip:{client_address(request)}"
    ratelimit.check(key, "api")


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`: a wrong or revoked token is a 401, never anonymous."""

    def authenticate(self, request, token):
        found = token_find(token)
        if found is None:
            raise AuthenticationError
        user = found.user
        request.user = user
        translation.activate(user.language)  # the middleware saw no user yet
        request.LANGUAGE_CODE = user.language
        _count(request, user)
        if found.read_only and request.method not in SAFE_METHODS:
            raise PermissionDenied(_("This token is read-only: it may read, not change anything."))
        return user


class Session(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None:
            _count(request, user)
        return user


class Anonymous:
    """Lets endpoints that are open to the public run without credentials."""

    def __call__(self, request):
        user = request.user if request.user.is_authenticated else AnonymousUser()
        _count(request, user)
        return user


bearer = BearerToken()
session = Session()
MEMBERS = [bearer, session]
PUBLIC = [bearer, session, Anonymous()]


def require(user, action: str, obj=None) -> None:
    """The policy's answer as an API error: 403 with a message."""
    if not policy.can(user, action, obj):
        raise PermissionDenied("You may not do this.")
