"""The partnership lifecycle as pure rules: no database, only (kind, date, stage)."""

from datetime import date

import pytest
from django.utils import translation

from regionbridge.partnerships.lifecycle import (
    ALLOWED,
    EventKind,
    LifecycleError,
    Stage,
    State,
    Step,
    next_state,
    replay,
    state_on,
)

STAGES = [None, *Stage.values]
KINDS = EventKind.values
DAY = date(2024, 1, 10)
LATER = date(2024, 6, 1)


def state_in(stage: str | None) -> State:
    """A state to start from; a dormant tie remembers it was negotiating."""
    if stage is None:
        return State(None, None)
    return State(stage, DAY, before_pause=Stage.NEGOTIATING if stage == Stage.DORMANT else None)


def message(error: LifecycleError) -> str:
    return " ".join(error.messages)


# The stage each allowed event leads to (a signing here reaches the default level, a memorandum).
LEADS_TO = {
    None: {
        "first_contact": Stage.EXPLORING,
        "reported_negotiating": Stage.NEGOTIATING,
        "signed": Stage.MEMORANDUM_SIGNED,
        "resolution": Stage.MEMORANDUM_SIGNED,
    },
    Stage.EXPLORING: {
        "reported_negotiating": Stage.NEGOTIATING,
        "draft_approved_by_ministry": Stage.NEGOTIATING,
        "signed": Stage.MEMORANDUM_SIGNED,
        "resolution": Stage.MEMORANDUM_SIGNED,
        "went_dormant": Stage.DORMANT,
        "ended": Stage.ENDED,
    },
    Stage.NEGOTIATING: {
        "reported_negotiating": Stage.NEGOTIATING,
        "draft_approved_by_ministry": Stage.NEGOTIATING,
        "signed": Stage.MEMORANDUM_SIGNED,
        "resolution": Stage.MEMORANDUM_SIGNED,
        "renewed": Stage.MEMORANDUM_SIGNED,
        "went_dormant": Stage.DORMANT,
        "ended": Stage.ENDED,
    },
    Stage.MEMORANDUM_SIGNED: {
        "reported_negotiating": Stage.NEGOTIATING,
        "renewal_talks": Stage.NEGOTIATING,
        "draft_approved_by_ministry": Stage.MEMORANDUM_SIGNED,
        "signed": Stage.MEMORANDUM_SIGNED,
        "resolution": Stage.MEMORANDUM_SIGNED,
        "renewed": Stage.MEMORANDUM_SIGNED,
        "went_dormant": Stage.DORMANT,
        "ended": Stage.ENDED,
    },
    Stage.AGREEMENT_SIGNED: {
        "renewal_talks": Stage.NEGOTIATING,
        "draft_approved_by_ministry": Stage.AGREEMENT_SIGNED,
        "signed": Stage.AGREEMENT_SIGNED,  # a memorandum never lowers an agreement
        "renewed": Stage.AGREEMENT_SIGNED,
        "went_dormant": Stage.DORMANT,
        "ended": Stage.ENDED,
    },
    Stage.DORMANT: {
        "revived": Stage.NEGOTIATING,  # back to the stage before the pause
        "renewal_talks": Stage.NEGOTIATING,
        "reported_negotiating": Stage.NEGOTIATING,
        "draft_approved_by_ministry": Stage.NEGOTIATING,  # clearance means talks resumed
        "signed": Stage.MEMORANDUM_SIGNED,
        "renewed": Stage.MEMORANDUM_SIGNED,
        "ended": Stage.ENDED,
    },
    Stage.ENDED: {"revived": Stage.EXPLORING},
}


def test_expected_table_matches_allowed():
    """The table above and lifecycle.ALLOWED agree on what may follow what."""
    assert set(ALLOWED) == set(STAGES)
    for stage in STAGES:
        assert set(ALLOWED[stage]) == set(LEADS_TO[stage]), stage
        assert set(ALLOWED[stage]) <= set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s or "no-history")
def test_grid(stage, kind):
    before = state_in(stage)
    step = Step(kind=kind, on=LATER)
    if kind in ALLOWED[stage]:
        after = next_state(before, step)
        assert after.stage == LEADS_TO[stage][kind]
        if after.stage == before.stage:
            assert after.since == before.since  # the stage did not change: nor does its date
        else:
            assert after.since == LATER
    else:
        with translation.override("en"):
            with pytest.raises(LifecycleError) as caught:
                next_state(before, step)
            event_label = str(EventKind(kind).label)
            stage_label = str(Stage(stage).label) if stage else "no history"
        assert message(caught.value) == f"“{event_label}” cannot follow the stage “{stage_label}”."


def test_ended_only_allows_revived():
    assert ALLOWED[Stage.ENDED] == frozenset({"revived"})
    ended = replay([Step("first_contact", DAY), Step("ended", LATER)])[-1]
    assert ended.stage == Stage.ENDED
    for kind in set(KINDS) - {"revived"}:
        with pytest.raises(LifecycleError):
            next_state(ended, Step(kind, date(2024, 7, 1)))
    revived = next_state(ended, Step("revived", date(2024, 7, 1)))
    assert revived == State(Stage.EXPLORING, date(2024, 7, 1))


