"""What kind of instrument an event of a partnership is: a memorandum, an agreement, a
legislature's resolution, a governor's proclamation…

The registry used to label every signed tie by its stage ("memorandum signed"), so a state
senate's resolution read as a memorandum. A signing recorded with its document carries the
document's kind; the shipped facts (and events recorded by hand) say it only in the instrument's
title ("State Senate and Assembly resolutions", "Sister State Agreement"), so the kind is read
from that title here, in one place, tested over every shipped fact.
"""

import re
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from regionbridge.partnerships.lifecycle import EventKind
from regionbridge.partnerships.models import InstrumentKind


class Instrument(models.TextChoices):
    """The kinds the public registry names (a legislature's resolution and a proclamation apart,
    which `InstrumentKind.RESOLUTION` keeps together)."""

    MEMORANDUM = "memorandum", _("Memorandum")
    AGREEMENT = "agreement", _("Agreement")
    LETTER_OF_INTENT = "letter_of_intent", _("Letter of intent")
    RESOLUTION = "resolution", _("Resolution")
    PROCLAMATION = "proclamation", _("Proclamation")
    ACTION_PLAN = "action_plan", _("Action plan")
    PROTOCOL = "protocol", _("Protocol")


# The words of a title that name its kind, in English and Ukrainian (stems, lower case).
_WORDS: tuple[tuple[Instrument, str], ...] = (
    (Instrument.LETTER_OF_INTENT, r"letters? of intent|лист\w* про наміри"),
    (Instrument.MEMORANDUM, r"memorand|меморандум"),
    (Instrument.AGREEMENT, r"agreement|sister[- ]state|sister[- ]region|угод|договір|побратим"),
    (Instrument.PROCLAMATION, r"proclamation|проголошенн|прокламаці"),
    (Instrument.RESOLUTION, r"resolution|резолюці"),
    (Instrument.ACTION_PLAN, r"action plan|road ?map|план\w* дій|дорожн\w+ карт"),
    (Instrument.PROTOCOL, r"protocol|протокол"),
)
_PATTERN = re.compile("|".join(f"(?P<{kind.value}>{words})" for kind, words in _WORDS), re.I)
_LEGISLATIVE = (Instrument.PROCLAMATION, Instrument.RESOLUTION)
_STORED = {
    InstrumentKind.MEMORANDUM: Instrument.MEMORANDUM,
    InstrumentKind.LETTER_OF_INTENT: Instrument.LETTER_OF_INTENT,
    InstrumentKind.SISTER_STATE: Instrument.AGREEMENT,
    InstrumentKind.COOPERATION_AGREEMENT: Instrument.AGREEMENT,
    InstrumentKind.ACTION_PLAN: Instrument.ACTION_PLAN,
    InstrumentKind.PROTOCOL: Instrument.PROTOCOL,
}


def _named(title: str) -> list[Instrument]:
    """The kinds `title` names, in the order it names them, each once."""
    found: list[Instrument] = []
    for match in _PATTERN.finditer(title):
        kind = Instrument(str(match.lastgroup))
        if kind not in found:
            found.append(kind)
    return found


def instrument_kinds(*, event_kind: str, title: str, document_kind: str = "") -> list[Instrument]:
    """The kinds of the instrument of one event, [] when neither the record nor its title says.

    A resolution event (or a document of the resolution kind) is a resolution, a proclamation or
    both, as its title says ("Lieutenant Governor's proclamation and state legislature
    resolution"). Otherwise a stored document kind decides, then the first kind the title names
    (its head noun: "Memorandum of Cooperation (sister-region memorandum planned next)")."""
    named = _named(title)
    if event_kind == EventKind.RESOLUTION or document_kind == InstrumentKind.RESOLUTION:
        return [kind for kind in named if kind in _LEGISLATIVE] or [Instrument.RESOLUTION]
    if document_kind in _STORED:
        return [_STORED[InstrumentKind(document_kind)]]
    return named[:1]


def _title_of(event: Any) -> str:
    """The instrument's title in every language the record has it in."""
    titles = [getattr(event, field, "") for field in ("instrument_en", "instrument_uk")]
    if not any(titles):
        titles = [getattr(event, "instrument", "")]
    return " ".join(str(title) for title in titles if title)


def event_instrument_kinds(event: Any) -> list[Instrument]:
    """`instrument_kinds` of a `PartnershipEvent` (its document selected with it, if any)."""
    document = event.document if event.document_id else None
    return instrument_kinds(
        event_kind=event.kind,
        title=_title_of(event),
        document_kind=document.kind if document is not None else "",
    )
