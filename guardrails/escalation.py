"""Escalation of a shopper's message: a request for a human, a sensitive matter, negative emotion.

The platform hands a bot conversation to a human when the shopper triggers sensitive words, the
shopper's emotion is negative, or the bot's answers repeat (JD smart-service rules, article 5);
an explicit request for a human is the obvious fourth. This module screens one incoming message
for the first three (repeats are guardrails/similarity.py); the gateway decides what to do.

- **human_request**: phrases (``human_request.txt``) plus rules a list cannot express: a
  transfer verb before 人工/真人 (转个人工, 帮我转给人工), 人工/真人/rg as a clause of their own,
  叫…出来, and a negation just before any hit (不用转人工了). A question about the bot
  (你们是人工还是机器人呀？) is not a request.
- **sensitive**: phrases (``sensitive.txt``) by section (authority, police, injury, self_harm …);
  the finding's rule names the section, never the words.
- **negative**: the sentiment scorer (guardrails/sentiment/, built for customer service) scores
  the message below its threshold; the negative cues found here (``negative.txt``, angry emoji,
  !!!/???, 说了五遍) are among its inputs. A message it cannot weigh (no Chinese: 😡😡😡) is
  negative when it carries a cue.
- **negative_conversation**: this message and the previous one both below a milder threshold.

Two phases, so the gateway can ask the bot before the score is known: ``screen`` (phrases and
rules, microseconds: a request for a human, a sensitive matter, the cues), then ``weigh`` (the
score, in pieces with ``weigh_steps``). ``check`` does both.

Findings hold a rule, a category and a span into the original text, never the matched words, so
a verdict can be logged as it is.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .detectors.lexicon import LexiconDetector
from .lexicon import LexiconError, PhraseList, load_phrase_dir
from .models.messages import MessageModel
from .normalize import NormalizedText, Normalizer, default_normalizer
from .sentiment.base import NO_CUES, Cues, SentimentScorer, run_steps

HUMAN_REQUEST = "human_request"
SENSITIVE = "sensitive"
NEGATIVE = "negative"
ERROR = "error"
REASONS = (HUMAN_REQUEST, SENSITIVE, NEGATIVE)

NEGATIVE_CONVERSATION = "negative_conversation"


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    """Which triggers a shop uses and its sentiment thresholds (scores are in [0, 1], low is
    negative). The gateway fills it from the shop's YAML. A threshold left None is the sentiment
    model's own: the one its training chose (``SentimentScorer.threshold``)."""

    human_request: bool = True
    sensitive: bool = True
    negative: bool = True
    negative_below: float | None = None
    conversation: bool = True
    conversation_below: float | None = None
    intent_model: bool = True  # weigh with the screen's intent model, when it has one

    def __post_init__(self) -> None:
        for name in ("negative_below", "conversation_below"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        below, conversation = self.negative_below, self.conversation_below
        if below is not None and conversation is not None and conversation < below:
            raise ValueError("conversation_below must not be stricter than negative_below")


DEFAULT_POLICY = EscalationPolicy()
ALL_TRIGGERS = DEFAULT_POLICY
# Thresholds for a screen without a sentiment model (no message is weighed then; a cue decides).
DEFAULT_NEGATIVE_BELOW = 0.5
DEFAULT_CONVERSATION_BELOW = 0.75


@dataclass(frozen=True, slots=True)
class MessageFinding:
    """What was found and where (offsets into the original text); never the text itself."""

    rule: str  # human_request.transfer, sensitive.police, negative.emoji …
    category: str  # human_request, sensitive, negative or error
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "category": self.category, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class MessageVerdict:
    """Why a message escalates (empty: it does not), what was found, and its sentiment score.

    ``sentiment`` is the scorer's score (low is negative), None before the message is weighed or
    when there is nothing to weigh (no Chinese); the gateway keeps it per conversation for
    ``negative_conversation``. ``cues`` is what the findings tell the sentiment model.
    """

    reasons: tuple[str, ...]
    findings: tuple[MessageFinding, ...]
    sentiment: float | None
    cues: Cues = NO_CUES
    # The intent model's probabilities (human_request, sensitive, negative, safety), when the
    # screen has one; the weighing phase reads the negative one.
    intent: tuple[float, ...] | None = None
    # The sentiment scorer raised: the message was weighed without it (the caller logs this).
    sentiment_failed: bool = False

    @property
    def escalate(self) -> bool:
        return bool(self.reasons)

    @property
    def rules(self) -> list[str]:
        return sorted({finding.rule for finding in self.findings})

    def to_json(self) -> dict[str, Any]:
        return {
            "reasons": list(self.reasons),
            "findings": [finding.to_json() for finding in self.findings],
            "sentiment": self.sentiment,
        }


def conversation_negative(previous: float | None, current: float | None, below: float) -> bool:
    """Two messages in a row, each scored below ``below`` (milder than a single message's
    threshold), are negative together. Pass the scores of the previous message and this one."""
    if previous is None or current is None:
        return False
    return previous < below and current < below


def sentiment_cues(findings: Iterable[MessageFinding]) -> Cues:
    """What the sentiment model is told about a message's findings."""
    categories = [finding.category for finding in findings]
    return Cues(
        negative=categories.count(NEGATIVE),
        sensitive=SENSITIVE in categories,
        human_request=HUMAN_REQUEST in categories,
    )


# --- phrase lists ---------------------------------------------------------------------------

_SECTION = re.compile(r"#\s*\[([a-z][a-z0-9_]*)\]")


def read_sections(path: Path) -> dict[str, tuple[str, ...]]:
    """A phrase file split at ``# [name]`` lines: ``{"<stem>.<name>": phrases}``; phrases before
    the first section go to ``<stem>``."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"{path}: cannot read: {exc}") from exc
    sections: dict[str, list[str]] = {}
    current = path.stem
    for line in lines:
        stripped = line.strip()
        header = _SECTION.match(stripped)
        if header is not None:
            current = f"{path.stem}.{header.group(1)}"
        elif stripped and not stripped.startswith("#"):
            sections.setdefault(current, []).append(stripped)
    return {name: tuple(phrases) for name, phrases in sections.items()}


def load_escalation_phrases(directory: Path) -> PhraseList:
    """``load_phrase_dir`` with each file's sections as categories (``sensitive.police`` …)."""
    plain = load_phrase_dir(directory)
    banned: dict[str, tuple[str, ...]] = {}
    for stem in plain.banned:
        banned.update(read_sections(directory / f"{stem}.txt"))
    return PhraseList(banned, plain.allowed)


# --- rules a phrase list cannot express -----------------------------------------------------

_HUMAN = "(?:人工|仁工|人公|入工|认工|真人|活人)"
_IN_CHARGE = "(?:经理|主管|负责人|店长|老板|领导|上级|管事的)"
# What follows 人工/真人 when it is not a person to talk to (人工安装, 人工智能, 真人尺寸 …).
_NOT_AN_AGENT = (
    "(?!智能|费|安装|组装|装|修|成本|草坪|挑选|合成|种植|养殖|授粉|降雨|呼吸|耳蜗|关节|晶体|心脏"
    "|干预|湖|秀|尺寸|实拍|图|照|版|模特|手办|娃娃|大小|比例)"
)
_COMPACT_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "human_request.transfer",
        re.compile(
            "(?:转接|转|接|换|找|叫|喊|呼叫|联系|安排|请|来|求)"
            "(?:个|一个|一位|位|给|到|去|成|一下|下|回|给我|我)?(?:你们的|你们家|你们)?"
            f"(?:售后|在线|专业|专属)?{_HUMAN}{_NOT_AN_AGENT}"
        ),
    ),
    (
        "human_request.talk",
        re.compile(
            f"(?:跟|和|与|同)(?:(?:个|一个|你们的?)?{_HUMAN}(?:客服)?|你们的?{_IN_CHARGE})"
            "(?:说|讲|谈|聊|沟通|对话|交流)"
        ),
    ),
    (
        "human_request.come_out",
        re.compile(
            "(?:叫|让|喊|请)(?:你们的|你们家|你们)?"
            f"(?:客服|人工|真人|活人|{_IN_CHARGE})(?:主管|经理)?"
            "(?:出来|过来)"
        ),
    ),
)
# A child who paid with an adult's phone, card or account; a minor's age or school year with a
# purchase done behind someone's back or to undo (a parent buying for a child is not this).
_CHILD = (
    "(?:孩子|儿子|女儿|孙子|孙女|外孙|小孩|细路|个仔|个女|"
    "弟弟|妹妹|我弟|我妹|表弟|表妹|侄子|侄女|外甥|娃)"
)
_ADULT_MEANS = (
    "(?:我|俺|他妈|她妈|我妈|我爸|我姑|我姨|大人|家长|父母|奶奶|爷爷|姥姥|外婆)的?[^。!?]{0,4}"
    "(?:手机|号|账号|帐号|卡|钱|支付|微信|支付宝|抖音|快手|京东)"
)
_MINOR_RULES = (
    (
        "sensitive.minor",
        re.compile(f"{_CHILD}[^。!?]{{0,14}}(?:用|拿|偷|借|趁)[^。!?]{{0,6}}{_ADULT_MEANS}"),
    ),
    (
        "sensitive.minor",
        re.compile(
            "(?:用|拿|偷拿)(?:我妈|我爸|她妈|他妈|我姑|家长|父母|大人|我奶奶|我爷爷|我姥姥)的?"
            "[^。!?]{0,4}(?:号|手机|卡|银行卡|账号|帐号|钱|花呗)|背着(?:我|家长|大人|爸妈)|"
            "(?:我妈|我爸)[^。!?]{0,8}(?:钱被我|还没发现|不知道我)"
        ),
    ),
    (
        "sensitive.minor",
        re.compile(
            "(?:(?:才|只有|刚)(?:\\d{1,2}|[一二三四五六七八九十]{1,3})(?:岁|周岁)?(?!\\d)"
            "|(?:读|上|念)(?:初[一二三]|小学|[一二三四五六]年级))"
            "(?=[^。!?]{0,24}(?:退|没同意|不知道|偷|乱(?:买|点|按|撳)|"
            "自己[^。!?]{0,8}(?:买|充|付|下单|点|撳|按)))"
        ),
    ),
)
# Wishing not to go on, or a plan, in words no list can hold: 不想再熬了, 只想一睡不醒,
# 从阳台上跳下去.
_SELF_HARM = re.compile(
    "不想(?:再)?(?:撑|熬|活|醒)(?:了|下去)?|结束(?:这一切|自己|生命|我自己)|(?:想|要)消失|安安静静地消失|"
    "没人在乎我|活着(?:干嘛|好累|只是|就是|有什么|有啥|没意思)|一睡不醒|(?:不再|别再|不要再)醒|"
    "从(?:天台|阳台|楼上|窗户|楼顶)[^。!?]{0,4}(?:下去|跳)|想不开|早点走了|走了算了|喝药走|喝农药|"
    "药我都准备好|没什么值得留恋|添负担|活不了多久了|撑不下去|瞓落去唔好再醒|我就去死|药都攒|攒够了药|"
    "添累赘|活着(?:好|也|真|都)?(?:没|没有)(?:啥)?(?:意思|奔头|意义)|把药都准备好"
)
# Threats of violence: a weapon or a crew brought along, being waited for, knowing where you live.
_VIOLENCE = re.compile(
    "(?:带|揸|拿|提)(?:着|住)?(?:刀|家伙|棍|斧头)|带(?:几个|一帮|我的?)(?:兄弟|伙计|人)|"
    "(?:找|揾|搵|叫)(?:几个)?人(?:来|去)?(?:收拾|招呼|弄|打|堵|等)|"
    "(?:收拾|招呼下?|弄死|打死|捅|砍)(?:你|恁|伊|他|佢|你们|你哋)|揍(?:你|他|伊|恁|佢)|"
    "下班路上(?:注意|小心|等|碰|堵|别)|路上注意点|路上小心点|别让我(?:碰|遇|撞)到|(?:去|到)[^。!?]{0,10}门口等(?:着|你|伊|佢)|"
    "(?:住哪|住边|住在哪)[^。!?]{0,6}(?:知道|查到)|"
    "(?:知道|查到)[^。!?]{0,8}(?:住哪|住边|仓库在哪|仓喺边|店在哪)|直接动手|我就动手|"
    "打断[^。!?]{0,4}(?:手|腿)|不打(?:伊|他|你)|好睇|砍人|打一顿|揍一顿|见血|泼(?:油漆|粪)|菜刀|"
    "混社会|看着办|废了你|打爆你|干死你|搞死你|我敢不敢"
)
# Harm told as it happened: swallowed, burst, burnt, in the eyes, dizzy after taking it.
_HARMED = re.compile(
    "吞(?:了|进去|下去|掉了)|误吞|(?:炸|爆)了(?!款)|烧了个洞|烫(?:起|着|红|肿|出)|(?:喷|溅|弄)(?:到|进)眼睛|"
    "眼睛(?:疼|睁不开)|(?:喝|吃|用)(?:了|完)[^。!?]{0,10}(?:头晕|心慌|呼吸困难|胸闷|抽搐|晕倒|起不来)"
)
_COMPACT_RULES = (
    *_COMPACT_RULES,
    *_MINOR_RULES,
    ("sensitive.harmed", _HARMED),
    ("sensitive.self_harm", _SELF_HARM),
    ("sensitive.violence", _VIOLENCE),
)
_SHADOW_RULES = (
    # 人工 / 真人 / rg as a clause of their own: "人工", "真人！！！", "Rg rg", "人工 谢谢".
    (
        "human_request.whole",
        re.compile(r"(?<!\w)(?:人工客服|真人客服|人工服务|人工|仁工|真人|活人|rgkf|zrg|rg)+(?!\w)"),
    ),
    # Consumer, food-and-drug and quality hotlines as a number of their own, never inside an
    # order or tracking number.
    ("sensitive.authority", re.compile(r"(?<!\d)(?:12315|12331|12365)(?!\d)")),
    ("negative.emoji", re.compile("[😡😠🤬😤💢👎🖕💔😭]")),
    # The bot told to go away: 🤖走开, 机器人闭嘴.
    (
        "human_request.away",
        re.compile("(?:🤖|机器人)\\s*(?:走开|滚开?|退下|闭嘴|别说了|不要你|一边去)"),
    ),
    # Praise that is a complaint: 可真快啊，下单十天物流都没动.
    (
        "negative.sarcasm",
        re.compile(
            "(?:可真|真是|好|太)(?:快|好|行|棒|厉害|靠谱|及时|负责)(?:啊|呀|呢|哈)[^。!?]{0,20}"
            "(?:都没|还没|没动|不动|没人|没回|[\\d一二三四五六七八九十几两]+天)"
        ),
    ),
    ("negative.emphasis", re.compile(r"[!?]{3,}")),
    (
        "negative.repeated",
        re.compile("[说问催讲找]了(?:\\d+|[一二两三四五六七八九十几好多百千无数]+)[遍次回]"),
    ),
)
# A negation right before a request takes it back: 不用转人工了, 别找真人.
_NEGATED = re.compile(
    "(?:不用|不要|别|无需|不需要|不必|没必要|用不着|不想|不打算)(?:再|帮我|给我|帮忙|去|麻烦)?$"
)


