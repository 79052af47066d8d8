"""What every sentiment scorer offers the escalation screen, and what the screen tells it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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
