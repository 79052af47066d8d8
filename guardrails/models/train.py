"""Train the answer classifier from the train writers of tests/data/answers/.

    python -m guardrails.models.train            # writes guardrails/models/answers.json.gz
    python -m guardrails.models.train --check    # retrains and compares with the shipped file

Deterministic: folds are by writer in sorted order, liblinear runs with a fixed seed, weights
are rounded to fixed point and the file is written with sorted keys and a zero gzip time, so a
fresh clone reproduces it byte for byte (tests/guardrails/test_answer_model.py checks).
Frozen writers are never read here.

Steps:

1. every row is normalised and turned into its set of n-grams (``ngram.feature_text``);
   n-grams used by fewer than ``MIN_WRITERS`` writers are dropped (a writer's pet phrase teaches
   nothing about the next writer);
2. per category (a head), an L2 logistic regression on all features picks the ``TOP_K``
   features that weigh most, and a second one is fitted on those alone: the head's weights;
3. the same is done six times with whole writers held out, so every row gets scores from heads
   that never saw its writer;
4. the bands are chosen on those out-of-fold scores, after the rules: greedily, the threshold
   move that catches most violations not caught yet per new false alarm, until the model's false
   alarms reach ``FALSE_ALARM_BUDGET`` of the clean rows. ``high`` is where a head raised no
   out-of-fold false alarm at all.

Needs scikit-learn (the ``train`` extra); the gateway never imports this module.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..normalize import default_normalizer
from .corpus import ANSWER_CATEGORIES, AnswerRow, load_answers, writer_folds
from .ngram import FORMAT, SCALE, feature_text, ngrams

MODEL_FILE = Path(__file__).resolve().parent / "answers.json.gz"
RuleCheck = Callable[[str, str, Mapping[str, float], Mapping[str, float]], bool]
ORDERS = (1, 3)
MIN_WRITERS = 2
TOP_K = 2000
C = 1.0
FOLDS = 6
FALSE_ALARM_BUDGET = 0.004
# A phrasing rule's finding (an invitation named without an identifier) in a category the model
# scores below a threshold is dropped; the threshold per category is the one of VETO_STEPS that
# removes most more out-of-fold false alarms than it loses violations (choose_vetoes).
VETO_STEPS = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3)
DIGITS = 4


class Labelled(Protocol):
    """A labelled text of a writer: an answer row, or a shopper message made into one."""

    @property
    def writer(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def labels(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class Heads:
    """Fitted heads: fixed-point bias per head and (head, weight) pairs per n-gram."""

    bias: list[int]
    weights: dict[str, list[tuple[int, int]]]

    def logit(self, grams: set[str], head: int) -> float:
        total = self.bias[head]
        for gram in grams:
            for which, weight in self.weights.get(gram, ()):
                if which == head:
                    total += weight
        return total / SCALE


def features_of(rows: Sequence[AnswerRow]) -> list[set[str]]:
    """Each row's n-grams as the gateway shows them to the model: without the shipped allowed
    phrases (config/lexicons/allow.txt)."""
    from .rules_only import shipped_allowed

    normalizer = default_normalizer()
    allowed = shipped_allowed()
    out = []
    for row in rows:
        normalized = normalizer(row.text)
        out.append(ngrams(feature_text(normalized, allowed(normalized)), ORDERS))
    return out


def vocabulary(rows: Sequence[Labelled], features: Sequence[set[str]]) -> list[str]:
    writers: dict[str, set[str]] = defaultdict(set)
    for row, grams in zip(rows, features, strict=True):
        for gram in grams:
            writers[gram].add(row.writer)
    return sorted(gram for gram, who in writers.items() if len(who) >= MIN_WRITERS)


def fit(
    rows: Sequence[Labelled],
    features: Sequence[set[str]],
    heads: Sequence[str],
    unknown: Callable[[Labelled, str], bool] | None = None,
) -> Heads:
    """One head per name in ``heads``; ``unknown(row, head)`` leaves a row out of one head's
    training (a writer who gave no sub-kind for a sensitive message)."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    vocab = vocabulary(rows, features)
    index = {gram: i for i, gram in enumerate(vocab)}
    indptr, indices = [0], []
    for grams in features:
        indices.extend(sorted(index[g] for g in grams if g in index))
        indptr.append(len(indices))
    matrix = csr_matrix(
        (np.ones(len(indices)), np.array(indices, dtype=np.int64), np.array(indptr)),
        shape=(len(rows), len(vocab)),
    )

    def regression() -> Any:
        return LogisticRegression(C=C, solver="liblinear", random_state=0, max_iter=5000)

    bias: list[int] = []
    weights: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for which, head in enumerate(heads):
        target = np.array([head in row.labels for row in rows], dtype=np.int64)
        keep = np.array([unknown is None or not unknown(row, head) for row in rows])
        if target[keep].sum() == 0:
            bias.append(-10 * SCALE)
            continue
        known, labels = matrix[keep], target[keep]
        chosen = np.sort(np.argsort(-np.abs(regression().fit(known, labels).coef_[0]))[:TOP_K])
        model = regression().fit(known[:, chosen], labels)
        bias.append(round(float(model.intercept_[0]) * SCALE))
        for column, value in zip(chosen, model.coef_[0], strict=True):
            weight = round(float(value) * SCALE)
            if weight:
                weights[vocab[column]].append((which, weight))
    return Heads(bias, dict(weights))


