"""Repeats by meaning (r2 fingerprints): a reworded canned answer repeats, a tracking update with
a new fact does not; r1 fingerprints still read as before, side by side with r2."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails import (
    Fingerprint,
    MeaningFingerprint,
    count_repeats,
    fingerprint,
    is_repeat,
    meaning_fingerprint,
    meaning_similarity,
)
from guardrails.similarity import MAX_FACTS, MEANING_CHARS, MEANING_THRESHOLD, read_fingerprint

REWORDED_LOOPS = [
    ("亲，退款1-3个工作日原路退回哦", "亲亲，款项将在三个工作日内退回原支付账户~"),
    ("亲，麻烦您提供一下订单号，我帮您查询", "亲亲，请您提供订单号哦，这边为您查询~"),
    ("您的包裹正在运输途中，请耐心等待", "亲，包裹还在运输途中哦，请您再耐心等待一下"),
    (
        "亲，请在订单详情页点击【申请售后】提交哦",
        "亲亲，您可以在订单详情页面点击【申请售后】进行提交~",
    ),
    (
        "非常抱歉给您带来不便，我们已为您反馈仓库核实，请耐心等待",
        "亲，已为您反馈给仓库核实，有结果会第一时间通知您，请耐心等待",
    ),
    ("親，退款會在1-3個工作日內原路退回", "亲，退款1-3个工作日原路退回哦"),
    (
        "亲，电子发票可在确认收货后于订单页申请开具哦~",
        "亲，支持开具电子普通发票，确认收货后在订单页面申请即可~",
    ),
    ("亲，建议您重启设备后重新连接蓝牙试试哦", "亲亲，您可以先把设备重启一下，再重新连接蓝牙试试~"),
]

UPDATES = [
    # a new place, date, time, number or status: the bot is telling the shopper something new
    ("您的包裹已到达杭州转运中心", "您的包裹已到达上海分拨中心"),
    (
        "亲，您的包裹于10月12日09:14到达【广州转运中心】",
        "亲，您的包裹于10月13日06:40到达【广州转运中心】",
    ),
    ("亲，您的售后单目前审核中", "亲，您的售后单已审核通过，请在7天内寄回"),
    ("亲，白色款目前库存12件", "亲，白色款目前仅剩1件了"),
    ("亲，您的订单已发货", "亲，您的订单已签收"),
    ("亲，预计明天送达", "亲，预计今天18:00前送达"),
    ("亲，包裹正在派送中", "亲，包裹已签收，感谢您的耐心等待"),
    (
        "亲，您的预售订单当前排队序号为第268位，今日已发货至第150位~",
        "亲，您的预售订单当前排队序号为第268位，今日已发货至第221位~",
    ),
    ("亲，M码适合身高160-165cm", "亲，L码适合身高165-170cm"),
    ("亲，这款有现货，今天下单明天发", "亲，这款暂时缺货，预计下周到货"),
]

DIFFERENT = [
    ("亲，在的，请问有什么可以帮您？", "亲，这款支持七天无理由退货"),
    ("亲，可以开具电子普通发票", "亲，该机型内存为板载，不支持后期扩展"),
    ("👍", "😊"),
    ("好的亲", "亲，在的"),
]


@pytest.mark.parametrize(("earlier", "later"), REWORDED_LOOPS)
def test_a_reworded_answer_repeats(earlier: str, later: str) -> None:
    assert is_repeat(meaning_fingerprint(later), [meaning_fingerprint(earlier)])


@pytest.mark.parametrize(("earlier", "later"), UPDATES + DIFFERENT)
def test_an_update_or_another_answer_does_not(earlier: str, later: str) -> None:
    assert not is_repeat(meaning_fingerprint(later), [meaning_fingerprint(earlier)])


def test_the_facts_check_looks_at_what_the_later_answer_adds() -> None:
    """Dropping a fact can repeat the answer that stated it; adding one never repeats."""
    stated = meaning_fingerprint("亲，退款1-3个工作日原路退回哦")
    dropped = meaning_fingerprint("亲亲，款项将在三个工作日内退回原支付账户~")  # 3, not 1
    assert meaning_similarity(dropped, stated) >= MEANING_THRESHOLD
    assert meaning_similarity(stated, dropped) == 0.0
    same_place = meaning_fingerprint("亲，包裹还在【杭州转运中心】，请耐心等待")
    assert is_repeat(
        same_place, [meaning_fingerprint("亲，您的包裹在【杭州转运中心】，请您耐心等待哦")]
    )


@pytest.mark.parametrize(
    ("earlier", "later", "r1", "r2"),
    [
        # the same answer after normalisation: both versions
        ("亲，您的订单已发货", "亲，您的订单已发货！！🚚", True, True),
        # reworded: only r2
        (REWORDED_LOOPS[0][0], REWORDED_LOOPS[0][1], False, True),
        (REWORDED_LOOPS[2][0], REWORDED_LOOPS[2][1], False, True),
        # a template with one number changed: r1 calls it the same, r2 sees the new fact
        (UPDATES[7][0], UPDATES[7][1], True, False),
        # a different payload: neither
        ("亲，您的订单已发货", "亲，您的订单已签收", False, False),
    ],
)
def test_r1_and_r2_side_by_side(earlier: str, later: str, r1: bool, r2: bool) -> None:
    assert is_repeat(fingerprint(later), [fingerprint(earlier)]) is r1
    assert is_repeat(meaning_fingerprint(later), [meaning_fingerprint(earlier)]) is r2


def test_r1_strings_still_read_as_before_and_mix_with_r2() -> None:
    old = fingerprint("亲，您的订单已发货！")
    assert old == "r1:0a0e15633480918d:8:亲您的订单已发货"  # unchanged since r1
    assert isinstance(read_fingerprint(old), Fingerprint)
    new = meaning_fingerprint("亲，您的订单已发货")
    assert new.startswith("r2:0a0e15633480918d:8:")  # the same digest and length as r1
    assert isinstance(read_fingerprint(new), MeaningFingerprint)
    # across versions only the same canonical text repeats
    assert is_repeat(new, [old])
    assert is_repeat(old, [new])
    assert not is_repeat(meaning_fingerprint("亲，您的订单已发货哦"), [old])
    # a conversation stored before the switch keeps working: r1 thresholds for r1 pairs
    assert (
        is_repeat(fingerprint("亲，您好！您的问题我们已经登记，会尽快为您处理"), [old, old])
        is False
    )
    assert count_repeats(new, [old, fingerprint("好的"), new]) == 2


def test_fingerprint_is_stable_short_and_readable() -> None:
    value = meaning_fingerprint("亲，您的包裹于10月12日09:14到达【广州转运中心】~")
    version, digest, length, facts, text = value.split(":")
    assert (version, len(digest), length) == ("r2", 16, "24")
    assert len(facts.split(".")) == 3  # a date, a time, a place
    assert text == "包裹于00到达0"
    assert MeaningFingerprint.parse(value) is not None
    assert str(MeaningFingerprint.parse(value)) == value
    assert meaning_fingerprint("亲，您的包裹于10月12日09:14到达【广州转运中心】~") == value
    long = "亲，退货请在订单详情页点击申请售后，选择退货退款，填写原因后提交即可，" * 20
    assert len(meaning_fingerprint(long).encode("utf-8")) < 400
    many_facts = "，".join(f"{n}号" for n in range(100))
    parsed = MeaningFingerprint.parse(meaning_fingerprint(many_facts))
    assert parsed is not None and len(parsed.facts) == MAX_FACTS
    assert len(parsed.text) == MEANING_CHARS


DAMAGED = [
    "",
    "garbage",
    "r2:",
    "r2:0a0e15633480918d:8:",
    "r2:xyz:8::订单已发货",
    "r2:0a0e15633480918d:x::订单已发货",
    "r2:0a0e15633480918d:8:zz:订单已发货",
    "r2:0a0e15633480918d:8:abcdef.12:订单已发货",
    "r2:0a0e15633480918d:8::订单 已发货",
    "r2:0a0e15633480918d:8::订单:已发货",
    "r2:0a0e15633480918d:8::" + "订" * (MEANING_CHARS + 1),
    "r2:0a0e15633480918d:8:" + ".".join(["abcdef"] * (MAX_FACTS + 1)) + ":订单已发货",
    "r3:0a0e15633480918d:8::订单已发货",
]


@pytest.mark.parametrize("stored", DAMAGED)
def test_damaged_fingerprints_are_skipped(stored: str) -> None:
    new = meaning_fingerprint("亲，您的订单已发货")
    assert read_fingerprint(stored) is None
    assert meaning_similarity(new, stored) == 0.0
    assert not is_repeat(new, [stored])
    assert is_repeat(new, [stored, new])
    assert not is_repeat(stored, [new])


def test_an_answer_with_no_text_left_reads() -> None:
    value = "r2:0a0e15633480918d:8::"
    parsed = MeaningFingerprint.parse(value)
    assert parsed is not None and parsed.text == "" and parsed.facts == frozenset()
    assert not is_repeat(meaning_fingerprint("👍"), [meaning_fingerprint("😊")])
    assert is_repeat(meaning_fingerprint("👍"), [meaning_fingerprint("👍")])


@pytest.mark.parametrize("threshold", [0.0, -1.0, 1.5])
def test_meaning_threshold_is_checked(threshold: float) -> None:
    value = meaning_fingerprint("亲，您的订单已发货")
    with pytest.raises(ValueError):
        is_repeat(value, [value], meaning_threshold=threshold)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.text(max_size=200))
def test_never_raises_and_stays_in_range(first: str, second: str) -> None:
    a, b = meaning_fingerprint(first), meaning_fingerprint(second)
    assert MeaningFingerprint.parse(a) is not None
    assert meaning_similarity(a, a) == 1.0
    assert 0.0 <= meaning_similarity(a, b) <= 1.0
    assert is_repeat(a, [b, a])
