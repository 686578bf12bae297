"""Sort keys that put names in Ukrainian alphabetical order by plain comparison.

Neither SQLite nor the C.UTF-8 PostgreSQL of CI collates Ukrainian (both put І, Ї and Є after
every other Cyrillic letter, and Ґ after Я), so lists keep a key beside each name and order by it
in SQL: the key writes every letter as two lowercase Latin letters ("aa", "ab", …) in the order of
the alphabet. Strings of lowercase a–z sort the same under any collation a database may have
(byte-wise, glibc's or ICU's locales, which would skip punctuation or fold case in a key of
arbitrary ASCII). Case, apostrophes and accents do not count; a hyphen counts as a space
(Івано-Франківська beside Івано Франківська).

Records with names in both languages keep two keys, `sort_uk` and `sort_en`
(regions.models.NameSortKeys), and lists order by the one of the page's language (`name_order`).
"""

import unicodedata
from typing import Any

from regionbridge.lib.i18n import reader_language

UKRAINIAN = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"
LATIN = "abcdefghijklmnopqrstuvwxyz"
# Space and digits first, then the alphabet of the list's language, then the other one: on
# Ukrainian pages a Latin name follows the Cyrillic ones, on English pages the other way round.
ALPHABET = " 0123456789" + UKRAINIAN + LATIN
ENGLISH_ALPHABET = " 0123456789" + LATIN + UKRAINIAN
_SPACES = frozenset(" -‐‑‒–—_/\t\n")
KEY_LENGTH = 255


def _code(index: int) -> str:
    return chr(ord("a") + index // 26) + chr(ord("a") + index % 26)


SPACE = _code(0)


def _ranks(alphabet: str) -> dict[str, str]:
    ranks = {letter: _code(index) for index, letter in enumerate(alphabet)}
    # Letters of neighbouring alphabets read as the Ukrainian letter they sound like.
    ranks.update({"ё": ranks["е"], "ы": ranks["и"], "э": ranks["е"], "ъ": ranks["ь"]})
    return ranks


_RANKS = {"uk": _ranks(ALPHABET), "en": _ranks(ENGLISH_ALPHABET)}


def sort_key(name: str, language: str = "uk") -> str:
    """The key of `name`: equal for names that differ only in case, accents or punctuation."""
    ranks = _RANKS[reader_language(language)]
    key: list[str] = []
    for char in name.casefold():
        if char in _SPACES:
            if key and key[-1] != SPACE:
                key.append(SPACE)
            continue
        rank = ranks.get(char)
        if rank is None:
            # é → e, ö → o; й and ї are in the alphabet, so they are never taken apart.
            base = unicodedata.normalize("NFKD", char)[:1]
            rank = ranks.get(base)
        if rank is not None:
            key.append(rank)
    while key and key[-1] == SPACE:
        key.pop()
    return "".join(key[: KEY_LENGTH // 2])


def name_sort_keys(name_uk: str, name_en: str) -> tuple[str, str]:
    """`(sort_uk, sort_en)`: each language's key of the name shown in it (the other when empty)."""
    return sort_key(name_uk or name_en, "uk"), sort_key(name_en or name_uk, "en")


def sort_field(language: str | None = None) -> str:
    """`sort_uk` on Ukrainian pages, `sort_en` on the others."""
    return f"sort_{reader_language(language)}"


def name_order(prefix: str = "", language: str | None = None) -> str:
    """The field a list orders by to sort by name in the page's language, e.g.
    `name_order("ukrainian_region__")` → `"ukrainian_region__sort_uk"` on a Ukrainian page."""
    return f"{prefix}{sort_field(language)}"


def fill_sort_keys(model: Any, batch_size: int = 500) -> int:
    """Recompute every row's keys of `model` (a model or a migration's historical model, which
    has no methods); returns how many rows changed."""
    changed = []
    rows = model._default_manager.only("pk", "name_uk", "name_en", "sort_uk", "sort_en")
    for row in rows.order_by("pk").iterator(chunk_size=2000):
        keys = name_sort_keys(row.name_uk, row.name_en)
        if (row.sort_uk, row.sort_en) != keys:
            row.sort_uk, row.sort_en = keys
            changed.append(row)
    model._default_manager.bulk_update(changed, ["sort_uk", "sort_en"], batch_size=batch_size)
    return len(changed)
