"""snownlp's naive Bayes sentiment classifier, read from its own model file, without snownlp.

``snownlp.sentiment.Sentiment`` segments a text, drops its stop words and asks a two-class naive
Bayes model (add-one smoothing) for P(pos). This module does the same arithmetic, in the same
order, on a model file written by ``Sentiment.save`` (gzip + marshal, or plain marshal), so its
probabilities are snownlp's to the last bit; only the segmentation is done elsewhere (segment.py).
"""

from __future__ import annotations

import gzip
import importlib.util
import marshal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import exp, log
from pathlib import Path


class BayesModelError(Exception):
    """The model file is missing or not a snownlp Bayes model."""


@dataclass(frozen=True, slots=True)
class _Class:
    counts: dict[str, float]
    total: float
    unseen: float  # the count snownlp gives a word the class has never seen (add-one: 1)


class NaiveBayes:
    """P(pos) of a list of words, as ``Sentiment.classify`` computes it. Immutable."""

    def __init__(self, classes: dict[str, _Class], total: float) -> None:
        if "pos" not in classes or "neg" not in classes or total <= 0:
            raise BayesModelError("a sentiment model has classes 'neg' and 'pos' and words")
        self._classes = classes  # in the file's order: snownlp iterates its dict in that order
        self._total = total
        self._priors = {name: log(c.total) - log(total) for name, c in classes.items()}
        self._vocabulary = frozenset(word for c in classes.values() for word in c.counts)

    @classmethod
    def load(cls, path: Path) -> NaiveBayes:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise BayesModelError(f"{path}: cannot read: {exc}") from exc
        try:
            try:
                raw = gzip.decompress(raw)
            except OSError:
                pass  # snownlp reads plain marshal too
            data = marshal.loads(raw)
            classes = {
                str(name): _Class(dict(body["d"]), float(body["total"]), float(body["none"]))
                for name, body in data["d"].items()
            }
            return cls(classes, float(data["total"]))
        except (ValueError, EOFError, KeyError, TypeError, AttributeError) as exc:
            raise BayesModelError(f"{path}: not a snownlp Bayes model: {exc}") from exc

    @property
    def vocabulary(self) -> frozenset[str]:
        return self._vocabulary

    def log_scores(self, words: Sequence[str]) -> dict[str, float]:
        """log P(class) + Σ log P(word | class), summed in snownlp's order."""
        scores = {}
        for name, c in self._classes.items():
            score = self._priors[name]
            counts, total, unseen = c.counts, c.total, c.unseen
            for word in words:
                score += log(float(counts.get(word, unseen)) / total)
            scores[name] = score
        return scores

    def positive(self, words: Sequence[str]) -> float:
        """``Sentiment.classify``: P(pos) in [0, 1]."""
        scores = self.log_scores(words)
        winner: str | int = 0
        best = 0.0
        for name in self._classes:
            try:
                spread = 0.0
                for other in self._classes:
                    spread += exp(scores[other] - scores[name])
                share = 1 / spread
            except OverflowError:
                share = 0.0
            if share > best:
                winner, best = name, share
        return best if winner == "pos" else 1 - best


def snownlp_file(*parts: str) -> Path:
    """A data file of the installed snownlp package, found without importing it (importing
    snownlp loads all of its models)."""
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise BayesModelError("snownlp is not installed")
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)


def load_stop_words(path: Path | None = None) -> frozenset[str]:
    """snownlp's stop words (``normal.filter_stop``), read as snownlp reads them."""
    path = path or snownlp_file("normal", "stopwords.txt")
    try:
        return frozenset(line.strip() for line in path.read_text("utf-8").splitlines(True))
    except OSError as exc:
        raise BayesModelError(f"{path}: cannot read: {exc}") from exc


def without_stop_words(words: Iterable[str], stop: frozenset[str]) -> list[str]:
    return [word for word in words if word not in stop]


def known_once(words: Iterable[str], vocabulary: frozenset[str]) -> list[str]:
    """The words the model knows, each once, in order of appearance.

    snownlp's add-one smoothing gives a word no class has seen 1/total of each class, which
    favours the class with fewer words: on its own, every unknown word (a typo, a product name,
    好好好好…) pushed a message towards "negative", and a repeated word counted again each time.
    Training and scoring both read messages this way (a binarised naive Bayes).
    """
    return list(dict.fromkeys(word for word in words if word in vocabulary))
