from django.conf import settings

from regionbridge.audit.context import Origin, reset_origin, set_origin


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or the proxy's X-Real-IP when BEHIND_PROXY is set.

    The header is trusted only behind our own proxy, which overwrites whatever a client sent.
    """
    if settings.BEHIND_PROXY and request.META.get("HTTP_X_REAL_IP"):
        return request.META["HTTP_X_REAL_IP"][:64]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class RequestContextMiddleware:
    """Records where each request comes from, for the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        origin = Origin(
            source=client_address(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:255],
        )
        token = set_origin(origin)
        try:
            return self.get_response(request)
        finally:
            reset_origin(token)
