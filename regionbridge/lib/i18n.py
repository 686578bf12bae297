"""Records carry both names; templates and API show the one of the active language."""

from typing import Any

from django.utils import translation
from django.utils.translation import get_language


def pick(uk: str, en: str, language: str | None = None) -> str:
    """The Ukrainian or English form, falling back to the other when one is empty."""
    language = language or get_language() or "uk"
    if language.startswith("uk"):
        return uk or en
    return en or uk


def in_both_languages(label: Any) -> str:
    """A translatable label in English and Ukrainian, for search text that serves both."""
    words = []
    for language in ("en", "uk"):
        with translation.override(language):
            words.append(str(label))
    return " ".join(words)
