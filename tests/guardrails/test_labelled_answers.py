"""Regression checks on the labelled answer corpus in tests/data/answers/.

These figures come from the writers the rules were written against and the model was trained on,
so they are **regression checks, not accuracy evidence**: they fail the suite when a change
loses what already worked. The accuracy the README reports comes from the frozen writers, which
nothing here reads (``python -m guardrails.models.evaluate --frozen``).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from guardrails import Action
from guardrails.models.corpus import (
    ANSWER_CATEGORIES,
    ANSWERS,
    AnswerRow,
    load_answers,
    load_writers,
)
from guardrails.models.rules_only import platform_guardrails

PLATFORMS = {"jd", "douyin", "kuaishou"}


def stopped(row: AnswerRow, with_model: bool = True) -> bool:
    guardrails = platform_guardrails(row.platform, with_model)
    return guardrails.check(row.text).action >= Action.REDACT


@pytest.fixture(scope="module")
def train_rows() -> list[AnswerRow]:
    return load_answers(("train",))


def test_corpus_has_the_writers_and_rows_the_method_needs() -> None:
    writers = load_writers(ANSWERS)
    fresh = {w for w in writers.values() if not w.id.startswith("legacy")}
    assert len(fresh) >= 10 and all(w.persona for w in writers.values())
    frozen = [w for w in writers.values() if w.group == "frozen"]
    assert len(frozen) >= 3
    assert {w.platform for w in frozen} == PLATFORMS
    rows = [
        json.loads(line)
        for w in fresh
        for name in w.files
        for line in (ANSWERS / name).read_text("utf-8").splitlines()
    ]
    violating = [r for r in rows if r["labels"]]
    assert len(rows) >= 4000 and len(violating) >= 2400 and len(rows) - len(violating) >= 1600
    assert {label for r in violating for label in r["labels"]} == set(ANSWER_CATEGORIES)
    assert all(r["platform"] in PLATFORMS and r["writer"] for r in rows)
    assert len({r["id"] for r in rows}) == len(rows)


def test_the_loader_leaves_the_frozen_writers_out_unless_asked(
    train_rows: list[AnswerRow],
) -> None:
    frozen = {w.id for w in load_writers(ANSWERS).values() if w.group == "frozen"}
    assert frozen and not frozen & {row.writer for row in train_rows}


def test_regression_on_the_train_writers(train_rows: list[AnswerRow]) -> None:
    """In-sample: the model saw these rows. Floors sit just under today's figures."""
    violating = [row for row in train_rows if row.labels]
    clean = [row for row in train_rows if not row.labels]
    recall = sum(map(stopped, violating)) / len(violating)
    false_alarms = sum(map(stopped, clean)) / len(clean)
    assert recall >= RECALL_FLOOR, recall
    assert false_alarms <= FALSE_ALARM_CEILING, false_alarms


def test_regression_per_category_on_the_train_writers(train_rows: list[AnswerRow]) -> None:
    caught: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for row in train_rows:
        hit = stopped(row)
        for label in row.labels:
            total[label] += 1
            caught[label] += hit
    low = {c: round(caught[c] / total[c], 3) for c in total if caught[c] / total[c] < 0.9}
    assert low == {}


@pytest.mark.parametrize(
    ("writer", "recall", "false_alarms"),
    [("legacy1", 0.99, 0.0), ("legacy2", 0.98, 0.0), ("legacy3", 0.97, 0.0)],
)
def test_rules_alone_keep_the_sets_they_were_developed_on(
    train_rows: list[AnswerRow], writer: str, recall: float, false_alarms: float
) -> None:
    rows = [row for row in train_rows if row.writer == writer]
    violating = [row for row in rows if row.labels]
    clean = [row for row in rows if not row.labels]
    assert sum(stopped(r, False) for r in violating) / len(violating) >= recall
    assert sum(stopped(r, False) for r in clean) / len(clean) <= false_alarms


RECALL_FLOOR = 0.99
FALSE_ALARM_CEILING = 0.005
