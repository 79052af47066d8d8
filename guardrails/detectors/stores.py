"""Physical store information: a store with an address, a street address, an invitation to visit.

Shipping talk passes: ``请核对收货地址``, ``从浙江仓发货``, ``不支持门店自提``.
"""

from __future__ import annotations

import re

from ..normalize import NormalizedText, normalize
from ..types import Finding
from .base import compact_matches, finding_from_compact

_STORE = (
    r"(?:实体店|实[a-z]店|实体铺子?|门店|门dian|线下店|线下门店|专卖店|体验店|直营店|工厂店|店面|店铺地址|"
    r"门市|档口|展厅|仓库地址|工厂地址|厂址|我们店|本店地址|我们的店|店址|专柜)"
)
_STORE_NOUN = (
    r"(?:实体店|实[a-z]店|实体铺子?|门店|门dian|线下店|店里|店面|档口|工厂|厂里|仓库|展厅|专卖店|"
    r"体验店|门市|摊位|铺子|专柜|柜台|工作室|基地|养殖场|渔场|农场|果园|厂房)"
)
_PLACE = r"[\u4e00-\u9fff]{1,10}?"
_STREET = rf"{_PLACE}(?:路|街|大道|大街|巷|弄|胡同|道)"
_NUMBER = (
    r"(?:\d{1,5}(?:-\d{1,4})?|[一二三四五六七八九十百零〇两]{1,6})"
    r"(?:号|弄|栋|幢|座|楼|层|室|铺|号楼|号院|号铺|号门面|f)"
)
_BUILDING = rf"{_PLACE}(?:大厦|广场|商场|市场|商城|中心|城|批发市场|写字楼|园区|工业园|商业街)"
_ADDRESS = (
    rf"(?:{_STREET}(?:[一二三四五六七八九十\d]{{1,2}}段)?{_NUMBER}"
    rf"|{_BUILDING}\d{{0,4}}(?:楼|层|号|f|室|铺|区)\d{{0,5}}(?:号|室|铺)?"
    rf"|{_BUILDING}(?:b\d|负\d楼?|地下\d?层))"
)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("store.address", re.compile(rf"{_STORE}[^,;!?。]{{0,12}}?{_ADDRESS}")),
    (
        "store.address",
        re.compile(rf"{_ADDRESS}[^,;!?。]{{0,8}}?(?:{_STORE}|欢迎|到店|来店|自提|提货|看货)"),
    ),
    (
        "store.visit",
        re.compile(
            r"(?:欢迎|可以|直接|随时|周末|有空)(?:来|到|过来|光临|莅临)?(?:我们的?)?"
            r"(?:实体店|门店|线下店|店里|店铺|工厂|厂里|仓库|档口|展厅)(?:来|看|试|体验|参观|自提|提货|选|玩|逛)"
        ),
    ),
    ("store.address", re.compile(rf"(?:地址|位于|坐落于|在){_PLACE}(?:省|市|区|县)?{_ADDRESS}")),
    ("store.address", re.compile(rf"{_STORE}[^;!?。]{{0,12}}?(?:地址)?(?:在|位于){_BUILDING}")),
    ("store.address", re.compile(rf"(?:线下店|实体店|门店|店|📍)[^,;!?。]{{0,6}}{_ADDRESS}")),
    # A store named, then its street address later in the same sentence (commas allowed).
    ("store.address", re.compile(rf"{_STORE_NOUN}[^;!?。]{{0,30}}?{_STREET}{_NUMBER}")),
    # A store, stall or warehouse, then an invitation to come and see: 有档口，量大可以来看货
    (
        "store.visit",
        re.compile(
            rf"{_STORE_NOUN}[^;!?。]{{0,16}}?(?:来|到|过来)(?:看货|拿货|提货|验货|看样|看样板|"
            rf"试穿|试戴|试骑|试用|体验|挑|选|参观|逛|自提|坐坐|喝茶)"
        ),
    ),
    (
        "store.visit",
        re.compile(
            rf"(?:来|到|过来)(?:我们|我|咱们|咱)?[^,;!?。、]{{0,6}}?{_STORE_NOUN}[^,;!?。、]{{0,4}}?"
            rf"(?:看|挑|选|试|体验|参观|逛|自提|提货|拿货|坐)"
        ),
    ),
)
# "到店体验" with where the store is: 我们在…附近 / 对面 / 导航搜店名.
_VISIT = r"到店(?:试\w|体验|看货|选购|挑选|参观|逛逛|验光|咨询|洗护|理发|美甲|拿货|坐坐)"
_WHERE = r"(?:附近|对面|旁边|隔壁|导航|地址|位于|位置在|门口|楼下|路口)"
_PATTERNS = (
    *_PATTERNS,
    ("store.visit", re.compile(rf"{_VISIT}[^;!?。]{{0,24}}?{_WHERE}")),
    ("store.visit", re.compile(rf"{_WHERE}[^;!?。]{{0,24}}?{_VISIT}")),
    ("store.visit", re.compile(rf"(?:{_STORE})[^;!?。]{{0,16}}?{_VISIT}")),
    # Found through a map app: 高德地图搜『…』 / 导航搜“…基地”
    (
        "store.navigation",
        re.compile(r"(?:高德|百度地图|腾讯地图|地图|导航)(?:上|里|app)?(?:搜索?|查一下|查)"),
    ),
    # A store placed at a street or a mall, even without a number: 实体店在成都春熙路
    (
        "store.address",
        re.compile(
            rf"{_STORE}(?:在|位于|开在|就在)[^,;!?。]{{1,12}}?"
            r"(?:路|街|大道|广场|商场|大厦|市场|商城|购物中心|步行街)"
        ),
    ),
    # An address, then come over: 赛格广场5楼5B28，过来当面验机
    (
        "store.visit",
        re.compile(
            rf"{_ADDRESS}[^。!?]{{0,12}}?(?:过来|来|到店|当面)(?:当面)?"
            r"(?:验|看|提|试|取|拿|选|挑|买|交易)"
        ),
    ),
    # An open invitation to a named place: 基地随时欢迎来挑苗
    (
        "store.visit",
        re.compile(
            rf"{_STORE_NOUN}[^,;!?。]{{0,8}}?(?:欢迎|随时|可以)(?:来|过来|到)"
            r"(?:挑|选|看|玩|参观|体验|采摘|钓|买)"
        ),
    ),
)
# An invitation to come in person, told with a place of ours or directions to it, in one sentence:
# "直接来沈阳三好街电子市场二楼东头B区，找老王", "库房在铁西区兴华街北头，红色铁门那栋，挨着肯德基，
# 周末可以过来自提". No street number is needed; two of the three kinds of words in a sentence are.
_COME = re.compile(
    r"(?<!比)(?:来|过来|到|(?<!线)上|去)(?:我们|我|咱们|咱|本店)?(?:的|家)?(?:店|门店|实体店|线下店|专柜|柜台|档口|摊|仓|"
    r"库房|工厂|厂里|工作室|样品间|展厅|体验店|美容院|维修点|分店|批发城|基地|果园|农场)"
    r"|(?:过来|来|来店|到店|上门)(?:自提|取|拿|看|试|挑|选|逛|坐坐|玩|体验|验机|谈|检测|提货|拿货|看货)"
    r"|当面(?:验|交易|看|取|试|聊|谈)|开车过来|顺路来|下楼给你|直接过来|可以过来|欢迎(?:来|过来|光临)"
)
_OUR_PLACE = re.compile(
    r"店里|门店|实体店|线下店|专柜|柜台|档口|摊|仓库|库房|工厂|厂里|工作室|样品间|展厅|体验店|美容院|"
    r"维修点|分店|批发城|批发市场|市场|商场|广场|大厦|写字楼|物流园|工业园|园区|小区|[a-z]区\d|\d{1,4}号"
)
_DIRECTIONS = re.compile(
    r"对面|对过|旁边|附近|隔壁|挨着|门口|往[东南西北左右前后里]|出口|地铁|公交站|站[a-z]?口|路口|楼下|"
    r"[一二三四五六七八九\d]楼|[一二三四五六七八九\d]层|地下|进门|进院|左手边|右手边|门牌|胡同|"
    r"第[一二三四五六七八九十\d]+(?:家|排|个|栋)|牌子|招牌|门脸|铁门|路(?:东|西|南|北)|[路街道]北头|中段"
)
_NOT_OURS = re.compile(
    r"驿站|快递柜|丰巢|菜鸟|自提点|快递点|网点|收货地址|您的地址|你的地址|退货地址|上门安装|上门取件|"
    r"上门服务|上门维修|上门测量|师傅上门|快递员|抖音商城|京东商城|快手小店|抖店|店铺首页|直播间|客服窗口|"
    r"对话窗口|聊天窗口|线上店|网店|找附近|刻字店|维修店|修理店|药店|便利店|超市"
)
# An address the platform's after-sale flow gives for a return is not a store of ours.
_RETURN_FLOW = re.compile(r"退货|寄回|退回|售后页面|售后申请|申请售后|退换")
_SENTENCE = re.compile(r"[^!?。;\n]+")


