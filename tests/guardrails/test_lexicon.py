"""Lexicon matching: through separators and traditional characters; allowed phrases win."""

from __future__ import annotations

import pytest

from guardrails import LexiconDetector, PhraseList, default_normalizer, normalize

SMALL = LexiconDetector(
    PhraseList(
        {
            "abuse": ("傻逼", "sb", "滚蛋", "=滚"),
            "ad_law": ("根治", "最好的", "100%有效", "第一品牌"),
        },
        allowed=("不能根治", "最好的办法"),
    ),
    default_normalizer(),
)


def found(detector: LexiconDetector, text: str) -> list[tuple[str, str]]:
    return [(f.category, text[f.start : f.end]) for f in detector.detect(normalize(text))]


@pytest.mark.parametrize(
    ("text", "category", "span"),
    [
        ("你个傻逼", "abuse", "傻逼"),
        ("你个傻❤逼", "abuse", "傻❤逼"),
        ("你个傻 * 逼", "abuse", "傻 * 逼"),
        ("ＳＢ，自己看物流", "abuse", "ＳＢ"),
        ("給我滾蛋", "abuse", "滾蛋"),
        ("保证根治脚气", "ad_law", "根治"),
        ("这是最好的面膜", "ad_law", "最好的"),
        ("100%有效", "ad_law", "100%有效"),
        ("滚，别烦我", "abuse", "滚"),  # a whole clause
        ("第①品牌的蜂蜜", "ad_law", "第①品牌"),  # numeral variant
    ],
)
def test_banned_phrases(text: str, category: str, span: str) -> None:
    assert found(SMALL, text) == [(category, span)]


@pytest.mark.parametrize(
    "text",
    [
        "这种病目前不能根治，只能缓解",  # allowed phrase wins over 根治 inside it
        "最好的办法是先拍照",
        "usb接口",  # sb inside a Latin word
        "sbc芯片",
        "傻     逼",  # too far apart to be one word
        "傻，逼",  # a comma ends the clause
        "滚筒洗衣机",  # "=滚" only as a clause of its own
        "滚动播放",
    ],
)
def test_not_matched(text: str) -> None:
    assert found(SMALL, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "女装上新", "装修风格", "手机死机了怎么办", "滚筒洗衣机", "第一次购买", "第一时间发货",
        "最近很忙", "您最好先量一下尺寸", "一级能效", "国家补贴以旧换新", "新疆棉", "西藏牦牛肉",
        "空气炸锅", "爆款", "万能胶", "党参", "情趣内衣", "成人用品",
    ],
)  # fmt: skip
def test_shipped_lexicons_leave_product_words_alone(lexicon: LexiconDetector, text: str) -> None:
    assert found(lexicon, text) == []
