"""A linear classifier over character n-grams of the normalised text, scored with one automaton.

The model is one logistic regression per head (a category) over binary features: "this n-gram
occurs in the feature text". Training (``train.py``, scikit-learn, a dev command) keeps for each
head the n-grams that matter most to it, so at run time one Aho-Corasick pass with overlapping
matches finds every feature that fires, in Rust. Every feature's weights for all heads are packed
into one Python integer (fixed point, one 32-bit lane per head, each lane offset to stay
positive), so adding up a text's features is one big-integer addition per feature however many
heads there are: a few microseconds for a 200-character answer, no numpy, nothing downloaded.

The feature text is the normaliser's compact view (simplified, case-folded, separators people
insert dropped) with every run of digits replaced by one symbol for its length class, so that a
model learns "an 11-digit number after 加我" rather than the numbers it saw.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from ahocorasick_rs import AhoCorasick, MatchKind

from ..normalize import HARD_BREAKS, NormalizedText

FORMAT = "ngram-heads/1"
SCALE = 1 << 12  # weights are kept as integers of 1/4096
LANE = 32
# Added to every lane of every feature so that sums stay positive: a weight is below 8 (2**15 of
# 1/4096) in size and a text has fewer than 2**16 distinct features, so no lane overflows.
_OFFSET = 1 << 15
_MASK = (1 << LANE) - 1
MAX_CHARS = 20000
_FIRST = itemgetter(0)

# Digit runs by length: 1-3 (quantities, prices), 4-6 (years, codes, short QQ), 7-10 (landlines,
# QQ, ids), 11 (mobiles), 12 and more (orders, tracking numbers, cards).
_DIGIT_CLASSES = ((3, "Ⓐ"), (6, "Ⓑ"), (10, "Ⓒ"), (11, "Ⓓ"), (10**9, "Ⓔ"))
_DIGIT_RUN = re.compile(r"[0-9]+")


def _digit_symbol(length: int) -> str:
    for longest, symbol in _DIGIT_CLASSES:
        if length <= longest:
            return symbol
    return _DIGIT_CLASSES[-1][1]


def feature_text(text: NormalizedText, cut: Sequence[tuple[int, int]] = ()) -> str:
    """What the model reads: the compact view with each digit run as one length-class symbol.
    ``cut`` are compact spans the model must not read (a shop's allowed phrases): each becomes a
    clause break, so no n-gram reaches into it."""
    return _features(text, cut, positions=False)[0]


def feature_positions(text: NormalizedText, cut: Sequence[tuple[int, int]] = ()) -> list[int]:
    """For each character of ``feature_text``, its index in the compact view."""
    return _features(text, cut, positions=True)[1]


def _features(
    text: NormalizedText, cut: Sequence[tuple[int, int]], positions: bool
) -> tuple[str, list[int]]:
    compact = text.compact
    if not cut and _DIGIT_RUN.search(compact) is None:
        return compact, list(range(len(compact))) if positions else []
    pieces: list[str] = []
    where: list[int] = []
    last = 0
    spans = [(s, e, ",") for s, e in sorted(cut)]
    spans += [(m.start(), m.end(), "") for m in _DIGIT_RUN.finditer(compact)]
    for start, end, replacement in sorted(spans):
        if start < last:
            continue  # a digit run inside an allowed phrase: already cut
        pieces.append(compact[last:start])
        symbol = replacement or _digit_symbol(end - start)
        pieces.append(symbol)
        if positions:
            where.extend(range(last, start))
            where.append(start)
        last = end
    pieces.append(compact[last:])
    if positions:
        where.extend(range(last, len(compact)))
    return "".join(pieces), where


def ngrams(text: str, orders: tuple[int, int]) -> set[str]:
    """Every n-gram of ``text`` for n in [low, high]: the features, as training sees them."""
    low, high = orders
    return {text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)}


@dataclass(frozen=True, slots=True)
class Band:
    """Scores at or above ``high`` take the category's action; [low, high) hold the answer for a
    person; below ``low`` nothing."""

    high: float
    low: float

    def __post_init__(self) -> None:
        if not 0.0 < self.low <= self.high <= 1.0:
            raise ValueError(f"a band needs 0 < low <= high <= 1, not {self.low}, {self.high}")


class ModelError(ValueError):
    """A model file that is missing, unreadable or not of this format."""


class NgramClassifier:
    """Immutable after construction; scoring is pure and safe to share between tasks."""

    def __init__(
        self,
        heads: Sequence[str],
        orders: tuple[int, int],
        bias: Sequence[int],
        weights: Mapping[str, Sequence[tuple[int, int]]],
        bands: Mapping[str, Band],
        meta: Mapping[str, Any] | None = None,
        veto_below: Mapping[str, float] | None = None,
    ) -> None:
        """``bias`` and ``weights`` are fixed-point integers (units of 1/SCALE); ``weights``
        maps an n-gram to (head index, weight) pairs."""
        self.heads = tuple(heads)
        self.orders = orders
        self.bias = tuple(bias)
        self.bands = dict(bands)
        self.meta = dict(meta or {})
        # A phrasing rule's finding in a category scored below its threshold here is dropped
        # (Guardrails.vetoed).
        self.veto_below = dict(veto_below or {})
        self._keys = sorted(weights)
        self._weights = [tuple(weights[key]) for key in self._keys]
        self._packed = [self._pack(pairs) for pairs in self._weights]
        self._automaton = (
            AhoCorasick(self._keys, matchkind=MatchKind.Standard) if self._keys else None
        )

    def _pack(self, pairs: Sequence[tuple[int, int]]) -> int:
        lanes = [0] * len(self.heads)
        for head, weight in pairs:
            lanes[head] += weight
        packed = 0
        for head, weight in enumerate(lanes):
            packed |= (weight + _OFFSET) << (LANE * head)
        return packed

    @property
    def size(self) -> int:
        return len(self._keys)

    def _features(self, features: str) -> set[int]:
        if self._automaton is None:
            return set()
        # At most MAX_CHARS characters are read, so no lane can overflow (see _OFFSET).
        found = self._automaton.find_matches_as_indexes(features[:MAX_CHARS], overlapping=True)
        return set(map(_FIRST, found))

    def logits(self, text: NormalizedText, cut: Sequence[tuple[int, int]] = ()) -> list[float]:
        features = self._features(feature_text(text, cut))
        total = sum(map(self._packed.__getitem__, features))
        offset = len(features) * _OFFSET
        return [
            (bias + ((total >> (LANE * head)) & _MASK) - offset) / SCALE
            for head, bias in enumerate(self.bias)
        ]

    def probabilities(
        self, text: NormalizedText, cut: Sequence[tuple[int, int]] = ()
    ) -> list[float]:
        return [_sigmoid(logit) for logit in self.logits(text, cut)]

    def reference_logits(self, features: set[str]) -> list[float]:
        """The same logits from a set of n-grams, one head at a time (what training computed):
        the check that packing loses nothing."""
        totals = list(self.bias)
        lookup = dict(zip(self._keys, self._weights, strict=True))
        for gram in features:
            for head, weight in lookup.get(gram, ()):
                totals[head] += weight
        return [total / SCALE for total in totals]

    def clauses(
        self, text: NormalizedText, heads: Sequence[str], cut: Sequence[tuple[int, int]] = ()
    ) -> dict[str, tuple[int, int]]:
        """For each of ``heads``, the compact span of the clause whose own features weigh most
        for it: where a finding that only the model made is marked. Each clause is scored on its
        own, with the same packed sums as the whole text."""
        compact = text.compact
        bounds = _clauses(compact)
        if not bounds or self._automaton is None:
            return {head: (0, len(compact)) for head in heads}
        features = feature_text(text, cut)
        positions = feature_positions(text, cut)
        lanes = [(head, self.heads.index(head)) for head in heads]
        best: dict[str, tuple[int, tuple[int, int]]] = {}
        first = 0
        for start, end in bounds:
            # The feature characters that fall in this clause.
            while first < len(positions) and positions[first] < start:
                first += 1
            last = first
            while last < len(positions) and positions[last] < end:
                last += 1
            found = self._features(features[first:last])
            total = sum(map(self._packed.__getitem__, found))
            offset = len(found) * _OFFSET
            for head, lane in lanes:
                weight = ((total >> (LANE * lane)) & _MASK) - offset
                if head not in best or weight > best[head][0]:
                    best[head] = (weight, (start, end))
            first = last
        return {head: best[head][1] for head in heads}

    def clause(self, text: NormalizedText, head: str) -> tuple[int, int]:
        return self.clauses(text, [head])[head]

    @classmethod
    def load(cls, path: Path) -> NgramClassifier:
        try:
            raw = path.read_bytes()
            data = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, gzip.BadGzipFile) as exc:
            raise ModelError(f"{path}: cannot read the model: {exc}") from exc
        return cls.from_json(data, str(path))

    @classmethod
    def from_json(cls, data: Any, source: str = "model") -> NgramClassifier:
        try:
            if data["format"] != FORMAT:
                raise ModelError(f"{source}: format {data['format']!r}, expected {FORMAT!r}")
            heads = [str(head) for head in data["heads"]]
            low, high = (int(value) for value in data["orders"])
            bias = [int(value) for value in data["bias"]]
            weights = {
                str(gram): [(int(head), int(weight)) for head, weight in pairs]
                for gram, pairs in data["weights"].items()
            }
            bands = {
                str(head): Band(float(band["high"]), float(band["low"]))
                for head, band in data["bands"].items()
            }
            veto_below = {str(k): float(v) for k, v in data.get("veto_below", {}).items()}
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ModelError):
                raise
            raise ModelError(f"{source}: not a model of format {FORMAT}: {exc!r}") from exc
        if len(bias) != len(heads) or not set(bands) <= set(heads):
            raise ModelError(f"{source}: heads, bias and bands do not agree")
        if any(not 0 <= head < len(heads) for pairs in weights.values() for head, _ in pairs):
            raise ModelError(f"{source}: a weight names a head that does not exist")
        if any(abs(w) >= _OFFSET for pairs in weights.values() for _, w in pairs):
            raise ModelError(f"{source}: a weight is too large to pack")
        if not all(0.0 <= v < 1.0 for v in veto_below.values()) or not set(veto_below) <= set(
            heads
        ):
            raise ModelError(f"{source}: veto_below must map heads to values in [0, 1)")
        return cls(heads, (low, high), bias, weights, bands, data.get("meta"), veto_below)


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


def _clauses(compact: str) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    start = 0
    for index, char in enumerate(compact):
        if char in HARD_BREAKS:
            if index > start:
                bounds.append((start, index))
            start = index + 1
    if start < len(compact):
        bounds.append((start, len(compact)))
    return bounds