def test_a_history_starts_only_with_contact_talks_a_signing_or_a_resolution():
    assert ALLOWED[None] == frozenset(
        {"first_contact", "reported_negotiating", "signed", "resolution"}
    )
    with pytest.raises(LifecycleError), translation.override("en"):
        replay([Step("went_dormant", DAY)])


def test_signing_a_cooperation_agreement_leads_to_agreement_signed():
    states = replay(
        [
            Step("first_contact", date(2024, 1, 1)),
            Step("reported_negotiating", date(2024, 3, 1)),
            Step("signed", date(2024, 9, 22), signed_stage=Stage.AGREEMENT_SIGNED),
        ]
    )
    assert [s.stage for s in states] == [
        Stage.EXPLORING,
        Stage.NEGOTIATING,
        Stage.AGREEMENT_SIGNED,
    ]
    assert states[-1].since == date(2024, 9, 22)


def test_a_memorandum_after_an_agreement_keeps_agreement_signed():
    states = replay(
        [
            Step("signed", date(2020, 5, 1), signed_stage=Stage.AGREEMENT_SIGNED),
            Step("signed", date(2023, 5, 1), signed_stage=Stage.MEMORANDUM_SIGNED),
            Step("renewed", date(2023, 6, 1), signed_stage=Stage.MEMORANDUM_SIGNED),
        ]
    )
    assert [s.stage for s in states] == [Stage.AGREEMENT_SIGNED] * 3
    assert states[-1].since == date(2020, 5, 1)


def test_an_agreement_after_a_memorandum_raises_the_stage():
    states = replay(
        [
            Step("signed", date(2020, 5, 1)),
            Step("signed", date(2023, 5, 1), signed_stage=Stage.AGREEMENT_SIGNED),
        ]
    )
    assert states[0] == State(Stage.MEMORANDUM_SIGNED, date(2020, 5, 1))
    assert states[1] == State(Stage.AGREEMENT_SIGNED, date(2023, 5, 1))


@pytest.mark.parametrize(
    "history",
    [
        [Step("first_contact", date(2020, 1, 1))],
        [Step("reported_negotiating", date(2020, 1, 1))],
        [Step("signed", date(2020, 1, 1))],
        [Step("signed", date(2020, 1, 1), signed_stage=Stage.AGREEMENT_SIGNED)],
    ],
    ids=["exploring", "negotiating", "memorandum", "agreement"],
)
def test_dormant_then_revived_returns_to_the_prior_stage(history):
    prior = replay(history)[-1]
    states = replay(
        [*history, Step("went_dormant", date(2021, 1, 1)), Step("revived", date(2022, 1, 1))]
    )
    dormant, revived = states[-2:]
    assert dormant.stage == Stage.DORMANT
    assert dormant.since == date(2021, 1, 1)
    assert dormant.before_pause == prior.stage
    assert revived.stage == prior.stage
    assert revived.since == date(2022, 1, 1)
    assert revived.before_pause is None


def test_a_dormant_tie_cannot_go_dormant_again_nor_be_revived_when_active():
    dormant = replay([Step("signed", DAY), Step("went_dormant", LATER)])[-1]
    with pytest.raises(LifecycleError):
        next_state(dormant, Step("went_dormant", date(2024, 7, 1)))
    active = replay([Step("signed", DAY)])[-1]
    with pytest.raises(LifecycleError) as caught, translation.override("en"):
        next_state(active, Step("revived", LATER))
    assert message(caught.value) == "“revived” cannot follow the stage “memorandum signed”."


def test_draft_approval_moves_exploring_to_negotiating_and_signs_nothing():
    exploring = State(Stage.EXPLORING, DAY)
    assert next_state(exploring, Step("draft_approved_by_ministry", LATER)) == State(
        Stage.NEGOTIATING, LATER
    )
    negotiating = State(Stage.NEGOTIATING, DAY)
    assert next_state(negotiating, Step("draft_approved_by_ministry", LATER)) == negotiating
    signed = State(Stage.MEMORANDUM_SIGNED, DAY)
    assert next_state(signed, Step("draft_approved_by_ministry", LATER)) == signed


def test_renewal_talks_reopen_negotiations_and_a_renewal_signs_again():
    states = replay(
        [
            Step("signed", date(1996, 5, 15)),
            Step("renewal_talks", date(2024, 10, 1)),
            Step("draft_approved_by_ministry", date(2026, 2, 23)),
            Step("renewed", date(2026, 6, 1), signed_stage=Stage.AGREEMENT_SIGNED),
        ]
    )
    assert [(s.stage, s.since) for s in states] == [
        (Stage.MEMORANDUM_SIGNED, date(1996, 5, 15)),
        (Stage.NEGOTIATING, date(2024, 10, 1)),
        (Stage.NEGOTIATING, date(2024, 10, 1)),
        (Stage.AGREEMENT_SIGNED, date(2026, 6, 1)),
    ]


