"""Search text in Ukrainian and English: one normal form for stored text and for queries.

SQLite's LIKE folds case for ASCII only, so Cyrillic search cannot rely on `icontains`.
Records keep a `search_text` column in this normal form and queries are normalized the same way.
"""

import re
import unicodedata

_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'", "ʻ": "'"})
_WORD = re.compile(r"[\w']+", re.UNICODE)

# Words of a question that carry no meaning for the lookup ("who is our contact in Indiana?").
STOPWORDS = frozenset(
    """
    a an and the of in at for to on is are who whom whose what which our my your their
    contact contacts person people does do
    хто хтось який яка яке які наш наша наше наші мій моя чий чия в у на до з із і й та
    контакт контакти контактна особа
    """.split()
)
# A verb in the question that names a title in the records ("who heads …" → "Head of …").
SYNONYMS = {"heads": "head", "leads": "head", "очолює": "голова", "керує": "голова"}


def normalize(text: str) -> str:
    """Casefold, unify apostrophes and spacing; keeps Ukrainian letters (й, ї) intact."""
    text = unicodedata.normalize("NFC", text).translate(_APOSTROPHES).casefold()
    return " ".join(text.split())


def search_blob(*parts: str | None) -> str:
    """Words separated by single spaces, with a leading space: terms match at word starts."""
    words = _WORD.findall(normalize(" ".join(p for p in parts if p)))
    return " " + " ".join(word.strip("'") for word in words)


def query_terms(query: str) -> list[str]:
    """Terms that must all occur in a record's search text.

    Long words are cut to a stem so that Ukrainian case endings still match
    ("Житомирської" finds "Житомирська", "Індіані" finds "Індіана").
    """
    terms = []
    for word in _WORD.findall(normalize(query)):
        word = word.removesuffix("'s").strip("'")
        if not word or word in STOPWORDS:
            continue
        word = SYNONYMS.get(word, word)
        if len(word) > 5 and not word.isascii():
            word = word[: max(5, len(word) - 2)]
        terms.append(word)
    return terms
