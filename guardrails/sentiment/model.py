"""Shopper sentiment for customer service: is this message negative enough for a human?

Stock snownlp was trained on product reviews and reads ordinary service questions as negative
(我想改一下收货地址 ≈ 0.02). This model keeps snownlp's engine, its naive Bayes classifier, but
retrained on customer-service messages written for this project ("neg" = a complaint a person
should take: moderate or strong negative; "pos" = everything else), and feeds its log-odds, with
cues the data showed it misses, to a logistic regression fitted on the same train split:

- the escalation lexicon's negative cues, and whether the message is sensitive or asks for a human;
- intensity words (太, 根本, 到底 …) and negated praise (不满意, 一点也不好, 没人管), which a
  bag of words reads backwards;
- question and politeness markers, which mark the ordinary service question;
- exclamation marks, !!!/??? runs, and length.

``score`` is P(not negative enough) in [0, 1], low meaning negative, as snownlp's scores are;
``threshold`` in the calibration is the P(negative) the train split chose. The same text, cues
and model files always give the same score.

A text with no Chinese (empty, spaces, emoji, English, an order number) has nothing to weigh: its
score is ``None``, the defined neutral result. Cues still count in the escalation screen.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

from ..normalize import NormalizedText, Normalizer, default_normalizer
from .base import NO_CUES, Cues
from .bayes import NaiveBayes, known_once, load_stop_words, without_stop_words
from .calibration import Calibration
from .segment import SegmentationModel

MODEL_DIR = Path(__file__).resolve().parent / "model"
BAYES_FILE = "bayes.marshal.3"  # written by snownlp's Sentiment.save (it appends ".3")
CALIBRATION_FILE = "calibration.json"

# Only this much of a message is read: the first and last HALF_WINDOW characters. Anger shows at
# either end of a rant, and a 2,000-character message then costs what a 240-character one does.
HALF_WINDOW = 120
CACHE_SIZE = 8192
# Longer than nearly every labelled message: past this, length says nothing the data can back.
MAX_HAN_COUNTED = 80
_LOGIT_LIMIT = 15.0

_HAN = re.compile("[\u4e00-\u9fa5]")
_INTENSITY = re.compile(
    "太|非常|真的|简直|根本|到底|究竟|死了|透顶|极了|特别|完全|彻底|再也|从来|竟然|居然|实在"
    "|一直|总是|老是|每次|还是没|又"
)
_NEGATED_PRAISE = re.compile(
    "(?:不|没|没有|别|并不|一点也不|一点都不|一点儿也不|毫不)"
    "(?:满意|好|行|靠谱|值|合格|专业|负责|讲理|理人|理我|管|处理|解决|回复|回|发货|发|到|认|像话)"
)
_QUESTION = re.compile("吗|呢|么|多久|什么时候|怎么|如何|能不能|可不可以|可以|请问|是否|哪|几|多少")
_POLITE = re.compile("谢谢|感谢|麻烦|辛苦|请|您|亲|哈|呀|哦|~|🙏|😊")
_EMPHASIS = re.compile(r"[!?]{2,}")

FEATURES = (
    "bayes_log_odds",
    "negative_cues",
    "sensitive",
    "human_request",
    "intensity",
    "negated_praise",
    "question",
    "politeness",
    "exclamations",
    "emphasis",
    "second_person",
    "han_chars_log",
)


def prepare(normalized: NormalizedText) -> str:
    """The text the model reads: the normalised shadow (simplified, NFKC, case-folded), spaces
    collapsed, at most 2·HALF_WINDOW characters (head and tail)."""
    text = " ".join(normalized.shadow.split())
    if len(text) > 2 * HALF_WINDOW:
        text = text[:HALF_WINDOW] + " " + text[-HALF_WINDOW:]
    return text


def has_chinese(prepared: str) -> bool:
    return _HAN.search(prepared) is not None


def features(prepared: str, positive: float, cues: Cues) -> list[float]:
    """The calibration's inputs, in FEATURES order; ``positive`` is the Bayes P(pos)."""
    p = min(max(1.0 - positive, 1e-300), 1.0)
    log_odds = math.log(p) - math.log(max(positive, 1e-300))
    return [
        max(-_LOGIT_LIMIT, min(_LOGIT_LIMIT, log_odds)),
        float(min(cues.negative, 3)),
        float(cues.sensitive),
        float(cues.human_request),
        float(min(len(_INTENSITY.findall(prepared)), 4)),
        float(min(len(_NEGATED_PRAISE.findall(prepared)), 3)),
        float(min(len(_QUESTION.findall(prepared)), 3)),
        float(min(len(_POLITE.findall(prepared)), 3)),
        float(min(prepared.count("!"), 6)),
        float(min(len(_EMPHASIS.findall(prepared)), 3)),
        float(min(prepared.count("你们"), 3)),
        math.log1p(min(len(_HAN.findall(prepared)), MAX_HAN_COUNTED)),
    ]


