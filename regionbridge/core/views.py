import sys

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from regionbridge.accounts.models import Language
from regionbridge.accounts.services import user_set_preferences
from regionbridge.core.middleware import remember_language
from regionbridge.core.outage import database_unavailable, database_unreachable
from regionbridge.lib.collation import name_order
from regionbridge.regions.models import Region

# Longer is not a page of this site; a proxy would refuse so long a Location header anyway.
MAX_NEXT_URL = 2000


def home(request: HttpRequest) -> HttpResponse:
    ukrainian_regions = Region.objects.filter(country__code="UA").order_by(name_order())
    return render(request, "core/home.html", {"ukrainian_regions": ukrainian_regions})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; signed-in people keep the choice on their account."""
    language = request.POST.get("language", "")
    # The address bar may have moved on since the page loaded (htmx pushes search URLs).
    next_url = request.headers.get("Referer") or request.POST.get("next") or "/"
    if len(next_url) > MAX_NEXT_URL or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    # Not redirect(): it takes a bare word ("home", "1e9") for a view name and fails to find it.
    response = HttpResponseRedirect(next_url)
    if language not in Language.values:
        return response
    if request.user.is_authenticated:
        user_set_preferences(user=request.user, language=language)
    remember_language(response, language)
    return response


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not ready"
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error(request: HttpRequest, status: int, message: str, template: str) -> HttpResponse:
    """The 403 and 404 pages: why, whom to ask, a search and a way back. The same page for
    every refusal of its kind, whatever was asked for, so it tells nothing of what exists."""
    if _wants_json(request):
        return JsonResponse({"message": message}, status=status)
    context = {
        "message": message,
        "support_email": settings.SUPPORT_EMAIL,
        "sign_in_url": redirect_to_login(
            path if len(path := request.get_full_path()) <= MAX_NEXT_URL else "/"
        ).url,
    }
    return render(request, template, context, status=status)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, 404, _("Not found."), "core/404.html")


def forbidden(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, 403, _("You do not have access to this page."), "core/403.html")


def server_error(request: HttpRequest) -> HttpResponse:
    # Called while Django handles the exception, wherever it was raised (middleware included).
    if database_unreachable(sys.exc_info()[1]):
        return database_unavailable(request)
    if _wants_json(request):
        return JsonResponse({"message": "Internal error."}, status=500)
    # No context processors: whatever broke (often the database) must not break this page too.
    return HttpResponseServerError(loader.get_template("core/500.html").render())