def test_unknown_event_is_refused_with_its_name():
    with pytest.raises(LifecycleError) as caught, translation.override("en"):
        next_state(State(None, None), Step("teleported", DAY))
    assert message(caught.value) == "Unknown event: teleported"


@pytest.mark.parametrize("kind", ["signed", "resolution", "renewed"])
def test_a_signing_must_reach_a_memorandum_or_an_agreement(kind):
    start = State(Stage.NEGOTIATING, DAY)
    with pytest.raises(LifecycleError) as caught:
        next_state(start, Step(kind, LATER, signed_stage=Stage.NEGOTIATING))
    with translation.override("en"):  # the message is rendered in the reader's language
        assert message(caught.value) == "A signing leads to a memorandum or an agreement."


def test_lifecycle_error_is_a_validation_error():
    from django.core.exceptions import ValidationError

    assert issubclass(LifecycleError, ValidationError)


def test_replay_takes_events_in_date_order_whatever_the_input_order():
    states = replay(
        [
            Step("signed", date(2024, 9, 22), signed_stage=Stage.AGREEMENT_SIGNED),
            Step("first_contact", date(2024, 1, 1)),
            Step("reported_negotiating", date(2024, 9, 18)),
        ]
    )
    assert [s.stage for s in states] == [
        Stage.EXPLORING,
        Stage.NEGOTIATING,
        Stage.AGREEMENT_SIGNED,
    ]


def test_replay_on_one_date_follows_recording_order():
    on = date(2024, 5, 5)
    contact_first = [Step("signed", on, order=2), Step("first_contact", on, order=1)]
    assert [s.stage for s in replay(contact_first)] == [
        Stage.EXPLORING,
        Stage.MEMORANDUM_SIGNED,
    ]
    signing_first = [Step("signed", on, order=1), Step("first_contact", on, order=2)]
    with pytest.raises(LifecycleError):
        replay(signing_first)  # a first contact cannot follow a signed memorandum


def test_replay_of_nothing_is_nothing():
    assert replay([]) == []


HISTORY = [
    Step("first_contact", date(2023, 3, 1), order=1),
    Step("reported_negotiating", date(2023, 9, 1), order=2),
    Step("signed", date(2024, 2, 21), order=3),
    Step("went_dormant", date(2025, 1, 1), order=4),
    Step("revived", date(2025, 6, 1), order=5),
]


@pytest.mark.parametrize(
    ("day", "stage", "since"),
    [
        (date(2000, 1, 1), None, None),
        (date(2023, 2, 28), None, None),
        (date(2023, 3, 1), Stage.EXPLORING, date(2023, 3, 1)),
        (date(2023, 8, 31), Stage.EXPLORING, date(2023, 3, 1)),
        (date(2023, 9, 1), Stage.NEGOTIATING, date(2023, 9, 1)),
        (date(2024, 2, 20), Stage.NEGOTIATING, date(2023, 9, 1)),
        (date(2024, 2, 21), Stage.MEMORANDUM_SIGNED, date(2024, 2, 21)),
        (date(2024, 12, 31), Stage.MEMORANDUM_SIGNED, date(2024, 2, 21)),
        (date(2025, 3, 1), Stage.DORMANT, date(2025, 1, 1)),
        (date(2025, 6, 1), Stage.MEMORANDUM_SIGNED, date(2025, 6, 1)),
        (date(2030, 1, 1), Stage.MEMORANDUM_SIGNED, date(2025, 6, 1)),
    ],
)
def test_state_on_past_dates(day, stage, since):
    state = state_on(HISTORY, day)
    assert state.stage == stage
    assert state.since == since


def test_state_before_the_first_event_has_no_stage_and_no_label():
    state = state_on(HISTORY, date(2020, 1, 1))
    assert state == State(None, None)
    assert state.label == ""


def test_state_on_ignores_later_events_that_would_be_refused_today():
    """Only the history up to the day counts: a later event is not even checked."""
    steps = [Step("signed", date(2024, 1, 1)), Step("teleported", date(2025, 1, 1))]
    assert state_on(steps, date(2024, 6, 1)).stage == Stage.MEMORANDUM_SIGNED
    with pytest.raises(LifecycleError):
        state_on(steps, date(2025, 1, 1))


def test_refusals_are_translated():
    with pytest.raises(LifecycleError) as caught, translation.override("uk"):
        next_state(State(None, None), Step("went_dormant", DAY))
    assert "went dormant" not in message(caught.value)
    assert "no history" not in message(caught.value)


def test_state_label_is_the_stage_label():
    with translation.override("en"):
        assert State(Stage.AGREEMENT_SIGNED, DAY).label == "agreement signed"
        assert State(Stage.MEMORANDUM_SIGNED, DAY).label == "memorandum signed"