# Addresses the shopper gave us, or ours for returns, are not an invitation to a store.
_SHIPPING = re.compile(r"(?:收货|收件|寄件|退货|退回|寄回|送货|配送|您的|你的)地址")


# Cheap test first: a store word, an address word, or a street with a number.
_MAYBE = re.compile(
    r"店|档口|工厂|厂里|仓库|展厅|专柜|柜台|铺|门市|门dian|摊位|基地|地址|位于|坐落|📍|地图|导航|"
    r"工作室|养殖场|渔场|农场|果园|厂房|过来|"
    r"(?:路|街|道|巷|弄|胡同)[\d一二三四五六七八九十百]|大厦|广场|商场|市场|商城|写字楼|园区"
)


class StoreDetector:
    name = "stores"

    def detect(self, text: NormalizedText) -> list[Finding]:
        compact = text.compact
        if _MAYBE.search(compact) is None:
            return []
        found = self._patterns(text) or self._directions(text)
        return [f for f in found if not _returned_to(text, f) and not _not_ours(text, f)]

    @staticmethod
    def _directions(text: NormalizedText) -> list[Finding]:
        compact = text.compact
        findings = []
        for sentence in _SENTENCE.finditer(compact):
            start, end = sentence.span()
            come = _COME.search(compact, start, end)
            place = _OUR_PLACE.search(compact, start, end)
            where = _DIRECTIONS.search(compact, start, end)
            if sum(m is not None for m in (come, place, where)) < 2 or not (come or where):
                continue
            if _NOT_OURS.search(compact, start, end):
                continue
            hits = [m for m in (come, place, where) if m is not None]
            first, last = min(m.start() for m in hits), max(m.end() for m in hits)
            findings.append(
                finding_from_compact(text, "store.directions", "store", first, last, "address")
            )
        return findings

    def _patterns(self, text: NormalizedText) -> list[Finding]:
        compact = text.compact
        shipping = [m.span() for m in _SHIPPING.finditer(compact)]
        findings: list[Finding] = []
        taken: list[tuple[int, int]] = []
        for rule, pattern in _PATTERNS:
            for match in compact_matches(pattern, text):
                start, end = match.span()
                if any(s < end and start < e for s, e in taken):
                    continue
                if any(e <= start and start - e < 6 or s <= start < e for s, e in shipping):
                    continue
                taken.append((start, end))
                findings.append(finding_from_compact(text, rule, "store", start, end, "address"))
        return findings


def _sentence(text: NormalizedText, finding: Finding) -> tuple[int, int]:
    original = text.original
    start = max((original.rfind(c, 0, finding.start) for c in "。！？!?；;\n"), default=-1) + 1
    ends = [i for c in "。！？!?；;\n" if (i := original.find(c, finding.end)) != -1]
    return start, min(ends, default=len(original))


def _returned_to(text: NormalizedText, finding: Finding) -> bool:
    """True when the finding's sentence is about sending goods back (a return address)."""
    return _RETURN_FLOW.search(text.original, *_sentence(text, finding)) is not None


def _not_ours(text: NormalizedText, finding: Finding) -> bool:
    """True when the finding's sentence places it on the platform or with a courier."""
    start, end = _sentence(text, finding)
    return _NOT_OURS.search(normalize(text.original[start:end]).compact) is not None
