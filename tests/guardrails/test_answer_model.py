"""The shipped answer model: it loads from the package, scores what training computed, and a
fresh checkout retrains it byte for byte."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from guardrails import default_normalizer
from guardrails.build import CATEGORIES
from guardrails.models.answers import MODEL_NAME, load_answer_model
from guardrails.models.corpus import load_answers
from guardrails.models.ngram import FORMAT, ModelError, NgramClassifier, feature_text, ngrams
from guardrails.models.train import MODEL_FILE
from tests.conftest import REPO


def test_the_model_ships_inside_the_package() -> None:
    model = load_answer_model()
    assert MODEL_FILE.name == MODEL_NAME and MODEL_FILE.parent.name == "models"
    assert set(model.heads) == set(CATEGORIES)
    assert model.size > 1000 and model.bands
    assert all(0 < band.low <= band.high <= 1 for band in model.bands.values())
    packaged = (REPO / "pyproject.toml").read_text("utf-8")
    assert '"models/*.json.gz"' in packaged


def test_packed_scores_equal_the_weights_one_head_at_a_time() -> None:
    model = load_answer_model()
    normalizer = default_normalizer()
    for row in load_answers(("train",))[::25]:
        normalized = normalizer(row.text)
        features = ngrams(feature_text(normalized), model.orders)
        assert model.logits(normalized) == pytest.approx(model.reference_logits(features))


def test_the_clause_marked_is_the_one_that_weighs_most() -> None:
    model = load_answer_model()
    text = "亲，这款面霜保湿效果很好。你这种穷鬼买不起就别问了，烦死了"
    normalized = default_normalizer()(text)
    start, end = normalized.compact_to_original(*model.clause(normalized, "abuse"))
    assert "穷鬼" in text[start:end] and "面霜" not in text[start:end]


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        json.dumps({"format": "other/1"}).encode(),
        json.dumps({"format": FORMAT, "heads": ["a"], "orders": [1, 3]}).encode(),
        json.dumps(
            {
                "format": FORMAT,
                "heads": ["a"],
                "orders": [1, 3],
                "bias": [0],
                "weights": {"x": [[3, 10]]},
                "bands": {},
            }
        ).encode(),
        json.dumps(
            {
                "format": FORMAT,
                "heads": ["a"],
                "orders": [1, 3],
                "bias": [0],
                "weights": {"x": [[0, 1 << 20]]},
                "bands": {},
            }
        ).encode(),
    ],
)
def test_a_bad_model_file_is_refused_with_its_name(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.json.gz"
    path.write_bytes(gzip.compress(content))
    with pytest.raises(ModelError, match="bad.json.gz"):
        NgramClassifier.load(path)


@pytest.mark.slow
def test_training_reproduces_the_shipped_model_byte_for_byte() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "guardrails.models.train", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "identical" in done.stdout
