"""The database out of reach (PostgreSQL restarting, SQLite's file gone): 503 with Retry-After.

Such a request fails wherever it first touches the database, most often in the session and
authentication middleware, before any view. Django turns an exception raised there into the
response of `handler500` (`core.views.server_error`) while it is still being handled, so that
handler is the one place that sees them all; the API answers from its own exception handler
(`api/errors.py`). Neither needs the database. The connection is not kept: Django closes an
unusable one at the end of the request, and checks a kept one before reusing it
(CONN_HEALTH_CHECKS), so the next request after the database is back succeeds.
"""

import logging
import sqlite3

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import ngettext

from regionbridge.core.middleware import cookie_language
from regionbridge.core.pages import try_again_page

logger = logging.getLogger(__name__)

RETRY_AFTER = 10  # seconds: a PostgreSQL restart takes a few

# SQLite's primary result codes (the low byte of the extended code) that mean its file cannot be
# read at all. Not SQLITE_BUSY ("database is locked"): writers wait for the lock (`timeout`,
# IMMEDIATE transactions in settings), and one that waited in vain is a fault to fix, not a
# moment to wait out. Not SQLITE_ERROR either: a query SQLite refuses will be refused again.
SQLITE_UNREACHABLE = {sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR}
# PostgreSQL's: connection exceptions (class 08), the server shutting down or starting up,
# no connection slot left.
POSTGRESQL_UNREACHABLE = {"57P01", "57P02", "57P03", "53300"}


def database_unreachable(exc: BaseException) -> bool:
    """Whether `exc` means the database could not be reached, so that the same request may well
    succeed in a moment; a query the database refuses or a deadlock is not that."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    cause = exc.__cause__  # the driver's own error, which Django wraps
    if isinstance(cause, sqlite3.Error):
        return getattr(cause, "sqlite_errorcode", 0) & 0xFF in SQLITE_UNREACHABLE
    if cause is not None and hasattr(cause, "sqlstate"):  # psycopg
        state = cause.sqlstate
        # No state: the client's own failure (refused, the connection closed under it).
        return state is None or state.startswith("08") or state in POSTGRESQL_UNREACHABLE
    return "locked" not in str(exc)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON for the API, else a page in the reader's language. Neither asks
    the database: the language is the one already chosen for this request, or the cookie's."""
    logger.warning("Database unreachable on %s %s", request.method, request.path)
    language = getattr(request, "LANGUAGE_CODE", None) or cookie_language(request)
    with translation.override(language):
        if request.path.startswith("/api/"):
            message = ngettext(
                "The database is unavailable for a moment. Try again in %(seconds)s second.",
                "The database is unavailable for a moment. Try again in %(seconds)s seconds.",
                RETRY_AFTER,
            ) % {"seconds": RETRY_AFTER}
            response = JsonResponse({"message": message}, status=503)
            response["Retry-After"] = str(RETRY_AFTER)
        else:
            response = try_again_page(
                request, "core/503.html", RETRY_AFTER, status=503, without_request=True
            )
    response["Content-Language"] = language
    return response
