"""Warning frames: a shop's anti-fraud reminder or refusal names what it warns against.

"让您加好友、线下打款的都是骗子" and "本店不接受微信转账" name a messenger or a way to pay, but they
divert nobody: a finding without an identifier is cleared when a frame governs it:

- a negation or refusal right before it in its clause (请勿 / 不要 / 不会 / 不接受 / 谨防 …);
- a warning anywhere in its sentence (骗子 / 诈骗 / 冒充 / 谨防 / 不法分子 / 千万不要 …), or a
  fraud word in the sentence before or after it;
- a refusal or warning in its sentence when the finding is quoted ("‘加我们微信转账’完全是两回事").

What is never cleared: an invitation addressed from the writer ("请加我们官方微信", "加我v私聊",
"找我们客服"), however warning the text around it ("为防冒充，请加我们官方微信" still invites),
and any identifier ("认准唯一售后电话 0512-…" is still a phone number): phone numbers, ids,
addresses, e-mail, links, card and account numbers are not in ``CLEARABLE``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from .normalize import NormalizedText, normalize
from .types import Finding

# Findings that name something without giving it: invitations and phrasings.
CLEARABLE = frozenset(
    {
        "messenger.invitation",
        "payment.off_platform",
        "qr_code.invitation",
        "redirect.search",
        "store.visit",
        "lexicon.ad_law",
        "link.instruction",
        "link.netdisk",
        "email.described",
        "store.directions",
        "qr_code.decode",
        "redirect.destination",
        "payment.transfer",
        "private_deal.review",
        "private_deal.complaint",
        "private_deal.fake_order",
        "private_deal.settlement",
    }
)
# Compact view, in the finding's clause before it: a refusal or warning that holds for the clause,
# or (weaker words, common in invitations too: 别急, 不用等) a negation just before the finding.
_STRONG_BEFORE = re.compile(
    "请勿|切勿|谨防|警惕|提防|防止|严禁|禁止|不存在|拒绝|从不|从来不|绝不|决不|并不是|不是|不敢说|"
    "任何(?:要求|让|叫|以|自称)|凡是|如有人|若有人|如果有人|有人(?:让|要求|叫)|遇到|谈不上|算不上|"
    "而不是|以免|以防|无法|没法|没办法|"
    # Any 不 / 没 that negates (not 不错, 不少, 不过 …, 没事, 没关系).
    "不(?!错|少|久|过|同|断|停|仅|只|但|如|然|管|知|满|好意思|舒服|清楚|明白|一样|放心|着急|用担心)|"
    "没(?!事|关系|问题)|唔(?:会|係|系|准|可以|要|使|好)|冇"
)
WEAK_REACH = 6
_WEAK_BEFORE = re.compile(
    "(?:勿|(?<![识区类分告特级性个鉴])别(?![人的家处急担着客慌])|无需|不需要|不必)"
)
# Anywhere in the finding's sentence: this sentence is a warning.
_WARNING = re.compile(
    "骗子|诈骗|行骗|骗局|冒充|假冒|谨防|防骗|不法分子|上当|受骗|被骗|千万(?:不要|别)|请勿|切勿|不要相信|"
    "别信|不可信|明令禁止|违反(?:平台)?规则|违规|举报|报警|没有(?:任何)?保障|不安全|自称|不要理会|别理|"
    "不要回复|删除|挂断|如果有人|如有人|若有人|没地方维权|说不清|出(?:了)?问题|有风险|假的|是假|虚假|"
    "说自己是|冒用|仿冒|山寨|不是我们|不是本店|小心|请不要|不要扫|别扫|不要点|不要加|不要转|郑重|声明|"
    "温馨提示|提醒(?:您|大家|各位|一下)"
)
# After the finding, in its sentence: the writer refuses it ("私下交易我们是不做的").
_REFUSED_AFTER = re.compile(
    "不(?:做|搞|整|接|收|办|弄|给|帮|让|能|行|可以|支持|允许|答应|会|对外|开放|提供)|办不了|办不到|做不到|不了|"
    "没法|无法|两回事|违反|违规|不是我们|并非|不是本店|都没有|没保障|无保障|没有保障|不好意思|抱歉"
)
# In a neighbouring sentence: the text around it is about fraud.
_FRAUD = re.compile(
    "骗子|诈骗|行骗|骗局|冒充|假冒|仿冒|冒用|山寨|不法分子|上当|受骗|被骗|不是我们|不是本店|与本店无关|举报|"
    "郑重|声明|都不会|不会用|不会以|不会通过|不会让"
)
_REFUSAL = re.compile(
    "不(?:能|可以|会|接受|支持|做|搞|行|允许|是|说|跟您说|敢说|承诺|保证|吹|收)|不了|没法|办不了|两回事|拒绝|"
    "不可能|真不|别|不对外|没有|不开放|唔(?:会|係|系|准|可以|得|得嘅)|冇"
)
# The writer inviting the shopper to themselves: never a warning.
_DIRECTED = re.compile(
    "(?:加|添加|联系|找|私聊|私信|戳|关注|扫|来)(?:一下|下)?(?:我|我们|本店|小编|店主|客服|老板|咱)(?!不)"
)
_ASKED = re.compile("(?:让|要|叫|求|请|想让)我$")
# The shopper's own words, restated before an answer: 您说… / 你的意思是… / 您问能不能…
_REPORTED = re.compile("(?:您|你)(?:说|问|提到|的意思是|想让|想要我|要我|让我|想)")
_CLAUSE_BREAKS = ",;!?。:"
_SENTENCE = re.compile("[^;!?。\n]+")
_QUOTES = re.compile("[‘“'\"「『].{1,40}?[’”'\"」』]")


# Voice input and chat typing often put a space where a comma goes ("我们不搞 平台不准的").
_SPACE_BREAK = re.compile(r"(?<=[\u4e00-\u9fff])[ \u3000]+(?=[\u4e00-\u9fff])")


def clear_warned(text: NormalizedText, findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` without those a warning frame governs (see the module docstring)."""
    if not any(finding.rule in CLEARABLE for finding in findings):
        return list(findings)
    framed = text
    if _SPACE_BREAK.search(text.original):
        # The same text with those spaces read as commas: one character for one, so the
        # findings' offsets still point at the same characters.
        spaced = _SPACE_BREAK.sub(lambda m: "，" * len(m.group()), text.original)
        framed = normalize(spaced)
    return [f for f in findings if f.rule not in CLEARABLE or not governed(framed, f)]


