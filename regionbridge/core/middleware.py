import zoneinfo

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django_htmx.http import reswap, retarget

from regionbridge.core.pages import try_again_page
from regionbridge.core.ratelimit import RateLimited


def request_language(request) -> str:
    """The person's saved choice, else the browser's cookie, else Ukrainian."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language:
        return user.language
    return cookie_language(request)


def cookie_language(request) -> str:
    """The browser's cookie, else Ukrainian: what can be known without the database."""
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if cookie in dict(settings.LANGUAGES):
        return cookie
    return settings.LANGUAGE_CODE


def remember_language(response, language: str) -> None:
    """Keep the choice in the browser too, so the sign-in page speaks it next time."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


class LanguageMiddleware:
    """Ukrainian by default; English on one click, remembered per person (and per browser)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class UserTimezoneMiddleware:
    """Times show in the person's own time zone: Kyiv and Indianapolis are 7 hours apart."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.timezone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class RejectNullBytesMiddleware:
    """A NUL byte in the path or query is never meaningful, and PostgreSQL refuses it in text:
    answer 400 up front instead of failing deep inside a query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.GET
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in query.getlist(key)) for key in query
        ):
            message = "The request contains a NUL byte."
            if request.path.startswith("/api/"):
                return JsonResponse({"message": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class RateLimitedMiddleware:
    """A service refused for too many hits (`core.ratelimit`): a 429 page with Retry-After.
    The service raises before it writes anything, so nothing is half done."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RateLimited):
            return None
        response = try_again_page(request, "429.html", exception.retry_after)
        if request.htmx:  # the whole page says it, not the small part a form replaces
            retarget(response, "body")
            reswap(response, "innerHTML")
        patch_vary_headers(response, ["HX-Request"])
        return response
