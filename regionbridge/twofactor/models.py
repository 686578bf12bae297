"""Recovery codes: ten one-time codes, kept only as hashes (a stolen database reveals none).

A django-otp device, so that a recovery code verifies a session like any other factor and is
throttled the same way (exponential back-off after failures).
"""

import hashlib
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

CODE_COUNT = 10
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud, typed from paper
CODE_LENGTH = 16  # 16 of 31 signs: 79 bits, beyond guessing even from the hashes


def code_normalize(code: str) -> str:
    return "".join(ch for ch in code.casefold() if ch.isalnum())


def code_digest(code: str) -> str:
    return hashlib.sha256(code_normalize(code).encode()).hexdigest()


def code_new() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


class RecoveryCodes(TimestampMixin, ThrottlingMixin, Device):
    """The set of a person's recovery codes (one device; each code is used once)."""

    class Meta:
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed or not isinstance(token, str) or len(token) > 64:
            if allowed:
                self.throttle_increment()
            return False
        # Delete by digest: one statement, so two sessions racing with one code cannot both use it.
        used, _ = self.codes.filter(digest=code_digest(token)).delete()
        if used:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment()
        return False


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodes, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "digest"], name="recovery_code_unique")
        ]

    def __str__(self) -> str:
        return f"recovery code {self.pk}"  # never the code, never its digest
