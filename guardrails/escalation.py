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
_COMPACT_RULES = (
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
    ) -> None:
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
        cls, directory: Path, scorer: SentimentScorer | None, normalizer: Normalizer | None = None
    ) -> MessageScreen:
        return cls(load_escalation_phrases(directory), scorer, normalizer)

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
            categories = {finding.category for finding in findings}
            reasons = tuple(r for r in (HUMAN_REQUEST, SENSITIVE) if r in categories)
            return MessageVerdict(reasons, findings, None, sentiment_cues(everything))
        except Exception:  # any failure of a check must fail closed
            return _failed(text)

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
            if scorer is not None:
                sentiment = yield from scorer.score_steps(text, verdict.cues)
            reasons = list(verdict.reasons)
            if policy.negative:
                if sentiment is None:
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
            return replace(verdict, reasons=tuple(reasons), sentiment=sentiment)
        except Exception:  # any failure of a check must fail closed
            return _failed(text)

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
