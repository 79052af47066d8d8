"""Facts in a bot answer: times, dates, places, numbers and statuses, found on the shadow text.

A bot that goes round in circles says the same thing in other words; a bot giving a tracking
update says the same template with new facts (您的包裹已到达【杭州转运中心】, then
【上海分拨中心】).
Repeat detection by meaning (guardrails/similarity.py, "r2") compares answers with their facts
masked and forbids a repeat when the later answer states a fact the earlier one did not; this
module finds them.

Each fact has a kind and a normalised value, so that different spellings of one fact agree:

- ``time``: 09:14 and 9点14分 are ``9:14``; a part of the day (上午, 晚上) is its own value.
- ``date``: 10月12日 is ``10-12``; 周五 / 星期五 / 礼拜五 are ``周五``; 今日 is ``今天``.
- ``place``: a logistics node in brackets or with its suffix (【广州转运中心】, 上海嘉定分拨中心,
  北京仓), without the verb before it (已到达, 发往).
- ``number``: digits (``459.00`` is ``459``) and Chinese numerals before a unit (三个工作日 is
  ``3``; 一 only before a unit of time or money, so 换一个, 一下 are not facts).
- ``status``: a state asserted, not a condition: 已签收, 派送中, 有货 / 缺货, 状态为"待质检";
  审核通过后 (after approval) is a step in a procedure and is not a status.

A fact is reported with its span in the shadow text, never copied into logs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

TIME = "time"
DATE = "date"
PLACE = "place"
NUMBER = "number"
STATUS = "status"
KINDS = (TIME, DATE, PLACE, NUMBER, STATUS)

# What replaces a masked fact: one character, the same for every fact, so that two answers with
# different facts in the same places compare as the same template.
MASK = "0"


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact: its kind, its normalised value and its span in the shadow text."""

    kind: str
    value: str
    start: int
    end: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}"


_HAN = "\u4e00-\u9fff"
_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
    "八": 8, "九": 9,
}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_UNITS = (
    "个|件|天|日|周|月|年|小时|分钟|分|秒|元|块|台|套|本|张|次|位|米|厘米|斤|公斤|袋|箱|瓶|盒"
    "|期|号|岁|码|折|倍|星期|礼拜|工作日|单|份|条|双|只|支|包"
)
_ONE_UNITS = "年|周|月|天|日|小时|分钟|元|块|斤|公斤|星期|礼拜|工作日"
_PLACE_SUFFIX = "转运中心|分拨中心|分拣中心|集散中心|营业部|营业点|中转场|转运场|配送站|服务站"
_BRACKETED_SUFFIX = f"{_PLACE_SUFFIX}|网点|驿站|站点|仓|站|库"
_STATUS_VERBS = (
    "发货|签收|揽收|揽件|出库|入库|到达|抵达|发出|寄出|寄回|派送|派件|审核通过|通过审核|通过|驳回|"
    "拒绝|退款|退回|到账|取消|完成|补发|修改|更新|更换|安排|质检|检测|维修|修好|关闭"
)
_ONGOING = "派送|运输|分拣|审核|检测|质检|维修|配送|出库|打包|备货|调拨|揽收|退款|清关|中转"
_STOCK = "有货|现货|缺货|无货|没货|断货|售罄|到货"
_TRANSIT = "运输途中|在路上|在途|途中"

_FACTS = re.compile(
    # times and dates before numbers: 9:14 is one time, not two numbers
    rf"(?P<clock>(?<!\d)(?:[01]?\d|2[0-3])[:：][0-5]\d(?!\d))"
    rf"|(?P<oclock>(?<!\d)(?:[01]?\d|2[0-4])点(?:[0-5]?\d分|半)?)"
    r"|(?P<daypart>上午|下午|中午|晚上|凌晨|傍晚|早上|夜里)"
    rf"|(?P<monthday>(?<!\d)(?:1[0-2]|0?[1-9])月(?:[12]\d|3[01]|0?[1-9])[日号]?)"
    r"|(?P<weekday>(?:周|星期|礼拜)[一二三四五六日天末])"
    r"|(?P<relday>大后天|今天|今日|明天|明日|后天|昨天|昨日|前天|当天|当日|次日|隔天|今晚|明早|明晚"
    r"|本周|下周|上周|月底|月初)"
    # a status before a place: 已到达 is the status, 杭州转运中心 the place
    rf"|(?P<done>(?:已经|已为您|已给您|已帮您|已)(?:原路|成功|正常|全部)?(?:{_STATUS_VERBS})(?![后前时]))"
    rf"|(?P<bracketed>[【\[「]([^】\]」]{{0,16}}?(?:{_BRACKETED_SUFFIX}))[】\]」])"
    rf"|(?P<node>[{_HAN}]{{2,8}}?(?:{_PLACE_SUFFIX}))"
    rf"|(?P<depot>(?:(?<![{_HAN}])|(?<=[从由在自于往到]))[{_HAN}]{{2}}仓(?![位储]))"
    r"|(?P<digits>\d+(?:\.\d+)?)"
    rf"|(?P<numeral>(?:[两二三四五六七八九十百千]|一(?=[十百千万]))[零〇一二两三四五六七八九十百千万]*"
    rf"(?={_UNITS})|一(?={_ONE_UNITS}))"
    rf"|(?P<ongoing>(?:{_ONGOING})中)"
    rf"|(?P<stock>{_STOCK})"
    rf"|(?P<transit>{_TRANSIT})"
    r"|(?P<stated>(?:状态|结果)(?:为|是|显示为?)[\"“「【]([^\"”」】,，。!?]{2,10})[\"”」】])"
)
_LEADING = re.compile(
    "^(?:已经|已由|已从|已到达|已到|已在|已|到达|离开|发往|运往|抵达|经过|途经|由|从|到|于|在|往|至|"
    "达|经|的|您的|包裹|快递|目前|现在|当前|正在|预计)+"
)
# Two characters before 仓 that are not a city: 充电仓 is a case, 咱家仓 the shop's own.
_NOT_A_DEPOT = frozenset(
    {"充电", "咱家", "我们", "本店", "商家", "我家", "自家", "店铺", "官方", "电池", "耳机", "前置",
     "回仓", "入仓", "出仓", "进仓", "到仓", "返仓", "退回", "寄回", "发回"}
)  # fmt: skip
_DAYS = {"今日": "今天", "明日": "明天", "昨日": "昨天", "当日": "当天", "礼拜": "周", "星期": "周"}
_STOCK_VALUES = {"现货": "有货", "无货": "缺货", "没货": "缺货", "断货": "缺货", "售罄": "缺货"}
_NOT_A_STATUS_PREFIX = re.compile("^(?:已经|已为您|已给您|已帮您|已)(?:原路|成功|正常|全部)?")


