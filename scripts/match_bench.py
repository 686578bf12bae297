"""Speed of the matcher: index 50,000 synthetic offers, then match 1,000 needs against them.

    .venv/bin/python scripts/match_bench.py [--offers 50000] [--needs 1000] [--seed 14]

Offers and needs are made from the shipped taxonomy's phrases (both languages) and filler words,
so they have the shape of real posts: a few topics each, some words in common with others.
Prints the time to build the index, p50/p95 of one need's top-10, and the total for all needs.
Targets (issue 14): under 100 ms per need, under 60 s for 1,000 × 50,000.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from regionbridge.matching.engine import Doc, Matcher, Taxonomy

FILLER_EN = (
    "our team partner region support project program local community city county state "
    "experience staff year month people group visit share help plan work new training "
    "equipment center hospital university school office network meeting"
).split()
FILLER_UK = (
    "наша команда партнер область підтримка проєкт програма місцевий громада місто район "
    "досвід персонал рік місяць люди група візит обмін допомога план робота новий навчання "
    "обладнання центр лікарня університет школа офіс мережа зустріч"
).split()
REGIONS = ["UA-18", "UA-46", "UA-12", "UA-32", "US-IN", "US-MN", "US-CA", "US-NY", "US-TX"]
INSTITUTIONS = ["hospital", "university", "school", "ngo", "rehabilitation", "business", None]


def make_doc(rng: random.Random, taxonomy: Taxonomy, n: int, prefix: str) -> Doc:
    language = rng.choice(("uk", "en"))
    topics = rng.sample(list(taxonomy.topics.values()), rng.randint(1, 3))
    filler = FILLER_UK if language == "uk" else FILLER_EN

    def phrase(topic) -> str:
        pool = (
            [topic.uk, *topic.synonyms_uk] if language == "uk" else [topic.en, *topic.synonyms_en]
        )
        return rng.choice(pool)

    title = " ".join([phrase(topics[0]), *rng.sample(filler, 2)])
    words = [phrase(t) for t in topics] + rng.sample(filler, rng.randint(8, 25))
    rng.shuffle(words)
    spheres = topics[0].spheres
    return Doc(
        id=f"{prefix}{n}",
        title=title,
        description=" ".join(words),
        language=language,
        sphere=rng.choice(spheres) if spheres and rng.random() < 0.7 else None,
        region=rng.choice(REGIONS),
        institution_type=rng.choice(INSTITUTIONS),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=50_000)
    parser.add_argument("--needs", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()

    rng = random.Random(args.seed)  # noqa: S311 (synthetic data, not secrets)
    taxonomy = Taxonomy.load()
    offers = [make_doc(rng, taxonomy, i, "o") for i in range(args.offers)]
    needs = [make_doc(rng, taxonomy, i, "n") for i in range(args.needs)]

    started = time.perf_counter()
    matcher = Matcher(offers, taxonomy, partnered=lambda a, b: (a or "")[:2] != (b or "")[:2])
    build = time.perf_counter() - started
    print(f"index of {args.offers:,} offers built in {build:.1f} s")

    times = []
    started = time.perf_counter()
    for need in needs:
        t0 = time.perf_counter()
        matcher.match(need, top=10)
        times.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - started
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"one need, top-10 over {args.offers:,} offers: p50 {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms"
    )
    print(
        f"{args.needs:,} needs × {args.offers:,} offers: {total:.1f} s matching, "
        f"{build + total:.1f} s with the index"
    )


if __name__ == "__main__":
    main()
