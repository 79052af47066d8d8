"""The shipped intent model for shopper messages and the screen's decision with it: plain and
disguised requests for a person, safety matters, and innocent look-alikes of each."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from guardrails import MessageScreen, default_normalizer
from guardrails.models.corpus import REPO, load_shopper_messages
from guardrails.models.messages import MODEL_NAME, MessageModel, load_message_model
from guardrails.models.mlp import FORMAT
from guardrails.models.ngram import ModelError, feature_text, ngrams
from guardrails.models.train_messages import MODEL_FILE
from guardrails.sentiment import ShopperSentiment


@pytest.fixture(scope="module")
def screen(sentiment: ShopperSentiment) -> MessageScreen:
    return MessageScreen.from_directory(
        REPO / "config" / "lexicons" / "escalation", sentiment, model=load_message_model()
    )


def test_the_model_ships_inside_the_package() -> None:
    model = load_message_model()
    assert MODEL_FILE.name == MODEL_NAME
    assert model.classifier.heads == ("human_request", "sensitive", "negative", "safety")
    assert model.classifier.size > 1000 and set(model.thresholds) >= {"safety", "negative"}


def test_packed_scores_equal_the_reference() -> None:
    classifier = load_message_model().classifier
    normalizer = default_normalizer()
    for row in load_shopper_messages(("train",))[::97]:
        normalized = normalizer(row.text)
        features = ngrams(feature_text(normalized), classifier.orders)
        assert classifier.probabilities(normalized) == pytest.approx(
            classifier.reference_probabilities(features), abs=1e-9
        )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("能转人工不", "human_request"),
        ("要真人", "human_request"),
        ("转ren工", "human_request"),
        ("rengong", "human_request"),
        ("🤖走开", "human_request"),
        ("不想和AI聊", "human_request"),
        ("换个客服", "human_request"),
        ("你们有真人吗", "human_request"),
        ("孩子被玩具的小零件卡了喉咙，刚从医院回来", "sensitive"),
        ("活着真没意思，这单也不要了", "sensitive"),
        ("我儿子12岁，偷用我的手机买了游戏点卡", "sensitive"),
        ("你再不退款我去你们仓库砍人", "sensitive"),
        ("可真快啊，下单十天物流都没动", "negative"),
    ],
)
def test_messages_that_need_a_person(screen: MessageScreen, text: str, reason: str) -> None:
    assert reason in screen.check(text).reasons


@pytest.mark.parametrize(
    "text",
    [
        "人工智能音箱有货吗",
        "儿童警察服装有110码吗",
        "我的订单号是2311098765110",
        "电热毯小孩能用吗，会不会太烫",
        "颜色有点暗，不过还行",
        "请问几点发货",
        "谢谢，收到了很喜欢",
    ],
)
def test_innocent_look_alikes_stay_with_the_bot(screen: MessageScreen, text: str) -> None:
    assert screen.check(text).reasons == ()


def test_a_trigger_word_the_model_rules_out_does_not_escalate_by_itself(
    screen: MessageScreen,
) -> None:
    verdict = screen.screen("人工草坪一平米多少钱")
    assert verdict.intent is not None and verdict.reasons == ()


def test_a_bad_model_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"format": FORMAT, "heads": []}).encode()))
    with pytest.raises(ModelError, match="bad.json.gz"):
        MessageModel.load(path)


@pytest.mark.slow
def test_training_reproduces_the_shipped_model_byte_for_byte() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "guardrails.models.train_messages", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "identical" in done.stdout
