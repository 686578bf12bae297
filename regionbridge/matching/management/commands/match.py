"""`regionbridge match --needs FILE --offers FILE`: the stable batch interface to the matcher.

Reads JSON Lines, prints one JSON line per need in input order. It touches no database and reads
nothing from the network; the partnership signal is the product's and is not used here.

Bad input is refused as a whole: every file is read and checked first, and if any line is wrong
(not JSON, not an object, no id, no title, an unknown language, a field of the wrong type) the
command prints nothing on stdout, names each bad line (up to 20) on stderr and exits with 2.
Blank lines are skipped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from regionbridge.matching import engine

MAX_ERRORS = 20
MAX_TOP = 1000


def _read(path: str, label: str, errors: list[str]) -> list[tuple[Any, engine.Doc]]:
    """(id as given, Doc) per record; problems go to `errors` as "file line n: …"."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CommandError(f"{label}: {path}: no such file", returncode=2) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{label}: {path}: cannot read ({exc})", returncode=2) from None
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: not valid JSON ({exc.msg})")
            continue
        problem = _problem(raw)
        if problem:
            errors.append(f"{where}: {problem}")
            continue
        description = raw.get("description") or ""
        language = raw.get("language") or engine.detect_language(f"{raw['title']} {description}")
        doc = engine.Doc(
            id=str(len(records)),
            title=raw["title"],
            description=description,
            language=language,
            sphere=raw.get("sphere") or None,
            region=(raw.get("region") or "").upper() or None,
            institution_type=raw.get("institution_type") or None,
            topics=tuple(raw.get("topics") or ()),
        )
        records.append((raw["id"], doc))
    return records


def _problem(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return "expected a JSON object"
    if "id" not in raw or raw["id"] is None or isinstance(raw["id"], dict | list):
        return 'an "id" (a string or a number) is required'
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        return 'a non-empty "title" is required'
    for key in ("description", "sphere", "region", "institution_type"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            return f'"{key}" must be a string or null'
    language = raw.get("language")
    if language is not None and language not in ("uk", "en"):
        return f'unknown language {language!r}: use "uk" or "en" (or leave it out)'
    topics = raw.get("topics")
    if topics is not None and (
        not isinstance(topics, list) or not all(isinstance(t, str) for t in topics)
    ):
        return '"topics" must be a list of topic codes'
    return None


class Command(BaseCommand):
    help = (
        "Match needs against offers (JSON Lines in, one JSON line per need out). "
        "No database, no network."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--needs", required=True, help="JSON Lines file of needs")
        parser.add_argument("--offers", required=True, help="JSON Lines file of offers")
        parser.add_argument(
            "--top", type=int, default=10, help=f"matches per need, 1..{MAX_TOP} (default 10)"
        )
        parser.add_argument(
            "--lang", choices=["en", "uk"], default="en", help="language of the reasons"
        )
        parser.add_argument("--taxonomy", help="taxonomy JSON file (default: the shipped one)")

    def handle(self, *args, needs, offers, top, lang, taxonomy, **options):
        if not 1 <= top <= MAX_TOP:
            raise CommandError(f"--top must be between 1 and {MAX_TOP}", returncode=2)
        try:
            tax = engine.Taxonomy.load(taxonomy)
        except engine.TaxonomyError as exc:
            raise CommandError(f"--taxonomy: {exc}", returncode=2) from None
        errors: list[str] = []
        need_records = _read(needs, "--needs", errors)
        offer_records = _read(offers, "--offers", errors)
        if errors:
            shown = errors[:MAX_ERRORS]
            more = len(errors) - len(shown)
            if more:
                shown.append(f"… and {more} more")
            raise CommandError("bad input, nothing matched:\n" + "\n".join(shown), returncode=2)
        matcher = engine.Matcher([doc for _, doc in offer_records], tax)
        offer_ids = [given for given, _ in offer_records]
        for given, doc in need_records:
            result = matcher.match(doc, top=top)
            line = {
                "need_id": given,
                "matches": [
                    {
                        "offer_id": offer_ids[int(s.offer_id)],
                        "score": round(s.score, 4),
                        "reasons": [engine.reason_text(r, tax, lang) for r in s.reasons],
                    }
                    for s in result.matches
                ],
                "no_good_match": result.no_good_match,
            }
            self.stdout.write(json.dumps(line, ensure_ascii=False))
