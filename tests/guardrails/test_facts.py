"""Facts in bot answers: each kind with its spellings, and the look-alikes that are not facts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails import default_normalizer
from guardrails.facts import KINDS, MASK, chinese_number, find_facts, mask_facts


def keys(text: str) -> list[str]:
    return [fact.key for fact in find_facts(default_normalizer()(text).shadow)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # times: clock, 点, parts of the day, full-width digits
        ("预计今天18:00前送达", ["date:今天", "time:18:00"]),
        ("于09:14发出", ["time:9:14"]),
        ("９：１４已签收", ["time:9:14", "status:签收"]),
        ("明天上午9点半上门", ["date:明天", "time:上午", "time:9:30"]),
        ("下午3点20分派送", ["time:下午", "time:3:20"]),
        # dates
        ("10月12日已发出", ["date:10-12", "status:发出"]),
        ("预计周五到，不是星期五就是礼拜五", ["date:周五", "date:周五", "date:周五"]),
        ("今日发货", ["date:今天"]),
        # places: in brackets, with a logistics suffix, a city's depot; without the verb before
        ("已到达【广州转运中心】", ["status:到达", "place:广州转运中心"]),
        ("已到达杭州转运中心", ["status:到达", "place:杭州转运中心"]),
        ("离开上海嘉定分拨中心", ["place:上海嘉定分拨中心"]),
        ("从廊坊仓发出", ["place:廊坊仓"]),
        ("北京仓有货", ["place:北京仓", "status:有货"]),
        # numbers: digits, ranges, Chinese numerals before a unit
        ("¥459.00已原路退回", ["number:459", "status:退回"]),
        ("1-7个工作日到账", ["number:1", "number:7"]),
        ("三个工作日内", ["number:3"]),
        ("两件", ["number:2"]),
        ("二十五元", ["number:25"]),
        ("一年质保", ["number:1"]),
        # statuses, asserted
        ("您的订单已签收", ["status:签收"]),
        ("包裹正在派送中", ["status:派送中"]),
        ("这款暂时缺货", ["status:缺货"]),
        ("这款无货", ["status:缺货"]),
        ("包裹在运输途中", ["status:运输中"]),
        ('当前状态为"待质检"', ["status:待质检"]),
        ("已通过审核", ["status:审核通过"]),
    ],
)
def test_facts(text: str, expected: list[str]) -> None:
    assert keys(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "换一个充电头试试",  # 一 before 个 is not a count
        "稍等一下",
        "有结果会第一时间通知您",
        "审核通过后原路退回",  # a step of the procedure, not a status
        "出库前会仔细核对",
        "已收到您的反馈",  # an acknowledgement, not a status
        "我们会反馈给仓库核实",  # 仓库 is not a depot
        "将耳机放入充电仓",
        "请点击【申请售后】",  # a button, not a place
        "亲，在的，请问有什么可以帮您？",
    ],
)
def test_not_facts(text: str) -> None:
    assert keys(text) == []


def test_mask_keeps_statuses_and_replaces_the_rest() -> None:
    shadow = default_normalizer()("亲，包裹于10月13日06:40已到达【广州转运中心】，已签收").shadow
    masked = mask_facts(shadow, find_facts(shadow))
    assert masked == f"亲,包裹于{MASK}{MASK}已到达【{MASK}】,已签收"


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("三", "3"), ("两", "2"), ("十", "10"), ("十五", "15"), ("二十", "20"), ("一百零八", "108"),
     ("三万五千", "35000"), ("二零二四", "2024")],
)  # fmt: skip
def test_chinese_numbers(numeral: str, value: str) -> None:
    assert chinese_number(numeral) == value


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="亲您已于到达签收发货中心仓【】周五今天明后12:3点半一二三个件天", max_size=60)
)
def test_facts_never_raise_and_spans_hold(text: str) -> None:
    shadow = default_normalizer()(text).shadow
    for fact in find_facts(shadow):
        assert fact.kind in KINDS
        assert 0 <= fact.start < fact.end <= len(shadow)
    mask_facts(shadow, find_facts(shadow))