class MessageScreen:
    """Screens one incoming shopper message; immutable after construction and safe to share.

    ``phrases`` holds categories ``human_request``, ``sensitive`` and ``negative``, or sections
    of them (``sensitive.police``), plus allowed phrases that win over a banned phrase inside
    them. ``scorer`` may be None: a negative cue then decides alone.
    """

    def __init__(
        self,
        phrases: PhraseList,
        scorer: SentimentScorer | None,
        normalizer: Normalizer | None = None,
        model: MessageModel | None = None,
    ) -> None:
        """``model``: the intent model; without one the rules and the sentiment decide alone."""
        self._model = model
        groups: dict[str, dict[str, tuple[str, ...]]] = {}
        for category, items in phrases.banned.items():
            reason = category.split(".")[0]
            if reason not in REASONS:
                raise LexiconError(f"unknown escalation category {category!r}; use {REASONS}")
            groups.setdefault(reason, {})[category] = tuple(items)
        self._normalizer = normalizer or default_normalizer()
        # One automaton per reason, each with every allowed phrase: matches are leftmost-longest
        # and never overlap, so in a shared automaton a cue could swallow a request (麻烦人工看一下
        # holds 烦人, which would hide 人工看一下).
        self._lexicons = {
            reason: LexiconDetector(PhraseList(banned, phrases.allowed), self._normalizer)
            for reason, banned in groups.items()
        }
        self._scorer = scorer

    @classmethod
    def from_directory(
        cls,
        directory: Path,
        scorer: SentimentScorer | None,
        normalizer: Normalizer | None = None,
        model: MessageModel | None = None,
    ) -> MessageScreen:
        return cls(load_escalation_phrases(directory), scorer, normalizer, model)

    def findings(
        self, text: str, policy: EscalationPolicy = DEFAULT_POLICY
    ) -> list[MessageFinding]:
        """Everything found in ``text`` for the triggers ``policy`` uses, in text order."""
        wanted = _wanted_categories(policy)
        if not wanted:
            return []
        normalized = self._normalizer(text)
        found = [
            finding
            for finding in self._found(normalized, wanted)
            if finding.category in wanted
            and not (finding.category == HUMAN_REQUEST and self._negated(text, finding.start))
            and not (finding.rule in _HAZARDS and _asked_before(normalized.shadow))
        ]
        found.sort(key=lambda f: (f.start, f.end, f.rule))
        return found

    def check(
        self, text: str, policy: EscalationPolicy = DEFAULT_POLICY, previous: float | None = None
    ) -> MessageVerdict:
        """Both phases at once: every reason ``text`` escalates for. ``previous`` is the score
        of the conversation's previous shopper message, if any."""
        return self.weigh(text, self.screen(text, policy), policy, previous)

    def screen(self, text: str, policy: EscalationPolicy = DEFAULT_POLICY) -> MessageVerdict:
        """Phase one, before the bot is asked (lexicons and rules, microseconds): a request for a
        human or a sensitive matter. Not weighed yet: no sentiment, no negative reason. If the
        check itself fails, the message escalates with reason ``error`` (fail closed)."""
        try:
            everything = self.findings(text, ALL_TRIGGERS)
            wanted = _wanted_categories(policy)
            findings = tuple(f for f in everything if f.category in wanted)
            if self._model is not None and policy.intent_model:
                return self._screen_with_model(text, findings, everything, policy)
            categories = {finding.category for finding in findings}
            reasons = tuple(r for r in (HUMAN_REQUEST, SENSITIVE) if r in categories)
            return MessageVerdict(reasons, findings, None, sentiment_cues(everything))
        except Exception:  # any failure of a check must fail closed
            return _failed(text)

    def _screen_with_model(
        self,
        text: str,
        findings: tuple[MessageFinding, ...],
        everything: list[MessageFinding],
        policy: EscalationPolicy,
    ) -> MessageVerdict:
        """Rules and the intent model together: a head at its threshold; a rule whose reason the
        model finds at least a little likely (a trigger word in a product name or a question
        does not escalate by itself); a safety rule always."""
        assert self._model is not None
        t = self._model.thresholds
        probabilities = tuple(self._model.classifier.probabilities(self._normalizer(text)))
        p_human, p_sensitive, _, p_safety = probabilities
        whole = (0, len(text))
        kept: list[MessageFinding] = []
        reasons: list[str] = []
        if policy.human_request:
            by_rule = [f for f in findings if f.category == HUMAN_REQUEST]
            if by_rule and p_human >= t["human_request_rule"]:
                kept += by_rule
            elif p_human >= t["human_request"]:
                kept.append(MessageFinding("model.human_request", HUMAN_REQUEST, *whole))
            if any(f.category == HUMAN_REQUEST for f in kept):
                reasons.append(HUMAN_REQUEST)
        if policy.sensitive:
            safety = [f for f in findings if f.rule in SAFETY_RULES]
            other = [f for f in findings if f.category == SENSITIVE and f.rule not in SAFETY_RULES]
            if safety:
                kept += safety
            elif other and max(p_sensitive, p_safety) >= t["sensitive_rule"]:
                kept += other
            elif p_safety >= t["safety"]:
                kept.append(MessageFinding("model.safety", SENSITIVE, *whole))
            elif p_sensitive >= t["sensitive"]:
                kept.append(MessageFinding("model.sensitive", SENSITIVE, *whole))
            if any(f.category == SENSITIVE for f in kept):
                reasons.append(SENSITIVE)
        kept += [f for f in findings if f.category == NEGATIVE]
        kept.sort(key=lambda f: (f.start, f.end, f.rule))
        return MessageVerdict(
            tuple(reasons), tuple(kept), None, sentiment_cues(everything), probabilities
        )

    def weigh(
        self,
        text: str,
        verdict: MessageVerdict,
        policy: EscalationPolicy = DEFAULT_POLICY,
        previous: float | None = None,
    ) -> MessageVerdict:
        """Phase two, while the bot is thinking: the sentiment score, with reason ``negative``
        when it is below ``negative_below``, or ``negative_conversation`` when nothing else
        escalates and it and ``previous`` are both below ``conversation_below``. A message the
        model has nothing to weigh in (no Chinese: 😡😡😡, wtf!!!) is negative when it carries a
        negative cue. Fails closed like ``screen``."""
        return run_steps(self.weigh_steps(text, verdict, policy, previous))

    def weigh_steps(
        self,
        text: str,
        verdict: MessageVerdict,
        policy: EscalationPolicy = DEFAULT_POLICY,
        previous: float | None = None,
    ) -> Generator[None, None, MessageVerdict]:
        """``weigh`` in pieces (the scorer's ``score_steps``): an event loop runs other
        callbacks between two ``next`` calls. The return value is ``weigh``'s verdict."""
        if ERROR in verdict.reasons or not (policy.negative or policy.conversation):
            return verdict
        try:
            scorer = self._scorer
            sentiment = None
            failed = False
            if scorer is not None:
                try:
                    sentiment = yield from scorer.score_steps(text, verdict.cues)
                except Exception:  # weighed by the rules and the intent model instead
                    failed = True
            reasons = list(verdict.reasons)
            if policy.negative:
                if verdict.intent is not None and self._model is not None:
                    negative = self._negative(verdict, sentiment)
                elif sentiment is None:
                    negative = verdict.cues.negative > 0
                else:
                    negative = sentiment < self.negative_below(policy)
                if negative:
                    reasons.append(NEGATIVE)
            if (
                policy.conversation
                and not reasons
                and conversation_negative(previous, sentiment, self.conversation_below(policy))
            ):
                reasons.append(NEGATIVE_CONVERSATION)
            return replace(
                verdict, reasons=tuple(reasons), sentiment=sentiment, sentiment_failed=failed
            )
        except Exception:  # any failure of a check must fail closed
            return _failed(text)

    def _negative(self, verdict: MessageVerdict, sentiment: float | None) -> bool:
        """The negative head alone, or weighed with the sentiment score, or with a cue."""
        assert self._model is not None and verdict.intent is not None
        t = self._model.thresholds
        p_negative = verdict.intent[2]
        return (
            p_negative >= t["negative"]
            or (sentiment is not None and (1.0 - sentiment) * p_negative >= t["negative_sentiment"])
            or (verdict.cues.negative > 0 and p_negative >= t["negative_cue"])
        )

    def negative_below(self, policy: EscalationPolicy) -> float:
        if policy.negative_below is not None:
            return policy.negative_below
        return self._scorer.threshold if self._scorer is not None else DEFAULT_NEGATIVE_BELOW

    def conversation_below(self, policy: EscalationPolicy) -> float:
        if policy.conversation_below is not None:
            return policy.conversation_below
        if self._scorer is not None:
            return max(self._scorer.conversation_threshold, self.negative_below(policy))
        return DEFAULT_CONVERSATION_BELOW

    def _found(self, text: NormalizedText, wanted: frozenset[str]) -> Iterator[MessageFinding]:
        for reason, lexicon in self._lexicons.items():
            if reason in wanted:
                for finding in lexicon.detect(text):
                    yield MessageFinding(finding.category, reason, finding.start, finding.end)
        for rule, pattern in _COMPACT_RULES:
            for match in pattern.finditer(text.compact):
                if text.gaps_ok(match.start(), match.end()):
                    start, end = text.compact_to_original(match.start(), match.end())
                    yield MessageFinding(rule, rule.split(".")[0], start, end)
        for rule, pattern in _SHADOW_RULES:
            for match in pattern.finditer(text.shadow):
                start, end = text.original_span(match.start(), match.end())
                yield MessageFinding(rule, rule.split(".")[0], start, end)

    def _negated(self, text: str, start: int) -> bool:
        before = self._normalizer(text[max(0, start - 12) : start]).compact
        return _NEGATED.search(before) is not None


