"""Frustration over turns: a build-up escalates at its turn; one mild (or one angry) message, a
long calm conversation and a long calm question do not; the state survives storage and damage."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails import FRUSTRATION, Frustration, FrustrationState
from guardrails.frustration import FRESH, MAX_PRESSURE, message_cues

FRUSTRATED = Frustration()


def first_escalation(
    messages: Sequence[str], sentiments: Sequence[float | None] | None = None
) -> int | None:
    """The 1-based turn at which the conversation escalates, the state going through its
    string form between messages as the gateway stores it."""
    stored: str | None = None
    for turn, message in enumerate(messages, 1):
        sentiment = sentiments[turn - 1] if sentiments else None
        state, escalate = FRUSTRATED.update(stored, message, sentiment)
        if escalate:
            return turn
        stored = state.to_str()
    return None


BUILD_UPS = [
    (
        [
            "请问我的订单什么时候发货",
            "已经三天了还没发货",
            "第五天了，你们昨天也说今天发，到底什么时候发？",
            "说了三遍了，每次都说加急加急，到现在还是没发，你们就是在敷衍我，我真的受够了！！",
        ],
        4,
    ),
    (
        [
            "退款什么时候到账",
            "已经第六个工作日了，还是没到",
            "我问的是具体哪天到，不是让我再等等",
            "上次说三天，这都一周了，一会说审核一会说银行，你们说话到底算不算数，我对你们太失望了",
        ],
        4,
    ),
    (
        [
            "耳机右边没声音",
            "重置过了，没用",
            "试过了，还是一样",
            "我第一句就说了重置过了！！你们到底有没有在看我写的？每次都让我重新试，浪费我一晚上，气死了",
        ],
        4,
    ),
]


@pytest.mark.parametrize(("messages", "turn"), BUILD_UPS)
def test_frustration_that_builds_up_escalates_at_its_turn(messages: list[str], turn: int) -> None:
    assert first_escalation(messages) == turn
    # the sentiment score only opens the length gate: with a negative score it is no later
    assert (first_escalation(messages, [0.1] * len(messages)) or 99) <= turn


def test_the_turns_before_make_the_last_message_weigh_more() -> None:
    for messages, turn in BUILD_UPS:
        state: FrustrationState | None = None
        for message in messages[: turn - 1]:
            state, _ = FRUSTRATED.update(state, message)
        assert state is not None
        last = message_cues(messages[turn - 1])
        assert FRUSTRATED.score(state, last) > FRUSTRATED.score(FRESH, last) + 2


@pytest.mark.parametrize(
    "message",
    [
        "有点慢啊，不过没关系",
        "说实话有点扫兴，孩子等着用呢",
        "包装有点破，东西没事",
        "你们就是骗子！！气死我了",  # angry, but one message: the message screen's business
    ],
)
@pytest.mark.parametrize("turn", [1, 3, 6])
def test_one_mild_or_single_message_does_not(message: str, turn: int) -> None:
    calm = ["这款有白色的吗", "好的", "什么时候能发货", "好的谢谢", "多久能到", "行"]
    assert first_escalation([*calm[: turn - 1], message]) is None


LONG_CALM = [
    "在吗，想问下这款儿童餐椅",
    "宝宝八个月大了，请问安全带是五点式的吗，托盘可以拆下来洗吗，材质有没有异味，我家宝宝比较敏感",
    "可以调高度吗",
    "最高能调到多少厘米",
    "有几种颜色",
    "灰色和粉色哪个耐脏",
    "那要灰色的，能开发票吗，抬头写公司",
    "今天下单什么时候能到成都",
    "还没收到发货通知，是还没发吗",
    "好的，那我等着",
    "收到了，有点小划痕，不过不影响用",
    "好的谢谢，挺满意的",
]


def test_a_long_calm_conversation_does_not() -> None:
    assert first_escalation(LONG_CALM) is None
    assert first_escalation(LONG_CALM, [0.9] * len(LONG_CALM)) is None


def test_a_long_question_without_cues_has_no_length() -> None:
    """Length counts only with a cue beyond waiting or a negative sentiment score."""
    long = LONG_CALM[1]
    state = FrustrationState(turns=4, pressure=0.0)
    cues = message_cues(long)
    assert not cues.beyond_waiting and cues.length > 40
    quiet = FRUSTRATED.score(state, cues)
    assert FRUSTRATED.score(state, cues, sentiment=0.9) == quiet
    assert FRUSTRATED.score(state, cues, sentiment=0.1) > quiet


def test_state_round_trip_and_size() -> None:
    state, _ = FRUSTRATED.update(None, BUILD_UPS[0][0][1])
    assert state == FrustrationState(1, 2.0)
    assert state.to_str() == "f1:1:2.000"
    assert FrustrationState.parse(state.to_str()) == state
    for _ in range(500):
        state, _ = FRUSTRATED.update(state, BUILD_UPS[0][0][-1])
    assert len(state.to_str().encode("utf-8")) <= 1024
    assert state.pressure <= MAX_PRESSURE
    assert FrustrationState.parse(state.to_str()) == state
    assert FRUSTRATION == "frustration"


@pytest.mark.parametrize(
    "stored",
    [None, "", "garbage", "f1", "f1:x:1.0", "f1:-1:1.0", "f1:3:nan", "f1:3:inf", "f1:3:-1",
     "f1:3:1e9", "f1:3:abc", "f2:3:1.0", "f1:3:1.0:extra", "r1:3:1.0", "f1: 3:1.0"],
)  # fmt: skip
def test_a_damaged_state_reads_as_fresh(stored: str | None) -> None:
    assert FrustrationState.parse(stored) == FRESH
    state, escalate = FRUSTRATED.update(stored, "好的")
    assert state == FrustrationState(1, 0.0) and not escalate


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.text(max_size=120))
def test_never_raises(stored: str, message: str) -> None:
    state, escalate = FRUSTRATED.update(stored, message)
    assert FrustrationState.parse(state.to_str()) == state
    assert isinstance(escalate, bool)
