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


_WRAPPED_START = re.compile(r"^(On |Від |У )")
_WRAPPED_END = re.compile(r"(wrote|пише|написав\(ла\)):$")


def strip_reply(text: str) -> str:
    """The new part of an e-mail reply: drop quoted history and the signature."""
    kept = []
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if _WRAPPED_START.match(stripped) and _WRAPPED_END.search(following):
            break  # a quote header wrapped over two lines, as Gmail does
        if stripped in ("-- ", "--") or line == "-- ":
            break  # the signature separator
        if _QUOTE_HEADERS.match(stripped):
            break  # the quoted history starts
        if stripped.startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()
