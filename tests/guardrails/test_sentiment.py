"""The snownlp scorer: None where it cannot judge, else a float in [0, 1]; cached; never raises."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails import SentimentScorer, SnowNLPScorer
from guardrails.sentiment import MIN_HAN_CHARS


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t",
        "😀😀😀",
        "👍",
        "hello, is anyone there?",
        "ok",
        "12345678",
        "人工",  # too short: snownlp would answer its prior
        "在吗？",
        "转人工！！！",
        "轉人工",
    ],
)
def test_none_where_it_cannot_judge(scorer: SnowNLPScorer, text: str) -> None:
    assert scorer.score(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "这是什么垃圾东西，气死我了",
        "收到了，很喜欢，谢谢",
        "我想改一下收货地址",
        "失望透顶",  # MIN_HAN_CHARS characters
    ],
)
def test_a_score_for_chinese(scorer: SnowNLPScorer, text: str) -> None:
    value = scorer.score(text)
    assert value is not None and 0.0 <= value <= 1.0


def test_cut_off_is_han_characters() -> None:
    assert MIN_HAN_CHARS == 4


def test_ranks_plain_anger_below_praise(scorer: SnowNLPScorer) -> None:
    angry = scorer.score("这是什么垃圾东西，气死我了")
    happy = scorer.score("收到了，很喜欢，质量很好，谢谢")
    assert angry is not None and happy is not None and angry < 0.2 < 0.8 < happy


def test_stock_model_reads_questions_as_negative(scorer: SnowNLPScorer) -> None:
    """The reason the screen never asks it about a message without a negative cue."""
    value = scorer.score("我想改一下收货地址")
    assert value is not None and value < 0.1


def test_cache_is_keyed_by_normalised_text() -> None:
    scorer = SnowNLPScorer(cache_size=8)
    simplified = scorer.score("这个东西 质量太差了")
    before = scorer.cache_info()
    assert scorer.score("這個東西 質量太差了") == simplified  # traditional
    assert scorer.score(" 这个东西\u3000\u3000质量太差了 ") == simplified  # other spacing
    after = scorer.cache_info()
    assert after.hits == before.hits + 2 and after.misses == before.misses


def test_a_model_failure_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    scorer = SnowNLPScorer()

    def broken(text: str) -> float:
        raise ZeroDivisionError

    monkeypatch.setattr(scorer, "_classify", broken)
    assert scorer.score("这个东西质量太差了") is None


def test_is_a_sentiment_scorer(scorer: SnowNLPScorer) -> None:
    seam: SentimentScorer = scorer
    assert seam.score("质量很好，很喜欢") is not None


CHINESE = st.text(
    alphabet=st.sampled_from(
        list("的了我你们好差垃圾气死谢谢喜欢质量发货退款不是很太！？，。 ab1😀")
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=60), CHINESE))
def test_none_or_a_float_in_range(scorer: SnowNLPScorer, text: str) -> None:
    value = scorer.score(text)
    assert value is None or (isinstance(value, float) and 0.0 <= value <= 1.0)
