"""The bilingual topic taxonomy in the database: its rows, its numbered versions, its file.

The taxonomy ships as `data/taxonomy.json` (the format `engine.Taxonomy.from_dict` reads and
`regionbridge match --taxonomy FILE` takes). Coordinators edit it in the product: each edit
(a topic created, changed or deleted) rewrites the `Topic` rows and writes the next
`TaxonomyVersion` with the whole file it produced, so any version can be read back, exported or
diffed, and the matcher always reads one consistent file. Until the first load or edit there
is no version and `current()` is the shipped file.
"""

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.audit.services import audit_record
from regionbridge.lib.i18n import has_bidi_controls
from regionbridge.matching import engine
from regionbridge.matching.models import TaxonomyVersion, Topic
from regionbridge.organizations.models import InstitutionType
from regionbridge.partnerships.models import Sphere
from regionbridge.partnerships.services import SPHERES

SHIPPED = Path(__file__).resolve().parent / "data" / "taxonomy.json"

CODE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,58}[a-z0-9])?$")
CODE_MAX = 60
LABEL_MAX = 200
SYNONYMS_MAX = 100  # per topic and language
SYNONYM_MAX = 200  # characters of one synonym
RELATED_MAX = 50
TOPICS_MAX = 5000  # a file of more is not a taxonomy
NOTE_MAX = 300
LANGUAGES = ("uk", "en")


class TaxonomyError(ValidationError):
    """A file or an edit the taxonomy refuses; `message_dict` by field where it is an edit."""


# --- reading --------------------------------------------------------------------------------


def shipped_data() -> dict[str, Any]:
    with SHIPPED.open(encoding="utf-8") as handle:
        return json.load(handle)


def latest() -> TaxonomyVersion | None:
    return TaxonomyVersion.objects.order_by("-number").first()


def export() -> dict[str, Any]:
    """The current taxonomy in the file format: the latest version's snapshot, or the shipped
    file while nothing is loaded."""
    version = latest()
    return version.snapshot if version is not None else shipped_data()


# The engine's taxonomy of the latest version, kept per process: building it reads every term.
_cache: dict[str, Any] = {"number": None, "taxonomy": None}


def current() -> engine.Taxonomy:
    """The engine `Taxonomy` the matcher uses: the latest version's file, or the shipped one.
    One small query when the process already holds the latest version."""
    number = TaxonomyVersion.objects.order_by("-number").values_list("number", flat=True).first()
    if _cache["taxonomy"] is None or _cache["number"] != number:
        data = (
            TaxonomyVersion.objects.get(number=number).snapshot
            if number is not None
            else shipped_data()
        )
        _cache.update(number=number, taxonomy=engine.Taxonomy.from_dict(data))
    return _cache["taxonomy"]


def topic_entry(topic: Topic) -> dict[str, Any]:
    """One topic as the file writes it."""
    return {
        "code": topic.code,
        "uk": topic.label_uk,
        "en": topic.label_en,
        "synonyms": {"uk": split_lines(topic.synonyms_uk), "en": split_lines(topic.synonyms_en)},
        "related": list(topic.related),
        "spheres": list(topic.spheres),
        "institution_types": list(topic.institution_types),
    }


def snapshot(number: int) -> dict[str, Any]:
    return {"version": number, "topics": [topic_entry(t) for t in Topic.objects.order_by("code")]}


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def topic_search(queryset: Any, query: str) -> Any:
    """Topics whose code, labels or synonyms contain `query`. SQLite folds only ASCII case, so
    the usual lower-case and capitalized spellings of a Cyrillic query are tried as well."""
    from django.db.models import Q

    query = " ".join(query.split())[:200]
    if not query:
        return queryset
    condition = Q()
    for form in {query, query.lower(), query[:1].upper() + query[1:].lower()}:
        for field in ("code", "label_uk", "label_en", "synonyms_uk", "synonyms_en"):
            condition |= Q(**{f"{field}__icontains": form})
    return queryset.filter(condition)


