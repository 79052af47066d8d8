"""What every sentiment scorer offers the escalation screen, and what the screen tells it."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Protocol, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Cues:
    """What the escalation screen found in the same message (guardrails/escalation.py)."""

    negative: int = 0  # negative cues: insults, angry emoji, !!!, 说了三遍 …
    sensitive: bool = False
    human_request: bool = False


NO_CUES = Cues()


class SentimentScorer(Protocol):
    """Pure and synchronous: a score in [0, 1] (low is negative), or None, the defined neutral
    result for a text with nothing to weigh (empty, emoji only, not Chinese). Never raises."""

    @property
    def threshold(self) -> float:
        """A message scored below this is negative enough to escalate."""
        ...

    @property
    def conversation_threshold(self) -> float:
        """Two messages in a row scored below this are negative together."""
        ...

    def score(self, text: str, cues: Cues = NO_CUES) -> float | None: ...

    def score_steps(self, text: str, cues: Cues = NO_CUES) -> Generator[None, None, float | None]:
        """``score`` in pieces: each ``next`` does a bounded part of the work (one run of Han
        characters), so a caller on an event loop can let other callbacks run in between. The
        generator's return value is ``score(text, cues)``. A scorer that cannot split its work
        does it all in the first step."""
        ...


def run_steps(steps: Generator[None, None, T]) -> T:
    """Runs a stepwise computation (``score_steps``, ``weigh_steps``) to the end, in one go."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]


def whole_score(scorer: SentimentScorer, text: str, cues: Cues = NO_CUES) -> float | None:
    """``score_steps`` run to the end: what ``score`` returns."""
    return run_steps(scorer.score_steps(text, cues))
