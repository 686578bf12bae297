"""Passkeys and security keys (WebAuthn, django-otp-webauthn): the relying party is this site.

The library reads its relying party ID and allowed origins from settings; here they follow
`WEBAUTHN_RP_ID` and the request's own address, which ALLOWED_HOSTS has already vetted. The
browser signs the origin it was really on, so a look-alike site gets nothing it could replay.
"""

from django.conf import settings
from django_otp_webauthn.helpers import WebAuthnHelper


class Helper(WebAuthnHelper):
    def get_relying_party_domain(self) -> str:
        return settings.WEBAUTHN_RP_ID

    def get_allowed_origins(self) -> list[str]:
        rp_id = settings.WEBAUTHN_RP_ID
        origins = set(settings.OTP_WEBAUTHN_ALLOWED_ORIGINS)
        here = f"{self.request.scheme}://{self.request.get_host()}"
        host = self.request.get_host().rsplit(":", 1)[0]
        if host == rp_id or host.endswith(f".{rp_id}"):
            origins.add(here)
        return sorted(origins)
