"""Sentiment of a shopper's message: a small interface, and stock snownlp behind it, cached.

A score is in [0, 1], low meaning negative. ``None`` is the defined neutral result for a text the
scorer cannot weigh (empty, emoji only, not Chinese, too short); a scorer never raises.

Stock snownlp was trained on product reviews: it scores ordinary service questions as negative
(我想改一下收货地址 ≈ 0.02), so on its own it cannot tell anger from a question. The escalation
screen only asks it about messages that carry a negative cue (guardrails/escalation.py).
"""

from __future__ import annotations

import functools
import importlib
import math
import re
from collections.abc import Callable, Generator

from ..normalize import Normalizer, default_normalizer
from .base import NO_CUES, Cues

# Fewer Han characters than this and snownlp returns its prior (0.5) or one word's polarity: on the
# train split every message under 4 Han characters (人工, 在吗, 转人工, 真人！！！ …) scored between
# 0.21 and 0.69 whatever its label, and none of them was labelled negative.
MIN_HAN_CHARS = 4
CACHE_SIZE = 4096

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class SnowNLPScorer:
    """Stock snownlp's sentiment classifier on the normalised (simplified) text.

    Construction imports snownlp, which loads every model it ships (segmenter, tagger, sentiment)
    from its package: seconds and a few hundred MB, once per process; nothing is downloaded.
    Scores are cached by normalised text, so traditional and simplified spellings of one message,
    or the same message with other spacing, share one entry. Safe to share between threads
    (``functools.lru_cache`` locks its own bookkeeping; the model is only read).
    """

    def __init__(
        self,
        normalizer: Normalizer | None = None,
        *,
        cache_size: int = CACHE_SIZE,
        min_han_chars: int = MIN_HAN_CHARS,
    ) -> None:
        module = importlib.import_module("snownlp.sentiment")
        self._classify: Callable[[str], float] = module.classify
        self._normalizer = normalizer or default_normalizer()
        self._min_han_chars = min_han_chars
        self._cached = functools.lru_cache(maxsize=cache_size)(self._score_shadow)

    # The threshold the issue measured stock snownlp at; nothing here is tuned for it.
    threshold = 0.3
    conversation_threshold = 0.5

    def score(self, text: str, cues: Cues = NO_CUES) -> float | None:
        """Stock snownlp's score; ``cues`` are ignored (it has no use for them)."""
        try:
            shadow = " ".join(self._normalizer(text).shadow.split())
            return self._cached(shadow)
        except Exception:  # a scorer never raises: None is its neutral answer
            return None

    def score_steps(self, text: str, cues: Cues = NO_CUES) -> Generator[None, None, float | None]:
        """snownlp's decoder cannot be paused: all of it in one step."""
        return self.score(text, cues)
        yield  # a generator, with no pause

    def cache_info(self) -> functools._CacheInfo:
        return self._cached.cache_info()

    def _score_shadow(self, shadow: str) -> float | None:
        # snownlp is fed the shadow: its model knows simplified characters only.
        if len(_HAN.findall(shadow)) < self._min_han_chars:
            return None
        try:
            value = float(self._classify(shadow))
        except Exception:  # snownlp divides by zero on texts with no words left after stop words
            return None
        return value if math.isfinite(value) and 0.0 <= value <= 1.0 else None
