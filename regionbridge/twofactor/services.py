"""The second factor's rules: adding, removing and passing a factor; recovery codes.

Factors: passkeys and security keys (WebAuthn credentials, django-otp-webauthn), one
authenticator app (TOTP, django-otp), and ten recovery codes for the day both are lost. Every
change is audited; the views end the person's other sessions after one (a thief's session does
not outlive the owner's new factor).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from regionbridge.accounts.sessions import sessions_end_others
from regionbridge.audit.services import audit_record
from regionbridge.twofactor.gate import required_for
from regionbridge.twofactor.models import (
    CODE_COUNT,
    RecoveryCode,
    RecoveryCodes,
    code_digest,
    code_new,
)

TOTP_NAME = "authenticator app"
MAX_CODE_LENGTH = 64
MAX_LISTED = 50  # passkeys shown; nobody has more


@dataclass(frozen=True)
class Factors:
    passkeys: list[WebAuthnCredential]
    app: TOTPDevice | None
    recovery_left: int | None  # None: no recovery codes issued

    @property
    def any(self) -> bool:
        return bool(self.passkeys) or self.app is not None


def factors_of(user) -> Factors:
    passkeys = list(
        WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk")[:50]
    )
    app = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    codes = RecoveryCodes.objects.filter(user=user).first()
    left = codes.codes.count() if codes else None
    return Factors(passkeys=passkeys, app=app, recovery_left=left)


def _kind(device: Device) -> str:
    if isinstance(device, WebAuthnCredential):
        return "passkey"
    if isinstance(device, TOTPDevice):
        return "app"
    return "recovery_codes"


# --- the authenticator app ----------------------------------------------------------------------


def totp_begin(user) -> TOTPDevice:
    """A new, unconfirmed app secret (any earlier unconfirmed one is dropped)."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(_("An authenticator app is already set up. Remove it first."))
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def totp_confirm(user, *, device_id: int, code: str) -> TOTPDevice:
    """The first code from the app proves it holds the secret; then the app is a factor."""
    device = TOTPDevice.objects.filter(user=user, pk=device_id, confirmed=False).first()
    if device is None:
        raise ValidationError(_("This set-up has expired. Start again."))
    if not device.verify_token(_digits(code)):
        raise ValidationError(_("Enter the 6-digit code your app shows now."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=user, action="user.factor_added", target=user, changes={"kind": "app"})
    return device


def _digits(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace())[:MAX_CODE_LENGTH]


# --- recovery codes -----------------------------------------------------------------------------


@transaction.atomic
def recovery_issue(user) -> list[str]:
    """Ten new codes (the old ones stop working); shown once, stored only as hashes."""
    RecoveryCodes.objects.filter(user=user).delete()
    device = RecoveryCodes.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [code_new() for _ in range(CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, digest=code_digest(code)) for code in codes
    )
    audit_record(actor=user, action="user.recovery_codes_issued", target=user)
    return codes


# --- passing the second factor ------------------------------------------------------------------


def code_verify(user, code: str) -> Device | None:
    """A 6-digit code from the app, or a recovery code; the device that took it, or None.

    Each device throttles its own failures (exponential back-off), so guessing is slow."""
    code = _digits(code)
    if not code:
        return None
    if code.isdigit() and len(code) == 6:
        candidates = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    else:
        candidates = list(RecoveryCodes.objects.filter(user=user, confirmed=True))
    for device in candidates:
        if device.verify_token(code):
            changes = {"kind": _kind(device)}
            if isinstance(device, RecoveryCodes):
                changes["codes_left"] = device.codes.count()
            audit_record(
                actor=user, action="user.second_factor_passed", target=user, changes=changes
            )
            return device
    audit_record(actor=user, action="user.second_factor_failed", target=user)
    return None


def recovery_left_after(device: Device) -> int | None:
    """How many recovery codes are left, when `device` is the recovery codes; else None."""
    return device.codes.count() if isinstance(device, RecoveryCodes) else None


def passkey_passed(user, device: WebAuthnCredential) -> None:
    audit_record(
        actor=user, action="user.second_factor_passed", target=user, changes={"kind": "passkey"}
    )


def passkey_added(user, device: WebAuthnCredential) -> None:
    audit_record(actor=user, action="user.factor_added", target=user, changes={"kind": "passkey"})


# --- removing a factor --------------------------------------------------------------------------


@transaction.atomic
def factor_remove(user, device: Device) -> None:
    """Remove a passkey or the app. An official keeps at least one (when it is required); with
    no factor left, the recovery codes go too (they stand in for a factor, not alone)."""
    others = [
        d
        for d in (
            *WebAuthnCredential.objects.filter(user=user, confirmed=True),
            *TOTPDevice.objects.filter(user=user, confirmed=True),
        )
        if d.persistent_id != device.persistent_id
    ]
    if not others and required_for(user):
        raise ValidationError(
            _("Your role requires a second factor: add another before you remove this one.")
        )
    kind = _kind(device)
    device.delete()
    if not others:
        RecoveryCodes.objects.filter(user=user).delete()
    audit_record(actor=user, action="user.factor_removed", target=user, changes={"kind": kind})


def device_any(user) -> Device | None:
    """One of the person's confirmed factors (passkey or app), to keep a session verified."""
    return (
        WebAuthnCredential.objects.filter(user=user, confirmed=True).first()
        or TOTPDevice.objects.filter(user=user, confirmed=True).first()
    )


@transaction.atomic
def factors_reset(user, *, by, reason: str) -> int:
    """A person lost every factor and code: remove them all and end their sessions (someone
    checked who they are, `reason` says how). They add a new factor at the next sign-in."""
    removed = 0
    for model in (WebAuthnCredential, TOTPDevice):  # factors, not the rows that cascade with them
        _total, per_model = model.objects.filter(user=user).delete()
        removed += per_model.get(model._meta.label, 0)
    RecoveryCodes.objects.filter(user=user).delete()
    audit_record(
        actor=by,
        action="user.factors_reset",
        target=user,
        changes={"reason": reason[:500], "removed": removed},
    )
    sessions_end_others(user, keep_session_key=None, by=by, reason="second factor reset")
    return removed
