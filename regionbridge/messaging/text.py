"""Message text: safe formatting for display, lemmas for search in Ukrainian and English."""

import re

import markdown
import nh3
import simplemma

ALLOWED_TAGS = {"p", "br", "a", "ul", "ol", "li", "em", "strong", "code", "pre", "blockquote"}
_MENTION = re.compile(r"(?<![\w.+-])@([\w.+-]+@[\w-]+(?:\.[\w-]+)+)")


def render(body: str) -> str:
    """Markdown for links, lists and emphasis; then a strict allow-list, so no HTML, script,
    style or event handler survives whatever the author typed."""
    html = markdown.markdown(body, extensions=["sane_lists", "nl2br"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def mentioned_emails(body: str) -> set[str]:
    """@name@example.org mentions: e-mail addresses are unambiguous in both languages."""
    return {match.lower() for match in _MENTION.findall(body)}


def lemmas(text: str) -> str:
    """Dictionary forms of every word ("договору" → "договір"), for search."""
    words = simplemma.simple_tokenizer(text.casefold())
    return " ".join(
        simplemma.lemmatize(word, lang=("uk", "en")).casefold()
        for word in words
        if any(ch.isalnum() for ch in word)
    )


_QUOTE_HEADERS = re.compile(
    r"^(On .+ wrote:|.+ пише:|.+ написав\(ла\):|-----\s*Original Message\s*-----|"
    r"-----\s*Оригінальне повідомлення\s*-----|From: .+|Від: .+|_{20,})\s*$",
    re.IGNORECASE,
)


def strip_reply(text: str) -> str:
    """The new part of an e-mail reply: drop quoted history and the signature."""
    kept = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped in ("-- ", "--") or line == "-- ":
            break  # the signature separator
        if _QUOTE_HEADERS.match(stripped):
            break  # the quoted history starts
        if stripped.startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()
