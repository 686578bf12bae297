"""Every API error is JSON with a human-readable `message`; nothing surfaces as an HTML 500."""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import (
    BadRequest,
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError

from regionbridge.api.schemas import InvalidInput, Message, Refusal
from regionbridge.core.outage import database_unavailable, database_unreachable
from regionbridge.core.ratelimit import RateLimited

logger = logging.getLogger(__name__)

# The body `install` below writes for each error status.
ERROR_BODIES: dict[int, type[Message]] = {
    400: Refusal,
    401: Message,
    403: Message,
    404: Message,
    409: Message,
    413: Message,
    422: InvalidInput,
    429: Message,
    503: Message,
}


def answers(ok: Any, *refusals: int, takes_input: bool = True, body: bool = False) -> dict:
    """An operation's `response=`: its success and every error it may answer, so that
    /api/v1/openapi.json tells the truth (tests/test_api_fuzz.py holds it to that).

    Every operation may answer 400 (a NUL byte in the path or query; a domain rule refusing),
    401 (no token, or a wrong one: public operations refuse a wrong one too), 429 (the API's
    rate limit, counted in auth.py before the endpoint runs) and 503 (the database out of
    reach for a moment, `core.outage`; both with Retry-After); 422 when it takes
    parameters; 413 (and 422) when it reads a body. `refusals` are the operation's own:
    403 (the policy; any write with a read-only token), 404 (missing or out of reach), 409.
    `ok` is the success's schema (200) or a {status: schema} dict."""
    responses = dict(ok) if isinstance(ok, dict) else {200: ok}
    codes = {400, 401, 429, 503, *refusals}
    if takes_input or body:
        codes.add(422)
    if body:
        codes.add(413)
    for code in sorted(codes):
        responses[code] = ERROR_BODIES[code]
    return responses


def install(api: NinjaAPI) -> None:
    def respond(request, status: int, message: str, **extra):
        return api.create_response(request, {"message": message, **extra}, status=status)

    @api.exception_handler(ValidationError)
    def invalid(request, exc):
        errors = [
            {"loc": [str(part) for part in error.get("loc", [])], "msg": error.get("msg", "")}
            for error in exc.errors
        ]
        return respond(request, 422, "Invalid input.", errors=errors)

    @api.exception_handler(DjangoValidationError)
    def invalid_domain(request, exc):
        return respond(request, 400, "; ".join(exc.messages), errors=exc.messages)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(
            request,
            401,
            "Authentication required: send 'Authorization: Bearer <token>' with a valid token.",
        )

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return respond(request, 403, str(exc) or "You may not do this.")

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, "Not found.")

    @api.exception_handler(ObjectDoesNotExist)
    def missing(request, exc):
        return respond(request, 404, "Not found.")

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return respond(request, exc.status_code, str(exc))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return respond(request, 413, "The request body is too large.")

    @api.exception_handler(RateLimited)
    def too_many(request, exc):
        response = respond(
            request,
            429,
            ngettext(
                "Too many requests; nothing was changed. Try again in %(seconds)s second.",
                "Too many requests; nothing was changed. Try again in %(seconds)s seconds.",
                exc.retry_after,
            )
            % {"seconds": exc.retry_after},
        )
        response["Retry-After"] = str(exc.retry_after)
        return response

    # Django's pages answer these with a 400; without a handler they would reach `unexpected`.
    @api.exception_handler(MultiPartParserError)
    def unreadable_multipart(request, exc):
        return respond(
            request,
            400,
            _("The multipart body could not be read: check its boundary and that it is complete."),
        )

    @api.exception_handler(UnreadablePostError)
    def unreadable_body(request, exc):
        return respond(request, 400, _("The request body could not be read."))

    @api.exception_handler(BadRequest)
    def bad_request(request, exc):
        return respond(request, 400, _("The request could not be understood."))

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request, exc):
        return respond(request, 400, "The request was refused.")

    # The database out of reach (a restart): 503 with Retry-After, as the pages answer.
    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def database_away(request, exc):
        if database_unreachable(exc):
            return database_unavailable(request)
        return unexpected(request, exc)

    @api.exception_handler(Exception)
    def unexpected(request, exc):
        logger.exception("API error on %s %s", request.method, request.path)
        return respond(request, 500, "Internal error; nothing was changed.")


def refused_as_422(where: str) -> Callable:
    """The services' ValidationError as a 422 whose `message` says why (an address named, a
    time out of bounds), in the schema's refusal shape; `where` is its `loc` ("body",
    "query"). The service has rolled back whatever it began."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args: Any, **kwargs: Any):
            try:
                return view(request, *args, **kwargs)
            except DjangoValidationError as exc:
                errors = [{"loc": [where], "msg": text} for text in exc.messages]
                return Status(422, {"message": "; ".join(exc.messages), "errors": errors})

        return wrapper

    return decorate