class ShopperSentiment:
    """The customer-service sentiment model. Pure and synchronous; never raises from ``score``.

    ``positive`` is the Bayes engine: P(pos) of a prepared text. ``load`` gives the fast engine
    (segment.py + bayes.py); ``reference.py`` gives snownlp's own classes with the same files.
    Scores are cached by (prepared text, cues).
    """

    def __init__(
        self,
        positive: Callable[[str], float],
        calibration: Calibration,
        normalizer: Normalizer | None = None,
        *,
        cache_size: int = CACHE_SIZE,
        warm_steps: Callable[[str], Iterator[None]] | None = None,
    ) -> None:
        if calibration.features != FEATURES:
            raise ValueError(f"calibration has features {calibration.features}, not {FEATURES}")
        self._positive = positive
        self._warm_steps = warm_steps
        self.calibration = calibration
        self._normalizer = normalizer or default_normalizer()
        self._cached = functools.lru_cache(maxsize=cache_size)(self._score_prepared)

    @classmethod
    def load(
        cls,
        segmentation: SegmentationModel,
        model_dir: Path = MODEL_DIR,
        normalizer: Normalizer | None = None,
        *,
        cache_size: int = CACHE_SIZE,
    ) -> ShopperSentiment:
        bayes = NaiveBayes.load(model_dir / BAYES_FILE)
        stop = load_stop_words()

        def positive(prepared: str) -> float:
            words = without_stop_words(segmentation.words(prepared), stop)
            return bayes.positive(known_once(words, bayes.vocabulary))

        calibration = Calibration.load(model_dir / CALIBRATION_FILE)
        return cls(
            positive,
            calibration,
            normalizer,
            cache_size=cache_size,
            warm_steps=segmentation.warm_steps,
        )

    @property
    def threshold(self) -> float:
        """Scores below this are negative enough to escalate (1 − the calibrated P threshold)."""
        return 1.0 - self.calibration.threshold

    @property
    def conversation_threshold(self) -> float:
        """Half the evidence, twice in a row: P(negative) above half the threshold. There are no
        labelled conversations, so this is a policy choice, not a measured one."""
        return 1.0 - self.calibration.threshold / 2

    def score(self, text: str, cues: Cues = NO_CUES) -> float | None:
        try:
            return self.score_normalized(self._normalizer(text), cues)
        except Exception:  # a scorer never raises: None is its neutral answer
            return None

    def score_normalized(self, normalized: NormalizedText, cues: Cues = NO_CUES) -> float | None:
        try:
            return self._cached(prepare(normalized), cues)
        except Exception:  # a scorer never raises: None is its neutral answer
            return None

    def score_steps(self, text: str, cues: Cues = NO_CUES) -> Generator[None, None, float | None]:
        """``score`` with a pause after each run of Han characters is decoded (the costly part,
        ~12 µs a character), so a long message never holds an event loop for its whole cost."""
        try:
            prepared = prepare(self._normalizer(text))
            if self._warm_steps is not None and has_chinese(prepared):
                yield from self._warm_steps(prepared)
            return self._cached(prepared, cues)
        except Exception:  # a scorer never raises: None is its neutral answer
            return None

    def cache_clear(self) -> None:
        self._cached.cache_clear()

    def _score_prepared(self, prepared: str, cues: Cues) -> float | None:
        if not has_chinese(prepared):
            return None
        values = features(prepared, self._positive(prepared), cues)
        return 1.0 - self.calibration.negative_probability(values)
