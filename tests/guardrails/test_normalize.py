"""The normaliser: what the shadow and compact views hold, and properties on any string."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails import Normalizer, normalize


@pytest.mark.parametrize(
    ("text", "shadow"),
    [
        ("ＡＢＣ１２３", "abc123"),  # full-width
        ("①③⑧", "138"),  # circled
        ("❶❸❽", "138"),  # negative circled (no NFKC decomposition)
        ("𝟏𝟑𝟖", "138"),  # mathematical digits
        ("1️⃣3️⃣", "13"),  # keycaps: variation selector and combining keycap dropped
        ("微\u200b信", "微信"),  # zero-width space
        ("a\u200db\ufeffc\u00add", "abcd"),  # joiner, BOM, soft hyphen
        ("聯繫電話", "联系电话"),  # traditional -> simplified
        ("V信", "v信"),
        ("幺三八零零一三八零零零", "13800138000"),  # a run of Chinese numerals
        ("壹叁捌 零零壹叁", "138 0013"),  # financial numerals, folded through the space
        ("一五九-零零一二-七七三三", "159-0012-7733"),
        ("星期一", "星期一"),  # a single numeral stays a word
        ("三心二意", "三心二意"),
        ("一千零一夜", "一千零一夜"),  # 千 breaks the run: 一 / 零一 are too short
        ("幺妹", "幺妹"),
        ("一一对应", "一一对应"),
        ("加➕V", "加+v"),
        ("你是🐷吗", "你是猪吗"),
    ],
)
def test_shadow(text: str, shadow: str) -> None:
    assert normalize(text).shadow == shadow


@pytest.mark.parametrize(
    ("text", "compact"),
    [
        ("微 信", "微信"),
        ("微❤信", "微信"),
        ("1-3-8", "138"),
        ("v.x", "vx"),
        ("傻*逼", "傻逼"),
        ("加 +V", "加+v"),  # "+" is kept: it is a word in "+V" and "+86"
        ("你好，世界", "你好,世界"),  # a comma is a hard break, kept
    ],
)
def test_compact_drops_separators_but_not_breaks(text: str, compact: str) -> None:
    assert normalize(text).compact == compact


def test_gap_bound_rejects_words_far_apart() -> None:
    near = normalize("微 信")
    far = normalize("微     信")
    assert near.gaps_ok(0, 2) and not far.gaps_ok(0, 2)


def test_offsets_point_into_the_original() -> None:
    text = "加\u200b我 ｖ 信：①③⑧"
    normalized = normalize(text)
    start = normalized.compact.index("v信")
    original_start, original_end = normalized.compact_to_original(start, start + 2)
    assert text[original_start:original_end] == "ｖ 信"


def test_expanding_characters_map_back_whole() -> None:
    text = "㈠号ß"
    normalized = normalize(text)
    assert normalized.shadow == "(一)号ss"
    assert normalized.original_span(0, 3) == (0, 1)
    assert normalized.original_span(4, 6) == (2, 3)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_never_raises_and_maps_inside_the_original(text: str) -> None:
    normalized = normalize(text)
    for index in range(len(normalized.shadow)):
        start, end = normalized.original_span(index, index + 1)
        assert 0 <= start <= end <= len(text)
    for index in range(len(normalized.compact)):
        position = normalized.shadow_index(index)
        assert normalized.shadow[position] == normalized.compact[index]
        start, end = normalized.compact_to_original(index, index + 1)
        assert 0 <= start <= end <= len(text)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_idempotent(text: str) -> None:
    once = normalize(text).shadow
    assert normalize(once).shadow == once


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="零〇一二三四五六七八九幺壹贰叁0123456789 -*❤的是我", max_size=40))
def test_idempotent_on_numeral_heavy_text(text: str) -> None:
    once = normalize(text).shadow
    assert normalize(once).shadow == once


def test_recent_results_are_reused_and_equal_to_fresh_work() -> None:
    """The screen and the sentiment model read one message a few awaits apart: the second
    read reuses the first's result; with reuse off, every call does the work again."""
    reusing, fresh = Normalizer(), Normalizer(recent_texts=0)
    text = "亲，加我V信：tg❤8899，質量保證"
    first = reusing(text)
    assert reusing(text) is first
    assert fresh(text) == first and fresh(text) is not fresh(text)
    for index in range(100):  # a bounded memory: old texts fall out
        reusing(f"第{index}条消息")
    assert reusing(text) is not first and reusing(text) == first
