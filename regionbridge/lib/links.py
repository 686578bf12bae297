"""Sources as links: a record's `source` is free text that often holds addresses.

"ncsl.org; decentralization.ua/en/news/14911" becomes two links, each showing its host; only
http and https addresses are ever linked (a `javascript:` or `data:` source stays plain text),
everything else is escaped text, and links leave the site without a referrer or an opener.
"""

import re
from urllib.parse import urlsplit

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

# Generic top-level domains a bare host in a source is taken to end with; any two-letter
# (country) domain counts too. A file name ("seed/article.txt") is not a host.
_GENERIC_TLDS = "com|org|net|gov|edu|int|mil|info|media|news|online|site|biz|press|today"
_ADDRESS = re.compile(
    r"(?P<url>\bhttps?://[^\s<>\"'`;,()\[\]]+)"
    r"|(?<![\w/.@:-])(?P<host>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    rf"(?:[a-z]{{2}}|{_GENERIC_TLDS}))(?P<path>/[^\s<>\"'`;,()\[\]]*)?(?![\w@-])",
    re.IGNORECASE,
)
_TRAILING = ".:!?"


def _link(href: str, label: str) -> SafeString:
    return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', href, label)


def _host(netloc_host: str) -> str:
    host = netloc_host.lower()
    return host.removeprefix("www.")


def source_html(text: str) -> SafeString:
    """`text` escaped, with its http(s) addresses and bare host names as links."""
    parts: list[str] = []
    position = 0
    for match in _ADDRESS.finditer(text or ""):
        raw = match.group(0)
        kept = raw.rstrip(_TRAILING)  # "see ncsl.org." ends the sentence, not the address
        end = match.start() + len(kept)
        if match.group("url"):
            split = urlsplit(kept)
            if split.scheme.lower() not in ("http", "https") or not split.hostname:
                continue
            href, label = kept, _host(split.hostname)
        else:
            href, label = f"https://{kept}", _host(match.group("host"))
        parts.append(escape(text[position : match.start()]))
        parts.append(_link(href, label))
        position = end
    parts.append(escape((text or "")[position:]))
    return mark_safe("".join(parts))  # noqa: S308 — every piece escaped above