# --- checking -------------------------------------------------------------------------------


def _terms(raw: Any, field: str, errors: dict[str, list[str]]) -> list[str]:
    """Synonyms as a list (from lines or a JSON list), trimmed, without repeats (by case)."""
    items = split_lines(raw) if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        errors.setdefault(field, []).append(_("Synonyms must be a list of words or phrases."))
        return []
    kept: list[str] = []
    seen: set[str] = set()
    for item in items:
        term = " ".join(item.split())
        if not term or term.casefold() in seen:
            continue
        seen.add(term.casefold())
        kept.append(term)
    if len(kept) > SYNONYMS_MAX:
        errors.setdefault(field, []).append(
            _("At most %(limit)s synonyms in each language.") % {"limit": SYNONYMS_MAX}
        )
    if any(len(term) > SYNONYM_MAX for term in kept):
        errors.setdefault(field, []).append(
            _("A synonym is at most %(limit)s characters long.") % {"limit": SYNONYM_MAX}
        )
    if any(has_bidi_controls(term) for term in kept):
        errors.setdefault(field, []).append(
            _("Remove the characters that change the direction of the text.")
        )
    return kept


def _codes(raw: Any, field: str, known: set[str], errors: dict[str, list[str]]) -> list[str]:
    """A list of codes (from a JSON list or text separated by commas or spaces), each known."""
    items = re.split(r"[\s,;]+", raw) if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        errors.setdefault(field, []).append(_("Give a list of codes."))
        return []
    codes = list(dict.fromkeys(item.strip().lower() for item in items if item.strip()))
    unknown = [code for code in codes if code not in known]
    if unknown:
        shown = ", ".join(code[:CODE_MAX] for code in unknown[:5])
        errors.setdefault(field, []).append(_("Unknown codes: %(codes)s.") % {"codes": shown})
    if len(codes) > RELATED_MAX:
        errors.setdefault(field, []).append(_("At most %(limit)s codes.") % {"limit": RELATED_MAX})
    return codes


def check_topic(
    data: dict[str, Any], *, topic_codes: set[str], sphere_codes: set[str]
) -> dict[str, Any]:
    """One topic's fields checked and normalized (the file's shape), or TaxonomyError with the
    problems by field. `topic_codes` are the codes related topics may name (its own included)."""
    errors: dict[str, list[str]] = {}
    code = data.get("code")
    if not isinstance(code, str) or not CODE.match(code):
        errors["code"] = [
            _(
                "A code is 1 to %(limit)s small Latin letters, digits, hyphens or underscores, "
                "e.g. upper-limb-prosthetics."
            )
            % {"limit": CODE_MAX}
        ]
    labels = {}
    for language in LANGUAGES:
        label = data.get(language)
        label = " ".join(label.split()) if isinstance(label, str) else ""
        if not label:
            errors[language] = [
                _("Enter the Ukrainian label.")
                if language == "uk"
                else _("Enter the English label.")
            ]
        elif len(label) > LABEL_MAX:
            errors[language] = [_("At most %(limit)s characters.") % {"limit": LABEL_MAX}]
        elif has_bidi_controls(label):
            errors[language] = [_("Remove the characters that change the direction of the text.")]
        labels[language] = label
    synonyms = data.get("synonyms") or {}
    if not isinstance(synonyms, dict):
        errors["synonyms_uk"] = [_("Synonyms must be a list of words or phrases.")]
        synonyms = {}
    terms = {
        language: _terms(synonyms.get(language) or [], f"synonyms_{language}", errors)
        for language in LANGUAGES
    }
    related = _codes(data.get("related") or [], "related", topic_codes, errors)
    if isinstance(code, str) and code in related:
        errors.setdefault("related", []).append(_("A topic cannot be related to itself."))
    spheres = _codes(data.get("spheres") or [], "spheres", sphere_codes, errors)
    types = _codes(
        data.get("institution_types") or [],
        "institution_types",
        set(InstitutionType.values),
        errors,
    )
    if errors:
        raise TaxonomyError(errors)
    return {
        "code": code,
        "uk": labels["uk"],
        "en": labels["en"],
        "synonyms": terms,
        "related": related,
        "spheres": spheres,
        "institution_types": types,
    }


