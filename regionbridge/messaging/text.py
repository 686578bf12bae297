"""Message text: safe formatting for display, lemmas for search in Ukrainian and English, and
the new part of an e-mail reply (what the person wrote, without the history their client quoted).
"""

import re
from collections import Counter
from dataclasses import dataclass
from html import escape, unescape
from html.parser import HTMLParser

import nh3
import simplemma
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "a",
    "ul",
    "ol",
    "li",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "details",
    "summary",
}
_MENTION = re.compile(r"(?<![\w.+-])@([\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
# A trailing quote longer than this is shown folded: its first line is the summary.
_FOLD_LINES = 6
_FOLD_CHARS = 600


def render(body: str) -> str:
    """Markdown for links, lists and emphasis; then a strict allow-list, so no HTML, script,
    style or event handler survives whatever the author typed. A long quote at the end (the
    history a reply kept) is folded into <details>, its first line as the summary."""
    head, summary, quote = _fold_trailing_quote(body)
    html = _markdown(head)
    if quote:
        html += f"<details><summary>{escape(summary)}</summary>{_markdown(quote)}</details>"
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


# CommonMark (markdown-it-py): its parser stays near linear on hostile input, where
# Python-Markdown's inline link parsing took minutes on 20,000 "[" (issue: any member could tie
# up a thread per post). Every newline is a <br>, as nl2br did. Raw HTML is not interpreted: it
# comes out escaped, as text. Images are off: the allow-list drops <img> anyway, and "![" is then
# plain text, not the start of a link to look for.
_MARKDOWN = MarkdownIt("commonmark", {"breaks": True, "html": False}).disable("image")


def _markdown(body: str) -> str:
    return _MARKDOWN.render(body).rstrip("\n")


def _fold_trailing_quote(body: str) -> tuple[str, str, str]:
    lines = body.rstrip().split("\n")
    start = len(lines)
    while start and re.match(r" {0,3}>", lines[start - 1]):
        start -= 1
    quote = lines[start:]
    content = [line for line in quote if line.lstrip(" >")]
    short = len(content) < _FOLD_LINES and sum(map(len, content)) < _FOLD_CHARS
    if short or len(content) < 2:
        return body, "", ""
    first = next(i for i, line in enumerate(quote) if line.lstrip(" >"))
    summary = quote[first].lstrip(" >").strip()
    if len(summary) > 120:  # a preview only: the line stays in the quote
        return "\n".join(lines[:start]), summary[:119].rstrip() + "…", "\n".join(quote[first:])
    return "\n".join(lines[:start]), summary, "\n".join(quote[first + 1 :])


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


# --- e-mail replies ---------------------------------------------------------------------------
#
# A reply is read as lines, each with its quote depth (">" marks, or blockquotes in HTML). Quoted
# lines are history. A quote header ("On … wrote:", "… пише:", Outlook's "From:/Sent:" block, …)
# is history too; when the lines after it are not marked as quoted (Outlook, Samsung, Yahoo), the
# header starts the history and everything below it goes. Unquoted text anywhere else is what the
# person wrote: above the quote (top-posting), below it (bottom-posting) or between quotes
# (interleaved answers).

_VERB = (
    r"(?:wrote|пише|пишет|написав(?:\s*\(-?ла\))?|написала|написал(?:\s*\(-?а\))?"
    r"|писав|писала|писал(?:\s*\(-?а\))?)"
)
_ENDS_WITH_VERB = re.compile(rf"(?<![\w-]){_VERB}\s*:$", re.IGNORECASE)
_ENDS_WITH_ADDRESS = re.compile(r"@[\w-]+(?:\.[\w-]+)+>?\s*:$")  # Gmail in Russian
_VERB_THEN_TEXT = re.compile(rf"(?<![\w-]){_VERB}:\s+\S", re.IGNORECASE)
_WEEKDAY = (
    r"mon|tue|wed|thu|fri|sat|sun|пн|вт|ср|чт|пт|сб|нд|вс|понеділ|вівтор|серед|четвер|п.ятниц"
    r"|субот|неділ|понедел|вторник|сред|пятниц|воскрес"
)
# How a quote header begins: "On …", a date, a weekday, or Android's "… пользователь …".
_HEADER_START = re.compile(
    rf"^(?:On\s|\d|(?:{_WEEKDAY})[\w.'ʼ’]*,|.*\bпользователь\s)", re.IGNORECASE
)
_DATE_OR_TIME = re.compile(
    r"\b\d{1,2}:\d{2}\b|\b(?:19|20)\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b"
)
_FROM_FIELD = re.compile(r"^\*{0,2}(?:From|Від|От)\s*:\*{0,2}\s*\S", re.IGNORECASE)
_DATE_FIELD = re.compile(
    r"^\*{0,2}(?:Sent|Date|Надіслано|Відправлено|Дата|Отправлено)\s*:", re.IGNORECASE
)
_ANY_FIELD = re.compile(r"^\*{0,2}[^\W\d][\w-]{0,24}\s?:\*{0,2}\s+\S")
_ORIGINAL = re.compile(
    r"^-{2,}\s*(?:Original Message|Оригінальне повідомлення|Вихідне повідомлення"
    r"|Початкове повідомлення|Исходное сообщение|Оригинальное сообщение)\s*-{2,}$",
    re.IGNORECASE,
)
_FORWARDED = re.compile(
    r"^(?:-{2,}\s*(?:Forwarded message|Пересланное сообщение|Переслане повідомлення"
    r"|Пересланий лист)\s*-{2,}|Begin forwarded message:|Початок пересланого листа:"
    r"|Начало переадресованного сообщения:)$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^_{10,}$")  # Outlook on the web and Outlook mobile, before "From:"
_DEVICE_SIGNATURE = re.compile(
    r"^(?:Sent (?:from|with) (?:my )?|Get (?=Outlook)|(?:Отримати|Получить|Скачайте) (?=Outlook)"
    r"|(?:Надіслано|Відправлено) з[іо]? (?:мого |моєї )?|Отправлено (?:с|со|из) (?:моего |моей )?)"
    r"[\w.,\- ]{0,30}?(?:iPhone|iPad|iOS|Android|Galaxy|Samsung|Huawei|Xiaomi|Redmi|Pixel|Outlook"
    r"|Yahoo|Mail|BlackBerry|[Сс]мартфон|[Тт]елефон|[Мм]обільн|[Мм]обильн|Пошт|Почт)"
    r"[^\n]{0,60}$"
)

_NEW, _QUOTE, _HEADER, _SIGNATURE, _DEVICE = "new", "quote", "header", "signature", "device"
_FALLBACK_QUOTE_CHARS = 10_000  # the history kept when a reply is nothing but history


@dataclass
class _Line:
    text: str
    depth: int = 0  # how deeply quoted
    kind: str = ""  # from HTML: "attribution", "signature", "cut" (history starts), "rule"


def reply_text(content: str, *, html: bool = False, quote_if_empty: bool = True) -> str:
    """The Markdown to post for an e-mail reply: what the person wrote, without the quoted
    history and without the signature ("-- ", "Sent from my iPhone").

    `content` is the decoded text/plain part, or the text/html part with `html=True`. Text
    written above, below or between quotes is kept; between quotes (interleaved answers), each
    answer comes after the last quoted paragraph it answers, as a "> " line. When nothing new is
    left but there is quoted history, the whole reply is returned, its history as a Markdown
    blockquote (which `render` folds when long), so that no reply is lost; `quote_if_empty=False`
    returns "" instead (for a reply whose attachments are the message).
    """
    lines = _html_lines(content) if html else _text_lines(content)
    following = _following(lines)
    roles = _roles(lines, following)
    written = _written(lines, roles)
    if written or not quote_if_empty or not {_QUOTE, _HEADER} & set(roles):
        return written
    return _everything(lines, roles, following)


strip_reply = reply_text  # the former name, for callers not yet moved


def _text_lines(content: str) -> list[_Line]:
    return [_marked(text) for text in _normalized(content).split("\n")]


def _normalized(content: str) -> str:
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub("[\ufeff\u200b\u200e\u200f]", "", content)


def _marked(text: str, depth: int = 0, kind: str = "") -> _Line:
    marks = re.match(r"^[ \t]{0,3}((?:>[ \t]?)+)", text)
    if marks:
        depth += marks.group(1).count(">")
        text = text[marks.end() :]
    return _Line(text.rstrip(), depth, kind)


def _blank(lines: list[_Line], index: int) -> bool:
    return not lines[index].text.strip() and lines[index].kind not in ("cut", "rule")


def _following(lines: list[_Line]) -> list[int | None]:
    """For each position, the first line at or after it that is not blank (None: none left)."""
    following: list[int | None] = [None] * (len(lines) + 1)
    for index in range(len(lines) - 1, -1, -1):
        following[index] = following[index + 1] if _blank(lines, index) else index
    return following


def _attribution(text: str) -> str:
    """ "strong" for a line that surely introduces a quote, "weak" for one that may ("Olena
    wrote:" — a quote header only when quoted lines follow), "" otherwise."""
    text = text.strip()
    head = text[:400]
    inline = _VERB_THEN_TEXT.search(head)
    if inline and _HEADER_START.match(head) and "@" in head[: inline.start()]:
        return "strong"  # Yahoo on Android: the header and the quoted text on one line
    if len(text) > 300:
        return ""
    if _ENDS_WITH_VERB.search(text):
        if (_HEADER_START.match(text) and _DATE_OR_TIME.search(text)) or "@" in text:
            return "strong"
        return "weak" if len(text) <= 100 else ""
    if _ENDS_WITH_ADDRESS.search(text) and _HEADER_START.match(text):
        return "strong" if _DATE_OR_TIME.search(text) else ""
    if text.endswith(":") and len(text) <= 200 and ("@" in text or _DATE_OR_TIME.search(text)):
        return "weak"  # "Вы писали 5 мая 2025 г., 10:00:", "Am 5. Mai 2025 schrieb …:"
    return ""


def _outlook_block(lines: list[_Line], index: int) -> int:
    """The number of lines of a "From: / Sent: / To: / Subject:" block starting here (0 if
    none): "From:" alone is prose, "From:" with "Sent:" or "Date:" below it is a header."""
    if not _FROM_FIELD.match(lines[index].text.strip()):
        return 0
    below = [lines[j].text.strip() for j in range(index + 1, min(index + 3, len(lines)))]
    if not any(_DATE_FIELD.match(text) for text in below):
        return 0
    end = index
    while end < len(lines) and not _blank(lines, end) and lines[end].depth == lines[index].depth:
        end += 1
    return end - index


def _forwarded_above(lines: list[_Line], index: int) -> bool:
    above = index - 1
    while above >= 0 and _blank(lines, above):
        above -= 1
    return above >= 0 and bool(_FORWARDED.match(lines[above].text.strip()))


def _header(lines: list[_Line], index: int, following: list[int | None]) -> tuple[int, str]:
    """A quote header starting at this unquoted line: (its number of lines, its strength)."""
    line = lines[index]
    text = line.text.strip()
    if line.kind == "attribution":
        end = index
        while end < len(lines) and lines[end].kind == "attribution":
            end += 1
        return end - index, "strong"
    if line.kind == "rule":
        after = following[index + 1]
        if after is not None and _ANY_FIELD.match(lines[after].text.strip()):
            return 1, "strong"
        return 0, ""
    if _ORIGINAL.match(text):
        return 1, "strong"
    if _RULE.match(text):
        after = following[index + 1]
        if after is not None and _outlook_block(lines, after):
            return 1, "strong"
        return 0, ""
    size = _outlook_block(lines, index)
    if size:
        return (0, "") if _forwarded_above(lines, index) else (size, "strong")
    strength = _attribution(text)
    if strength:
        return 1, strength
    # a header wrapped onto two lines, as Gmail and Android do with long names
    if (
        index + 1 < len(lines)
        and lines[index + 1].depth == 0
        and _HEADER_START.match(text)
        and _DATE_OR_TIME.search(text)
    ):
        second = lines[index + 1].text.strip()
        if (
            second
            and not re.search(r"[.!?:;]$", text)
            and not _HEADER_START.match(second)
            and _attribution(f"{text} {second}") == "strong"
        ):
            return 2, "strong"
    return 0, ""


def _roles(lines: list[_Line], following: list[int | None]) -> list[str]:
    roles = [_NEW] * len(lines)
    in_signature = False
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.depth:
            roles[index] = _QUOTE
            in_signature = False
            index += 1
            continue
        if line.kind == "cut":
            roles[index:] = [_QUOTE] * (len(lines) - index)
            break
        size, strength = _header(lines, index, following)
        if size:
            after = following[index + size]
            if after is not None and lines[after].depth:
                roles[index : index + size] = [_HEADER] * size
                in_signature = False
                index += size
                continue
            if strength == "strong":
                roles[index:] = [_QUOTE] * (len(lines) - index)  # unquoted history follows
                break
        text = line.text.strip()
        if line.text == "-- " or text == "--":
            in_signature = True
        if _DEVICE_SIGNATURE.match(text):
            roles[index] = _DEVICE
        elif in_signature or line.kind == "signature":
            roles[index] = _SIGNATURE
        index += 1
    return roles


def _written(lines: list[_Line], roles: list[str]) -> str:
    """The unquoted text, answers between quotes preceded by the paragraph they answer."""
    blocks: list[tuple[str, list[_Line]]] = []
    for line, role in zip(lines, roles, strict=True):
        kind = {_NEW: "new", _QUOTE: "quote"}.get(role)
        if kind is None or (kind == "new" and line.kind == "rule"):
            continue
        if kind == "new" and not line.text.strip():
            line = _Line("")
        if blocks and blocks[-1][0] == kind:
            blocks[-1][1].append(line)
        else:
            blocks.append((kind, [line]))
    merged: list[tuple[str, list[_Line]]] = []
    for kind, block in blocks:
        if kind == "new" and not any(line.text.strip() for line in block):
            if merged and merged[-1][0] == "quote":
                merged[-1][1].append(_Line(""))  # a blank line between two quotes
            continue
        if merged and merged[-1][0] == kind:
            merged[-1][1].extend(block)
        else:
            merged.append((kind, block))
    interleaved = any(
        kind == "new" and 0 < index < len(merged) - 1 for index, (kind, _) in enumerate(merged)
    )
    parts = []
    for index, (kind, block) in enumerate(merged):
        if kind != "new":
            continue
        if interleaved and index:
            context = _last_paragraph(merged[index - 1][1])
            if context:
                parts.append("\n".join(f"> {text}" for text in context))
        parts.append(_tidy([line.text for line in block]))
    return "\n\n".join(part for part in parts if part)


def _last_paragraph(block: list[_Line], most: int = 3) -> list[str]:
    texts = [line.text.strip() for line in block]
    while texts and not texts[-1]:
        texts.pop()
    start = len(texts)
    while start and texts[start - 1] and len(texts) - start < most:
        start -= 1
    return texts[start:]


def _everything(lines: list[_Line], roles: list[str], following: list[int | None]) -> str:
    """The whole reply, its history as a blockquote: for a reply with nothing new in it."""
    out: list[str] = []
    budget = _FALLBACK_QUOTE_CHARS
    previous_level = 0
    for index, (line, role) in enumerate(zip(lines, roles, strict=True)):
        if role == _DEVICE or line.kind in ("cut", "rule"):
            continue
        historic = role in (_QUOTE, _HEADER)
        if role == _NEW and not line.text.strip() and previous_level:
            after = following[index + 1]
            historic = after is not None and roles[after] in (_QUOTE, _HEADER)
        if not historic:
            out.append(line.text)
            previous_level = 0
            continue
        if budget <= 0:
            continue
        text = line.text.strip()
        if not text:
            out.append(">" * max(1, line.depth, previous_level))
            continue
        level = max(1, line.depth)
        if previous_level and level != previous_level:
            out.append(">" * min(level, previous_level))  # no lazy continuation across levels
        budget -= len(text) + 1
        out.append(f"{'>' * level} {text}" if budget > 0 else "> …")
        previous_level = level
    while out and not out[-1].strip("> "):
        out.pop()
    return _tidy(out)


def _tidy(texts: list[str]) -> str:
    """Lines without trailing spaces, at most one blank line in a row, none around."""
    text = "\n".join(line.rstrip() for line in texts)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


# --- HTML replies ---------------------------------------------------------------------------

_SKIPPED = {"head", "script", "style", "title", "template", "noscript"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
_BLOCKS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "figure",
    "footer",
    "form",
    "header",
    "html",
    "li",
    "main",
    "nav",
    "section",
    "table",
    "tbody",
    "tr",
}
_PARAGRAPHS = {"p", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass
class _Element:
    tag: str
    quote: bool = False
    skip: bool = False
    kind: str = ""
    href: str = ""
    paragraph: bool = False  # a paragraph: a blank line before and after
    block: bool = False  # a block: starts and ends a line
    start: int = 0  # where the element's text starts in the buffer (links)
    flushes: int = 0  # lines flushed before it started (links)
    counter: int = 0  # the number of the next item (ordered lists)


class _HtmlReader(HTMLParser):
    """HTML mail as lines, blockquotes and the quote containers of common clients (Gmail's
    gmail_quote, Yahoo's yahoo_quoted, Apple's and Thunderbird's blockquote type=cite) as quote
    depth, and Outlook's reply header (divRplyFwdMsg, or a border-top box) as the history's
    start."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[_Line] = []
        self.stack: list[_Element] = []
        self.buffer: list[str] = []
        self.prefix = ""
        self.flushes = 0
        # the state of the open elements, kept as counts (deeply nested mail stays linear)
        self.open: Counter[str] = Counter()
        self.depth = 0
        self.skipping = 0
        self.kinds: list[str] = []

    def _kind(self) -> str:
        return self.kinds[-1] if self.kinds else ""

    def _push(self, element: _Element) -> None:
        self.stack.append(element)
        self.open[element.tag] += 1
        self.depth += element.quote
        self.skipping += element.skip
        if element.kind:
            self.kinds.append(element.kind)

    def _pop(self) -> _Element:
        element = self.stack.pop()
        self.open[element.tag] -= 1
        self.depth -= element.quote
        self.skipping -= element.skip
        if element.kind:
            self.kinds.pop()
        return element

    def flush(self, *, blank: bool = False) -> None:
        raw = "".join(self.buffer)
        self.buffer = []
        self.flushes += 1
        text = raw.replace("\xa0", " ")
        if not self.open["pre"]:
            text = re.sub(r"[ \t]+", " ", text)
        for piece in text.strip("\n").split("\n") if text.strip() else []:
            line = _marked(self.prefix + piece.strip(), self.depth, self._kind())
            self.prefix = ""
            self.lines.append(line)
        if not text.strip() and (blank or "\xa0" in raw):
            self.lines.append(_Line("", self.depth, self._kind()))

    def paragraph_break(self) -> None:
        self.flush()
        if self.lines and self.lines[-1].text:
            self.lines.append(_Line("", self.depth, self._kind()))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: (value or "") for name, value in attrs}
        classes = values.get("class", "").lower()
        ident = values.get("id", "").lower()
        style = re.sub(r"\s", "", values.get("style", "").lower())
        if tag == "br":
            self.flush(blank=True)
            return
        if tag == "hr":
            self.flush()
            self.lines.append(_Line("", self.depth, "cut" if ident == "stopspelling" else ""))
            return
        if tag in _VOID:
            return
        element = _Element(tag)
        element.skip = tag in _SKIPPED or "display:none" in style
        element.quote = (
            tag == "blockquote" and (values.get("type") == "cite" or "border:none" not in style)
        ) or any(name in classes for name in ("gmail_quote", "yahoo_quoted", "protonmail_quote"))
        if "gmail_attr" in classes or "moz-cite-prefix" in classes:
            element.kind = "attribution"
        elif "signature" in classes or "signature" in ident:
            element.kind = "signature"
        # Outlook writes every line as <p class=MsoNormal>, blank lines as empty ones
        element.paragraph = tag in _PARAGRAPHS and "msonormal" not in classes
        element.block = tag in _BLOCKS or tag in _PARAGRAPHS or element.quote or bool(element.kind)
        if element.paragraph:
            self.paragraph_break()
        elif element.block:
            self.flush()
        if ident in ("divrplyfwdmsg", "mail-editor-reference-message-container") or (
            "outlookmessageheader" in classes
        ):
            self.lines.append(_Line("", self.depth, "cut"))
        elif tag == "div" and "border-top:solid" in style:
            self.lines.append(_Line("", self.depth, "rule"))  # Outlook's reply header box
        if tag == "a":
            element.href = values.get("href", "")
            element.start = len(self.buffer)
            element.flushes = self.flushes
        if tag == "ol":
            start = values.get("start", "")
            element.counter = int(start) if start.isdigit() and int(start) > 0 else 1
        if tag == "li":
            lists = [e for e in self.stack if e.tag in ("ul", "ol")]
            if lists and lists[-1].counter:
                self.prefix = f"{lists[-1].counter}. "
                lists[-1].counter += 1
            else:
                self.prefix = "- "
        if tag in ("td", "th"):
            self.buffer.append(" ")
        self._push(element)

    def handle_endtag(self, tag: str) -> None:
        if not self.open[tag]:
            return  # a stray end tag
        while self.stack:
            element = self.stack[-1]
            if element.tag == "a":
                self._link(element)
            if element.paragraph:
                self.paragraph_break()
            elif element.block:
                self.flush()
            self._pop()
            if element.tag == tag:
                break

    def _link(self, element: _Element) -> None:
        if element.flushes != self.flushes:
            return  # the link spans lines: keep its text
        label = "".join(self.buffer[element.start :]).strip()
        href = element.href
        if (
            re.match(r"https?://[^\s()<>]+$", href)
            and label
            and label != href
            and not label.startswith(("http://", "https://", "www."))
            and not re.search(r"[\[\]\n]", label)
        ):
            self.buffer[element.start :] = [f"[{label}]({href})"]

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if not self.open["pre"]:
            data = re.sub(r"[ \t\r\n\f]+", " ", data)
        self.buffer.append(data)


def _html_lines(content: str) -> list[_Line]:
    reader = _HtmlReader()
    reader.feed(_normalized(content))
    reader.close()
    reader.flush()
    return reader.lines


def plain_text(body: str) -> str:
    """What a reader sees of `body`, as plain text: the Markdown read (no asterisks, brackets or
    quote marks left), every tag dropped, entities decoded. For quotes and previews, which the
    page escapes again when it shows them."""
    html = _MARKDOWN.render(body or "")
    text = nh3.clean(html.replace("</p>", " </p>").replace("<br", " <br"), tags=set())
    return " ".join(unescape(text).split())
