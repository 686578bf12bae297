"""The authenticator app's secret, as a QR code (inline SVG, no image request) and as text."""

from base64 import b32encode

import segno
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice


def svg(url: str) -> SafeString:
    # segno writes the SVG itself from the QR matrix; the URL is only encoded, never echoed.
    code = segno.make(url, error="m")
    return mark_safe(code.svg_inline(scale=5, dark="#111", light="#fff", omitsize=True))  # noqa: S308


def secret_text(device: TOTPDevice) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))
