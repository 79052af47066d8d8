"""``cs-gateway serve`` as a real process: the demo round trip, SIGHUP reload, clean shutdown."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(url: str, body: dict[str, Any] | None = None, key: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class Served:
    def __init__(self, process: subprocess.Popen[str], base: str, config: Path) -> None:
        self.process, self.base, self.config = process, base, config

    def ask(
        self, text: str, conversation_id: str = "c1", shop: str = "demo", key: str = "demo-shop-key"
    ) -> Any:
        return _request(
            f"{self.base}/v1/shops/{shop}/messages",
            {"conversation_id": conversation_id, "shopper_id": "u1", "text": text},
            key,
        )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    port, bot_port = _free_port(), _free_port()
    demo = config / "shops" / "demo.yaml"
    demo.write_text(demo.read_text().replace("127.0.0.1:8081", f"127.0.0.1:{bot_port}"))
    env = {**os.environ, "GATEWAY_DEMO_BOT_PORT": str(bot_port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", "serve", "--config", str(config), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            if _request(f"{base}/readyz")[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"gateway did not start: {process.communicate()[0]}")
        time.sleep(0.05)
    yield Served(process, base, config)
    if process.poll() is None:
        process.kill()
    process.communicate()  # reap it and close the pipe


@pytest.mark.slow
def test_demo_shop_round_trip_with_the_in_process_faq_bot(served: Served) -> None:
    status, body = served.ask("请问什么时候发货？")
    assert status == 200
    assert body["route"] == "bot" and body["reply"]["from"] == "bot"
    assert "发货" in body["reply"]["text"]
    status, body = served.ask("尺码怎么选", conversation_id="c2")
    assert "尺码" in body["reply"]["text"]


@pytest.mark.slow
def test_sighup_reloads_and_sigterm_stops_cleanly(served: Served) -> None:
    extra = served.config / "shops" / "second.yaml"
    extra.write_text(
        (served.config / "shops" / "demo.yaml")
        .read_text()
        .split("\nprivacy:")[0]  # a virtual number belongs to one shop's pool: keep demo's
        .replace("shop_id: demo", "shop_id: second")
        .replace("f5d072715bf986543308d9f187277c2406847cd7bfd33cbc2264fedc284a9992", "a" * 64)
        .replace("8cfbbed0d818a803eddf3db2193bd492460b2db9999d03775a023dd8f90d04a6", "b" * 64)
        .replace("ac5bb3526d3be432ba19fb1fc0712d350c160bd2169cd24401c9fcaeaac2d860", "c" * 64)
    )
    assert served.ask("hi", shop="second")[0] == 404
    served.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while served.ask("hi", shop="second")[0] != 403:  # known shop now; the key is demo's
        assert time.monotonic() < deadline, "reload did not happen"
        time.sleep(0.05)

    broken = served.config / "shops" / "demo.yaml"
    broken.write_text(broken.read_text().replace("platform: jd", "platform: ebay"))
    served.process.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert served.ask("发货")[0] == 200  # the old config stays in force

    served.process.send_signal(signal.SIGTERM)
    output, _ = served.process.communicate(timeout=10)
    assert served.process.returncode == 0
    events = [json.loads(line)["event"] for line in output.splitlines() if line.startswith("{")]
    assert "config.reloaded" in events and "config.reload_refused" in events
    assert events[-1] == "gateway.stopped"


def test_invalid_config_stops_start_up_naming_file_and_field(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    demo = config / "shops" / "demo.yaml"
    demo.write_text(demo.read_text().replace("timeout_s: 3", "timeout_s: soon"))
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "serve", "--config", str(config), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "demo.yaml" in result.stderr and "upstream.timeout_s" in result.stderr