# An injury or hazard asked about before buying ("电热毯小孩能用不，会不会漏电") is a question a
# bot can answer, not an incident: a hazard word in a question or a worry, with nothing saying
# it has happened, does not escalate by itself (the intent model still weighs the message).
# Rules of the sections that must never stay with a bot: never gated by the intent model.
SAFETY_RULES = frozenset(
    {
        "sensitive.self_harm",
        "sensitive.violence",
        "sensitive.minor",
        "sensitive.injury",
        "sensitive.safety",
        "sensitive.food",
        "sensitive.harmed",
    }
)
_HAZARDS = frozenset({"sensitive.injury", "sensitive.safety", "sensitive.food", "sensitive.harmed"})
_ASKING = re.compile(
    "会不会|会唔会|会否|能不能|能用不|可以用吗|可不可以|安全吗|安全伐|安全不|有没有|是否|风险|怕|担心|"
    "万一|买之前|下单前|之前问|[?？吗伐嘛咩]"
)
_HAPPENED = re.compile(
    "了|咗|已经|刚刚|刚才|昨天|今天早上|现在|而家|正在|进医院|去医院|住院|急诊|送医|医院回来|缝|肿|"
    "流血|出血|水泡|起泡|红疹|晕|吐|拉肚子|痛|疼"
)


_SUPPOSING = re.compile("万一|如果|要是|假如|假设|会不会|会唔会|怕|担心")
_SURELY_HAPPENED = re.compile(
    "已经|刚刚|刚才|现在|而家|进医院|去医院了|住院|急诊|送医|医院回来|缝了|缝针|流血|出血"
)


def _asked_before(shadow: str) -> bool:
    """A question or a worry about a hazard, with nothing saying it has happened."""
    if _SUPPOSING.search(shadow) is not None and _SURELY_HAPPENED.search(shadow) is None:
        return True
    return _ASKING.search(shadow) is not None and _HAPPENED.search(shadow) is None


def _failed(text: str) -> MessageVerdict:
    return MessageVerdict(
        (ERROR,), (MessageFinding("escalation.error", ERROR, 0, len(text)),), None
    )


def _wanted_categories(policy: EscalationPolicy) -> frozenset[str]:
    flags: Mapping[str, bool] = {
        HUMAN_REQUEST: policy.human_request,
        SENSITIVE: policy.sensitive,
        NEGATIVE: policy.negative or policy.conversation,
    }
    return frozenset(category for category, wanted in flags.items() if wanted)
