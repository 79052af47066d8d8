"""What turns snownlp's Bayes probability and a few cues into a calibrated "negative enough" score.

A logistic regression over named features, fitted by ``train.py`` on the train split of the
labelled shopper messages and stored as JSON next to the Bayes model. Features are standardised
with the training means and scales, so a weight says how much one standard deviation moves the
log-odds. Pure arithmetic: no numpy, thirteen multiplications a message.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


class CalibrationError(Exception):
    """The calibration file is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Calibration:
    features: tuple[str, ...]
    weights: tuple[float, ...]
    intercept: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    threshold: float  # P(negative) above which a message is negative enough to escalate
    trained_on: dict[str, Any]  # what it was fitted on and how well it did, for people

    def __post_init__(self) -> None:
        n = len(self.features)
        if not (len(self.weights) == len(self.means) == len(self.scales) == n):
            raise CalibrationError("features, weights, means and scales differ in length")
        if any(scale <= 0 for scale in self.scales) or not 0.0 < self.threshold < 1.0:
            raise CalibrationError("scales must be positive and the threshold inside (0, 1)")

    def negative_probability(self, values: Sequence[float]) -> float:
        z = self.intercept
        for weight, value, mean, scale in zip(
            self.weights, values, self.means, self.scales, strict=True
        ):
            z += weight * (value - mean) / scale
        return sigmoid(z)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1) + "\n", "utf-8")

    @classmethod
    def load(cls, path: Path) -> Calibration:
        try:
            data = json.loads(path.read_text("utf-8"))
            return cls(
                features=tuple(data["features"]),
                weights=tuple(float(x) for x in data["weights"]),
                intercept=float(data["intercept"]),
                means=tuple(float(x) for x in data["means"]),
                scales=tuple(float(x) for x in data["scales"]),
                threshold=float(data["threshold"]),
                trained_on=dict(data.get("trained_on", {})),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CalibrationError(f"{path}: {exc}") from exc


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def fit_logistic(
    rows: Sequence[Sequence[float]],
    labels: Sequence[bool],
    *,
    l2: float = 1.0,
    iterations: int = 50,
) -> tuple[tuple[float, ...], float, tuple[float, ...], tuple[float, ...]]:
    """(weights, intercept, means, scales): L2-regularised logistic regression by Newton's method
    on standardised features. Deterministic: the same rows give the same floats."""
    n, k = len(rows), len(rows[0])
    means = tuple(sum(row[j] for row in rows) / n for j in range(k))
    scales = tuple(
        math.sqrt(sum((row[j] - means[j]) ** 2 for row in rows) / n) or 1.0 for j in range(k)
    )
    xs = [[1.0] + [(row[j] - means[j]) / scales[j] for j in range(k)] for row in rows]
    ys = [1.0 if label else 0.0 for label in labels]
    w = [0.0] * (k + 1)
    for _ in range(iterations):
        gradient = [0.0] * (k + 1)
        hessian = [[0.0] * (k + 1) for _ in range(k + 1)]
        for x, y in zip(xs, ys, strict=True):
            p = sigmoid(sum(a * b for a, b in zip(w, x, strict=True)))
            error, curvature = p - y, p * (1.0 - p)
            for i in range(k + 1):
                gradient[i] += error * x[i]
                row = hessian[i]
                ci = curvature * x[i]
                for j in range(i, k + 1):
                    row[j] += ci * x[j]
        for i in range(1, k + 1):  # the intercept is not penalised
            gradient[i] += l2 * w[i]
            hessian[i][i] += l2
        for i in range(k + 1):
            for j in range(i):
                hessian[i][j] = hessian[j][i]
        step = _solve(hessian, gradient)
        w = [a - b for a, b in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-10:
            break
    return tuple(w[1:]), w[0], means, scales


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the matrix is small and positive definite)."""
    size = len(vector)
    a = [row[:] + [vector[i]] for i, row in enumerate(matrix)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, size):
            factor = a[r][col] / a[col][col]
            for c in range(col, size + 1):
                a[r][c] -= factor * a[col][c]
    solution = [0.0] * size
    for r in range(size - 1, -1, -1):
        tail = sum(a[r][c] * solution[c] for c in range(r + 1, size))
        solution[r] = (a[r][size] - tail) / a[r][r]
    return solution