def check_file(data: Any) -> list[dict[str, Any]]:
    """A whole file checked: its topics normalized, or TaxonomyError naming each problem
    with its topic's code (or position)."""
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        raise TaxonomyError(_("A taxonomy file is a JSON object with a list of topics."))
    raw = data["topics"]
    if len(raw) > TOPICS_MAX:
        raise TaxonomyError(_("At most %(limit)s topics.") % {"limit": TOPICS_MAX})
    codes = [entry.get("code") for entry in raw if isinstance(entry, dict)]
    known = {code for code in codes if isinstance(code, str)}
    spheres = sphere_codes()
    problems: list[str] = []
    topics: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw, start=1):
        where = str(entry.get("code"))[:CODE_MAX] if isinstance(entry, dict) else f"#{index}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: " + _("a topic is a JSON object."))
            continue
        try:
            topic = check_topic(entry, topic_codes=known, sphere_codes=spheres)
        except TaxonomyError as exc:
            for field, messages in exc.message_dict.items():
                problems.extend(f"{where} ({field}): {message}" for message in messages)
            continue
        if topic["code"] in seen:
            problems.append(f"{where}: " + _("the code is used twice."))
        seen.add(topic["code"])
        topics.append(topic)
    if problems:
        raise TaxonomyError(problems)
    return topics


# --- writing --------------------------------------------------------------------------------


def _row(entry: dict[str, Any], topic: Topic | None = None) -> Topic:
    topic = topic or Topic(code=entry["code"])
    topic.label_uk, topic.label_en = entry["uk"], entry["en"]
    topic.synonyms_uk = "\n".join(entry["synonyms"]["uk"])
    topic.synonyms_en = "\n".join(entry["synonyms"]["en"])
    topic.related = entry["related"]
    topic.spheres = entry["spheres"]
    topic.institution_types = entry["institution_types"]
    return topic


def file_rows(data: dict[str, Any]) -> list[Topic]:
    """A file's topics as unsaved rows, to show (not checked: the shipped file is read as is)."""
    rows = []
    for entry in data.get("topics") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
            continue
        synonyms = entry.get("synonyms") if isinstance(entry.get("synonyms"), dict) else {}
        rows.append(
            Topic(
                code=entry["code"],
                label_uk=str(entry.get("uk") or ""),
                label_en=str(entry.get("en") or ""),
                synonyms_uk="\n".join(str(t) for t in synonyms.get("uk") or []),
                synonyms_en="\n".join(str(t) for t in synonyms.get("en") or []),
                related=list(entry.get("related") or []),
                spheres=list(entry.get("spheres") or []),
                institution_types=list(entry.get("institution_types") or []),
            )
        )
    return rows


def _next_version(*, by: Any, note: str) -> TaxonomyVersion:
    """The next numbered version with the whole file the rows now make. The lock on the last
    version keeps two coordinators' edits from taking the same number."""
    last = TaxonomyVersion.objects.select_for_update().order_by("-number").first()
    number = (last.number if last else 0) + 1
    return TaxonomyVersion.objects.create(
        number=number, snapshot=snapshot(number), note=note[:NOTE_MAX], by=by
    )


def _ensure_rows() -> None:
    """The rows exist before the first edit: the shipped file becomes version 1."""
    if not TaxonomyVersion.objects.exists():
        _replace(check_file(shipped_data()))
        _next_version(by=None, note="Shipped file")


