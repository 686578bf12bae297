"""Text analysis for matching: normalize, tokenize, lemmatize, drop stopwords, find concepts.

Pure Python (simplemma only): no Django, no database, no network.

Every word becomes a *key*: its simplemma lemma (Ukrainian for Cyrillic words, English for Latin
ones, whatever the post's declared language, so mixed texts work), then a light suffix strip so
that the lemmatizer's gaps ("протезуванні" → "протезуванний") still meet their lemma. Taxonomy
phrases go through the same function, so a phrase and a text meet whatever their inflection.
Concepts are found by matching the keys of taxonomy phrases against the keys of a text, longest
phrase first, in any word order and with at most one foreign word inside the phrase
("upper and lower limbs" still holds "upper limb"); words used by a longer phrase are not reused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

import simplemma

# Analysis reads at most this much of one text: a post is at most 5,000 characters, and a hostile
# megabyte must cost bounded time.
MAX_CHARS = 20_000
MAX_WORD = 40  # longer "words" are noise (base64, URLs); they are cut, not lemmatized
MAX_PHRASE = 6  # keys in one taxonomy phrase

_APOSTROPHES = str.maketrans({c: "'" for c in "\u2019\u02bc\u2018`\u00b4\u2032\uff07"})
# Hyphens and dashes separate words: "upper-limb" → "upper limb", "науково-дослідний" → two words.
_SEPARATORS = str.maketrans({c: " " for c in "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212_/"})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_ONE_LETTER_PREFIX = re.compile(r"(?<![^\W_])([^\W\d_])[-\u2010\u2011]([^\W\d_])")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")

STOPWORDS_UK = frozenset(
    """
    а або аби адже але б би бо був була були було бути в вам вас весь во вони воно від він вона
    всі все всього вже де для до дуже є ж же з за зі із й і її їх їхній його кожен коли котрий
    ли лише мене ми між може можемо можна мої мій наш наша наше наші нам нас не немає ні ніж
    но о об один одна одне однак особливо от по під після про при раз саме свій своїх себе так
    також там те тем ти тим тих тільки то тобто того тож той тому ту тут у уже усі усе усіх хоча
    це цей цих ця ці цього цьому час через чи чим що щоб щодо як який яка яке які якщо я ваш
    ваша ваше ваші вже ще інший інша інше інші інших нашої нашого нашому нашим наших
    на над та поза біля серед навколо крім окрім перед понад близько щонайменше майже ось
    потреба потребувати потрібний потрібно шукати пропонувати пропозиція запрошувати
    готовий могти хотіти надати надавати мати бажано наявний
    """.split()
)
STOPWORDS_EN = frozenset(
    """
    a about above after again all also am an and any are as at be been being both but by can
    could did do does doing during each few for from further had has have having he her here hers
    him his how i if in into is it its itself just me more most my no nor not now of off on once
    only or other our ours out over own per same she should so some such than that the their them
    then there these they this those through to too under until up upon very via was we were what
    when where which while who whom why will with within would you your yours us etc
    need needs needed seek seeking look looking offer offers offering provide providing available
    able willing interested want wish would like please can could may might must shall
    """.split()
)
STOPWORDS = STOPWORDS_UK | STOPWORDS_EN

# Inflectional endings, longest first. Only words of six letters or more are cut, and a stem
# keeps four: short words are the lemmatizer's strength, and "місто" must not become "міст".
_UK_ENDINGS = tuple(
    sorted(
        """ями ами ові еві єві ого ому ими іми ий ій их іх ої ою ею єю ам ям ах ях ів їв ом ем
        єм ая яя ує ють ати ити іти ять а я о е є і ї и у ю ь й""".split(),
        key=len,
        reverse=True,
    )
)


def detect_language(text: str) -> str:
    """ "uk" when Cyrillic letters are some and at least as many as Latin ones, else "en"."""
    sample = normalize(text[:MAX_CHARS])
    cyrillic = len(_CYRILLIC.findall(sample))
    latin = len(_LATIN.findall(sample))
    return "uk" if cyrillic and cyrillic >= latin else "en"


def normalize(text: str) -> str:
    """Lowercase, one apostrophe, hyphens and dashes as spaces, compatibility forms folded."""
    return _fold(text).lower()


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).translate(_APOSTROPHES)
    # A one-letter part stays with its word: "e-learning", "X-ray", "е-урядування".
    return _ONE_LETTER_PREFIX.sub(r"\1\2", text).translate(_SEPARATORS)


def tokenize(text: str) -> list[str]:
    """Words of two letters or more; digits alone are not words; apostrophes kept inside words.

    A short all-capitals word that would be a stopword in lower case is an acronym ("IT", "US")
    and is kept, marked with a trailing "!" so that it stays apart from the pronoun.
    """
    out = []
    for word in _WORD.findall(_fold(text)):
        if len(word) < 2 or word.isdigit():
            continue
        low = word.lower()[:MAX_WORD]
        if low in STOPWORDS and len(word) <= 4 and word.isupper():
            low += "!"
        out.append(low)
    return out


def _stem_uk(word: str) -> str:
    if len(word) < 6:
        return word
    for ending in _UK_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def _stem_en(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=200_000)
def word_key(token: str) -> tuple[str, str]:
    """(key, lemma) of one normalized token; key "" for a stopword.

    The lemma is what a reader is shown ("words in common"); the key is what is compared.
    """
    if token in STOPWORDS:
        return "", token
    if token.endswith("!"):
        return token, token[:-1].upper()
    if _CYRILLIC.search(token):
        lemma = simplemma.lemmatize(token, lang="uk") if len(token) < MAX_WORD else token
        lemma = lemma.lower().translate(_APOSTROPHES)
        return ("" if lemma in STOPWORDS else _stem_uk(lemma)), lemma
    if _LATIN.search(token):
        lemma = simplemma.lemmatize(token, lang="en") if len(token) < MAX_WORD else token
        lemma = lemma.lower()
        return ("" if lemma in STOPWORDS else _stem_en(lemma)), lemma
    return token, token  # other scripts are compared as they are


def keys(text: str) -> list[str]:
    """The comparable keys of a text, stopwords dropped, in order."""
    out = []
    for token in tokenize(text):
        key, _ = word_key(token)
        if key:
            out.append(key)
    return out


def keys_and_lemmas(text: str) -> tuple[list[str], dict[str, str]]:
    out: list[str] = []
    shown: dict[str, str] = {}
    for token in tokenize(text):
        key, lemma = word_key(token)
        if key:
            out.append(key)
            shown.setdefault(key, lemma)
    return out, shown


@dataclass
class PhraseIndex:
    """Taxonomy phrases by the sorted tuple of their keys, for order-free matching."""

    by_length: dict[int, dict[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    vocabulary: set[str] = field(default_factory=set)
    longest: int = 0
    # The lemmatizer knows some forms of a word and not others ("стресовий" → "стрес", but
    # "стресового" stays and is cut to "стресов"): a phrase word's own cut form also finds it.
    aliases: dict[str, str] = field(default_factory=dict)

    def add(self, phrase: str, code: str) -> None:
        phrase_keys = keys(phrase)
        if not phrase_keys or len(phrase_keys) > MAX_PHRASE:
            return
        for token in tokenize(phrase):
            key, _ = word_key(token)
            cut = _stem_uk(token) if _CYRILLIC.search(token) else _stem_en(token)
            if key and cut != key:
                self.aliases.setdefault(cut, key)
        sig = tuple(sorted(phrase_keys))
        table = self.by_length.setdefault(len(sig), {})
        codes = table.get(sig, ())
        if code not in codes:
            table[sig] = (*codes, code)
        self.vocabulary.update(phrase_keys)
        self.longest = max(self.longest, len(sig))

    def close_over_subphrases(self) -> None:
        """A phrase also names the topics of the phrases inside it.

        "upper limb prosthetics" (a topic of its own) also says "prosthetics"; without this the
        longer phrase would take the words and hide the broader topic.
        """
        additions: dict[tuple[str, ...], set[str]] = {}
        for n, table in self.by_length.items():
            for sig in table:
                extra: set[str] = set()
                for size in range(1, n):
                    sub_table = self.by_length.get(size)
                    if not sub_table:
                        continue
                    for sub in combinations(sig, size):
                        extra.update(sub_table.get(sub, ()))
                if extra:
                    additions[sig] = extra
        for sig, extra in additions.items():
            table = self.by_length[len(sig)]
            table[sig] = (*table[sig], *sorted(extra - set(table[sig])))

    def find(self, text_keys: list[str]) -> list[str]:
        """Concept codes in a key sequence, one per phrase occurrence, longest phrase first."""
        return self.find_with_positions(text_keys)[0]

    def find_with_positions(self, text_keys: list[str]) -> tuple[list[str], list[bool]]:
        """Concept codes as `find`, and per key whether a phrase explained it."""
        vocabulary, aliases = self.vocabulary, self.aliases
        text_keys = [k if k in vocabulary or k not in aliases else aliases[k] for k in text_keys]
        n_keys = len(text_keys)
        known = [k in vocabulary for k in text_keys]
        # run[i]: how many known keys start at i in a row (a phrase needs all its keys known).
        run = [0] * (n_keys + 1)
        for i in range(n_keys - 1, -1, -1):
            run[i] = run[i + 1] + 1 if known[i] else 0
        used = [False] * n_keys  # taken by a longer phrase
        found: list[str] = []
        for n in range(min(self.longest, n_keys), 0, -1):
            table = self.by_length.get(n)
            if not table:
                continue
            # Phrases of one length may share words ("upper and lower limb" holds both limbs);
            # a longer phrase's words are not reused by a shorter one.
            taken = list(used)
            for i in range(n_keys - n + 1):
                if not known[i]:
                    continue
                if run[i] >= n and not any(used[i : i + n]):
                    codes = table.get(tuple(sorted(text_keys[i : i + n])))
                    if codes:
                        found.extend(codes)
                        for p in range(i, i + n):
                            taken[p] = True
                        continue
                # One foreign word inside: keys i..i+n with position j left out.
                if n >= 2 and i + n < n_keys and known[i + n] and not used[i]:
                    for j in range(i + 1, i + n):
                        window = [p for p in range(i, i + n + 1) if p != j]
                        if any(used[p] or not known[p] for p in window):
                            continue
                        codes = table.get(tuple(sorted(text_keys[p] for p in window)))
                        if codes:
                            found.extend(codes)
                            for p in window:
                                taken[p] = True
                            break
            used = taken
        return found, used


def build_phrase_index(entries: Iterable[tuple[str, Iterable[str]]]) -> PhraseIndex:
    index = PhraseIndex()
    for code, phrases in entries:
        for phrase in phrases:
            index.add(phrase, code)
    return index
