"""Train the shopper-message intent model from the train writers of tests/data/shoppers/.

    python -m guardrails.models.train_messages          # writes guardrails/models/messages.json.gz
    python -m guardrails.models.train_messages --check  # retrains and compares byte for byte

Heads: ``human_request``, ``sensitive``, ``negative`` and ``safety`` (the kinds that must never
stay with a bot: self-harm, injury, minors, violence). One hidden layer (scikit-learn's
MLPClassifier, one thread, a fixed seed, weights rounded to fixed point), over the same
character n-grams as the answer model. Older writers' sensitive messages carry no kind, so they
are left out (they cannot say whether they are safety matters).

The decision: a message escalates when a head's probability reaches its threshold, when a rule
of the screen fires and the model gives its reason at least a small probability (a trigger word
inside a product name or a question does not escalate by itself), or when a safety rule fires
(never gated). Negative also weighs the sentiment score. The thresholds are chosen on
out-of-fold probabilities (folds hold out whole writers), greedily, within a false-escalation
budget of the calm messages; they ship inside the model file. Frozen writers are never read.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..normalize import default_normalizer
from .corpus import SAFETY_CRITICAL, load_shopper_messages, writer_folds
from .mlp import FORMAT, SCALE
from .ngram import feature_text, ngrams
from .train import FOLDS, vocabulary

MODEL_FILE = Path(__file__).resolve().parent / "messages.json.gz"
HEADS = ("human_request", "sensitive", "negative", "safety")
ORDERS = (1, 3)
HIDDEN = 64
ALPHA = 1e-2
EPOCHS = 60
FALSE_ESCALATION_BUDGET = 0.04
DIGITS = 4
# The columns the decision thresholds apply to (see decide() in guardrails/escalation.py).
DECISIONS = (
    "human_request",  # the head alone
    "sensitive",
    "negative",
    "safety",
    "human_request_rule",  # a screen rule for a person, times the head
    "sensitive_rule",  # a screen rule for a (non-safety) sensitive matter, times the head
    "negative_sentiment",  # (1 - sentiment score) times the negative head
    "negative_cue",  # a negative cue of the screen (angry emoji, !!!) times the negative head
)


@dataclass(frozen=True, slots=True)
class Example:
    writer: str
    text: str
    labels: tuple[str, ...]
    label: str


def examples() -> list[Example]:
    out = []
    for row in load_shopper_messages(("train",)):
        if row.label == "sensitive" and row.kind is None:
            continue  # an older writer's sensitive message: safety or not is unknown
        labels = [row.label] if row.label != "none" else []
        if row.kind in SAFETY_CRITICAL:
            labels.append("safety")
        out.append(Example(row.writer, row.text, tuple(labels), row.label))
    return out


def features_of(rows: Sequence[Example]) -> list[set[str]]:
    normalizer = default_normalizer()
    return [ngrams(feature_text(normalizer(row.text)), ORDERS) for row in rows]


def fit(rows: Sequence[Example], features: Sequence[set[str]]) -> dict[str, Any]:
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

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
    target = np.array([[head in row.labels for head in HEADS] for row in rows], dtype=np.int64)
    model = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        alpha=ALPHA,
        max_iter=EPOCHS,
        early_stopping=True,
        random_state=0,
    )
    with threadpool_limits(1):  # one thread: the same sums in the same order on every machine
        model.fit(matrix, target)
    first_layer, second_layer = model.coefs_
    first: dict[str, list[int]] = {}
    for column, gram in enumerate(vocab):
        row = [round(float(w) * SCALE) for w in first_layer[column]]
        if any(row):
            first[gram] = row
    return {
        "format": FORMAT,
        "heads": list(HEADS),
        "orders": list(ORDERS),
        "first": first,
        "hidden_bias": [round(float(b) * SCALE) for b in model.intercepts_[0]],
        "second": [[round(float(w) * SCALE) for w in row] for row in second_layer],
        "output_bias": [round(float(b) * SCALE) for b in model.intercepts_[1]],
    }


def out_of_fold(rows: Sequence[Example], features: Sequence[set[str]]) -> list[list[float]]:
    from .mlp import MlpClassifier

    scores: list[list[float]] = [[0.0] * len(HEADS) for _ in rows]
    for held in writer_folds([row.writer for row in rows], FOLDS):
        train = [i for i, row in enumerate(rows) if row.writer not in held]
        model = MlpClassifier.from_json(fit([rows[i] for i in train], [features[i] for i in train]))
        lookup = model
        for i, row in enumerate(rows):
            if row.writer in held:
                scores[i] = lookup.reference_probabilities(features[i])
    return scores


@dataclass(frozen=True, slots=True)
class Signals:
    """What the screen's rules and the sentiment model say of one message."""

    human_request: bool
    sensitive: bool  # a sensitive rule outside the safety sections
    safety: bool  # a rule of a safety section (self-harm, injury, minors, violence …)
    negative_cue: bool
    sentiment: float | None


