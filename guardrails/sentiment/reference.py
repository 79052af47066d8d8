"""The slow reference: the same model run by snownlp's own classes.

``snownlp.sentiment.Sentiment`` loaded with our Bayes file segments with snownlp's decoder and
classifies with snownlp's Bayes; the calibration on top is the same code as the fast model's. The
fast model must agree with it (tests/guardrails/test_sentiment_model.py, bench/sentiment_bench.py).
Importing snownlp loads all of its models: seconds and hundreds of MB. Never in the gateway.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from ..normalize import Normalizer
from .bayes import known_once
from .calibration import Calibration
from .model import BAYES_FILE, CALIBRATION_FILE, MODEL_DIR, ShopperSentiment


def snownlp_positive(model_dir: Path = MODEL_DIR) -> Callable[[str], float]:
    """``Sentiment.classify`` of snownlp with our Bayes model loaded: P(pos) of a text."""
    module = importlib.import_module("snownlp.sentiment")
    sentiment = module.Sentiment()
    # snownlp appends ".3" to the name it is given on Python 3.
    sentiment.load(str(model_dir / BAYES_FILE.removesuffix(".3")), iszip=True)
    classifier = sentiment.classifier
    vocabulary = frozenset(word for c in classifier.d.values() for word in c.d)

    def positive(text: str) -> float:  # Sentiment.classify, on the words the model knows
        label, probability = classifier.classify(known_once(sentiment.handle(text), vocabulary))
        return float(probability if label == "pos" else 1 - probability)

    return positive


def reference_sentiment(
    model_dir: Path = MODEL_DIR, normalizer: Normalizer | None = None
) -> ShopperSentiment:
    calibration = Calibration.load(model_dir / CALIBRATION_FILE)
    return ShopperSentiment(snownlp_positive(model_dir), calibration, normalizer, cache_size=0)
