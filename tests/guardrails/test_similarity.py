"""Answer fingerprints: the same answer, disguised or with one word changed, repeats; a shared
template with a different payload does not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails import Fingerprint, fingerprint, is_repeat, similarity
from guardrails.similarity import (
    HEAD_CHARS,
    REPEAT_THRESHOLD,
    canonical,
    levenshtein,
    similar_enough,
)

WAIT = "亲，您好！您的问题我们已经记录，会尽快为您处理，请耐心等待。"
RETURN = (
    "亲，退货请在订单详情页点击“申请售后”，选择退货退款，"
    "填写原因后提交即可，审核通过后快递员会上门取件哦~"
)


@pytest.mark.parametrize(
    ("first", "second", "repeat"),
    [
        # identical
        (WAIT, WAIT, True),
        (RETURN, RETURN, True),
        # identical except punctuation, spaces, emoji, width, traditional characters
        (WAIT, "亲 您好 您的问题我们已经记录 会尽快为您处理 请耐心等待😊", True),
        (WAIT, "亲,您好!您的问题我们已经记录,会尽快为您处理,请耐心等待~~", True),
        (WAIT, "親，您好！您的問題我們已經記錄，會盡快為您處理，請耐心等待。", True),
        (RETURN, RETURN.replace("，", " ").replace("“", "").replace("”", ""), True),
        ("亲，您的订单已发货", "亲，您的订单已发货！！🚚", True),
        # one word changed in a longer answer: near-identical, the bot is stuck
        (WAIT, WAIT.replace("记录", "登记"), True),
        (RETURN, RETURN.replace("快递员", "快递小哥"), True),
        (RETURN, RETURN.replace("哦~", "呢"), True),
        # a shared template whose payload differs: different answers
        ("亲，您的订单已发货", "亲，您的订单已签收", False),
        ("亲，这款有现货，今天下单明天发", "亲，这款暂时缺货，预计下周到货", False),
        ("亲，M码适合身高160-165cm", "亲，L码适合身高165-170cm", False),
        ("亲，满300减40，可以和店铺券叠加", "亲，满200减20，不能和店铺券叠加", False),
        # genuinely different answers
        (WAIT, RETURN, False),
        ("好的亲", "亲，在的", False),
        ("👍", "😊", False),
        ("👍", "👍", True),
    ],
)
def test_repeats(first: str, second: str, repeat: bool) -> None:
    assert is_repeat(fingerprint(second), [fingerprint(first)]) is repeat
    assert is_repeat(fingerprint(first), [fingerprint(second)]) is repeat  # symmetric


def test_any_of_the_previous_answers() -> None:
    previous = [fingerprint(RETURN), fingerprint("亲，在的"), fingerprint(WAIT)]
    assert is_repeat(fingerprint(WAIT + "😊"), previous)
    assert not is_repeat(fingerprint("亲，您的订单已签收"), previous)
    assert not is_repeat(fingerprint(WAIT), [])


def test_fingerprint_is_stable_short_and_readable() -> None:
    """Stored in Redis and compared in other processes: no per-process hash seed."""
    value = fingerprint("亲，您的订单已发货！")
    assert value == "r1:0a0e15633480918d:8:亲您的订单已发货"
    parsed = Fingerprint.parse(value)
    assert parsed == Fingerprint("0a0e15633480918d", 8, "亲您的订单已发货")
    assert str(parsed) == value
    assert len(fingerprint(RETURN * 10)) < HEAD_CHARS + 30


def test_long_answers_compare_on_their_head() -> None:
    long = RETURN * 5
    assert len(canonical(long)) > HEAD_CHARS
    assert is_repeat(fingerprint(long + "祝您生活愉快"), [fingerprint(long)])
    # the same opening but twice as long is not the same answer
    assert not is_repeat(fingerprint(long * 2), [fingerprint(long)])


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "garbage",
        "r0:0a0e15633480918d:8:亲您的订单已发货",
        "r1:xyz:8:亲您的订单已发货",
        "r1:0a0e15633480918d:x:亲",
    ],
)
def test_unreadable_entries_are_skipped(stored: str) -> None:
    new = fingerprint("亲，您的订单已发货")
    assert similarity(new, stored) == 0.0
    assert not is_repeat(new, [stored])
    assert is_repeat(new, [stored, new])


@pytest.mark.parametrize("threshold", [0.0, -1.0, 1.5])
def test_threshold_is_checked(threshold: float) -> None:
    with pytest.raises(ValueError):
        is_repeat(fingerprint(WAIT), [fingerprint(WAIT)], threshold)


def test_threshold_default_and_strict() -> None:
    changed = fingerprint(WAIT.replace("记录", "登记"))
    assert REPEAT_THRESHOLD == 0.9
    assert similarity(fingerprint(WAIT), changed) == pytest.approx(0.92)
    assert not is_repeat(changed, [fingerprint(WAIT)], threshold=1.0)


def _edit_distance(first: str, second: str) -> int:
    row = list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        previous, row[0] = row[0], i
        for j, b in enumerate(second, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (a != b))
    return row[-1]


SHORT = st.text(alphabet=st.sampled_from(list("ab亲您的订单")), max_size=70)


@settings(max_examples=400, deadline=None)
@given(SHORT, SHORT)
def test_levenshtein_matches_the_textbook(first: str, second: str) -> None:
    assert levenshtein(first, second) == _edit_distance(first, second)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300))
def test_never_raises_and_stays_in_range(first: str, second: str) -> None:
    a, b = fingerprint(first), fingerprint(second)
    assert similarity(a, a) == 1.0
    assert 0.0 <= similarity(a, b) <= 1.0
    assert similarity(a, b) == similarity(b, a)
    assert is_repeat(a, [b, a])


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="亲您订单已发货签收退款到账，。！ 12ab", max_size=60),
    st.text(alphabet="亲您订单已发货签收退款到账，。！ 12ab", max_size=60),
    st.sampled_from([0.5, 0.8, 0.9, 1.0]),
)
def test_similar_enough_agrees_with_the_exact_similarity(
    first: str, second: str, threshold: float
) -> None:
    """The cheap bounds only ever skip pairs the edit distance would reject too."""
    a, b = fingerprint(first), fingerprint(second)
    assert similar_enough(a, b, threshold) == (similarity(a, b) >= threshold)
