"""Recall and false positives per category on the labelled answer sets in tests/data/.

Four sets, each written independently by a different writer who saw neither the code nor the
other sets. answers.jsonl, answers_heldout.jsonl and answers_final.jsonl were each measured once
untouched and then used to develop the detectors; answers_round4.jsonl has never been tuned on.
The README reports the figures of each. Thresholds here sit just under what the code reaches
today, so a regression fails the suite.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from guardrails import Action, Guardrails
from tests.conftest import REPO

DATA = REPO / "tests" / "data"


@dataclass
class Scores:
    positives: Counter[str]
    caught: Counter[str]
    flagged_elsewhere: Counter[str]  # answers not labelled with a category but found with it
    violating: int
    violating_caught: int
    clean: int
    clean_touched: int  # clean answers whose verdict is redact, block or escalate

    def recall(self, category: str) -> float:
        return self.caught[category] / self.positives[category]

    @property
    def overall_recall(self) -> float:
        return self.violating_caught / self.violating

    @property
    def false_positive_rate(self) -> float:
        return self.clean_touched / self.clean


def score(path: Path, shops: dict[str, Guardrails]) -> Scores:
    scores = Scores(Counter(), Counter(), Counter(), 0, 0, 0, 0)
    for line in path.read_text("utf-8").splitlines():
        row = json.loads(line)
        verdict = shops[row["platform"]].check(row["text"])
        found = {rated.finding.category for rated in verdict.findings}
        labels = set(row["labels"])
        acted = verdict.action >= Action.REDACT
        if labels:
            scores.violating += 1
            scores.violating_caught += acted
        else:
            scores.clean += 1
            scores.clean_touched += acted
        for label in labels:
            scores.positives[label] += 1
            scores.caught[label] += label in found
        for category in found - labels:
            scores.flagged_elsewhere[category] += 1
    return scores


@pytest.fixture(scope="module")
def development(shops: dict[str, Guardrails]) -> Scores:
    return score(DATA / "answers.jsonl", shops)


def test_data_set_is_big_and_balanced_enough() -> None:
    rows = [json.loads(line) for line in (DATA / "answers.jsonl").read_text("utf-8").splitlines()]
    violating = [r for r in rows if r["labels"]]
    clean = [r for r in rows if not r["labels"]]
    assert len(rows) >= 300 and len(violating) >= 150 and len(clean) >= 150
    categories = Counter(label for r in violating for label in r["labels"])
    assert set(categories) == {
        "phone", "messenger", "email", "link", "redirect", "qr_code", "store", "payment",
        "abuse", "threat", "obscene", "political", "ad_law",
    }  # fmt: skip


def test_overall_recall_and_false_positives(development: Scores) -> None:
    assert development.overall_recall >= 0.99
    assert development.false_positive_rate <= 0.01


@pytest.mark.parametrize(
    ("category", "minimum"),
    [
        ("phone", 1.0), ("messenger", 1.0), ("email", 1.0), ("link", 1.0), ("redirect", 1.0),
        ("qr_code", 1.0), ("store", 1.0), ("payment", 1.0), ("threat", 1.0),
        ("political", 1.0), ("ad_law", 1.0), ("abuse", 0.94), ("obscene", 0.85),
    ],
)  # fmt: skip
def test_recall_per_category(development: Scores, category: str, minimum: float) -> None:
    assert development.recall(category) >= minimum


@pytest.mark.parametrize(
    ("name", "recall", "false_positives"),
    [
        ("answers_heldout.jsonl", 0.97, 0.01),
        ("answers_final.jsonl", 0.97, 0.01),
        # Never tuned on: the honest figure for text from a writer the rules have not seen.
        ("answers_round4.jsonl", 0.70, 0.02),
    ],
)
def test_other_sets(
    shops: dict[str, Guardrails], name: str, recall: float, false_positives: float
) -> None:
    scores = score(DATA / name, shops)
    assert scores.overall_recall >= recall
    assert scores.false_positive_rate <= false_positives
