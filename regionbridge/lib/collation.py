"""Sort keys that put names in Ukrainian alphabetical order by plain byte comparison.

Neither SQLite nor the C.UTF-8 PostgreSQL of CI collates Ukrainian (both put І, Ї and Є after
every other Cyrillic letter, and Ґ after Я), so lists keep a key beside each name and order by it
in SQL: the key maps every letter to one printable ASCII character in the order of the alphabet,
which sorts the same under any byte-wise collation. Case, apostrophes and accents do not count;
a hyphen counts as a space (Івано-Франківська beside Івано Франківська).
"""

import unicodedata

# Space and digits first, then the Ukrainian alphabet, then the Latin one: on Ukrainian pages a
# Latin name follows the Cyrillic ones, and an English list orders as English readers expect.
ALPHABET = " 0123456789абвгґдеєжзиіїйклмнопрстуфхцчшщьюяabcdefghijklmnopqrstuvwxyz"
_RANK = {letter: chr(0x21 + index) for index, letter in enumerate(ALPHABET)}
# Letters of neighbouring alphabets read as the Ukrainian letter they sound like.
_RANK.update({"ё": _RANK["е"], "ы": _RANK["и"], "э": _RANK["е"], "ъ": _RANK["ь"]})
_SPACES = frozenset(" -‐‑‒–—_/\t\n")
KEY_LENGTH = 255


def sort_key(name: str) -> str:
    """The key of `name`: equal for names that differ only in case, accents or punctuation."""
    key = []
    for char in name.casefold():
        if char in _SPACES:
            if key and key[-1] != _RANK[" "]:
                key.append(_RANK[" "])
            continue
        rank = _RANK.get(char)
        if rank is None:
            # é → e, ö → o; й and ї are in the alphabet, so they are never taken apart.
            base = unicodedata.normalize("NFKD", char)[:1]
            rank = _RANK.get(base)
        if rank is not None:
            key.append(rank)
    return "".join(key).strip()[:KEY_LENGTH]
