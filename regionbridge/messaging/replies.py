"""Reply addresses: reply+<thread>.<who>.<expiry>.<signature>@domain.

Every notification carries a fresh address for one person and one thread. It is signed with the
project's secret (so it can be neither guessed nor altered), and it lasts until its expiry day
(90 days after it was issued, unless the caller says otherwise: an invitation lasts until 30 days
after its meeting). An address is only a claim of where a reply belongs: the sender of the reply
is checked separately (`mailauth`).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from regionbridge.accounts.models import User
from regionbridge.messaging.models import Participant, Thread

REPLY_SALT = "regionbridge.messaging.reply"
REPLY_DAYS = 90  # a notification's reply address lasts this long
EPOCH = date(1970, 1, 1)
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class ExpiredReplyAddress(signing.SignatureExpired):
    """The address was genuine but its day has passed."""


@dataclass(frozen=True)
class ReplyToken:
    thread_id: int
    email: str  # lower case: the address the token was issued to
    expires_on: date  # the last day a reply is accepted


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = _DIGITS[digit] + digits
        if not number:
            return digits


def _signature(body: str) -> str:
    return salted_hmac(REPLY_SALT, body).hexdigest()[:24]


def reply_address(thread: Thread, email: str, *, expires_on: date | None = None) -> str:
    """The address one person replies to in one thread, valid through `expires_on` (by default
    90 days from today). Short (the part before @ may have 64 characters) and plain."""
    email = email.lower()
    user = User.objects.filter(email__iexact=email).only("pk").first()
    if user is not None:
        who = f"u{user.pk}"
    else:
        guest = thread.participants.filter(guest_email__iexact=email).only("pk").first()
        if guest is None:
            raise ValidationError(
                _("%(email)s does not take part in this thread.") % {"email": email}
            )
        who = f"g{guest.pk}"
    if expires_on is None:
        expires_on = timezone.localdate() + timedelta(days=REPLY_DAYS)
    body = f"{thread.pk}.{who}.{_base36((expires_on - EPOCH).days)}"
    local, _at, domain = settings.REPLY_ADDRESS.partition("@")
    return f"{local}+{body}.{_signature(body)}@{domain}"


def read_reply_token(token: str) -> ReplyToken:
    """Who a reply token was issued to, for which thread, until when.

    BadSignature if it was altered or its addressee is gone; ExpiredReplyAddress (a kind of
    BadSignature) if it is genuine but past its day."""
    try:
        thread_part, who, expiry, signature = token.lower().split(".")
        thread_id = int(thread_part)
        expires_on = EPOCH + timedelta(days=int(expiry, 36))
    except (ValueError, OverflowError):
        raise signing.BadSignature("malformed reply token") from None
    if not signature or not constant_time_compare(
        signature, _signature(f"{thread_part}.{who}.{expiry}")
    ):
        raise signing.BadSignature("reply token signature mismatch")
    if expires_on < timezone.localdate():
        raise ExpiredReplyAddress(f"reply token expired on {expires_on.isoformat()}")
    if who.startswith("u") and who[1:].isdigit():
        user = User.objects.filter(pk=int(who[1:])).first()
        email = user.email if user else ""
    elif who.startswith("g") and who[1:].isdigit():
        guest = (
            Participant.objects.select_related("user")
            .filter(pk=int(who[1:]), thread_id=thread_id)
            .first()
        )
        # A guest who has since claimed an account keeps their old reply address.
        email = ""
        if guest is not None:
            email = guest.guest_email or (guest.user.email if guest.user_id else "")
    else:
        raise signing.BadSignature("malformed reply token")
    if not email:
        raise signing.BadSignature("the addressee no longer exists")
    return ReplyToken(thread_id, email.lower(), expires_on)
