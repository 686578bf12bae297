from regionbridge.audit.context import Origin, reset_origin, set_origin


class RequestContextMiddleware:
    """Records the client address of each request for the audit log.

    REMOTE_ADDR is what the server saw; behind a reverse proxy, the proxy must set it
    (granian's and gunicorn's forwarded-allow settings), never a client-controlled header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        origin = Origin(
            source=request.META.get("REMOTE_ADDR", "") or "unknown",
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:255],
        )
        token = set_origin(origin)
        try:
            return self.get_response(request)
        finally:
            reset_origin(token)
