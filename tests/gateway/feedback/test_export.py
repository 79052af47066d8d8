"""``cs-gateway feedback export`` end to end against a running app: in-process (the export
function) and as the real command in a subprocess (exit status, the file, the summary)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

import gateway.feedback.export as export_module
from gateway.cli import main
from gateway.feedback.export import ExportError, export
from tests.conftest import REPO
from tests.gateway.conftest import SHOP_KEY, Gateway
from tests.gateway.feedback.conftest import ADMIN_KEY, BLOCKED, CLEAN, recorded


def base_url(gateway: Gateway) -> str:
    return str(gateway.client.make_url("/"))


async def record_some(gateway: Gateway) -> None:
    deny = {"kind": "deny", "text": "喵喵宝"}
    await recorded(gateway, text=CLEAN, expected="stop", category="abuse", phrase=deny)
    await recorded(gateway, text=BLOCKED, expected="pass")
    await recorded(gateway, text="没有类别的一条", expected="stop")  # no label to give: skipped
    await recorded(gateway, text="去隔壁老王家看看", expected="stop", category="competitor")
    await recorded(gateway, text="亲，这是正品", expected="pass", category="ad_law")


EXPECTED_ROWS = [
    {"id": "fb-shop-a-000000000001", "writer": "feedback:shop-a", "platform": "jd",
     "text": CLEAN, "labels": ["abuse"], "disguise": "feedback", "lookalike": "feedback"},
    {"id": "fb-shop-a-000000000002", "writer": "feedback:shop-a", "platform": "jd",
     "text": BLOCKED, "labels": [], "disguise": "feedback", "lookalike": "feedback"},
    {"id": "fb-shop-a-000000000004", "writer": "feedback:shop-a", "platform": "jd",
     "text": "去隔壁老王家看看", "labels": ["competitor"], "disguise": "feedback",
     "lookalike": "feedback"},
    {"id": "fb-shop-a-000000000005", "writer": "feedback:shop-a", "platform": "jd",
     "text": "亲，这是正品", "labels": [], "disguise": "feedback", "lookalike": "feedback"},
]  # fmt: skip


async def test_export_pages_through_every_entry_oldest_first(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "PAGE_SIZE", 2)  # three pages
    await record_some(gateway)
    exported = await export(base_url(gateway), ADMIN_KEY, "shop-a")
    assert [json.loads(line) for line in exported.lines] == EXPECTED_ROWS
    assert exported.skipped == 1
    assert all("\n" not in line for line in exported.lines)


async def test_export_of_a_shop_without_feedback_is_empty(gateway: Gateway) -> None:
    exported = await export(base_url(gateway), ADMIN_KEY, "shop-a")
    assert (exported.lines, exported.skipped) == ([], 0)


@pytest.mark.parametrize(
    ("key", "shop", "url_path", "message"),
    [
        ("not-a-key", "shop-a", "/", "--key: the gateway does not know this key"),
        (SHOP_KEY, "shop-a", "/", "--key: not an admin key of shop 'shop-a'"),
        (ADMIN_KEY, "shop-zz", "/", "--shop: the gateway has no shop 'shop-zz'"),
        (ADMIN_KEY, "shop-a", "/elsewhere/", "--url: no feedback API at"),
    ],
)
async def test_export_refusals_say_what_is_wrong(
    gateway: Gateway, key: str, shop: str, url_path: str, message: str
) -> None:
    with pytest.raises(ExportError) as raised:
        await export(str(gateway.client.make_url(url_path)), key, shop)
    assert str(raised.value).startswith(message)
    assert key not in str(raised.value)


async def _cli(*args: str) -> tuple[int, str, str]:
    # The app under test serves on this event loop: the command must run beside it, not block it.
    command = [sys.executable, "-m", "gateway", "feedback", "export", *args]
    pipe = asyncio.subprocess.PIPE
    process = await asyncio.create_subprocess_exec(*command, cwd=REPO, stdout=pipe, stderr=pipe)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_the_command_writes_the_corpus_and_a_summary(
    gateway: Gateway, tmp_path: Path
) -> None:
    await record_some(gateway)
    out = tmp_path / "feedback.jsonl"
    url = base_url(gateway)
    status, stdout, stderr = await _cli(
        "--url", url, "--key", ADMIN_KEY, "--shop", "shop-a", "--out", str(out)
    )
    assert status == 0, stderr
    assert stdout == ""
    written = out.read_text("utf-8")
    assert [json.loads(line) for line in written.splitlines()] == EXPECTED_ROWS
    assert written.splitlines()[0] == json.dumps(EXPECTED_ROWS[0], ensure_ascii=False)
    assert "4 entries of shop 'shop-a'" in stderr and "1 skipped" in stderr
    assert not (tmp_path / f".{out.name}.partial").exists()

    status, stdout, _ = await _cli("--url", url, "--key", ADMIN_KEY, "--shop", "shop-a")
    assert status == 0
    assert [json.loads(line) for line in stdout.splitlines()] == EXPECTED_ROWS


async def test_the_command_exits_2_on_a_bad_key_and_writes_nothing(
    gateway: Gateway, tmp_path: Path
) -> None:
    out = tmp_path / "feedback.jsonl"
    status, _, stderr = await _cli(
        "--url", base_url(gateway), "--key", SHOP_KEY, "--shop", "shop-a", "--out", str(out)
    )
    assert status == 2
    assert "not an admin key of shop 'shop-a'" in stderr and SHOP_KEY not in stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("url", "shop", "message"),
    [
        ("localhost:8080", "demo", "--url: 'localhost:8080' is not an http:// or https://"),
        ("http://127.0.0.1:1", "demo", "--url: cannot reach http://127.0.0.1:1/v1/shops/demo"),
        ("http://127.0.0.1:1", "../etc", "--shop: '../etc' is not a shop id"),
    ],
)
def test_bad_url_or_shop_exits_2_before_anything_is_written(
    url: str, shop: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["feedback", "export", "--url", url, "--key", "k", "--shop", shop]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"cs-gateway feedback export: {message}")