def _replace(topics: Sequence[dict[str, Any]]) -> None:
    Topic.objects.all().delete()
    Topic.objects.bulk_create(_row(entry) for entry in topics)


def _same(topics: Iterable[dict[str, Any]], version: TaxonomyVersion | None) -> bool:
    if version is None:
        return False
    return sorted(topics, key=lambda t: t["code"]) == version.snapshot.get("topics")


@transaction.atomic
def taxonomy_load(*, by: Any = None, data: Any = None, note: str = "") -> TaxonomyVersion | None:
    """A whole file (by default the shipped one) as the next version, replacing the rows.
    Refused whole if any topic is wrong; nothing happens (None) if it equals the latest."""
    policy.require(by, policy.Action.TAXONOMY_EDIT)
    topics = check_file(shipped_data() if data is None else data)
    if _same(topics, latest()):
        return None
    _replace(topics)
    version = _next_version(by=by, note=note or "Loaded from a file")
    audit_record(
        actor=by,
        action="taxonomy.loaded",
        target=version,
        changes={"version": version.number, "topics": len(topics)},
    )
    return version


def sphere_codes() -> set[str]:
    """The spheres a topic may name: those in the database and the standard ones (which
    `spheres_load` puts there), so that the shipped file reads before reference data is loaded."""
    return set(Sphere.objects.values_list("code", flat=True)) | {code for code, *_ in SPHERES}


def _known() -> tuple[set[str], set[str]]:
    return set(Topic.objects.values_list("code", flat=True)), sphere_codes()


@transaction.atomic
def topic_create(*, by: Any, data: dict[str, Any], note: str = "") -> Topic:
    """A new topic (its code unused) and the version it makes."""
    policy.require(by, policy.Action.TAXONOMY_EDIT)
    _ensure_rows()
    codes, spheres = _known()
    code = data.get("code")
    if code in codes:
        raise TaxonomyError({"code": [_("A topic with this code already exists.")]})
    entry = check_topic(data, topic_codes=codes | {code}, sphere_codes=spheres)
    topic = _row(entry)
    topic.save()
    version = _next_version(by=by, note=note or f"Added {topic.code}")
    audit_record(
        actor=by, action="taxonomy.topic_created", target=topic, changes={"version": version.number}
    )
    return topic


@transaction.atomic
def topic_update(*, by: Any, topic: Topic, data: dict[str, Any], note: str = "") -> Topic:
    """A topic's labels, synonyms, related topics, spheres and types; its code stays (posts and
    other topics name it). Nothing is written if nothing changed."""
    policy.require(by, policy.Action.TAXONOMY_EDIT)
    _ensure_rows()
    topic = Topic.objects.select_for_update().get(code=topic.code)
    codes, spheres = _known()
    entry = check_topic({**data, "code": topic.code}, topic_codes=codes, sphere_codes=spheres)
    before = topic_entry(topic)
    if entry == before:
        return topic
    _row(entry, topic).save()
    version = _next_version(by=by, note=note or f"Changed {topic.code}")
    changed = sorted(key for key in entry if entry[key] != before[key])
    audit_record(
        actor=by,
        action="taxonomy.topic_changed",
        target=topic,
        changes={"version": version.number, "fields": ", ".join(changed)},
    )
    return topic


@transaction.atomic
def topic_delete(*, by: Any, topic: Topic, note: str = "") -> TaxonomyVersion:
    """A topic goes, and with it the other topics' links to it (in the same version)."""
    policy.require(by, policy.Action.TAXONOMY_EDIT)
    _ensure_rows()
    topic = Topic.objects.select_for_update().get(code=topic.code)
    code = topic.code
    for other in Topic.objects.exclude(pk=topic.pk):
        if code in other.related:
            other.related = [c for c in other.related if c != code]
            other.save(update_fields=["related"])
    audit_record(actor=by, action="taxonomy.topic_deleted", target=topic)
    topic.delete()
    return _next_version(by=by, note=note or f"Deleted {code}")
