"""Until a session passes its second factor, it reaches the second-factor pages and nothing else.

Pages redirect there (htmx requests are told to load it whole); the API treats the session as
anonymous, so a session-authenticated call answers 401 while a valid API token still works.
"""

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from regionbridge.twofactor.gate import ENROLL, pending

API_PREFIX = "/api/"
# Open in either state: leaving, the language, health checks and the error pages' assets.
ALWAYS_OPEN = ("/accounts/logout/", "/language/", "/healthz", "/readyz", "/static/", "/favicon")


def _is_open(path: str, state: str) -> bool:
    if path.startswith(ALWAYS_OPEN):
        return True
    if state == ENROLL:  # the overview, and the two ways of adding a factor
        return path in (reverse("twofactor:overview"), reverse("twofactor:totp")) or (
            path.startswith("/two-factor/passkeys/registration/")
        )
    return path == reverse("twofactor:verify") or path.startswith(
        "/two-factor/passkeys/authentication/"
    )


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = pending(request)
        if state is None or _is_open(request.path, state):
            return self.get_response(request)
        if request.path.startswith(API_PREFIX):
            request.user = AnonymousUser()
            return self.get_response(request)
        target = reverse("twofactor:overview" if state == ENROLL else "twofactor:verify")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        # htmx is told to load the page whole (no content: nothing to swap in meanwhile).
        response = (
            HttpResponseClientRedirect(target, status=204) if request.htmx else redirect(target)
        )
        patch_vary_headers(response, ["HX-Request"])
        return response
