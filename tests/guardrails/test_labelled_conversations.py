"""Regression checks on the train writers' labelled conversations (tests/data/shoppers/).

The repeat threshold and the frustration weights and threshold were fitted on these very
conversations, so the figures asserted here are regression checks, not accuracy evidence: they
sit at what the shipped constants reach today, so that a change that loses a handover fails the
suite. The out-of-fold development figures and the frozen writers' figures come from
``python -m guardrails.models.evaluate_conversations --dev`` / ``--frozen``; frozen writers are
never read here.
"""

from __future__ import annotations

import pytest

from guardrails import MessageScreen
from guardrails.models.corpus import SHOPPERS, Conversation, load_conversations, load_writers
from guardrails.models.evaluate_conversations import (
    SHIPPED,
    PairTally,
    Readings,
    answer_pairs,
    fit,
    meaning_scores,
    read_messages,
    shipped_systems,
    tally,
)
from guardrails.similarity import MEANING_THRESHOLD


@pytest.fixture(scope="module")
def conversations() -> list[Conversation]:
    found = load_conversations(("train",))
    frozen = {w.id for w in load_writers(SHOPPERS).values() if w.group == "frozen"}
    assert frozen and not {c.writer for c in found} & frozen
    return found


@pytest.fixture(scope="module")
def readings(conversations: list[Conversation], screen: MessageScreen) -> Readings:
    return read_messages(conversations, screen)


def test_regression_handovers_on_train_conversations(
    conversations: list[Conversation], readings: Readings
) -> None:
    systems = shipped_systems(screen=False)
    mine = tally(conversations, systems["r2 + frustration"], readings)
    assert (mine.total("bot_loop"), mine.total("frustration"), mine.total("none")) == (64, 56, 88)
    assert mine.count("none", "calm_handed_over") == 0
    assert mine.count("frustration", "on_time") >= 55
    assert mine.count("frustration", "early") == 0
    assert mine.count("bot_loop", "on_time") >= 48
    # s07 labels a loop at the third answer of a kind; the gateway escalates at the second
    assert mine.count("bot_loop", "early") <= 7
    scorer_down = tally(conversations, systems["  without sentiment"], readings)
    assert scorer_down.count("none", "calm_handed_over") == 0
    assert scorer_down.count("frustration", "on_time") >= 53
    today = tally(conversations, systems["today"], readings)
    assert today.count("frustration", "on_time") + today.count("bot_loop", "on_time") <= 43


def test_regression_answer_pairs_on_train_conversations(
    conversations: list[Conversation],
) -> None:
    pairs = answer_pairs(conversations)
    result = PairTally()
    for pair, score in zip(pairs, meaning_scores(pairs), strict=True):
        result.add(pair.repeat, score >= MEANING_THRESHOLD)
    assert result.precision >= 0.98
    assert result.recall >= 0.83


def test_shipped_constants_are_the_fit(
    conversations: list[Conversation], readings: Readings
) -> None:
    """The constants in guardrails/ are what evaluate_conversations --fit gives (rounded)."""
    assert fit(conversations, readings) == SHIPPED
