"""Retrain the customer-service sentiment model from the labelled shopper messages.

    python -m guardrails.sentiment.train [--out guardrails/sentiment/model] [DATA.jsonl ...]

Without DATA it reads every tests/data/shoppers/legacy_*_messages.jsonl, which is how the shipped
model was made (tests/guardrails/test_sentiment_model.py retrains it and compares).

Only rows with ``"split": "train"`` are read; held-out rows never reach the model or its
threshold. A message is "neg" when its sentiment is negative with strength moderate or strong
(negative enough for a person), "pos" otherwise. Steps:

1. every message is prepared (model.prepare) and segmented once by snownlp (``Sentiment.handle``);
2. five folds (by a hash of the id, no randomness): snownlp's Bayes trained on four scores the
   fifth, so every message gets a Bayes probability from a model that never saw it;
3. the logistic calibration is fitted on those out-of-fold probabilities and the cues; its own
   out-of-fold predictions choose the threshold (highest F1) and give the figures stored with it;
4. snownlp's Bayes is trained on all of the train split and saved with ``Sentiment.save``.

It imports snownlp (seconds, hundreds of MB): a development tool, never run by the gateway.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..escalation import MessageScreen, sentiment_cues
from ..normalize import default_normalizer
from .base import Cues
from .bayes import known_once
from .calibration import Calibration, fit_logistic
from .model import (
    BAYES_FILE,
    CALIBRATION_FILE,
    FEATURES,
    MODEL_DIR,
    features,
    has_chinese,
    prepare,
)

FOLDS = 5
REPO = Path(__file__).resolve().parents[2]
LEXICONS = REPO / "config" / "lexicons" / "escalation"
DATA = REPO / "tests" / "data"


def default_data() -> list[Path]:
    return sorted((DATA / "shoppers").glob("legacy_*_messages.jsonl"))


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    prepared: str
    negative: bool
    words: list[str]
    cues_values: tuple[int, bool, bool]


def negative_enough(row: dict[str, Any]) -> bool:
    return row.get("sentiment") == "negative" and row.get("strength") in ("moderate", "strong")


def read_train_rows(paths: Sequence[Path]) -> list[dict[str, Any]]:
    rows = []
    for path in paths:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row["split"] == "train":
                    rows.append(row)
    return rows


def fold_of(message_id: str) -> int:
    return hashlib.sha256(message_id.encode()).digest()[0] % FOLDS


def train(paths: Sequence[Path], out: Path, lexicons: Path = LEXICONS) -> Calibration:
    sentiment_module = importlib.import_module("snownlp.sentiment")
    bayes_module = importlib.import_module("snownlp.classification.bayes")
    normalizer = default_normalizer()
    screen = MessageScreen.from_directory(lexicons, None, normalizer)
    handler = sentiment_module.Sentiment()

    examples = []
    for row in read_train_rows(paths):
        prepared = prepare(normalizer(row["text"]))
        cues = sentiment_cues(screen.findings(row["text"]))
        examples.append(
            Example(
                row["id"],
                prepared,
                negative_enough(row),
                list(handler.handle(prepared)),
                (cues.negative, cues.sensitive, cues.human_request),
            )
        )

    def bayes_on(train_set: Sequence[Example]) -> Any:
        classifier = bayes_module.Bayes()
        classifier.train(
            [[list(dict.fromkeys(e.words)), "neg"] for e in train_set if e.negative]
            + [[list(dict.fromkeys(e.words)), "pos"] for e in train_set if not e.negative]
        )
        return classifier

    def positive(classifier: Any, words: list[str]) -> float:
        vocabulary = frozenset(word for c in classifier.d.values() for word in c.d)
        label, probability = classifier.classify(known_once(words, vocabulary))
        return float(probability if label == "pos" else 1 - probability)

    out_of_fold: dict[str, float] = {}
    for fold in range(FOLDS):
        classifier = bayes_on([e for e in examples if fold_of(e.id) != fold])
        for e in examples:
            if fold_of(e.id) == fold:
                out_of_fold[e.id] = positive(classifier, e.words)

    scored = [e for e in examples if has_chinese(e.prepared)]
    rows = [features(e.prepared, out_of_fold[e.id], Cues(*e.cues_values)) for e in scored]
    labels = [e.negative for e in scored]

    # The threshold from the calibration's own out-of-fold predictions.
    predictions: list[tuple[float, bool]] = []
    for fold in range(FOLDS):
        inside = [i for i, e in enumerate(scored) if fold_of(e.id) != fold]
        weights, intercept, means, scales = fit_logistic(
            [rows[i] for i in inside], [labels[i] for i in inside]
        )
        probe = Calibration(FEATURES, weights, intercept, means, scales, 0.5, {})
        predictions += [
            (probe.negative_probability(rows[i]), labels[i])
            for i, e in enumerate(scored)
            if fold_of(e.id) == fold
        ]
    threshold, precision, recall = best_threshold(predictions)

    weights, intercept, means, scales = fit_logistic(rows, labels)
    calibration = Calibration(
        FEATURES,
        weights,
        intercept,
        means,
        scales,
        threshold,
        {
            "files": [path.name for path in paths],
            "messages": len(examples),
            "negative": sum(e.negative for e in examples),
            "with_chinese": len(scored),
            "out_of_fold": {"precision": precision, "recall": recall},
        },
    )
    out.mkdir(parents=True, exist_ok=True)
    final = sentiment_module.Sentiment()
    final.classifier = bayes_on(examples)
    final.save(str(out / BAYES_FILE.removesuffix(".3")), iszip=True)
    calibration.save(out / CALIBRATION_FILE)
    return calibration


def best_threshold(predictions: Sequence[tuple[float, bool]]) -> tuple[float, float, float]:
    """(threshold, precision, recall) with the highest F1; thresholds on a 0.05 grid so that one
    message cannot tune it to the third decimal."""
    best = (0.5, 0.0, 0.0, -1.0)
    for step in range(1, 20):
        threshold = step / 20
        tp = sum(1 for p, y in predictions if p > threshold and y)
        fp = sum(1 for p, y in predictions if p > threshold and not y)
        fn = sum(1 for p, y in predictions if p <= threshold and y)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f1 > best[3]:
            best = (threshold, round(precision, 3), round(recall, 3), f1)
    return best[0], best[1], best[2]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("data", nargs="*", type=Path, help="labelled shopper messages (JSONL)")
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    parser.add_argument("--lexicons", type=Path, default=LEXICONS)
    args = parser.parse_args(argv)
    calibration = train(args.data or default_data(), args.out, args.lexicons)
    print(json.dumps(calibration.trained_on, ensure_ascii=False))
    for name, weight in zip(calibration.features, calibration.weights, strict=True):
        print(f"{name:>16} {weight:+.3f}")
    print(f"{'intercept':>16} {calibration.intercept:+.3f}  threshold {calibration.threshold}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
