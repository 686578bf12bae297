"""Who really sent an e-mail: the From address must be vouched for by its own domain.

A reply address proves only that someone saw a notification; anyone can write any From. So a
reply counts only when the domain of its From address vouches for it, in one of two ways chosen
by one setting:

- MAIL_TRUSTED_AUTHSERV_ID set (an MTA in front checks mail, e.g. OpenDKIM/OpenDMARC or
  rspamd): the topmost `Authentication-Results` header carrying that authserv-id is trusted, and
  nothing else (a header further down, or with another id, may come from the sender). It must
  report dkim=pass for a domain aligned with the From domain, spf=pass for an aligned envelope
  sender, or dmarc=pass for the From domain.
- not set (mailgate faces the internet itself): mailgate verifies DKIM signatures with dkimpy;
  one must pass, sign the From header, cover the whole body, and be by an aligned domain.

Aligned means DMARC's relaxed alignment, approximated without the public suffix list: the same
domain, or one a subdomain of the other (never a bare top-level domain).
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

DKIM_FAILED = "DKIM signature missing or not aligned with From"
DKIM_BROKEN = "DKIM signature does not verify"
NOT_TRUSTED = "no trusted Authentication-Results"
NOT_ALIGNED = "neither DKIM nor SPF passed for the From domain"
SEVERAL_SENDERS = "From must name exactly one sender"
# What each reason means, for the person whose reply was held (the SMTP answer stays English).
REASON_LABELS = {
    DKIM_FAILED: _("your mail provider did not sign it (DKIM) for your domain"),
    DKIM_BROKEN: _("its DKIM signature does not match the message (it was changed on the way)"),
    NOT_TRUSTED: _("our mail server could not check who sent it"),
    NOT_ALIGNED: _("neither DKIM nor SPF confirmed your domain"),
}

# dkimpy logs every bad signature as an error; the refusal already says why, once.
_dkimpy_log = logging.getLogger(__name__ + ".dkimpy")
_dkimpy_log.addHandler(logging.NullHandler())
_dkimpy_log.propagate = False


class TemporaryFailure(Exception):
    """The check could not be made now (a DNS timeout): the sender should try again later."""


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str  # plain ASCII: it is also the SMTP answer


def sender_of(parsed: EmailMessage) -> str | None:
    """The one address in From (lower case), or None if there are none or several."""
    headers = parsed.get_all("From") or []
    addresses = [addr for _name, addr in getaddresses([str(h) for h in headers]) if addr]
    if len(addresses) != 1 or addresses[0].count("@") != 1:
        return None
    return addresses[0].strip().lower()


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(".").lower()


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment: equal, or one a subdomain of the other (but not a bare TLD)."""
    domain, from_domain = domain.strip(".").lower(), from_domain.strip(".").lower()
    if not domain or not from_domain:
        return False
    if domain == from_domain:
        return True
    shorter, longer = sorted((domain, from_domain), key=len)
    return "." in shorter and longer.endswith("." + shorter)


def verify(parsed: EmailMessage, raw: bytes, *, envelope_sender: str = "") -> Verdict:
    """Whether the From domain vouches for this message (see the module's docstring).

    A From that differs from a non-empty envelope sender (a mailing list, a forwarder) is fine
    only when DKIM aligns with From: SPF vouches for the envelope sender, not for From."""
    sender = sender_of(parsed)
    if sender is None:
        return Verdict(False, SEVERAL_SENDERS)
    from_domain = domain_of(sender)
    spf_counts = not envelope_sender or aligned(domain_of(envelope_sender), from_domain)
    authserv_id = settings.MAIL_TRUSTED_AUTHSERV_ID.strip()
    if authserv_id:
        return _verify_trusted_header(parsed, authserv_id, from_domain, spf_counts)
    return _verify_dkim(raw, from_domain)


# --- mode A: the MTA in front says so ---------------------------------------------------------


@dataclass(frozen=True)
class Result:
    method: str  # dkim, spf, dmarc, …
    result: str  # pass, fail, none, …
    properties: dict[str, str]  # "header.d" → "example.org"


_QUOTED = r'"(?:[^"\\]|\\.)*"'
_RESULT = re.compile(r"^\s*([A-Za-z0-9_-]+)(?:\s*/\s*\d+)?\s*=\s*([A-Za-z0-9_-]+)")
_PROPERTY = re.compile(rf"([A-Za-z0-9_-]+)\s*\.\s*([A-Za-z0-9_-]+)\s*=\s*({_QUOTED}|[^\s;]+)")


