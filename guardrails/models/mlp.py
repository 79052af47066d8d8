"""A small neural classifier over character n-grams: one hidden layer, scored without numpy.

For shopper messages a linear model over n-grams is not enough (a request for a person, a
safety incident and an innocent look-alike share their words); one hidden layer of ``H`` units
learns the combinations. At run time the first layer is a sum of the active features' weight
rows: each row is packed into one Python integer (fixed point, one 32-bit lane per hidden unit,
offset to stay positive, as in ``ngram.py``), so the sum is one big-integer addition per
feature; then a ReLU and ``H`` multiply-adds per head. Trained by ``train_messages.py``.
"""

from __future__ import annotations

import gzip
import json
import math
from array import array
from collections.abc import Mapping, Sequence
from operator import itemgetter, mul
from pathlib import Path
from typing import Any

from ahocorasick_rs import AhoCorasick, MatchKind

from ..normalize import NormalizedText
from .ngram import MAX_CHARS, ModelError, feature_text

FORMAT = "ngram-mlp/1"
SCALE = 1 << 12
LANE = 32
_OFFSET = 1 << 15  # |weight| < 8 and fewer than 2**16 features a text: no lane overflows
_MASK = (1 << LANE) - 1
_FIRST = itemgetter(0)
# The output layer is packed too: one 48-bit lane per head holds sum_j h_j * (w_jk + offset),
# with h_j below 2**20 (in units of 1/SCALE) and the offset weight below 2**16: 64 units fit.
OUT_LANE = 48
_OUT_MASK = (1 << OUT_LANE) - 1
_MAX_HIDDEN = (1 << 20) - 1
if array("I").itemsize != 4:  # pragma: no cover - every platform CPython runs on today
    raise ImportError("guardrails.models.mlp needs 4-byte unsigned ints")


class MlpClassifier:
    """Immutable after construction; scoring is pure and safe to share between tasks."""

    def __init__(
        self,
        heads: Sequence[str],
        orders: tuple[int, int],
        first: Mapping[str, Sequence[int]],
        hidden_bias: Sequence[int],
        second: Sequence[Sequence[int]],
        output_bias: Sequence[int],
        meta: dict[str, Any] | None = None,
    ) -> None:
        """``first`` maps an n-gram to its H weights, ``second`` is H rows of one weight per
        head; every value is a fixed-point integer in units of 1/SCALE."""
        self.heads = tuple(heads)
        self.orders = orders
        self.hidden = len(hidden_bias)
        self.meta = dict(meta or {})
        self._keys = sorted(first)
        self._rows = [tuple(first[key]) for key in self._keys]
        self._packed = [self._pack(row) for row in self._rows]
        self._hidden_bias = [value / SCALE for value in hidden_bias]
        self._second = [[value / SCALE for value in row] for row in second]
        self._output_bias = [value / SCALE for value in output_bias]
        self._hidden_bias_fixed = list(hidden_bias)
        self._output_bias_fixed = [value * SCALE for value in output_bias]
        self._second_packed = [
            sum((weight + _OFFSET) << (OUT_LANE * head) for head, weight in enumerate(row))
            for row in second
        ]
        self._automaton = (
            AhoCorasick(self._keys, matchkind=MatchKind.Standard) if self._keys else None
        )

    @staticmethod
    def _pack(row: Sequence[int]) -> int:
        packed = 0
        for unit, weight in enumerate(row):
            packed |= (weight + _OFFSET) << (LANE * unit)
        return packed

    @property
    def size(self) -> int:
        return len(self._keys)

    def _active(self, text: NormalizedText) -> set[int]:
        if self._automaton is None:
            return set()
        features = feature_text(text)[:MAX_CHARS]
        return set(map(_FIRST, self._automaton.find_matches_as_indexes(features, overlapping=True)))

    def hidden_layer(self, active: set[int]) -> list[int]:
        """The hidden units after the ReLU, fixed point (1/SCALE)."""
        total = sum(map(self._packed.__getitem__, active))
        lanes = array("I")
        lanes.frombytes(total.to_bytes(4 * self.hidden, "little"))
        offset = len(active) * _OFFSET
        return [
            min(_MAX_HIDDEN, value) if (value := lane - offset + bias) > 0 else 0
            for lane, bias in zip(lanes, self._hidden_bias_fixed, strict=True)
        ]

    def probabilities(self, text: NormalizedText) -> list[float]:
        hidden = self.hidden_layer(self._active(text))
        total = sum(map(mul, hidden, self._second_packed))
        offset = sum(hidden) * _OFFSET
        scale = SCALE * SCALE
        return [
            _sigmoid((bias + ((total >> (OUT_LANE * head)) & _OUT_MASK) - offset) / scale)
            for head, bias in enumerate(self._output_bias_fixed)
        ]

    def reference_probabilities(self, features: set[str]) -> list[float]:
        """The same from a set of n-grams, unit by unit (what training computed): for tests."""
        lookup = dict(zip(self._keys, self._rows, strict=True))
        hidden = list(self._hidden_bias)
        for gram in features:
            for unit, weight in enumerate(lookup.get(gram, ())):
                hidden[unit] += weight / SCALE
        logits = list(self._output_bias)
        for value, row in zip(hidden, self._second, strict=True):
            for head, out in enumerate(row):
                logits[head] += max(0.0, value) * out
        return [_sigmoid(logit) for logit in logits]

    @classmethod
    def load(cls, path: Path) -> MlpClassifier:
        try:
            raw = path.read_bytes()
            data = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, gzip.BadGzipFile) as exc:
            raise ModelError(f"{path}: cannot read the model: {exc}") from exc
        return cls.from_json(data, str(path))

    @classmethod
    def from_json(cls, data: Any, source: str = "model") -> MlpClassifier:
        try:
            if data["format"] != FORMAT:
                raise ModelError(f"{source}: format {data['format']!r}, expected {FORMAT!r}")
            heads = [str(head) for head in data["heads"]]
            low, high = (int(value) for value in data["orders"])
            hidden_bias = [int(value) for value in data["hidden_bias"]]
            first = {str(g): [int(w) for w in row] for g, row in data["first"].items()}
            second = [[int(w) for w in row] for row in data["second"]]
            output_bias = [int(value) for value in data["output_bias"]]
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ModelError):
                raise
            raise ModelError(f"{source}: not a model of format {FORMAT}: {exc!r}") from exc
        units = len(hidden_bias)
        if (
            len(second) != units
            or any(len(row) != len(heads) for row in second)
            or len(output_bias) != len(heads)
            or any(len(row) != units for row in first.values())
        ):
            raise ModelError(f"{source}: the layers' sizes do not agree")
        if any(abs(w) >= _OFFSET for row in first.values() for w in row):
            raise ModelError(f"{source}: a first-layer weight is too large to pack")
        return cls(heads, (low, high), first, hidden_bias, second, output_bias, data.get("meta"))


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)
