"""Where a "next" or "Cancel" link may lead: a path on this site, nothing else."""

from django.utils.http import url_has_allowed_host_and_scheme


def local_path(raw: str | None, default: str) -> str:
    """`raw` when it is a path on this site (never another host, scheme, protocol-relative or
    backslash address, nor one with control characters), else `default`."""
    raw = (raw or "").strip()
    if (
        raw.startswith("/")
        and not raw.startswith("//")
        and "\\" not in raw
        and not any(ord(char) < 32 for char in raw)
        and url_has_allowed_host_and_scheme(raw, allowed_hosts=None)
    ):
        return raw
    return default
