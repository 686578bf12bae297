"""Records carry both names; templates and API show the one of the active language."""

import re
from typing import Any

from django.utils import translation
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _


def reader_language(language: str | None = None) -> str:
    """ "uk" or "en": the given language, else the active one, as the data's two forms go."""
    return "uk" if (language or get_language() or "uk").startswith("uk") else "en"


def pick(uk: str, en: str, language: str | None = None) -> str:
    """The Ukrainian or English form, falling back to the other when one is empty."""
    return picked(uk, en, language)[0]


def in_both_languages(label: Any) -> str:
    """A translatable label in English and Ukrainian, for search text that serves both."""
    words = []
    for language in ("en", "uk"):
        with translation.override(language):
            words.append(str(label))
    return " ".join(words)


# Cyrillic (with its supplement): a value written in it is taken as Ukrainian, any other as
# English, for values that come without their language (an old API field, a data migration).
_CYRILLIC = re.compile("[\u0400-\u052f]")


# Characters that turn the direction of the text around them: in a name they only disguise it
# (an RTL override makes "fdp.exe" read "exe.pdf"), so bilingual values refuse them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_bidi_controls(text: str) -> bool:
    return bool(BIDI_CONTROLS.intersection(text or ""))


def script_language(text: str) -> str:
    """ "uk" for a text with Cyrillic letters, else "en"."""
    return "uk" if _CYRILLIC.search(text or "") else "en"


def by_script(text: str) -> tuple[str, str]:
    """`(uk, en)` for a value given in one language only: it goes to the one its letters say."""
    return (text, "") if script_language(text) == "uk" else ("", text)


def picked(uk: str, en: str, language: str | None = None) -> tuple[str, str]:
    """`(value, its language)`: as `pick`, saying which language the value shown is in."""
    language = reader_language(language)
    own, other = (uk, en) if language == "uk" else (en, uk)
    if own or not other:
        return own, language
    return other, "en" if language == "uk" else "uk"


class Shown(str):
    """A value of a bilingual field as a page shows it: the text, and `language` it is in.

    Rendered in a template, a value in the other language than the page's is marked, so readers
    (and screen readers) know: `<span lang="en">State of Indiana</span> (англ.)`."""

    language: str
    fallback: bool

    def __new__(cls, text: str = "", language: str = "uk", fallback: bool = False) -> "Shown":
        shown = super().__new__(cls, text)
        shown.language = language
        shown.fallback = fallback
        return shown

    def __reduce__(self):  # kept in a cache, it comes back with its language
        return (Shown, (str(self), self.language, self.fallback))

    def __html__(self) -> str:
        text = escape(str(self))
        if not self.fallback or not text:
            return text
        mark = _("Eng.") if self.language == "en" else _("Ukr.")
        full = _("in English") if self.language == "en" else _("in Ukrainian")
        return (
            f'<span lang="{self.language}">{text}</span> '
            f'<small class="lang-mark" title="{escape(full)}">({escape(mark)})</small>'
        )


def shown(uk: str, en: str, language: str | None = None) -> Shown:
    """The reader's value of a bilingual field, marked in pages when it is the other language's."""
    page = reader_language(language)
    value, value_language = picked(uk, en, page)
    return Shown(value, value_language, fallback=value_language != page)
