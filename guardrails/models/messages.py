"""The shipped shopper-message intent model and its decision thresholds (``train_messages.py``)."""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .mlp import MlpClassifier
from .ngram import ModelError

MODEL_NAME = "messages.json.gz"
DECISIONS = (
    "human_request", "sensitive", "negative", "safety", "human_request_rule", "sensitive_rule",
    "negative_sentiment", "negative_cue",
)  # fmt: skip


@dataclass(frozen=True)
class MessageModel:
    """The classifier and, per decision column, the probability from which it escalates (above
    1: never)."""

    classifier: MlpClassifier
    thresholds: Mapping[str, float]

    @classmethod
    def load(cls, path: Path) -> MessageModel:
        try:
            raw = path.read_bytes()
            data = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, gzip.BadGzipFile) as exc:
            raise ModelError(f"{path}: cannot read the model: {exc}") from exc
        classifier = MlpClassifier.from_json(data, str(path))
        try:
            thresholds = {name: float(data["decision"][name]) for name in DECISIONS}
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{path}: no decision thresholds: {exc!r}") from exc
        if classifier.heads != ("human_request", "sensitive", "negative", "safety"):
            raise ModelError(f"{path}: unexpected heads {classifier.heads}")
        return cls(classifier, thresholds)


@functools.cache
def load_message_model(path: Path | None = None) -> MessageModel:
    """Loaded once per process from the package (or ``path``); raises ModelError."""
    if path is not None:
        return MessageModel.load(path)
    resource = resources.files("guardrails.models").joinpath(MODEL_NAME)
    try:
        with resources.as_file(resource) as shipped:
            return MessageModel.load(shipped)
    except FileNotFoundError as exc:
        raise ModelError(f"the package holds no {MODEL_NAME}: {exc}") from exc
