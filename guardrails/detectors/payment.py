"""Bank cards and off-platform payment: card numbers (Luhn-checked, near banking words), payment
accounts and collection codes, and invitations to pay or trade outside the platform.

Paying on the platform passes: ``支持微信支付``, ``退款原路退回``, ``可以换一张银行卡付款``.
"""

from __future__ import annotations

import re

from ahocorasick_rs import AhoCorasick, MatchKind

from ..normalize import DigitRun, NormalizedText
from ..types import Finding
from .base import digit_runs, finding_from_compact, finding_from_shadow

_BANK_CONTEXT = re.compile(
    r"(?:银行|卡号|账号|帐号|账户|帐户|户名|开户|收款|转账|转帐|汇款|打款|转入|转到|汇到|打到|"
    r"工行|建行|农行|中行|招行|交行|邮储|浦发|民生|兴业|光大|中信|平安|储蓄卡|借记卡|信用卡|对公)"
)
_ORDER_CONTEXT = re.compile(r"(?:订单|单号|运单|快递|物流|编号|序列号|sn|imei|批次|条码)")
# A payment account given out (WeChat IDs are the messenger rule's: they are contacts first).
_PAYMENT_ACCOUNT = re.compile(
    r"(?:支付宝|alipay|zfb|银行卡|云闪付|paypal)(?:账号|帐号|账户|帐户|号)?"
    r"(?:是|为|:)?(?=[a-z0-9_@.\-]{5,}|\d{5,})"
)


def _product(*parts: tuple[str, ...]) -> list[str]:
    """Every phrase made of one choice from each part ("" makes a part optional)."""
    phrases = [""]
    for choices in parts:
        phrases = [phrase + choice for phrase in phrases for choice in choices]
    return [phrase for phrase in phrases if phrase]


