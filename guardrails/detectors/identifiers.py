"""Identifiers and their context: every identifier-like token, decided by the words around it.

Tokens are digit groups in any script (``NormalizedText.number_groups``: digits, Chinese and
financial numerals, English and pinyin digit words), chains of groups handed over in parts
("前面是一八六，中间是五七一二，最后四位三零八八"), Latin handles (wxid_…, tao_ayi1958 as the
compact
view reads them) and paste-in tokens of other apps (¥AbC123xyz¥). A chain that spells a phone
number is a phone whatever surrounds it (but a slice of a longer number never is); any other
token is a contact only when the words right before it (or right after, in the same clause) say
so: a messenger (QQ号 / 企鹅 / 威信 / v / q …) makes it a messenger id, banking words (卡号 / 对公 /
户名 …) a payment account whether or not it passes a Luhn check, phone words (座机 / call我 …) a
phone; and an order, tracking or model word (单号 / 运单 / 型号 / 工号 …) closer to it makes it
harmless. A number typed as one run of digits is the phone detector's business, not this one's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..normalize import NormalizedText, NumberGroup
from ..types import Finding
from .base import finding_from_compact, finding_from_shadow, mask

_MOBILE = re.compile(r"(?:86)?1[3-9]\d{9}")
_LANDLINE = re.compile(r"0(?:10|2\d|[3-9]\d\d)[2-9]\d{6,7}")
_HOTLINE = re.compile(r"[48]00\d{7}")
# Between two groups of one chain: a few characters of one sentence, no other digits.
# (Not across arithmetic or a range: 满199减20, 3到5天, 10或12个.)
_CHAIN_GAP = re.compile(r"[^0-9。!?;:\n减满折元块到至和或共约第]{0,14}")
# A group followed by a unit is a quantity, never part of an identifier.
_UNIT = re.compile(
    r"\s*(?:元|块|毛|角|rmb|¥|件|个|台|只|张|套|箱|次|天|小时|分钟|秒|年|月|日|号(?!码)|点|岁|斤|公斤|kg|g|"
    r"克|ml|毫升|l\b|升|cm|mm|m\b|米|寸|w\b|瓦|mah|gb|tb|mb|%|倍|折|楼|层|栋|室|颗|粒|包|袋|瓶|罐|盒|支|条|"
    r"双|份|对|把|片|杯|碗|顿|位|人|家|℃|度|档|周|期|代|款|色|码数|寸|k\b|p\b|hz|v\b|a\b)"
)
_MASKED = re.compile(r"[*x×]{2,}")
_COUNT = re.compile(r"(?:位|段|个|组|串|遍|次)")
_SQUEEZE = re.compile(r"[\s\-.·*•_~|/\\'\"“”‘’()（）【】\[\]<>《》「」『』]+")

_MESSENGER = (
    r"微信|威信|薇信|徽信|维信|围信|危信|溦信|薇|威|卫星|vx|wx|v信|weixin|wechat|绿泡泡|泡泡|绿色|"
    r"qq|扣扣|抠抠|企鹅|秋秋|球球|q群|q号|群号|频道号|"
    # A lone q or v names an app only next to a contact word: 加v, v我, q:, v号 (not V领, SV-).
    r"(?:加|找|私|\+)[qv](?![a-z0-9])|(?<![a-z0-9-])[qv](?=[:：号我上聊搜]|同号|$)|"
    r"钉钉|飞书|电报|telegram|(?<![a-z0-9])tg(?![a-z0-9])|飞机|whatsapp|(?<![a-z0-9])line(?![a-z0-9])|"
    r"skype|小号"
)
# Words that make a number a contact without naming the app: only for QQ-like numbers.
_GENERIC = r"好友|加我|加一下|搜一下|搜索|搜|联系我|找我|私聊|号是|(?<![a-z0-9?&=])id(?![a-z0-9=])"
_PAYMENT = (
    r"银行|卡号|卡上|(?<![会员电话礼品购物公交])卡|账号|帐号|账户|帐户|户名|开户|收款|转账|转帐|汇款|打款|转入|转到|汇到|打到|对公|"
    r"支付宝|zfb|支小宝|余额宝|云闪付|paypal|工行|建行|农行|中行|招行|交行|邮储|储蓄卡|借记卡|信用卡"
)
_PHONE = r"电话|手机|座机|热线|号码|致电|拨打|拨|打给|打我|call|tel|来电|联系方式|短信"
_HARMLESS = (
    r"订单|单号|运单|快递|物流|包裹|编号|型号|货号|款号|sku|sn|imei|序列号|串号|批次|批号|工号|发票|"
    r"税号|条码|条形码|取件码|提货码|验证码|会员号|尺码|价格|邮编|车牌|身份证|房间|门牌|版本|固件|"
    r"密码|备案|注册证|证号|许可证|生产日期|日期|保质期|防伪码|溯源码|兑换码|券码|好友码|订单尾号"
)
_CUES = re.compile(
    f"(?P<messenger>{_MESSENGER})|(?P<payment>{_PAYMENT})|(?P<phone>{_PHONE})|(?P<harmless>{_HARMLESS})"
    f"|(?P<generic>{_GENERIC})"
)
BEFORE = 22  # squeezed characters read before a token
AFTER = 8  # …and after it, in the same clause
_CLAUSE_END = re.compile(r"[,;!?。:\n]")
_SENTENCE_END = re.compile(r"[;!?。\n]")

_HANDLE = re.compile(r"(?<![a-z0-9@])(?:wxid[a-z0-9]{3,}|[a-z][a-z0-9]{4,29})(?![a-z0-9@])")
_NOT_A_HANDLE = re.compile(r"\.(?:com|cn|net|org|top|vip|xyz|cc|shop|io|me)\b|@")
_TOKEN = re.compile(r"[¥$€£](?=[a-z0-9]*[a-z])[a-z0-9]{6,16}[¥$€£]")
_PASTE = re.compile(
    r"(?:复制|粘贴|长按复制)[^。!?]{0,20}?(?:打开|去|到)[^。!?]{0,8}?"
    r"(?:app|软件|淘|拼多多|某宝|橙色|手淘|tb|闲鱼|咸鱼|pdd)"
)


@dataclass(frozen=True, slots=True)
class Chain:
    """Number groups of one sentence with short text between them, in order."""

    groups: tuple[NumberGroup, ...]

    def digits(self, first: int, last: int) -> str:
        return "".join(group.digits for group in self.groups[first : last + 1])


def chains(text: NormalizedText) -> list[Chain]:
    shadow = text.shadow
    found: list[Chain] = []
    current: list[NumberGroup] = []
    for group in text.number_groups:
        if _COUNT.match(shadow, group.end) and group.spelled and len(group.digits) <= 2:
            continue  # 最后四位, 分两段: a count in the words between the parts
        if len(group.digits) < 3 and group.spelled:
            continue  # a digit or two in words (一家三口, 两顿) is never part of an identifier
        if _UNIT.match(shadow, group.end):
            if current:
                found.append(Chain(tuple(current)))
            current = []
            continue
        if current and not _CHAIN_GAP.fullmatch(shadow, current[-1].end, group.start):
            found.append(Chain(tuple(current)))
            current = []
        current.append(group)
    if current:
        found.append(Chain(tuple(current)))
    return found


def _phone_kind(digits: str) -> str | None:
    if _MOBILE.fullmatch(digits):
        return "mobile"
    if _LANDLINE.fullmatch(digits) or _HOTLINE.fullmatch(digits):
        return "landline"
    return None


class IdentifierDetector:
    name = "identifiers"

    def detect(self, text: NormalizedText) -> list[Finding]:
        findings: list[Finding] = []
        taken: list[tuple[int, int]] = []  # shadow spans already reported
        for chain in chains(text):
            findings.extend(self._in_chain(text, chain, taken))
        findings.extend(self._handles(text))
        tokens = [
            finding_from_shadow(text, "redirect.token", "redirect", *m.span(), "token")
            for m in _TOKEN.finditer(text.shadow)
        ]
        if not tokens:
            tokens = [
                finding_from_compact(text, "redirect.token", "redirect", *m.span(), "token")
                for m in _PASTE.finditer(text.compact)
            ]
        return findings + tokens

    def _in_chain(
        self, text: NormalizedText, chain: Chain, taken: list[tuple[int, int]]
    ) -> Iterator[Finding]:
        groups = chain.groups
        index = 0
        while index < len(groups):
            found = self._phone_from(text, chain, index)
            if found is not None:
                last, finding = found
                taken.append((groups[index].start, groups[last].end))
                yield finding
                index = last + 1
                continue
            found = self._cued_from(text, chain, index)
            if found is not None:
                last, finding = found
                yield finding
                index = last + 1
                continue
            index += 1

    def _phone_from(
        self, text: NormalizedText, chain: Chain, first: int
    ) -> tuple[int, Finding] | None:
        """Groups first..last spelling a phone number, unless one typed digit run holds them
        all (PhoneDetector reads those) or they are a slice of a longer number."""
        groups = chain.groups
        if first > 0 and not text.shadow[groups[first - 1].end : groups[first].start].strip():
            return None
        for last in range(first, len(groups)):
            digits = chain.digits(first, last)
            if len(digits) > 13:
                return None
            kind = _phone_kind(digits)
            if kind is None:
                continue
            if last + 1 < len(groups) and len(chain.digits(first, last + 1)) <= 13:
                following = chain.digits(first, last + 1)
                if _phone_kind(following) is not None:
                    continue  # the longer reading wins (a landline with its extension)
            start, end = groups[first].start, groups[last].end
            if self._one_typed_run(text, start, end) or _glued(text.shadow, start, end):
                return None
            if cue_for(text.shadow, start, end, before=8, after=0) == "harmless":
                return None  # 编号147576-001，尺寸35: a product code, not a phone in parts
            evidence = digits[:3] + "****" + digits[-4:]
            return last, finding_from_shadow(text, "phone.parts", "phone", start, end, evidence)
        return None

    @staticmethod
    def _one_typed_run(text: NormalizedText, start: int, end: int) -> bool:
        return any(
            run.groups[0][0] <= start and end <= run.groups[-1][1] for run in text.digit_runs
        )

    def _cued_from(
        self, text: NormalizedText, chain: Chain, first: int
    ) -> tuple[int, Finding] | None:
        """The longest run of groups from ``first`` (5–19 digits) that a cue makes a contact."""
        groups = chain.groups
        best: tuple[int, str] | None = None
        for last in range(first, len(groups)):
            length = len(chain.digits(first, last))
            if length > 19:
                break
            if length >= 5:
                best = (last, chain.digits(first, last))
        if best is None:
            return None
        last, digits = best
        start, end = groups[first].start, groups[last].end
        if _glued(text.shadow, start, end) or _MASKED.search(text.shadow, start, end):
            return None  # 138****5621: a number shown masked, on purpose
        cue = cue_for(text.shadow, start, end)
        if cue == "generic":
            cue = "messenger" if 5 <= len(digits) <= 11 else None
        if cue is None or cue == "harmless":
            return None
        if cue == "phone" and not 7 <= len(digits) <= 12:
            return None
        if cue == "payment" and len(digits) < 8:
            return None  # too short for an account: an amount, a code
        if cue == "messenger" and len(digits) > 12:
            return None
        rule = {"messenger": "messenger.id", "payment": "payment.account", "phone": "phone.cued"}
        category = {"messenger": "messenger", "payment": "payment", "phone": "phone"}[cue]
        evidence = mask(digits)
        return last, finding_from_shadow(text, rule[cue], category, start, end, evidence)

    def _handles(self, text: NormalizedText) -> Iterator[Finding]:
        compact = text.compact
        for match in _HANDLE.finditer(compact):
            handle = match.group()
            if _NOT_A_HANDLE.match(compact, match.end()):
                continue
            start_shadow = text.shadow_index(match.start())
            end_shadow = text.shadow_index(match.end() - 1) + 1
            if _NOT_A_HANDLE.match(text.shadow, end_shadow):
                continue
            cue = cue_for(text.shadow, start_shadow, end_shadow, before=8, after=0)
            has_digit = any(c.isdigit() for c in handle)
            if not (cue == "messenger" or (cue == "generic" and has_digit)):
                continue
            if not has_digit and not handle.startswith("wxid") and len(handle) < 6:
                continue
            yield finding_from_compact(
                text, "messenger.id", "messenger", *match.span(), "id:" + mask(handle)
            )


def cue_for(
    shadow: str, start: int, end: int, before: int = BEFORE, after: int = AFTER
) -> str | None:
    """What the words nearest to shadow[start:end] make it: messenger, payment, phone,
    harmless, or None when nothing near says."""
    sentence = max((m.end() for m in _SENTENCE_END.finditer(shadow, 0, start)), default=0)
    window = _SQUEEZE.sub("", shadow[sentence:start])[-before:]
    # The cue nearest the token decides; a generic one (号是, 搜, 加我) only when no cue names
    # what kind of identifier it is (座机号是 …: a phone).
    last: tuple[int, str] | None = None
    generic = False
    for match in _CUES.finditer(window):
        kind = str(match.lastgroup)
        if kind == "generic":
            generic = True
        elif last is None or match.end() >= last[0]:
            last = (match.end(), kind)
    if last is not None:
        return last[1]
    if generic:
        return "generic"
    if not after:
        return None
    clause = _CLAUSE_END.search(shadow, end)
    following = _SQUEEZE.sub("", shadow[end : clause.start() if clause else len(shadow)])[:after]
    first = _CUES.search(following)
    return str(first.lastgroup) if first else None


def _glued(shadow: str, start: int, end: int) -> bool:
    """Digits stuck to Latin letters, or joined to them by a dash, are part of a code (a model
    number, JDVA…, SV-045)."""
    before = shadow[max(0, start - 2) : start]
    after = shadow[end] if end < len(shadow) else ""
    near = before[-1:] if before[-1:] != "-" else before[:1]
    return (near.isascii() and near.isalpha()) or (after.isascii() and after.isalpha())