def governed(text: NormalizedText, finding: Finding) -> bool:
    start, end = _compact_span(text, finding.start, finding.end)
    compact = text.compact
    sentences = [m.span() for m in _SENTENCE.finditer(compact)]
    here = next((i for i, (s, e) in enumerate(sentences) if s <= start < e), None)
    if here is None:
        return False
    s, e = sentences[here]
    if _quoted(text, finding) and (
        _REFUSAL.search(compact, s, e) or _WARNING.search(compact, s, e)
    ):
        return True  # someone else's words, refused or warned against
    if _REPORTED.search(compact, s, start) and any(
        _REFUSAL.search(compact, *sentences[other])
        for other in (here, here + 1, here + 2)
        if other < len(sentences)
    ):
        return True  # "你说想加我微信…不过真的不能加喔"
    if _DIRECTED.search(compact, max(0, start - 2), min(len(compact), end + 3)):
        return False
    if compact[max(0, start - 2) : start].endswith(("比", "比起")):
        return True  # "比私下给红包安全多了": the thing compared against
    if _ASKED.search(compact, max(0, start - 3), start):
        return True  # "老客户让我加微信": what someone asked of the writer, not an invitation
    # The clause the finding ends in: a long match can hold its own refusal
    # ("评价改成五星我们很感谢，但我们不能用返现"), but a negation the phrase starts with
    # (不用走平台) is the phrase itself.
    clause_start = max((compact.rfind(c, 0, end - 1) for c in _CLAUSE_BREAKS), default=-1) + 1
    if _negated(_STRONG_BEFORE, compact, clause_start, start, end):
        return True
    if _WEAK_BEFORE.search(compact, max(clause_start, start - WEAK_REACH), start):
        return True
    if end - start > 6 and _WEAK_BEFORE.search(
        compact, max(clause_start, end - 2 - WEAK_REACH), end - 2
    ):
        return True  # a long match ends in what is refused: "…但我们不能用返现"
    if _WARNING.search(compact, s, e) or _REFUSED_AFTER.search(compact, end, e):
        return True
    return any(
        0 <= other < len(sentences) and _FRAUD.search(compact, *sentences[other])
        for other in (here - 1, here + 1)
    )


def _negated(pattern: re.Pattern[str], compact: str, window: int, start: int, end: int) -> bool:
    """A match of ``pattern`` in compact[window:end] that is not the finding's own first word."""
    return any(
        not start <= match.start() < start + 3 for match in pattern.finditer(compact, window, end)
    )


def _quoted(text: NormalizedText, finding: Finding) -> bool:
    return any(
        m.start() <= finding.start and finding.end <= m.end()
        for m in _QUOTES.finditer(text.original)
    )


def _compact_span(text: NormalizedText, start: int, end: int) -> tuple[int, int]:
    """The compact span covering original [start, end) (findings keep original offsets)."""
    starts = text.compact_starts
    first = bisect.bisect_left(starts, start)
    last = bisect.bisect_left(starts, end)
    return first, max(first, last)