_PLATFORMS = ("平台", "京东", "抖音", "快手", "抖店", "小店")
_ME = ("我", "我们", "你", "您")
# Inviting to pay or trade off the platform, written as the word lists they are made of; one
# Aho-Corasick scan finds them all (a regex alternation of the same took ~20 us per answer).
_OFF_PLATFORM_PHRASES = [
    *_product(("私下",), ("交易", "转账", "付款", "付", "结算", "联系", "成交", "下单", "沟通",
                          "走", "处理", "操作", "给", "发", "买", "卖", "加", "聊", "来")),
    "不走平台", "绕过平台", "跳过平台", "绕开平台", "脱离平台", "不通过平台",
    *_product(("平台外",), ("", "交易", "付款", "支付", "下单")),
    *_product(("不用", "不要", "别", "无需", "不必"), ("走", "在", "通过", "上"), _PLATFORMS),
    *_product(("线下",), ("交易", "付款", "转账", "结算", "支付", "付", "打款", "收款")),
    "现金交易", *_product(("付", "给"), ("我", "我们"), ("现金",)),
    *_product(("转账", "转帐", "打款", "汇款", "付款", "付钱"),
              ("给我", "给我们", "给老板", "到我", "到我们", "到这个", "到下面", "至")),
    *_product(("转", "打", "汇"), ("", "给"), _ME, ("", "的"),
              ("支付宝", "zfb", "微信", "vx", "卡", "银行卡", "账户")),
    *_product(("微信", "支付宝", "vx", "zfb", "银行卡"), ("转账", "转帐", "打款", "支付给我")),
    *_product(("", "扫", "用"),
              ("", "我的", "我们的", "店铺的", "下面的", "图中", "图中的", "这个"),
              ("收款码", "收钱码", "收款二维码")),
    "加我私聊", *_product(("私聊",), ("下单", "优惠", "价格", "报价")),
    *_product(("私信",), ("下单", "报价")),
    *_product(("好评", "晒图", "晒单", "五星", "评价", "返图"), ("返现",)),
    *_product(("返现",), ("加", "联系", "找")),
    *_product(("红包走",), ("支付宝", "微信", "私下")),
    "拍下不发货", "拍下备注不发", *_product(("补差价",), ("转", "加", "联系")),
    "直接打钱", "先付定金给我",
    *_product(("退款走",), ("微信", "支付宝", "银行卡", "私下")),
    # Crypto-currency: paid to a wallet, outside any platform.
    "usdt", "泰达币", "比特币", "btc付款", "以太坊", "钱包地址", "trc20", "erc20", "虚拟币付款",
]  # fmt: skip
_OFF_PLATFORM_FINDER = AhoCorasick(_OFF_PLATFORM_PHRASES, matchkind=MatchKind.LeftmostLongest)
# What a word list cannot say: a look-ahead, a gap of a few words, a number.
_OFF_PLATFORM_PATTERNS = re.compile(
    r"(?:直接|先)转(?:给)?我(?!们)"
    r"|(?:好评|五星|晒单|晒图|评价)[^。!?]{0,16}?(?:返现|返\d+元|红包)"
    r"|便宜[^,;!?。]{0,6}(?:不走平台|私下)"
)
# Money sent to the writer outside the order, however the channel is named: "运费差价就5块，您直接
# 微信转我吧", "把定金200打到我的“小蓝”里", "发个口令红包给我就行", "补邮费不用再拍链接了".
_CHANNEL = (
    r"(?:微信|vx|wx|支付宝|zfb|支小宝|余额宝|云闪付|小蓝|蓝色(?:那个)?(?:付钱|支付)?(?:软件|app)|"
    r"付钱(?:那个|的)?(?:软件|app)|数字人民币|paypal|口令红包|微信红包|红包|q币|e卡|卡密|现金|银行转账|对公)"
)
_US = r"(?:我|我们|财务|老板|老板娘|店主|师傅|对公)(?!们?(?:这边)?(?:不|没))"
_TRANSFER = re.compile(
    rf"{_CHANNEL}[^。!?;]{{0,10}}?(?:转|打|付|发|存|充|汇|交)(?:个|一下|点|款)?(?:给|到)?{_US}"
    rf"|(?:转|打|付|发|存|充|汇|交)(?:个|一下|点)?[^。!?;]{{0,8}}?(?:到|给|进)(?:了)?{_US}"
    rf"[^。!?;]{{0,5}}?(?:的)?(?:{_CHANNEL}|卡|账户|账号|钱包|里)"
    rf"|(?:发|转)(?:个|我|我个)?(?:\d+块的?|[一二三两五十几]+块的?)?(?:微信|口令)?红包(?:给我|就行|就好|当定金)"
    rf"|(?:定金|订金|预付款|尾款|差价|运费|邮费|补差|上门费|补邮)[^。!?;]{{0,16}}?"
    rf"(?:不用|别|无需|不必)(?:再)?(?:单独)?(?:拍|下单|走订单|补拍|开一单|走平台)"
)
_PLATFORM_MONEY = re.compile(
    r"原路|平台红包|店铺红包|领红包|红包雨|京东红包|抖音红包|快手红包|优惠券|券"
)
_ON_PLATFORM = re.compile(
    r"(?:原路退回|原路返回|平台(?:担保|保障)|支付方式|付款方式|选择(?:微信|支付宝)|确认收货(?:后|之后|以后)[^,;!?。]{0,4})"
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# "平台不允许好评返现": naming a forbidden practice to refuse it is not doing it.
_NEGATED = re.compile(
    r"(?:不允许|禁止|严禁|不能|不会|不支持|没有|拒绝|不可以|不提供|谨防|小心)[^,;!?。]{0,4}$"
)


class PaymentDetector:
    name = "payment"

    def detect(self, text: NormalizedText) -> list[Finding]:
        findings = self._cards(text)
        compact = text.compact
        on_platform = [m.span() for m in _ON_PLATFORM.finditer(compact)]
        candidates: list[tuple[str, int, int]] = [
            ("payment.off_platform", start, end)
            for _, start, end in _OFF_PLATFORM_FINDER.find_matches_as_indexes(compact)
        ]
        candidates += [
            ("payment.off_platform", *m.span()) for m in _OFF_PLATFORM_PATTERNS.finditer(compact)
        ]
        candidates += [("payment.account", *m.span()) for m in _PAYMENT_ACCOUNT.finditer(compact)]
        candidates += [
            ("payment.transfer", *m.span())
            for m in _TRANSFER.finditer(compact)
            if not _PLATFORM_MONEY.search(compact, max(0, m.start() - 6), m.end() + 4)
        ]
        taken: list[tuple[int, int]] = []
        for rule, start, end in sorted(candidates, key=lambda c: (c[1], -c[2])):
            if not text.gaps_ok(start, end) or any(s < end and start < e for s, e in taken):
                continue
            if any(s <= start < e for s, e in on_platform):
                continue
            if _NEGATED.search(compact, max(0, start - 10), start):
                continue
            taken.append((start, end))
            findings.append(finding_from_compact(text, rule, "payment", start, end, rule))
        return findings

    def _cards(self, text: NormalizedText) -> list[Finding]:
        shadow = text.shadow
        findings: list[Finding] = []
        for run in digit_runs(text):
            if run.groups[-1][1] - run.groups[0][0] < 16:
                continue  # too short to hold 16 digits
            card = self._card_in(shadow, run)
            if card is None:
                continue
            start, end, digits = card
            window = shadow[max(0, start - 24) : start]
            if _ORDER_CONTEXT.search(window[-10:]):
                continue
            if not (_BANK_CONTEXT.search(window) or digits.startswith("62")):
                continue
            evidence = digits[:4] + "****" + digits[-4:]
            findings.append(
                finding_from_shadow(text, "payment.bank_card", "payment", start, end, evidence)
            )
        return findings

    @staticmethod
    def _card_in(shadow: str, run: DigitRun) -> tuple[int, int, str] | None:
        """Whole groups of the run that make a 16–19 digit Luhn-valid number."""
        groups = run.groups
        for first in range(len(groups)):
            for last in range(first, len(groups)):
                digits = run.digits(shadow, first, last)
                if len(digits) > 19:
                    break
                if len(digits) >= 16 and digits[0] in "3456" and luhn_valid(digits):
                    return groups[first][0], groups[last][1], digits
        return None
