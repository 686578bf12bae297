"""No second factor in the back office: its pages would show an app's secret to whoever runs it
and delete factors without an audit entry. Lost factors are reset by `reset-second-factor`."""

import django_otp.plugins.otp_totp.admin  # noqa: F401 — registers first, so it can be undone here
import django_otp_webauthn.admin  # noqa: F401
from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnAttestation, WebAuthnCredential

for model in (TOTPDevice, WebAuthnCredential, WebAuthnAttestation):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
