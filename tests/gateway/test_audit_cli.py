"""cs-gateway audit: formats, findings, score, exit status, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import main
from tests.conftest import REPO

CONFIG = str(REPO / "config")
CORPUS = [
    "亲，现货48小时内发货",
    "加我微信 abc12345 送小样",
    "本品是国家级产品",
    "这款手表能接收微信消息",
]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(["audit", "--config", CONFIG, "--no-progress", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_plain_text_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "answers.txt"
    corpus.write_text("\n".join(CORPUS[:2]) + "\n\n" + "\n".join(CORPUS[2:]) + "\n", "utf-8")
    status, out, _ = run(["--shop", "demo", str(corpus)], capsys)
    assert status == 1  # the WeChat contact would be blocked
    assert "line 2: messenger" in out and "block" in out
    assert "line 4: ad_law" in out and "redact" in out  # line numbers count the blank line
    assert "abc12345" not in out  # evidence is masked
    assert "Quality score: 90/100" in out


def test_csv_with_a_named_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "answers.csv"
    corpus.write_text("问题,回复\n发货,亲，现货48小时内发货\n送礼,本品是国家级产品\n", "utf-8")
    status, out, _ = run(["--shop", "demo", "--format", "json", str(corpus)], capsys)
    assert status == 0  # a redaction is delivered, nothing is blocked
    report = json.loads(out)
    assert report["answers"] == 2 and report["quality_score"] == 95
    [finding] = report["findings"]
    assert finding["line"] == 3 and finding["category"] == "ad_law"
    assert finding["deduction"] == 5


def test_jsonl_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "answers.jsonl"
    lines = [
        json.dumps({"id": i, "answer": text}, ensure_ascii=False) for i, text in enumerate(CORPUS)
    ]
    corpus.write_text("\n".join(lines) + "\n", "utf-8")
    status, out, _ = run(["--shop", "demo", "--format", "json", str(corpus)], capsys)
    assert status == 1
    report = json.loads(out)
    assert report["violating_answers"] == 2 and report["blocked_answers"] == 1
    assert set(report["categories"]) == {"messenger", "ad_law"}


def test_points_are_the_ledgers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The audit prices a corpus with the shop's compliance policy, as the ledger does: once per
    category an answer breaks (two phone numbers in one answer are one violation)."""
    corpus = tmp_path / "answers.txt"
    corpus.write_text(
        "加我微信 abc12345 送小样\n电话13800138000或13900139000\n本品是国家级产品\n", "utf-8"
    )
    status, out, _ = run(["--shop", "demo", "--format", "json", str(corpus)], capsys)
    report = json.loads(out)
    assert report["points"] == 30 + 30 + 10  # messenger, phone (general), ad_law (general)
    assert report["categories"]["phone"] == {
        "answers": 1, "findings": 2, "points": 30, "action": "block", "severity": "general",
    }  # fmt: skip
    assert report["quality_score"] == 85
    status, out, _ = run(["--shop", "demo", str(corpus)], capsys)
    assert "Violation points: 70" in out and "warned at 60" in out


def test_clean_corpus_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "answers.txt"
    corpus.write_text("亲，现货48小时内发货\n支持七天无理由退换\n", "utf-8")
    status, out, _ = run(["--shop", "demo", str(corpus)], capsys)
    assert status == 0 and "Quality score: 100/100" in out


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", "id,question\n1,hi\n", "no answer column"),
        ("a.jsonl", '{"answer": "ok"}\n{broken\n', "a.jsonl:2: not valid JSON"),
        ("a.jsonl", "[1, 2]\n", "expected an object"),
        ("a.txt", None, "cannot read"),
    ],
)
def test_unusable_input_exits_two(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str | None,
    message: str,
) -> None:
    corpus = tmp_path / name
    if content is not None:
        corpus.write_text(content, "utf-8")
    status, _, err = run(["--shop", "demo", str(corpus)], capsys)
    assert status == 2 and message in err


def test_non_utf8_input_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "gbk.txt"
    corpus.write_bytes("加我微信".encode("gbk"))
    status, _, err = run(["--shop", "demo", str(corpus)], capsys)
    assert status == 2 and "UTF-8" in err


def test_unknown_shop_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "a.txt"
    corpus.write_text("hi\n", "utf-8")
    status, _, err = run(["--shop", "nope", str(corpus)], capsys)
    assert status == 2 and "no shop 'nope'" in err


def test_progress_bar_on_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "big.txt"
    corpus.write_text("亲，现货48小时内发货\n" * 450, "utf-8")
    status = main(["audit", "--config", CONFIG, "--progress", "--shop", "demo", str(corpus)])
    _, err = capsys.readouterr()
    assert status == 0
    assert "200/450" in err and "450/450" in err


def test_console_script_runs_as_a_process(tmp_path: Path) -> None:
    corpus = tmp_path / "a.txt"
    corpus.write_text("去淘宝搜我们店\n", "utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gateway",
            "audit",
            "--config",
            CONFIG,
            "--shop",
            "demo",
            str(corpus),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "redirect" in result.stdout