def out_of_fold(
    rows: Sequence[Labelled],
    features: Sequence[set[str]],
    heads: Sequence[str],
    unknown: Callable[[Labelled, str], bool] | None = None,
) -> list[list[float]]:
    """Each row's probabilities from heads trained without its writer."""
    scores = [[0.0] * len(heads) for _ in rows]
    for held in writer_folds([row.writer for row in rows], FOLDS):
        train = [i for i, row in enumerate(rows) if row.writer not in held]
        fitted = fit([rows[i] for i in train], [features[i] for i in train], heads, unknown)
        for i, row in enumerate(rows):
            if row.writer in held:
                scores[i] = [_sigmoid(fitted.logit(features[i], h)) for h in range(len(heads))]
    return scores


def choose_bands(
    rows: Sequence[AnswerRow],
    scores: Sequence[Sequence[float]],
    heads: Sequence[str],
    caught_by_rules: Sequence[bool],
) -> dict[str, dict[str, float]]:
    """Greedy per-head thresholds on out-of-fold scores (see the module docstring)."""
    import numpy as np

    # Recall is gained on every writer; false alarms are counted on every writer too, the older,
    # plainer sets included: a real shop's answers are often short and plain like theirs.
    labelled = np.array([bool(row.labels) for row in rows])
    judged = np.ones(len(rows), dtype=bool)
    violating = labelled
    rules = np.array(caught_by_rules, dtype=bool)
    clean = ~labelled & ~rules
    matrix = np.round(np.array(scores, dtype=np.float64), DIGITS)
    budget = int(FALSE_ALARM_BUDGET * (judged & ~violating).sum())
    low = np.ones(len(heads))
    stopped = rules.copy()
    alarms = 0
    while True:
        best: tuple[float, int, float] | None = None
        for h in range(len(heads)):
            # Each candidate is the score of a violating row not stopped yet.
            for value in np.unique(matrix[violating & ~stopped, h])[::-1]:
                if value >= low[h]:
                    continue
                newly = (matrix[:, h] >= value) & ~stopped
                added = int((newly & clean).sum())
                if alarms + added > budget:
                    break
                ratio = int((newly & violating).sum()) / (added + 0.5)
                if best is None or ratio > best[0]:
                    best = (ratio, h, float(value))
        if best is None:
            break
        _, h, value = best
        low[h] = value
        stopped |= matrix[:, h] >= value
        alarms = int((stopped & clean).sum())
    bands: dict[str, dict[str, float]] = {}
    for h, head in enumerate(heads):
        if low[h] >= 1.0:
            continue
        cleanest = float(matrix[clean, h].max()) if clean.any() else 0.0
        high = min(0.9999, max(float(low[h]), round(cleanest + 1e-4, DIGITS)))
        bands[head] = {"high": high, "low": float(low[h])}
    return bands


def choose_vetoes(
    rows: Sequence[AnswerRow],
    probabilities: Sequence[Mapping[str, float]],
    heads: Sequence[str],
    rule_check: RuleCheck,
) -> dict[str, float]:
    """Per category, the veto threshold (see VETO_STEPS) with the best out-of-fold trade."""
    vetoes: dict[str, float] = {}
    stopped = [
        rule_check(r.text, r.platform, p, {}) for r, p in zip(rows, probabilities, strict=True)
    ]
    for head in heads:
        best, best_gain = 0.0, 0
        for step in VETO_STEPS[1:]:
            gain = 0
            for row, p, before in zip(rows, probabilities, stopped, strict=True):
                if (
                    before
                    and p[head] < step
                    and not rule_check(row.text, row.platform, p, {head: step})
                ):
                    gain += -1 if row.labels else 1
            if gain > best_gain:
                best, best_gain = step, gain
        if best:
            vetoes[head] = best
    return vetoes


def train(rule_check: RuleCheck) -> dict[str, Any]:
    rows = load_answers(("train",))
    features = features_of(rows)
    heads = list(ANSWER_CATEGORIES)
    oof = out_of_fold(rows, features, heads)
    probabilities = [dict(zip(heads, scores, strict=True)) for scores in oof]
    vetoes = choose_vetoes(rows, probabilities, heads, rule_check)
    caught = [
        rule_check(row.text, row.platform, p, vetoes)
        for row, p in zip(rows, probabilities, strict=True)
    ]
    bands = choose_bands(rows, oof, heads, caught)
    fitted = fit(rows, features, heads)
    writers = Counter(row.writer for row in rows)
    return {
        "format": FORMAT,
        "heads": heads,
        "orders": list(ORDERS),
        "bias": fitted.bias,
        "bands": bands,
        "veto_below": vetoes,
        "weights": {gram: [list(p) for p in pairs] for gram, pairs in fitted.weights.items()},
        "meta": {
            "task": "answers",
            "writers": dict(sorted(writers.items())),
            "rows": len(rows),
            "c": C,
            "top_k": TOP_K,
            "min_writers": MIN_WRITERS,
            "folds": FOLDS,
            "false_alarm_budget": FALSE_ALARM_BUDGET,
        },
    }


def dumps(model: dict[str, Any]) -> bytes:
    text = json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--check", action="store_true", help="compare with the shipped file")
    args = parser.parse_args(argv)
    from .rules_only import rules_catch

    data = dumps(train(rules_catch))
    if args.check:
        same = args.out.read_bytes() == data
        print("identical" if same else f"differs from {args.out}")
        return 0 if same else 1
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
