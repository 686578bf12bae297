"""Sessions end after idle time and after a maximum age (OWASP ASVS 3.3.2).

The session records when the person signed in and when they were last seen (rewritten at most
once a minute, so reading pages does not write the session on every request). Live streams do
not count as activity: a thread left open on an unattended screen must still time out.
The person's list of signed-in sessions follows the same clock (`accounts.sessions`): its
record is written at sign-in, moved on the same once-a-minute touch, and removed at sign-out.
"""

import time

from django.conf import settings
from django.contrib.auth import logout

from regionbridge.accounts import sessions

SIGNED_IN_AT = "rb_signed_in_at"
SEEN_AT = "rb_seen_at"
TOUCH_EVERY = 60  # seconds


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            session = request.session
            signed_in = session.setdefault(SIGNED_IN_AT, now)
            seen = session.get(SEEN_AT, now)
            if (
                now - seen > settings.SESSION_IDLE_SECONDS
                or now - signed_in > settings.SESSION_MAX_SECONDS
            ):
                logout(request)  # the request goes on as anonymous: pages ask to sign in again
            else:
                touch = SEEN_AT not in session or (
                    now - seen >= TOUCH_EVERY and not request.path.endswith("/stream/")
                )
                if touch:
                    session[SEEN_AT] = now
                if touch or session.get(sessions.RECORDED_KEY) != session.session_key:
                    sessions.session_seen(request=request, signed_in_at=signed_in, active=touch)
        return self.get_response(request)


def session_started(sender, request, user, **kwargs) -> None:
    """Signing in starts the clock again (also when the same browser signs in anew)."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now
    sessions.session_signed_in(request=request, user=user)


def session_ended(sender, request, user, **kwargs) -> None:
    """Signing out (or timing out) removes the session from the person's list."""
    if request is not None and hasattr(request, "session"):
        sessions.session_signed_out(session_key=request.session.session_key)
