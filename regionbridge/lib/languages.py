"""Names of languages for people to read, where records keep ISO 639 codes ("uk", "en")."""

import gettext
from collections.abc import Iterable
from functools import lru_cache

import pycountry
from django.utils.translation import get_language

# Where the ISO 639 name is not the everyday one ("Modern Greek (1453-)").
_NAMES = {
    "el": ("Greek", "грецька"),
    "nl": ("Dutch", "нідерландська"),
    "crh": ("Crimean Tatar", "кримськотатарська"),
}


@lru_cache(maxsize=1)
def _ukrainian() -> gettext.NullTranslations:
    return gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=["uk"], fallback=True)


@lru_cache(maxsize=512)
def language_name(code: str, language: str = "en") -> str:
    """The name of "en": "англійська" / "English"; the code itself when it is not a language."""
    code = code.strip().lower()
    ukrainian = language.startswith("uk")
    if code in _NAMES:
        return _NAMES[code][1 if ukrainian else 0]
    found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else None
    found = found or (pycountry.languages.get(alpha_3=code) if len(code) == 3 else None)
    if found is None:
        return code
    return _ukrainian().gettext(found.name) if ukrainian else found.name


def language_names(codes: Iterable[str], language: str | None = None) -> str:
    """The languages in the reader's language, in the order given: "англійська, українська"."""
    language = language or get_language() or "uk"
    return ", ".join(language_name(code, language) for code in codes if code.strip())
