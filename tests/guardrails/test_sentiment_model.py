"""The customer-service sentiment model: neutral inputs, equality with the slow reference, and a
shipped model that the training script reproduces.

The quality figures on the held-out messages are in test_labelled_messages.py.
"""

from __future__ import annotations

import importlib
import json
import random
from pathlib import Path

import pytest

from guardrails.sentiment import NO_CUES, Cues, ShopperSentiment
from guardrails.sentiment.base import whole_score
from guardrails.sentiment.bayes import NaiveBayes
from guardrails.sentiment.calibration import Calibration
from guardrails.sentiment.model import BAYES_FILE, CALIBRATION_FILE, MODEL_DIR
from guardrails.sentiment.reference import reference_sentiment
from guardrails.sentiment.segment import SegmentationModel
from guardrails.sentiment.tables_cache import load_segmentation
from guardrails.sentiment.train import default_data, train
from tests.conftest import REPO

DATA = REPO / "tests" / "data"


def labelled_texts() -> list[str]:
    texts = []
    for path in sorted((DATA / "shoppers").glob("legacy_*_messages.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines()]
    return texts


@pytest.fixture(scope="module")
def segmentation() -> SegmentationModel:
    return load_segmentation()


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\t\n  \u3000",
        "😡😡😡",
        "👍🙏",
        "hello, where is my order?",
        "12345678901234",
        "!!!???",
        "\u200b\u200b",
        "JD1234567890 ¥89.00",
        "\ud800",
        "a" * 5000,
    ],
)
def test_no_chinese_is_neutral(sentiment: ShopperSentiment, text: str) -> None:
    assert sentiment.score(text) is None
    assert sentiment.score(text, Cues(negative=2, sensitive=True, human_request=False)) is None


@pytest.mark.parametrize(
    "text",
    ["好", "嗯", "🙂好的👌", "差" * 2000, "退款" + "!" * 3000, "你们\x00客服", "質量太差了"],
)
def test_any_chinese_text_gets_a_score_in_range(sentiment: ShopperSentiment, text: str) -> None:
    value = sentiment.score(text)
    assert value is not None and 0.0 <= value <= 1.0


def test_service_questions_are_not_negative_but_complaints_are(
    sentiment: ShopperSentiment,
) -> None:
    """The issue's own examples: stock snownlp scores the first three below 0.3."""
    for calm in ("我想改一下收货地址", "这个有没有红色的，M码还有货吗", "请问可以开发票吗"):
        value = sentiment.score(calm)
        assert value is not None and value >= sentiment.threshold, calm
    for angry in ("质量太差了，用了两天就坏了，退款！", "非常不满意，你们到底管不管？"):
        value = sentiment.score(angry)
        assert value is not None and value < sentiment.threshold, angry


def test_cues_move_the_score(sentiment: ShopperSentiment) -> None:
    text = "这个东西用了一次就这样了"
    plain = sentiment.score(text, NO_CUES)
    cued = sentiment.score(text, Cues(negative=2, sensitive=False, human_request=False))
    assert plain is not None and cued is not None and cued < plain


def test_long_message_is_read_by_its_head_and_tail(sentiment: ShopperSentiment) -> None:
    """A 2,000-character message costs what a 240-character one does: the middle is not read."""
    head = "我上周三下的单，说好三天到，" * 10
    tail = "到现在还没收到，客服也不回，你们到底怎么回事？" * 6
    first = sentiment.score(head + "物流一直没更新" * 200 + tail)
    second = sentiment.score(head + "请问尺码怎么选" * 300 + tail)
    assert first is not None and first == second


def test_segmentation_is_snownlps_word_for_word(segmentation: SegmentationModel) -> None:
    seg = importlib.import_module("snownlp.seg")
    rng = random.Random(6)
    alphabet = "的了是我你他不没好差退款快递发货吗呢！？，。 abc123😡質號"
    texts = labelled_texts() + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(300)
    ]
    mismatches = [t for t in texts if segmentation.words(t) != list(seg.seg(t))]
    assert mismatches == []


def test_fast_model_equals_the_reference_on_every_labelled_message(
    sentiment: ShopperSentiment,
) -> None:
    """The same model through snownlp's own Sentiment class: the scores agree to rounding, so
    every decision does (the issue asks for 99%)."""
    reference = reference_sentiment()
    texts = labelled_texts()
    assert len(texts) >= 1700
    differences = []
    for text in texts:
        fast, slow = sentiment.score(text), reference.score(text)
        if (fast is None) != (slow is None) or (
            fast is not None and slow is not None and abs(fast - slow) > 1e-9
        ):
            differences.append((text, fast, slow))
    assert differences == []


@pytest.fixture(scope="module")
def retrained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Calibration, Path]:
    out = tmp_path_factory.mktemp("model")
    return train(default_data(), out), out


def test_training_reproduces_the_shipped_model(retrained: tuple[Calibration, Path]) -> None:
    """The model files are build output of train.py on the train split, nothing hand-edited."""
    calibration, out = retrained
    shipped = Calibration.load(MODEL_DIR / CALIBRATION_FILE)
    assert calibration.trained_on == shipped.trained_on
    assert calibration.threshold == shipped.threshold
    assert calibration.weights == pytest.approx(shipped.weights, abs=1e-9)
    assert calibration.intercept == pytest.approx(shipped.intercept, abs=1e-9)
    ours, theirs = NaiveBayes.load(out / BAYES_FILE), NaiveBayes.load(MODEL_DIR / BAYES_FILE)
    assert ours.vocabulary == theirs.vocabulary
    for words in (["太差"], ["谢谢", "发货"], ["退款", "垃圾", "客服"]):
        assert ours.positive(words) == pytest.approx(theirs.positive(words), abs=1e-12)


def test_training_reads_no_heldout_message(retrained: tuple[Calibration, Path]) -> None:
    calibration, _ = retrained
    train_rows = sum(
        json.loads(line)["split"] == "train"
        for path in default_data()
        for line in path.read_text("utf-8").splitlines()
    )
    assert calibration.trained_on["messages"] == train_rows


def test_score_steps_pause_once_per_run_and_end_with_the_score(
    segmentation: SegmentationModel,
) -> None:
    model = ShopperSentiment.load(segmentation)
    text = "质量太差了，用了两天就坏了，退款！"
    steps = model.score_steps(text)
    pauses = 0
    while True:
        try:
            next(steps)
            pauses += 1
        except StopIteration as done:
            result = done.value
            break
    assert pauses == 3  # 质量太差了 / 用了两天就坏了 / 退款
    assert result == model.score(text)
    assert whole_score(model, "😡😡") is None
