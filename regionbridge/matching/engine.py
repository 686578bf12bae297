"""Needs ↔ offers matching across Ukrainian and English: pure Python, no Django, no network.

How a score is made (docs/MATCHING.md has the reasoning and the measured figures):

1. Analysis (`analysis.py`): each text becomes word keys (simplemma lemmas with a light suffix
   strip) and taxonomy *concepts* (topic codes found through the topics' labels and synonyms in
   either language). Ukrainian and English meet in the concept codes; words help within one
   language.
2. Two BM25 indexes (bm25s) over the offers: one of concepts (title concepts and author-chosen
   topics count twice), one of word keys (title words twice).
3. For a need, each channel is read as a *coverage* in 0..1: the sum over the need's terms of
   the offer's BM25 term score, each term capped at what an average-length offer mentioning it
   once would get, divided by what that reference offer would get for all of the need's terms
   (so a need whose main concept no offer has stays low). Related topics add at 0.3 weight.
   Concepts are also read the other way (what share of the offer's concepts the need covers), so
   an offer mostly about something else does not ride on one shared word. An offer that misses
   the need's focus (its weightiest concept, or one related to it) keeps 0.7 of its score; and
   the need's title words that no concept explains lower every offer's score alike (the
   taxonomy did not understand that part of the need), which moves the answer towards "no good
   match yet" without changing the order.
4. Structured signals (same sphere, an institution type suited to the need's topics, partnered
   regions (the product's), the same region) raise the text evidence by fixed shares: they
   corroborate a topical match, they cannot make one.
5. The result is clipped to 0..1; below `THRESHOLD` the answer is "no good match yet", and the
   closest candidates are still listed.

Everything per offer is a numpy array; a need costs a few vector operations over the offers,
never a Python loop over them.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from regionbridge.matching import analysis
from regionbridge.matching.analysis import detect_language

__all__ = [
    "STRONG",
    "THRESHOLD",
    "Doc",
    "Matcher",
    "Reason",
    "Result",
    "Suggestion",
    "Taxonomy",
    "TaxonomyError",
    "detect_language",
    "match_many",
    "reason_text",
]

# bm25s logs every index build at DEBUG; a matcher is built per worker run and per CLI call.
logging.getLogger("bm25s").setLevel(logging.WARNING)

DEFAULT_TAXONOMY = Path(__file__).parent / "data" / "taxonomy.json"

# Below this a need has "no good match yet"; at or above STRONG the owner is told. THRESHOLD and
# LOOSE decide "no good match yet" together and never change the order of the offers; they were
# calibrated together on the dev split by the mean of no-match accuracy and 1 − false no-match
# rate (docs/MATCHING.md, "The no-match decision").
THRESHOLD = 0.28
STRONG = 0.6

# Fixed weights: text × (W_TEXT + the signals present); all present and full text → 1.
W_TEXT = 0.80
W_SPHERE = 0.08
W_INSTITUTION = 0.06
W_PLACE = 0.06  # partnered regions (1.0) or the same region (0.5)
# Inside the text part: the need's concepts covered vs. the offer's concepts covered.
W_NEED_SIDE = 0.7
RELATED = 0.3  # a related topic counts this much of a shared one (alone: no match)
TITLE_BOOST = 2  # title words and concepts, and author-chosen topics, count twice
WORDS_ONLY = 0.7  # a need with no concept at all is judged on words, at most this much
WORDS_LIFT = 0.25  # words above the concept evidence lift a pair by this share of the gap
# A title word no concept explains weighs its full idf, as a concept of that weight would: what
# the taxonomy did not understand counts as much as what it did.
LOOSE = 1.0
FOCUS_MISS = 0.7  # an offer missing the need's focus concept keeps this share of its score
BM25_K1 = 1.2
BM25_B = 0.75
IDF_PRIOR_DOCS = 50  # small collections are smoothed towards even term weights

SPHERES: dict[str, tuple[str, str]] = {
    "culture": ("culture", "культура"),
    "education": ("education", "освіта"),
    "healthcare": ("healthcare", "охорона здоров'я"),
    "social": ("social protection", "соціальний захист"),
    "humanitarian": ("humanitarian aid", "гуманітарна допомога"),
    "economy": ("economy and trade", "економіка і торгівля"),
    "energy": ("energy", "енергетика"),
    "agriculture": ("agriculture", "сільське господарство"),
    "digital": ("digital", "цифровізація"),
    "defence": ("defence and security", "оборона і безпека"),
    "reconstruction": ("reconstruction", "відбудова"),
    "sport": ("sport", "спорт"),
    "science": ("science", "наука"),
    "tourism": ("tourism", "туризм"),
    "diaspora": ("diaspora", "діаспора"),
}
INSTITUTION_TYPES: dict[str, tuple[str, str]] = {
    "university": ("university", "університет"),
    "hospital": ("hospital", "лікарня"),
    "cultural": ("cultural institution", "заклад культури"),
    "sports_school": ("sports school", "спортивна школа"),
    "rehabilitation": ("rehabilitation center", "реабілітаційний центр"),
    "school": ("school", "школа"),
    "social_service": ("social service", "соціальна служба"),
    "ngo": ("NGO", "громадська організація"),
    "diaspora": ("diaspora organization", "організація діаспори"),
    "local_government": ("local government", "орган місцевого самоврядування"),
    "business": ("business", "підприємство"),
    "honorary_consulate": ("honorary consulate", "почесне консульство"),
    "other": ("other", "інше"),
}


class TaxonomyError(ValueError):
    """The taxonomy data does not have the documented shape."""


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    description: str
    language: str  # "uk" | "en"
    sphere: str | None = None
    region: str | None = None
    institution_type: str | None = None
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


@dataclass(frozen=True)
class Suggestion:
    offer_id: str
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Result:
    matches: list[Suggestion]
    no_good_match: bool


@dataclass(frozen=True)
class Topic:
    code: str
    uk: str
    en: str
    synonyms_uk: tuple[str, ...] = ()
    synonyms_en: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    spheres: tuple[str, ...] = ()
    institution_types: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        return self.uk if lang == "uk" else self.en


@dataclass
class Analysis:
    """What the engine knows of one text: concept counts and word keys (title ones doubled)."""

    concepts: Counter[str] = field(default_factory=Counter)
    words: Counter[str] = field(default_factory=Counter)
    shown: dict[str, str] = field(default_factory=dict)  # key → a lemma a reader can read
    # Title words no taxonomy phrase explains: what the post is about that no concept names.
    loose: Counter[str] = field(default_factory=Counter)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaxonomyError(f"{where}: expected a list of strings")
    return tuple(v.strip() for v in value if v.strip())


class Taxonomy:
    """The bilingual topic taxonomy (`data/taxonomy.json` format, "version": 1)."""

    def __init__(self, topics: Sequence[Topic], version: int = 1):
        self.version = version
        self.topics: dict[str, Topic] = {t.code: t for t in topics}
        # Related is symmetric; unknown codes (a topic deleted by a coordinator) are ignored.
        related: dict[str, set[str]] = {code: set() for code in self.topics}
        for t in topics:
            for other in t.related:
                if other in self.topics and other != t.code:
                    related[t.code].add(other)
                    related[other].add(t.code)
        self.related: dict[str, frozenset[str]] = {c: frozenset(r) for c, r in related.items()}
        self.phrases = analysis.build_phrase_index(
            (t.code, (t.uk, t.en, *t.synonyms_uk, *t.synonyms_en)) for t in topics
        )
        self.phrases.close_over_subphrases()

    @classmethod
    def from_dict(cls, data: dict) -> Taxonomy:
        if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
            raise TaxonomyError('expected {"version": 1, "topics": [...]}')
        version = data.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool):
            raise TaxonomyError("version: expected an integer")
        topics = []
        seen: set[str] = set()
        for n, raw in enumerate(data["topics"], start=1):
            where = f"topic {n}"
            if not isinstance(raw, dict):
                raise TaxonomyError(f"{where}: expected an object")
            code = raw.get("code")
            if not isinstance(code, str) or not code.strip():
                raise TaxonomyError(f"{where}: a code is required")
            code = code.strip()
            where = f"topic {code!r}"
            if code in seen:
                raise TaxonomyError(f"{where}: the code is used twice")
            seen.add(code)
            labels = {}
            for lang in ("uk", "en"):
                label = raw.get(lang)
                if not isinstance(label, str) or not label.strip():
                    raise TaxonomyError(f"{where}: the {lang} label is required")
                labels[lang] = label.strip()
            synonyms = raw.get("synonyms") or {}
            if not isinstance(synonyms, dict):
                raise TaxonomyError(f"{where}: synonyms: expected {{'uk': [...], 'en': [...]}}")
            topics.append(
                Topic(
                    code=code,
                    uk=labels["uk"],
                    en=labels["en"],
                    synonyms_uk=_strings(synonyms.get("uk"), f"{where}: synonyms.uk"),
                    synonyms_en=_strings(synonyms.get("en"), f"{where}: synonyms.en"),
                    related=_strings(raw.get("related"), f"{where}: related"),
                    spheres=_strings(raw.get("spheres"), f"{where}: spheres"),
                    institution_types=_strings(
                        raw.get("institution_types"), f"{where}: institution_types"
                    ),
                )
            )
        return cls(topics, version=version)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Taxonomy:
        path = Path(path) if path else DEFAULT_TAXONOMY
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TaxonomyError(f"{path}: {exc}") from exc
        return cls.from_dict(data)

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "topics": [
                {
                    "code": t.code,
                    "uk": t.uk,
                    "en": t.en,
                    "synonyms": {"uk": list(t.synonyms_uk), "en": list(t.synonyms_en)},
                    "related": list(t.related),
                    "spheres": list(t.spheres),
                    "institution_types": list(t.institution_types),
                }
                for t in self.topics.values()
            ],
        }

    def label(self, code: str, lang: str) -> str:
        topic = self.topics.get(code)
        return topic.label(lang) if topic else code

    def concepts(self, text: str) -> list[str]:
        """Topic codes found in a text, in order of discovery (repeats kept)."""
        return self.phrases.find(analysis.keys(text))

    def analyze(self, doc: Doc) -> Analysis:
        result = Analysis()
        for text, weight in ((doc.title, TITLE_BOOST), (doc.description, 1)):
            text_keys, shown = analysis.keys_and_lemmas(text or "")
            codes, explained = self.phrases.find_with_positions(text_keys)
            for code in codes:
                result.concepts[code] += weight
            if weight == TITLE_BOOST:
                for key, done in zip(text_keys, explained, strict=True):
                    if not done:
                        result.loose[key] += 1
            for key in text_keys:
                result.words[key] += weight
            for key, lemma in shown.items():
                result.shown.setdefault(key, lemma)
        for code in doc.topics:
            if code in self.topics:
                result.concepts[code] += TITLE_BOOST
        return result


class _Channel:
    """One BM25 index (bm25s) read as capped, normalized coverage."""

    def __init__(self, docs: list[list[str]]):
        self.n_docs = len(docs)
        self.ref_n = len(docs) + IDF_PRIOR_DOCS
        if not docs:
            self.vocab: dict[str, int] = {}
            self.indptr = np.zeros(1, dtype=np.int64)
            return
        # Every document gets one filler token so that empty ones are valid for bm25s.
        retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B, method="lucene")
        retriever.index([[*d, "\x00"] for d in docs], show_progress=False)
        self.vocab = retriever.vocab_dict
        scores = retriever.scores
        self.data = np.asarray(scores["data"], dtype=np.float64)
        self.indices = np.asarray(scores["indices"], dtype=np.int64)
        self.indptr = np.asarray(scores["indptr"], dtype=np.int64)
        df = np.diff(self.indptr).astype(np.float64)
        n = float(self.n_docs)
        # bm25s stores idf × tf-part; divide the idf back out to get the tf-part in 0..1.
        bm25_idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        lengths = self.indptr[1:] - self.indptr[:-1]
        tf_part = self.data / np.repeat(np.where(bm25_idf > 0, bm25_idf, 1.0), lengths)
        # An average-length document naming a term once gets 1 / (k1 + 1); that is "full".
        self.level = np.minimum(tf_part * (BM25_K1 + 1.0), 1.0)

    def weight(self, term: str) -> float:
        """Term weight: BM25 idf with a prior of documents that lack the term."""
        tid = self.vocab.get(term)
        df = float(self.indptr[tid + 1] - self.indptr[tid]) if tid is not None else 0.0
        df = max(df, 1.0)  # a term no offer has weighs as a term one offer has
        return math.log(1.0 + (self.ref_n - df + 0.5) / (df + 0.5))

    def accumulate(self, terms: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """(Σ weight × level, Σ weight × presence) per document for weighted query terms."""
        rows, vals, flags = [], [], []
        for term, w in terms.items():
            tid = self.vocab.get(term)
            if tid is None or w <= 0:
                continue
            start, end = self.indptr[tid], self.indptr[tid + 1]
            rows.append(self.indices[start:end])
            vals.append(self.level[start:end] * w)
            flags.append(np.full(end - start, w))
        if not rows:
            zero = np.zeros(self.n_docs)
            return zero, zero
        idx = np.concatenate(rows)
        level = np.bincount(idx, weights=np.concatenate(vals), minlength=self.n_docs)
        present = np.bincount(idx, weights=np.concatenate(flags), minlength=self.n_docs)
        return level, present


def _pick(values: Sequence[str | None], known: dict[str, int]) -> np.ndarray:
    return np.array([known.get(v or "", -1) for v in values], dtype=np.int32)


class Matcher:
    """An index over offers; `match` ranks them for one need."""

    def __init__(
        self,
        offers: Sequence[Doc],
        taxonomy: Taxonomy,
        partnered: Callable[[str | None, str | None], bool] | None = None,
    ):
        self.offers = list(offers)
        self.taxonomy = taxonomy
        self.partnered = partnered
        self.analyses = [taxonomy.analyze(o) for o in self.offers]
        self.n = len(self.offers)
        self.concepts = _Channel([list(a.concepts.elements()) for a in self.analyses])
        self.words = _Channel([list(a.words.elements()) for a in self.analyses])
        self._sphere_ids = {code: i for i, code in enumerate(SPHERES)}
        self._inst_ids = {code: i for i, code in enumerate(INSTITUTION_TYPES)}
        self.offer_sphere = _pick([o.sphere for o in self.offers], self._sphere_ids)
        self.offer_inst = _pick([o.institution_type for o in self.offers], self._inst_ids)
        self.offer_sphere_mask = np.array(
            [self._sphere_mask(o, a) for o, a in zip(self.offers, self.analyses, strict=True)],
            dtype=np.int64,
        )
        regions = sorted({o.region for o in self.offers if o.region})
        self._regions = regions
        self.offer_region = _pick(
            [o.region for o in self.offers], {r: i for i, r in enumerate(regions)}
        )
        # The offer side of concept coverage: the weight of each offer's distinct concepts.
        self.offer_mass = np.array(
            [sum(self.concepts.weight(c) for c in a.concepts) for a in self.analyses]
        )
        self._partner_cache: dict[str | None, np.ndarray] = {}

    def _sphere_mask(self, doc: Doc, found: Analysis) -> int:
        if doc.sphere in self._sphere_ids:
            return 1 << self._sphere_ids[doc.sphere]
        mask = 0
        for code in found.concepts:
            for sphere in self.taxonomy.topics[code].spheres:
                if sphere in self._sphere_ids:
                    mask |= 1 << self._sphere_ids[sphere]
        return mask

    def _partners(self, region: str | None) -> np.ndarray:
        """Per offer: 1.0 when the need's and the offer's regions are partnered."""
        if region not in self._partner_cache:
            flags = np.array(
                [
                    1.0 if self.partnered and self.partnered(region, r) else 0.0
                    for r in self._regions
                ]
                + [0.0]
            )
            self._partner_cache[region] = flags[self.offer_region]  # -1 → the trailing 0.0
        return self._partner_cache[region]

    def scores(self, need: Doc) -> tuple[np.ndarray, Analysis]:
        """Scores in 0..1 of every offer for one need (unrounded), and the need's analysis."""
        found = self.taxonomy.analyze(need)
        if self.n == 0:
            return np.zeros(0), found
        topics = self.taxonomy.topics
        direct = {c: self.concepts.weight(c) * (1 + math.log(n)) for c, n in found.concepts.items()}
        related: dict[str, float] = {}
        for code in found.concepts:
            for other in self.taxonomy.related.get(code, ()):
                if other not in direct:
                    related[other] = max(
                        related.get(other, 0.0), RELATED * self.concepts.weight(other)
                    )
        text = np.zeros(self.n)
        if direct:
            level, _ = self.concepts.accumulate(direct)
            rel_level, _ = self.concepts.accumulate(related)
            need_side = np.minimum((level + rel_level) / sum(direct.values()), 1.0)
            # The offer side: what share of the offer's concepts the need names (or relates to).
            _, shared = self.concepts.accumulate({c: self.concepts.weight(c) for c in direct})
            _, rel_shared = self.concepts.accumulate(
                {c: RELATED * self.concepts.weight(c) for c in related}
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                offer_side = np.where(
                    self.offer_mass > 0, (shared + rel_shared) / self.offer_mass, 0.0
                )
            text = W_NEED_SIDE * need_side + (1 - W_NEED_SIDE) * np.minimum(offer_side, 1.0)
            # The need's focus: its most weighty concept(s) (title concepts count twice, rare
            # ones weigh more). An offer that covers the rest but not the focus (nor a topic
            # related to it) shares a setting with the need, not its object.
            top_value = max(direct.values())
            focus = [c for c, v in direct.items() if v >= top_value * (1 - 1e-9)]
            focus_terms = {c: 1.0 for c in focus}
            for c in focus:
                for other in self.taxonomy.related.get(c, ()):
                    if other not in focus_terms:
                        focus_terms[other] = RELATED
            covered, _ = self.concepts.accumulate(focus_terms)
            text = text * (FOCUS_MISS + (1 - FOCUS_MISS) * np.minimum(covered, 1.0))
        word_terms = {k: self.words.weight(k) * (1 + math.log(n)) for k, n in found.words.items()}
        if word_terms:
            level, _ = self.words.accumulate(word_terms)
            words = np.minimum(level / sum(word_terms.values()), 1.0)
            if direct:
                text = text + WORDS_LIFT * np.maximum(words - text, 0.0)
            else:
                text = WORDS_ONLY * words
        if direct:
            # How much of what the need's title says the taxonomy understood: title words no
            # concept explains are content no offer can be shown to cover across languages.
            # The same factor for every offer: it moves the score against the threshold, never
            # the order of the offers.
            mass = sum(direct.values())
            unexplained = sum(LOOSE * self.words.weight(k) for k in found.loose)
            text = text * (mass / (mass + unexplained))
        # Signals.
        sphere = np.zeros(self.n)
        need_sphere = self._sphere_ids.get(need.sphere or "", -1)
        need_mask = self._sphere_mask(need, found)
        if need_mask:
            sphere = np.where((self.offer_sphere_mask & need_mask) != 0, 0.5, 0.0)
            if need_sphere >= 0:
                sphere = np.where(self.offer_sphere == need_sphere, 1.0, sphere)
        suited = {t for c in found.concepts for t in topics[c].institution_types}
        inst = np.zeros(self.n)
        if suited:
            table = np.array([1.0 if t in suited else 0.0 for t in INSTITUTION_TYPES] + [0.0])
            inst = table[self.offer_inst]
        place = np.zeros(self.n)
        if need.region:
            same = (
                self.offer_region == self._regions.index(need.region)
                if need.region in self._regions
                else None
            )
            if same is not None:
                place = np.where(same, 0.5, 0.0)
            if self.partnered is not None:
                place = np.maximum(place, self._partners(need.region))
        # Signals corroborate what the texts say; they do not make a match on their own. A
        # hundredth of them orders the candidates that share nothing with the need.
        signals = W_SPHERE * sphere + W_INSTITUTION * inst + W_PLACE * place
        total = text * (W_TEXT + signals) + 0.01 * signals
        return np.clip(total, 0.0, 1.0), found

    def match(self, need: Doc, top: int = 10) -> Result:
        total, found = self.scores(need)
        if self.n == 0 or top <= 0:
            return Result(matches=[], no_good_match=True)
        k = min(top, self.n)
        rounded = np.round(total, 4)
        if k < self.n:
            part = np.argpartition(-rounded, k - 1)[:k]
            # Ties at the cut-off: argpartition picks arbitrarily; take the earliest offers.
            cut = rounded[part].min()
            above = np.flatnonzero(rounded > cut)
            at_cut = np.flatnonzero(rounded == cut)[: k - len(above)]
            chosen = np.concatenate([above, at_cut])
        else:
            chosen = np.arange(self.n)
        order = chosen[np.lexsort((chosen, -rounded[chosen]))]
        matches = [
            Suggestion(
                offer_id=self.offers[i].id,
                score=float(rounded[i]),
                reasons=self._reasons(need, found, int(i)),
            )
            for i in order
        ]
        return Result(matches=matches, no_good_match=not matches or matches[0].score < THRESHOLD)

    def match_many(self, needs: Sequence[Doc], top: int = 10) -> list[Result]:
        return [self.match(need, top=top) for need in needs]

    def _reasons(self, need: Doc, found: Analysis, i: int) -> tuple[Reason, ...]:
        offer, theirs = self.offers[i], self.analyses[i]
        weight = self.concepts.weight
        reasons: list[Reason] = []
        shared = sorted(set(found.concepts) & set(theirs.concepts), key=lambda c: (-weight(c), c))
        reasons += [Reason("topic", {"topic": c}) for c in shared[:3]]
        if len(shared) < 2:
            pairs = sorted(
                (
                    (a, b)
                    for a in found.concepts
                    for b in theirs.concepts
                    if a not in shared and b not in shared and b in self.taxonomy.related.get(a, ())
                ),
                key=lambda p: (-weight(p[1]), p),
            )
            reasons += [Reason("related", {"topic": a, "other": b}) for a, b in pairs[:1]]
        if need.sphere and need.sphere == offer.sphere and need.sphere in SPHERES:
            reasons.append(Reason("sphere", {"sphere": need.sphere}))
        if offer.institution_type in INSTITUTION_TYPES:
            suited = [
                c
                for c in found.concepts
                if offer.institution_type in self.taxonomy.topics[c].institution_types
            ]
            if suited:
                reasons.append(
                    Reason(
                        "institution_type",
                        {"institution_type": offer.institution_type, "topic": suited[0]},
                    )
                )
        if need.region and offer.region:
            if self.partnered is not None and self.partnered(need.region, offer.region):
                reasons.append(Reason("partnership", {"a": need.region, "b": offer.region}))
            elif need.region == offer.region:
                reasons.append(Reason("region", {"region": need.region}))
        words = sorted(
            set(found.words) & set(theirs.words), key=lambda k: (-self.words.weight(k), k)
        )
        if words:
            reasons.append(Reason("words", {"words": [theirs.shown.get(k, k) for k in words[:5]]}))
        return tuple(reasons)


def match_many(
    needs: Sequence[Doc],
    offers: Sequence[Doc],
    taxonomy: Taxonomy | None = None,
    top: int = 10,
    partnered: Callable[[str | None, str | None], bool] | None = None,
) -> list[Result]:
    """Match every need against the same offers (one index), results in the needs' order."""
    matcher = Matcher(offers, taxonomy or Taxonomy.load(), partnered=partnered)
    return matcher.match_many(needs, top=top)


_TEXTS = {
    "topic": ("both about {topic}", "спільна тема: {topic}"),
    "related": ("related topics: {topic} and {other}", "пов'язані теми: {topic} і {other}"),
    "sphere": ("same sphere: {sphere}", "та сама сфера: {sphere}"),
    "institution_type": (
        "type of institution suited to {topic}: {institution_type}",
        "тип установи, що підходить для теми «{topic}»: {institution_type}",
    ),
    "partnership": (
        "{a} and {b} are partner regions",
        "{a} і {b} — регіони-партнери",
    ),
    "region": ("same region: {region}", "той самий регіон: {region}"),
    "words": ("words in common: {words}", "спільні слова: {words}"),
}


def reason_text(reason: Reason, taxonomy: Taxonomy, lang: str) -> str:
    """A reason in the reader's language ("en" or "uk"); unknown codes are shown as they are."""
    lang = "uk" if lang == "uk" else "en"
    pos = 1 if lang == "uk" else 0
    params = reason.params if isinstance(reason.params, dict) else {}
    template = _TEXTS.get(reason.code)
    if template is None:
        return reason.code
    values: dict[str, str] = {}
    for key, value in params.items():
        if key in ("topic", "other"):
            values[key] = taxonomy.label(str(value), lang)
        elif key == "sphere":
            values[key] = SPHERES.get(str(value), (str(value), str(value)))[pos]
        elif key == "institution_type":
            values[key] = INSTITUTION_TYPES.get(str(value), (str(value), str(value)))[pos]
        elif key == "words" and isinstance(value, list):
            values[key] = ", ".join(str(v) for v in value)
        else:
            values[key] = str(value)
    for side in ("a", "b"):
        name = params.get(f"{side}_name_{lang}")
        if name:
            values[side] = str(name)
    try:
        return template[pos].format(**values)
    except (KeyError, IndexError):
        return reason.code
