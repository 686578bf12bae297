"""Who must pass a second factor, and what a session that has not passed one may reach.

A session's state is worked out once, at sign-in, and kept in the session, so that no request
pays for it later:
- "verify": the person has a factor; until they pass it, only the verification pages answer;
- "enroll": the person must have a factor (an official, TWO_FACTOR=required) and has none; only
  the pages that add one answer;
- "free": neither (TWO_FACTOR=optional and no factor yet).
Passing a factor (django_otp.login) writes the device into the session, which ends the gate.
"""

from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device

from regionbridge.accounts.models import Role

STATE = "rb_2fa"
VERIFY, ENROLL, FREE = "verify", "enroll", "free"
OFFICIAL_ROLES = {Role.COORDINATOR, Role.MINISTRY, Role.EMBASSY, Role.REGIONAL}


def required_for(user) -> bool:
    """Officials, and whoever reaches the back office, when TWO_FACTOR=required."""
    if settings.TWO_FACTOR != "required":
        return False
    if user.is_staff or user.is_superuser:
        return True
    return user.role_assignments.filter(role__in=OFFICIAL_ROLES).exists()


def state_for(user) -> str:
    if user_has_device(user, confirmed=True):
        return VERIFY
    return ENROLL if required_for(user) else FREE


def signed_in(sender, request, user, **kwargs) -> None:
    """user_logged_in: a new sign-in starts unverified, whatever the session held before."""
    if request is None or not hasattr(request, "session"):
        return
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[STATE] = state_for(user)


def pending(request) -> str | None:
    """VERIFY or ENROLL while this session must still pass or add a factor; else None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return None
    if request.session.get(DEVICE_ID_SESSION_KEY):
        return None  # passed (the OTP middleware drops the key if the device is gone)
    state = request.session.get(STATE)
    if state is None:  # a session from before the second factor existed
        state = request.session[STATE] = state_for(user)
    return None if state == FREE else state
