"""The message screen: every trigger, near-misses, disguises, the policy, the conversation rule."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import guardrails
from guardrails import (
    DEFAULT_POLICY,
    EscalationPolicy,
    LexiconError,
    MessageFinding,
    MessageScreen,
    PhraseList,
    conversation_negative,
    default_normalizer,
    load_escalation_phrases,
)
from guardrails.escalation import read_sections
from guardrails.sentiment import NO_CUES, Cues
from tests.guardrails.conftest import lexicon_dir

ESCALATION = lexicon_dir() / "escalation"


class FixedScorer:
    """A scorer that answers one value and records what it was told."""

    threshold = 0.5
    conversation_threshold = 0.7

    def __init__(self, value: float | None) -> None:
        self.value = value
        self.cues: list[Cues] = []

    def score(self, text: str, cues: Cues = NO_CUES) -> float | None:
        self.cues.append(cues)
        return self.value

    def score_steps(self, text: str, cues: Cues = NO_CUES) -> Generator[None, None, float | None]:
        yield  # one pause, as a real scorer makes between runs
        return self.score(text, cues)


class BrokenScorer:
    threshold = 0.5
    conversation_threshold = 0.7

    def score(self, text: str, cues: Cues = NO_CUES) -> float | None:
        raise RuntimeError("model missing")

    def score_steps(self, text: str, cues: Cues = NO_CUES) -> Generator[None, None, float | None]:
        yield  # one pause, as a real scorer makes between runs
        return self.score(text, cues)


@pytest.fixture(scope="module")
def phrases() -> PhraseList:
    return load_escalation_phrases(ESCALATION)


def screen_with(phrases: PhraseList, scorer: object) -> MessageScreen:
    return MessageScreen(phrases, scorer, default_normalizer())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "reason", "rule"),
    [
        # asking for a human: phrases, transfer verbs, whole clauses, typos, disguises
        ("转人工", "human_request", "human_request.direct"),
        ("转个人工", "human_request", "human_request.transfer"),
        ("帮我转给人工", "human_request", "human_request.transfer"),
        ("接个人工", "human_request", "human_request.transfer"),
        ("麻烦转一下售后人工", "human_request", "human_request.transfer"),
        ("我要跟真人说话", "human_request", "human_request.talk"),
        ("能和人工客服沟通一下吗", "human_request", "human_request.talk"),
        ("换个真人来", "human_request", "human_request.transfer"),
        ("叫你们客服出来", "human_request", "human_request.come_out"),
        ("让你们经理过来", "human_request", "human_request.come_out"),
        ("我要跟你们领导说话", "human_request", "human_request.talk"),
        ("人工", "human_request", "human_request.whole"),
        ("人工！！！", "human_request", "human_request.whole"),
        ("人工 谢谢", "human_request", "human_request.whole"),
        ("人工人工人工", "human_request", "human_request.whole"),
        ("rg", "human_request", "human_request.whole"),
        ("RG rg", "human_request", "human_request.whole"),
        ("转仁工", "human_request", "human_request.typo"),
        ("找认工", "human_request", "human_request.transfer"),
        ("有没有活人啊", "human_request", "human_request.real_person"),
        ("别让机器人回我了", "human_request", "human_request.reject_bot"),
        ("叫你们店长", "human_request", "human_request.manager"),
        ("轉人工", "human_request", "human_request.direct"),  # traditional
        ("請幫我轉接真人客服", "human_request", "human_request.transfer"),
        ("转*人*工", "human_request", "human_request.direct"),  # inserted symbols
        ("人 工 客 服 在 吗", "human_request", "human_request.direct"),
        ("转❤人工😊", "human_request", "human_request.direct"),  # emoji
        ("ＲＧ", "human_request", "human_request.whole"),  # full-width
        # sensitive matters, by section
        ("我要打12315投诉你们", "sensitive", "sensitive.authority"),
        ("不退款我就打 12315", "sensitive", "sensitive.authority"),
        ("我要向消保官投訴你們", "sensitive", "sensitive.authority"),
        ("申请平台介入", "sensitive", "sensitive.platform"),
        ("我已经报警了", "sensitive", "sensitive.police"),
        ("這是詐騙，我要報警", "sensitive", "sensitive.fraud"),
        ("律师函已经寄出", "sensitive", "sensitive.legal"),
        ("我要发微博曝光你们", "sensitive", "sensitive.press"),
        ("孩子的手被烫伤了", "sensitive", "sensitive.injury"),
        ("插座冒烟了", "sensitive", "sensitive.safety"),
        ("饼干里吃出虫子", "sensitive", "sensitive.food"),
        ("我不想活了", "sensitive", "sensitive.self_harm"),
        ("投-诉", "sensitive", "sensitive.platform"),
        # negative emotion: a cue, which the scorer does not find positive
        ("你们就是一群废物", "negative", "negative.insult"),
        ("气死我了 口红断成两截", "negative", "negative.anger"),
        ("太让人失望了 再也不买了", "negative", "negative.disappointment"),
        ("你们的售后就是踢皮球", "negative", "negative.service"),
        ("这质量也太差了吧", "negative", "negative.quality"),
        ("你们到底什么时候发货", "negative", "negative.waiting"),
        ("还不发货😡😡😡", "negative", "negative.emoji"),
        ("还不发货？？？", "negative", "negative.emphasis"),
        ("我已经问了五遍了", "negative", "negative.repeated"),
        ("氣死我了，爛透了", "negative", "negative.anger"),  # traditional
        ("垃 圾 店 铺", "negative", "negative.insult"),
        ("😡😡😡", "negative", "negative.emoji"),  # unscorable, the cue decides
    ],
)
def test_triggers(screen: MessageScreen, text: str, reason: str, rule: str) -> None:
    verdict = screen.check(text)
    assert reason in verdict.reasons
    assert rule in verdict.rules
    assert verdict.escalate


@pytest.mark.parametrize(
    "text",
    [
        "你们是人工还是机器人呀？",  # a question about the bot, not a request
        "請問你們是真人還是機器人？",
        "相机的曝光补偿怎么调",
        "爆款",
        "支持110V电压吗",
        "手机死机了怎么重启",
        "需要人工安装吗",
        "可以直接人工挑选吗",
        "麻烦跟老板说一下便宜点",
        "人工费怎么算",
        "有真人实拍图吗",
        "人工智能音箱能连wifi吗",
        "扫地机器人回复出厂设置怎么弄",
        "不用转人工了，问题解决了",  # a request taken back
        "别找真人了 我自己看看",
        "订单号1231567890查一下",  # 12315 inside a longer number
        "烟雾报警器多少钱",
        "有花生成分吗 家里孩子花生过敏",
        "给他妈妈买的生日礼物",
        "去死皮的磨砂膏有吗",
        "一星期能到吗",  # 一星 is no rating here
        "包装有点简陋",  # a mild remark
        "有点失望 颜色比图暗",
        "拉链拉到底部会卡住吗",
        "收到衣服了 谢谢",
        "好的明白了 谢谢解答😊",
        "在吗",
        "",
        "   ",
        "👍👍👍",
    ],
)
def test_near_misses(screen: MessageScreen, text: str) -> None:
    verdict = screen.check(text)
    assert verdict.reasons == ()
    assert not verdict.escalate


def test_findings_hold_spans_not_text(screen: MessageScreen) -> None:
    text = "亲，我要投诉你们，转人工"
    verdict = screen.check(text)
    assert verdict.reasons[:2] == ("human_request", "sensitive")  # and negative, rightly
    for finding in verdict.findings:
        assert isinstance(finding, MessageFinding)
        assert 0 <= finding.start < finding.end <= len(text)
        assert set(finding.to_json()) == {"rule", "category", "start", "end"}
    spans = {f.category: text[f.start : f.end] for f in verdict.findings}
    assert spans == {"sensitive": "我要投诉", "human_request": "转人工"}
    logged = str(verdict.to_json())
    assert "投诉" not in logged and "人工" not in logged


def test_a_cue_swallows_no_request(screen: MessageScreen) -> None:
    """麻烦人工看一下 holds the cue 烦人; each reason has its own automaton, so both are found."""
    assert screen.check("麻烦人工看一下我的订单").reasons[0] == "human_request"


@pytest.mark.parametrize(
    ("score", "policy", "negative"),
    [
        (0.05, DEFAULT_POLICY, True),
        (0.49, DEFAULT_POLICY, True),  # below the scorer's own threshold (0.5)
        (0.5, DEFAULT_POLICY, False),
        (0.95, DEFAULT_POLICY, False),
        (0.5, EscalationPolicy(negative_below=0.6), True),  # the shop's threshold wins
        (0.3, EscalationPolicy(negative_below=0.2), False),
    ],
)
def test_the_score_decides(
    phrases: PhraseList, score: float, policy: EscalationPolicy, negative: bool
) -> None:
    verdict = screen_with(phrases, FixedScorer(score)).check("你们到底什么时候发货", policy)
    assert ("negative" in verdict.reasons) is negative
    assert verdict.sentiment == score


def test_the_scorer_is_told_the_cues(phrases: PhraseList) -> None:
    scorer = FixedScorer(0.9)
    screen_with(phrases, scorer).check("垃圾！气死我了，我要投诉")
    screen_with(phrases, scorer).check("我想改一下收货地址")
    assert scorer.cues[0].negative >= 2 and scorer.cues[0].sensitive
    assert not scorer.cues[0].human_request
    assert scorer.cues[1] == NO_CUES


def test_screen_then_weigh(phrases: PhraseList) -> None:
    """Phase one finds requests and sensitive matters without scoring; phase two scores."""
    scorer = FixedScorer(0.1)
    screen = screen_with(phrases, scorer)
    first = screen.screen("你们到底什么时候发货")
    assert first.reasons == () and first.sentiment is None and scorer.cues == []
    second = screen.weigh("你们到底什么时候发货", first)
    assert second.reasons == ("negative",) and second.sentiment == 0.1


@pytest.mark.parametrize("scorer", [FixedScorer(None), None])
def test_an_unweighed_cue_counts(phrases: PhraseList, scorer: FixedScorer | None) -> None:
    verdict = screen_with(phrases, scorer).check("垃圾！")
    assert verdict.reasons == ("negative",) and verdict.sentiment is None


def test_a_failing_scorer_is_reported_and_the_message_is_weighed_without_it(
    phrases: PhraseList,
) -> None:
    """Never silent: the verdict says the scorer failed (the gateway logs it), and the rules
    (and the intent model, when the screen has one) still weigh the message."""
    verdict = screen_with(phrases, BrokenScorer()).check("气死我了！！！我要投诉")
    assert verdict.sentiment_failed and verdict.sentiment is None
    assert "sensitive" in verdict.reasons and "negative" in verdict.reasons


def test_a_failing_check_fails_closed(phrases: PhraseList) -> None:
    screen = screen_with(phrases, FixedScorer(0.9))
    screen._lexicons = None  # type: ignore[assignment]  # the screen itself breaks
    verdict = screen.check("气死我了")
    assert verdict.reasons == ("error",)
    assert verdict.findings == (MessageFinding("escalation.error", "error", 0, 4),)


@pytest.mark.parametrize(
    ("policy", "reasons"),
    [
        (DEFAULT_POLICY, ("human_request", "sensitive", "negative")),
        (EscalationPolicy(human_request=False), ("sensitive", "negative")),
        (EscalationPolicy(sensitive=False), ("human_request", "negative")),
        (EscalationPolicy(negative=False), ("human_request", "sensitive")),
        (EscalationPolicy(False, False, False, conversation=False), ()),
    ],
)
def test_policy_switches_triggers(
    phrases: PhraseList, policy: EscalationPolicy, reasons: tuple[str, ...]
) -> None:
    screen = screen_with(phrases, FixedScorer(0.1))
    verdict = screen.check("气死我了，我要投诉，转人工", policy)
    assert verdict.reasons == reasons
    assert {f.category for f in verdict.findings} <= set(reasons) | {"negative"}


def test_conversation_rule_needs_the_score_even_when_negative_is_off(phrases: PhraseList) -> None:
    policy = EscalationPolicy(negative=False)
    verdict = screen_with(phrases, FixedScorer(0.5)).check("气死我了", policy)
    assert verdict.reasons == () and verdict.sentiment == 0.5


@pytest.mark.parametrize(
    ("previous", "current", "policy", "expected"),
    [
        (0.6, 0.6, DEFAULT_POLICY, True),  # two milder negatives in a row (below 0.7)
        (None, 0.6, DEFAULT_POLICY, False),  # nothing to weigh in the previous message
        (0.6, 0.75, DEFAULT_POLICY, False),
        (0.75, 0.6, DEFAULT_POLICY, False),
        (0.3, 0.55, EscalationPolicy(negative_below=0.2, conversation_below=0.6), True),
        (0.3, 0.65, EscalationPolicy(negative_below=0.2, conversation_below=0.6), False),
        (0.6, 0.6, EscalationPolicy(conversation=False), False),
    ],
)
def test_conversation_rule(
    phrases: PhraseList,
    previous: float | None,
    current: float,
    policy: EscalationPolicy,
    expected: bool,
) -> None:
    verdict = screen_with(phrases, FixedScorer(current)).check("发货了吗", policy, previous)
    assert verdict.reasons == (("negative_conversation",) if expected else ())


def test_conversation_negative() -> None:
    assert conversation_negative(0.5, 0.5, 0.6) and not conversation_negative(0.5, 0.6, 0.6)
    assert not conversation_negative(None, 0.1, 0.6) and not conversation_negative(0.1, None, 0.6)


@pytest.mark.parametrize(
    "fields",
    [
        {"negative_below": -0.1},
        {"negative_below": 1.5},
        {"conversation_below": 2.0},
        {"negative_below": 0.5, "conversation_below": 0.4},
    ],
)
def test_policy_validates_thresholds(fields: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        EscalationPolicy(**fields)  # type: ignore[arg-type]


def test_unknown_category_fails_fast() -> None:
    with pytest.raises(LexiconError, match="unknown escalation category"):
        MessageScreen(PhraseList({"abuse": ("傻逼",)}), None)


def test_plain_phrase_dir_works_too() -> None:
    """Without sections (load_phrase_dir) the rules are the file names."""
    screen = MessageScreen(guardrails.load_phrase_dir(ESCALATION), None)
    assert screen.check("我要报警").rules == ["sensitive"]


def test_sections(tmp_path: Path) -> None:
    (tmp_path / "sensitive.txt").write_text("# a comment\n律师\n# [police] police\n报警\n\n110\n")
    (tmp_path / "allow.txt").write_text("报警器\n")
    assert read_sections(tmp_path / "sensitive.txt") == {
        "sensitive": ("律师",),
        "sensitive.police": ("报警", "110"),
    }
    loaded = load_escalation_phrases(tmp_path)
    assert set(loaded.banned) == {"sensitive", "sensitive.police"}
    assert loaded.allowed == ("报警器",)
    with pytest.raises(LexiconError):
        load_escalation_phrases(tmp_path / "missing")


def _compact(phrase: str) -> str:
    return default_normalizer()(phrase.removeprefix("=")).compact


def test_shipped_lists_do_not_overlap(phrases: PhraseList) -> None:
    """A phrase in two files would be found under whichever file loads first."""
    owner: dict[str, str] = {}
    clashes = []
    for category, items in phrases.banned.items():
        for phrase in items:
            key = _compact(phrase)
            previous = owner.setdefault(key, category)
            if previous.split(".")[0] != category.split(".")[0]:
                clashes.append((phrase, previous, category))
    assert clashes == []


def test_every_allowed_phrase_overrides_something(phrases: PhraseList) -> None:
    """Each allowed phrase contains a banned phrase, or one starts inside it (扫地机器人 guards
    机器人回复), else it is dead weight."""
    banned = {_compact(p) for items in phrases.banned.values() for p in items}
    dead = []
    for phrase in phrases.allowed:
        key = _compact(phrase)
        if not any(b in key or b.startswith(key[i:]) for b in banned for i in range(len(key))):
            dead.append(phrase)
    assert dead == []


TRICKY = st.text(
    alphabet=st.sampled_from(
        list("人工转接换个真人rg客服叫出来不用别投诉报警12315垃圾气死了到底!?！？ ，。")
        + ["😡", "😭", "\u200b", "❤", "轉", "報"]
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), TRICKY))
def test_never_raises(screen: MessageScreen, text: str) -> None:
    verdict = screen.check(text)
    assert "error" not in verdict.reasons
    assert set(verdict.reasons) <= {"human_request", "sensitive", "negative"}
    for finding in verdict.findings:
        assert 0 <= finding.start <= finding.end <= len(text)
    assert verdict.sentiment is None or 0.0 <= verdict.sentiment <= 1.0