def _without_comments(value: str) -> str:
    """Drop (comments), which may nest; keep quoted strings as they are."""
    out, depth, quoted, escaped = [], 0, False, False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
            continue
        if quoted:
            quoted = char != '"'
            out.append(char)
        elif char == '"' and depth == 0:
            quoted = True
            out.append(char)
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _split(value: str) -> list[str]:
    """Split on semicolons outside quoted strings."""
    return re.findall(rf"(?:{_QUOTED}|[^;\"])+", value)


def parse_authentication_results(value: str) -> tuple[str, list[Result]]:
    """An Authentication-Results header (RFC 8601): its authserv-id and its results."""
    parts = _split(_without_comments(" ".join(value.split())))
    if not parts or not parts[0].split():
        return "", []
    authserv_id = parts[0].split()[0].lower()
    results = []
    for part in parts[1:]:
        match = _RESULT.match(part)
        if not match:
            continue
        properties = {}
        for ptype, name, raw_value in _PROPERTY.findall(part[match.end() :]):
            properties[f"{ptype.lower()}.{name.lower()}"] = raw_value.strip('"').lower()
        results.append(Result(match.group(1).lower(), match.group(2).lower(), properties))
    return authserv_id, results


def _verify_trusted_header(
    parsed: EmailMessage, authserv_id: str, from_domain: str, spf_counts: bool
) -> Verdict:
    ours = None
    for header in parsed.get_all("Authentication-Results") or []:
        found_id, results = parse_authentication_results(str(header))
        if found_id == authserv_id.lower():
            ours = results  # the topmost with our id; anything below it is the sender's word
            break
    if ours is None:
        return Verdict(False, NOT_TRUSTED)
    for result in ours:
        if result.result != "pass":
            continue
        if result.method == "dkim":
            domain = result.properties.get("header.d") or domain_of(
                result.properties.get("header.i", "")
            )
            if aligned(domain, from_domain):
                return Verdict(True, f"dkim=pass header.d={domain}")
        elif result.method == "spf" and spf_counts:
            domain = domain_of(result.properties.get("smtp.mailfrom", ""))
            if aligned(domain, from_domain):
                return Verdict(True, f"spf=pass smtp.mailfrom={domain}")
        elif result.method == "dmarc" and result.properties.get("header.from") == from_domain:
            return Verdict(True, f"dmarc=pass header.from={from_domain}")
    return Verdict(False, NOT_ALIGNED)


# --- mode B: mailgate checks DKIM itself -----------------------------------------------------


def _dnsfunc() -> Callable:
    """dkimpy's DNS lookup (dnspython), or MAIL_DKIM_DNSFUNC's (tests publish keys there)."""
    import dkim.dnsplug

    path = settings.MAIL_DKIM_DNSFUNC
    return import_string(path) if path else dkim.dnsplug.get_txt


def _verify_dkim(raw: bytes, from_domain: str) -> Verdict:
    import dkim

    lookup, timeouts = _dnsfunc(), []

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes | None:
        try:
            return lookup(name, timeout=timeout)
        except dkim.DnsTimeoutError:
            timeouts.append(name)  # dkimpy takes it for a bad signature: it is not
            raise

    try:
        checker = dkim.DKIM(raw, logger=_dkimpy_log, minkey=1024, timeout=5)
    except dkim.DKIMException:
        return Verdict(False, DKIM_FAILED)
    count = sum(1 for name, _value in checker.headers if name.lower() == b"dkim-signature")
    broken = timed_out = False
    for index in range(count):
        checker.domain, checker.signature_fields = None, {}
        timeouts.clear()
        try:
            passed = checker.verify(idx=index, dnsfunc=dnsfunc)
        except dkim.DKIMException:
            passed = False
        fields = checker.signature_fields or {}
        domain = (checker.domain or b"").decode("ascii", "replace")
        if not aligned(domain, from_domain):
            continue
        signs_from = b"from" in [h.strip().lower() for h in fields.get(b"h", b"").split(b":")]
        whole_body = b"l" not in fields  # l= lets anyone append text under the signature
        if passed and signs_from and whole_body:
            return Verdict(True, f"dkim=pass d={domain}")
        broken = True
        timed_out = timed_out or bool(timeouts)
    if timed_out:  # only for the From domain's key: another domain's DNS cannot stall a refusal
        raise TemporaryFailure("DNS lookup of the DKIM key timed out")
    return Verdict(False, DKIM_BROKEN if broken else DKIM_FAILED)