def chinese_number(text: str) -> str:
    """二十五 -> 25, 两 -> 2, 一百零八 -> 108; digits one by one when there is no 十/百/千/万
    (二零二四 -> 2024)."""
    if not any(char in _CN_UNITS for char in text):
        return str(int("".join(str(_CN_DIGITS.get(char, 0)) for char in text) or "0"))
    total = section = digit = 0
    for char in text:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char == "万":
            total += (section + digit) * 10000
            section = digit = 0
        else:
            section += (digit or 1) * _CN_UNITS[char]
            digit = 0
    return str(total + section + digit)


def _number(text: str) -> str:
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    whole = str(int(whole))
    return f"{whole}.{fraction}" if fraction else whole


def _place(match: re.Match[str], group: str) -> tuple[str, int] | None:
    """The place's name without the verbs before it, and where the name starts."""
    text = match.group(group)
    start = match.start(group)
    if group == "bracketed":
        inner = match.group(match.re.groupindex["bracketed"] + 1)
        return inner, match.start(match.re.groupindex["bracketed"] + 1)
    lead = _LEADING.match(text)
    cut = lead.end() if lead else 0
    name = text[cut:]
    if group == "depot" and text[:2] in _NOT_A_DEPOT:
        return None
    if len(name) < 3 and group == "node":
        return None
    return name, start + cut


def find_facts(shadow: str) -> list[Fact]:
    """Every fact in ``shadow`` (the normaliser's shadow text), in text order."""
    found: list[Fact] = []
    for match in _FACTS.finditer(shadow):
        group = match.lastgroup
        if group is not None:  # the named group that closed last: the outer one of a fact
            found.extend(_facts_of(match, group))
    return found


def _facts_of(match: re.Match[str], group: str) -> Iterator[Fact]:
    text = match.group(group)
    start, end = match.start(group), match.end(group)
    if group == "clock":
        hour, minute = re.split("[:：]", text)
        yield Fact(TIME, f"{int(hour)}:{minute}", start, end)
    elif group == "oclock":
        hour, _, rest = text.partition("点")
        minute = "30" if rest == "半" else f"{int(rest.rstrip('分') or 0):02d}"
        yield Fact(TIME, f"{int(hour)}:{minute}", start, end)
    elif group == "daypart":
        yield Fact(TIME, text, start, end)
    elif group == "monthday":
        month, _, day = text.partition("月")
        yield Fact(DATE, f"{int(month)}-{int(day.rstrip('日号'))}", start, end)
    elif group == "weekday":
        day = text[-1].replace("天", "日")
        yield Fact(DATE, f"周{day}", start, end)
    elif group == "relday":
        yield Fact(DATE, _DAYS.get(text, text), start, end)
    elif group in ("bracketed", "node", "depot"):
        place = _place(match, group)
        if place is not None:
            name, name_start = place
            yield Fact(PLACE, name, name_start, name_start + len(name))
    elif group == "digits":
        yield Fact(NUMBER, _number(text), start, end)
    elif group == "numeral":
        yield Fact(NUMBER, chinese_number(text), start, end)
    elif group == "done":
        verb = _NOT_A_STATUS_PREFIX.sub("", text)
        yield Fact(STATUS, "审核通过" if verb == "通过审核" else verb, start, end)
    elif group == "ongoing":
        yield Fact(STATUS, text, start, end)
    elif group == "stock":
        yield Fact(STATUS, _STOCK_VALUES.get(text, text), start, end)
    elif group == "transit":
        yield Fact(STATUS, "运输中", start, end)
    elif group == "stated":
        value = match.group(match.re.groupindex["stated"] + 1)
        yield Fact(STATUS, value, start, end)


def mask_facts(shadow: str, facts: Iterable[Fact]) -> str:
    """``shadow`` with every fact but a status replaced by ``MASK``: statuses are words the
    answer is made of (两个答案都说"已签收" is part of their likeness), the rest is payload."""
    pieces = []
    cursor = 0
    for fact in sorted(facts, key=lambda f: f.start):
        if fact.kind == STATUS or fact.start < cursor:
            continue
        pieces.append(shadow[cursor : fact.start])
        pieces.append(MASK)
        cursor = fact.end
    pieces.append(shadow[cursor:])
    return "".join(pieces)