def signals(texts: Sequence[str]) -> list[Signals]:
    from ..escalation import SAFETY_RULES, MessageScreen
    from ..sentiment import ShopperSentiment
    from ..sentiment.tables_cache import load_segmentation
    from .corpus import REPO

    screen = MessageScreen.from_directory(REPO / "config" / "lexicons" / "escalation", None)
    scorer = ShopperSentiment.load(load_segmentation())
    out = []
    for text in texts:
        rules = {finding.rule for finding in screen.findings(text)}
        out.append(
            Signals(
                human_request=any(r.startswith("human_request") for r in rules),
                sensitive=any(r.startswith("sensitive") and r not in SAFETY_RULES for r in rules),
                safety=bool(rules & SAFETY_RULES),
                negative_cue=any(r.startswith("negative") for r in rules),
                sentiment=scorer.score(text),
            )
        )
    return out


def columns(scores: Sequence[float], signal: Signals) -> list[float]:
    """The decision columns of one message (see DECISIONS)."""
    hr, sens, neg, safety = scores
    sentiment = 1.0 if signal.sentiment is None else signal.sentiment
    return [
        hr,
        sens,
        neg,
        safety,
        hr if signal.human_request else 0.0,
        max(sens, safety) if signal.sensitive else 0.0,
        (1.0 - sentiment) * neg,
        neg if signal.negative_cue else 0.0,
    ]


def choose_thresholds(
    rows: Sequence[Example], scores: Sequence[Sequence[float]], sig: Sequence[Signals]
) -> dict[str, float]:
    """Greedy: the threshold move that escalates most messages that need a person per calm
    message escalated, until the calm messages escalated reach the budget. Safety rules always
    escalate and count against it."""
    import numpy as np

    matrix = np.round(np.array([columns(s, g) for s, g in zip(scores, sig, strict=True)]), DIGITS)
    escalate = np.array([bool(row.labels) for row in rows])
    calm = ~escalate
    stopped = np.array([g.safety for g in sig])
    budget = int(FALSE_ESCALATION_BUDGET * calm.sum())
    thresholds = np.full(len(DECISIONS), 1.01)
    while True:
        alarms = int((stopped & calm).sum())
        best: tuple[float, int, float] | None = None
        for c in range(len(DECISIONS)):
            for value in np.unique(matrix[escalate & ~stopped, c])[::-1]:
                if value >= thresholds[c] or value <= 0.0:
                    continue
                newly = (matrix[:, c] >= value) & ~stopped
                added = int((newly & calm).sum())
                if alarms + added > budget:
                    break
                ratio = int((newly & escalate).sum()) / (added + 0.5)
                if best is None or ratio > best[0]:
                    best = (ratio, c, float(value))
        if best is None:
            break
        _, c, value = best
        thresholds[c] = value
        stopped |= matrix[:, c] >= value
    return {name: round(float(t), DIGITS) for name, t in zip(DECISIONS, thresholds, strict=True)}


def train() -> dict[str, Any]:
    rows = examples()
    features = features_of(rows)
    scores = out_of_fold(rows, features)
    thresholds = choose_thresholds(rows, scores, signals([row.text for row in rows]))
    model = fit(rows, features)
    model["decision"] = thresholds
    model["meta"] = {
        "task": "messages",
        "writers": dict(sorted(Counter(row.writer for row in rows).items())),
        "rows": len(rows),
        "hidden": HIDDEN,
        "alpha": ALPHA,
        "epochs": EPOCHS,
        "false_escalation_budget": FALSE_ESCALATION_BUDGET,
    }
    return model


def dumps(model: dict[str, Any]) -> bytes:
    text = json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--check", action="store_true", help="compare with the shipped file")
    args = parser.parse_args(argv)
    data = dumps(train())
    if args.check:
        same = args.out.read_bytes() == data
        print("identical" if same else f"differs from {args.out}")
        return 0 if same else 1
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
