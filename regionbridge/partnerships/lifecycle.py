"""The partnership lifecycle: which event may follow which, and the stage each one leads to.

Pure functions over (kind, date, stage) so the rules are testable without a database and the
stage on any past date follows from the dated history alone.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    EXPLORING = "exploring", _("exploring")
    NEGOTIATING = "negotiating", _("negotiating")
    MEMORANDUM_SIGNED = "memorandum_signed", _("memorandum signed")
    AGREEMENT_SIGNED = "agreement_signed", _("agreement signed")
    DORMANT = "dormant", _("dormant")
    ENDED = "ended", _("ended")


SIGNED_STAGES = (Stage.MEMORANDUM_SIGNED, Stage.AGREEMENT_SIGNED)
# Still being worked out; one of these with no contact for STALLED_AFTER_DAYS has stalled (the
# desk and the oversight dashboard say so by the same rule).
OPEN_STAGES = (Stage.EXPLORING, Stage.NEGOTIATING)
STALLED_AFTER_DAYS = 60
_LEVEL = {Stage.MEMORANDUM_SIGNED: 1, Stage.AGREEMENT_SIGNED: 2}


class EventKind(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("first contact")
    NEGOTIATIONS_REPORTED = "reported_negotiating", _("negotiations reported")
    RENEWAL_TALKS = "renewal_talks", _("renewal talks")
    DRAFT_APPROVED = "draft_approved_by_ministry", _("draft approved by the ministry")
    SIGNED = "signed", _("signed")
    RESOLUTION = "resolution", _("resolution or proclamation")
    RENEWED = "renewed", _("renewed")
    WENT_DORMANT = "went_dormant", _("went dormant")
    REVIVED = "revived", _("revived")
    ENDED = "ended", _("ended")


# Which events may happen in each stage; None is "no history yet". Historical ties may enter
# the record at their signing (Cherkasy – Iowa, 1996) or with a legislature's resolution.
ALLOWED: dict[str | None, frozenset[EventKind]] = {
    None: frozenset(
        {
            EventKind.FIRST_CONTACT,
            EventKind.NEGOTIATIONS_REPORTED,
            EventKind.SIGNED,
            EventKind.RESOLUTION,
        }
    ),
    Stage.EXPLORING: frozenset(
        {
            EventKind.NEGOTIATIONS_REPORTED,
            EventKind.DRAFT_APPROVED,
            EventKind.SIGNED,
            EventKind.RESOLUTION,
            EventKind.WENT_DORMANT,
            EventKind.ENDED,
        }
    ),
    Stage.NEGOTIATING: frozenset(
        {
            EventKind.NEGOTIATIONS_REPORTED,
            EventKind.DRAFT_APPROVED,
            EventKind.SIGNED,
            EventKind.RESOLUTION,
            EventKind.RENEWED,
            EventKind.WENT_DORMANT,
            EventKind.ENDED,
        }
    ),
    Stage.MEMORANDUM_SIGNED: frozenset(
        {
            EventKind.NEGOTIATIONS_REPORTED,
            EventKind.RENEWAL_TALKS,
            EventKind.DRAFT_APPROVED,
            EventKind.SIGNED,
            EventKind.RESOLUTION,
            EventKind.RENEWED,
            EventKind.WENT_DORMANT,
            EventKind.ENDED,
        }
    ),
    Stage.AGREEMENT_SIGNED: frozenset(
        {
            EventKind.RENEWAL_TALKS,
            EventKind.DRAFT_APPROVED,
            EventKind.SIGNED,
            EventKind.RENEWED,
            EventKind.WENT_DORMANT,
            EventKind.ENDED,
        }
    ),
    Stage.DORMANT: frozenset(
        {
            EventKind.REVIVED,
            EventKind.RENEWAL_TALKS,
            EventKind.NEGOTIATIONS_REPORTED,
            EventKind.DRAFT_APPROVED,
            EventKind.SIGNED,
            EventKind.RENEWED,
            EventKind.ENDED,
        }
    ),
    Stage.ENDED: frozenset({EventKind.REVIVED}),
}

# Events that must say why (the service refuses them without a reason).
REASON_REQUIRED = frozenset({EventKind.WENT_DORMANT, EventKind.ENDED})


class LifecycleError(ValidationError):
    """An event that cannot follow the partnership's history; the message says why."""


@dataclass(frozen=True)
class Step:
    """One event of the history, as the rules need it."""

    kind: str
    on: date
    signed_stage: str = ""  # for signings, renewals, resolutions: the level the instrument reaches
    order: int = 0  # ties on one date keep the order they were recorded in


@dataclass(frozen=True)
class State:
    stage: str | None
    since: date | None
    before_pause: str | None = None  # the stage to return to when revived

    @property
    def label(self) -> str:
        return str(Stage(self.stage).label) if self.stage else ""


def _signed_level(current: str | None, reached: str) -> str:
    """Signing a lesser instrument never lowers a tie: an agreement stays an agreement."""
    if current in _LEVEL and _LEVEL[current] > _LEVEL[reached]:
        return current
    return reached


def next_state(state: State, step: Step) -> State:
    """The state after one more event, or LifecycleError with the reason."""
    if step.kind not in EventKind.values:
        raise LifecycleError(_("Unknown event: %(kind)s") % {"kind": step.kind})
    if step.kind not in ALLOWED[state.stage]:
        raise LifecycleError(
            _("“%(event)s” cannot follow the stage “%(stage)s”.")
            % {
                "event": EventKind(step.kind).label,
                "stage": Stage(state.stage).label if state.stage else _("no history"),
            }
        )
    kind = step.kind
    if kind == EventKind.FIRST_CONTACT:
        stage = Stage.EXPLORING
    elif kind in (EventKind.NEGOTIATIONS_REPORTED, EventKind.RENEWAL_TALKS):
        stage = Stage.NEGOTIATING
    elif kind == EventKind.DRAFT_APPROVED:
        # Clearance of a draft means talks are under way; it signs nothing by itself.
        resumed = state.stage in (Stage.EXPLORING, Stage.DORMANT)
        stage = Stage.NEGOTIATING if resumed else state.stage
    elif kind in (EventKind.SIGNED, EventKind.RESOLUTION, EventKind.RENEWED):
        reached = step.signed_stage or Stage.MEMORANDUM_SIGNED
        if reached not in SIGNED_STAGES:
            raise LifecycleError(_("A signing leads to a memorandum or an agreement."))
        stage = _signed_level(state.stage, reached)
    elif kind == EventKind.WENT_DORMANT:
        return State(Stage.DORMANT, step.on, before_pause=state.stage)
    elif kind == EventKind.REVIVED:
        stage = state.before_pause if state.stage == Stage.DORMANT else Stage.EXPLORING
        stage = stage or Stage.EXPLORING
    else:  # ended
        return State(Stage.ENDED, step.on, before_pause=state.stage)
    since = state.since if stage == state.stage else step.on
    return State(stage, since)


def replay(steps: Iterable[Step]) -> list[State]:
    """The state after each event, events taken in date order (then recording order)."""
    state = State(None, None)
    states = []
    for step in sorted(steps, key=lambda s: (s.on, s.order)):
        state = next_state(state, step)
        states.append(state)
    return states


def state_on(steps: Sequence[Step], day: date) -> State:
    """The partnership's stage on `day`: what its history up to that day adds up to."""
    states = replay(s for s in steps if s.on <= day)
    return states[-1] if states else State(None, None)
