"""Frustration over turns: a conversation-level state, updated per shopper message, that hands the
conversation to a person when frustration has built up, never on one mild message.

Each message is read for cues, in families (counts capped at ``MAX_COUNT``):

- ``repeat``: the shopper repeats or restates (说了三遍, 我问的是, 又说, 每次, 第一句就说了,
  一会…一会);
- ``wait``: counting days and waiting (第五天, 三天了, 还没, 到现在, 天天);
- ``promise``: promises broken or not believed (说好, 不是说, 算不算数, 不能信);
- ``demand``: demanding a straight answer (到底, 给个准话, 要个说法, 怎么回事);
- ``accuse``: accusing the shop of brushing off (糊弄, 敷衍, 推卸, 踢皮球, 骗, 欺负);
- ``emotion``: anger and exasperation (气死, 受够, 无语, 离谱, 凭什么, 失望);
- ``emphasis``: ?? and !! runs, and exclamation marks.

The score of a message is a weighted sum (``FrustrationWeights``, a logistic regression fitted on
the train conversations' messages, python -m guardrails.models.evaluate_conversations --fit):
the families; the message's length (up to ``MAX_LENGTH`` characters), counted only when the
message carries a cue other than waiting or the caller's sentiment score is below
``NEGATIVE_BELOW`` (a long calm question is not a rant); the conversation's ``pressure``, the
decayed sum of the earlier messages' cues; and the turn (up to ``MAX_TURN``). The conversation
escalates when a message's score reaches ``threshold``: the shipped one is the highest that hands
over the most frustrated conversations on time with no calm conversation handed over and no
bot-loop conversation handed over early, on the train writers.

Similarity to the shopper's earlier messages and the bot's previous answer were tried as features
and did not help out of fold; a restated question shows in its wording (我问的是, 说了三遍). The
sentiment score only opens the length gate: a failing scorer (None) leaves the cues to decide.

The reason it escalates for is ``frustration`` (``FRUSTRATION``), a new name rather than
``negative_conversation``, whose rule (two negative scores in a row) it replaces: a handover
ticket then says which rule decided.

The state is a small value the gateway keeps per conversation as a string
(``FrustrationState.to_str``, ``f1:<turns>:<pressure>``); a damaged string reads as a fresh state.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .normalize import Normalizer, default_normalizer

STATE_VERSION = "f1"
FRUSTRATION = "frustration"

MAX_COUNT = 3
MAX_LENGTH = 40
MAX_TURN = 4
MAX_PRESSURE = 1000.0
# The shipped sentiment model's scores (low is negative): below this, a message is negative
# enough for its length to count without a cue.
NEGATIVE_BELOW = 0.48

_NUM = "[0-9一二两三四五六七八九十几好多半]"
FAMILIES: dict[str, re.Pattern[str]] = {
    "repeat": re.compile(
        f"(?:说|问|讲|发|传|催|找|打|试|跑|寄|提交|申请|上传|反馈|强调|解释|重复|驳回)(?:了|过|咗)?"
        f"{_NUM}+(?:遍|次|回|趟)"
        "|几遍|多少遍|一遍遍|一次又一次|一趟又一趟|一次两次|又一次|再三|反复|每次|每回|次次|回回"
        "|又说|又话|又讲|又叫我|又让我|又被|又驳回|又咁|今次又|一会儿?[^,.!?]{1,8}一会儿?"
        "|第一句|第一次就|早就|早说|上次也|上回也|昨天也|前天也|上次说|上回说|你上次"
        "|我问的是|俺问的是|我说的是|我问嘅|我要的是|说了半天|说过了|都说了|我说了|已经说了|讲过了"
        "|刚才说了|往上翻|还让我|还叫我"
    ),
    "wait": re.compile(
        f"第{_NUM}+(?:天|日|个工作日|周|个礼拜)"
        f"|{_NUM}+(?:天|日|个?小时|个钟头|个?礼拜|周|个?星期|个?月|个工作日)了"
        "|半个?月了|还没|还是没|仍然|仲未|仲系|仍未|到现在|至今|一直没|都没|没动静|没消息|没信儿"
        "|没人回|拖|等了|等到|等着|等住|天天|日日|成日|整整"
    ),
    "promise": re.compile(
        "说好|不是说|说过会|答应|承诺|保证过|说话算|讲话算|算不算数|说话不算|一句真|信得过|不能信|不信|骗"
    ),
    "demand": re.compile(
        "到底|究竟|给个准话|准话|给句实话|说实话|给个说法|要个说法|管不管|还发不发|换不换|退不退"
        "|什么意思|啥意思|算什么|怎么回事|咋回事"
    ),
    "accuse": re.compile(
        "糊弄|忽悠|敷衍|打发|推脱|推卸|推来推去|就会推|往外推|一直在推|踢皮球|骗|坑|欺负|耍我|逗我"
        "|哄人|呃人|呃我|扯皮|走个过场|闹着玩|没人管|当我傻|当我瞎|当我是|以为我|默认顾客"
    ),
    "emotion": re.compile(
        "气死|气炸|气得|火大|上火|受够|够了|受不了|吃不消|无语|服了|离谱|荒唐|崩溃|烦死|好烦|很烦"
        "|真烦|烦人|心烦|生气|失望|心累|寒心|过分|凭什么|凭啥|什么道理|啥道理|绝了|太差|垃圾|恶心"
        "|气人|越想越气|气出病|要疯|可笑|没信心|不想说话|委屈|恼火"
    ),
}
CUE_FAMILIES = (*FAMILIES, "emphasis")
_RUN = re.compile(r"[!?]{2,}")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class MessageCues:
    """What one shopper message shows: a count per cue family, and its length."""

    repeat: int
    wait: int
    promise: int
    demand: int
    accuse: int
    emotion: int
    emphasis: int
    length: int

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def counts(self) -> tuple[int, ...]:
        return (
            self.repeat,
            self.wait,
            self.promise,
            self.demand,
            self.accuse,
            self.emotion,
            self.emphasis,
        )

    @property
    def beyond_waiting(self) -> bool:
        """A cue other than waiting: asking when, or saying it is the third day, is not a rant."""
        return self.total > self.wait


def message_cues(text: str, normalizer: Normalizer | None = None) -> MessageCues:
    """The cues of one shopper message, read on its shadow text (simplified, folded width)."""
    shadow = (normalizer or default_normalizer())(text).shadow
    counts = {
        name: min(len(pattern.findall(shadow)), MAX_COUNT) for name, pattern in FAMILIES.items()
    }
    emphasis = min(len(_RUN.findall(shadow)), 2) + min(shadow.count("!"), 2)
    return MessageCues(
        repeat=counts["repeat"],
        wait=counts["wait"],
        promise=counts["promise"],
        demand=counts["demand"],
        accuse=counts["accuse"],
        emotion=counts["emotion"],
        emphasis=min(emphasis, MAX_COUNT),
        length=len(_SPACE.sub("", shadow)),
    )


@dataclass(frozen=True, slots=True)
class FrustrationWeights:
    """The scoring rule: a weight per feature, the bias, and how fast pressure fades."""

    repeat: float
    wait: float
    promise: float
    demand: float
    accuse: float
    emotion: float
    emphasis: float
    length: float  # per 10 characters, when the length gate is open
    pressure: float
    turn: float
    bias: float
    decay: float = 0.7

    @property
    def cue_weights(self) -> tuple[float, ...]:
        return (
            self.repeat,
            self.wait,
            self.promise,
            self.demand,
            self.accuse,
            self.emotion,
            self.emphasis,
        )


# Fitted on the train writers' conversations (evaluate_conversations --fit); rounded.
SHIPPED_WEIGHTS = FrustrationWeights(
    repeat=0.61,
    wait=0.63,
    promise=0.04,
    demand=0.02,
    accuse=1.19,
    emotion=0.55,
    emphasis=0.42,
    length=2.44,
    pressure=0.47,
    turn=0.79,
    bias=-9.76,
)
THRESHOLD = -0.2


@dataclass(frozen=True, slots=True)
class FrustrationState:
    """What a conversation keeps between shopper messages: how many it has seen and the decayed
    sum of their cues."""

    turns: int = 0
    pressure: float = 0.0

    def to_str(self) -> str:
        return f"{STATE_VERSION}:{self.turns}:{self.pressure:.3f}"

    @classmethod
    def parse(cls, value: str | None) -> FrustrationState:
        """The state ``to_str`` wrote; anything else (None, another version, a damaged string)
        reads as a fresh state, which escalates later rather than sooner."""
        if not value:
            return FRESH
        parts = value.split(":")
        if len(parts) != 3 or parts[0] != STATE_VERSION or not parts[1].isdigit():
            return FRESH
        try:
            pressure = float(parts[2])
        except ValueError:
            return FRESH
        if not (math.isfinite(pressure) and 0.0 <= pressure <= MAX_PRESSURE):
            return FRESH
        return cls(int(parts[1]), pressure)


FRESH = FrustrationState()


class Frustration:
    """The scoring rule and its threshold; immutable after construction and safe to share."""

    def __init__(
        self,
        weights: FrustrationWeights = SHIPPED_WEIGHTS,
        threshold: float = THRESHOLD,
        normalizer: Normalizer | None = None,
    ) -> None:
        self.weights = weights
        self.threshold = threshold
        self._normalizer = normalizer or default_normalizer()

    def update(
        self,
        state: FrustrationState | str | None,
        message: str,
        sentiment: float | None = None,
    ) -> tuple[FrustrationState, bool]:
        """The state after the shopper's ``message``, and whether the conversation escalates
        now. ``state`` may be the stored string. ``sentiment`` is the caller's score of the
        message (low is negative), None when there is none."""
        current = state if isinstance(state, FrustrationState) else FrustrationState.parse(state)
        cues = message_cues(message, self._normalizer)
        score = self.score(current, cues, sentiment)
        # Rounded as stored, so a state read back from its string scores the next message alike.
        pressure = round(min(current.pressure * self.weights.decay + cues.total, MAX_PRESSURE), 3)
        return FrustrationState(current.turns + 1, pressure), score >= self.threshold

    def score(
        self, state: FrustrationState, cues: MessageCues, sentiment: float | None = None
    ) -> float:
        """The message's score in the conversation so far (a logit; ``threshold`` decides)."""
        weights = self.weights
        total = weights.bias
        for weight, count in zip(weights.cue_weights, cues.counts, strict=True):
            total += weight * count
        negative = sentiment is not None and sentiment < NEGATIVE_BELOW
        if cues.beyond_waiting or negative:
            total += weights.length * min(cues.length, MAX_LENGTH) / 10
        total += weights.pressure * state.pressure
        total += weights.turn * min(state.turns, MAX_TURN)
        return total
