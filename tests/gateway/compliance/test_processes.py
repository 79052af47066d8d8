"""Two gateway processes on one Redis under concurrent traffic: every ledger increment counts,
and exactly one of them suspends bot mode."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.gateway.compliance.conftest import ADMIN_KEY, DIVERTING, SHOP_KEY, shop_config
from tests.gateway.conftest import write_config

pytestmark = pytest.mark.slow
MESSAGES = 240
SUSPEND_AT = 3000  # 100 violations of 30 points


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(base: str, method: str, path: str, key: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def two_gateways(tmp_path: Path, redis_url: str) -> Iterator[Callable[[str], list[str]]]:
    processes: list[subprocess.Popen[str]] = []

    def start(bot_url: str) -> list[str]:
        doc = shop_config(bot_url, "http://127.0.0.1:1/hook",
                          sanctions={"warn_at": 1500, "suspend_at": SUSPEND_AT})  # fmt: skip
        doc["escalation"] = {"repeated_answers": 0}
        config = write_config(tmp_path / "config", [doc])
        bases = []
        for _ in range(2):
            port = _free_port()
            env = {**os.environ, "GATEWAY_STORE_URL": redis_url}
            process = subprocess.Popen(
                [sys.executable, "-m", "gateway", "serve", "--config", str(config),
                 "--port", str(port)],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            processes.append(process)
            bases.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        for base, process in zip(bases, processes, strict=True):
            while True:
                try:
                    if _call(base, "GET", "/readyz", SHOP_KEY)[0] == 200:
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"gateway did not start: {process.stderr and process.stderr.read()}"
                    )
                time.sleep(0.1)
        return bases

    yield start
    for process in processes:
        process.terminate()
    for process in processes:
        process.communicate(timeout=15)


async def test_no_ledger_increment_is_lost_across_two_processes(
    two_gateways: Callable[[str], list[str]],
    aiohttp_server: Callable[..., Awaitable[TestServer]],
) -> None:
    async def bot(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"text": DIVERTING})

    app = web.Application()
    app.router.add_post("/answer", bot)
    server = await aiohttp_server(app)
    bases = two_gateways(str(server.make_url("/answer")))

    def send(n: int) -> dict[str, Any]:
        message = {"conversation_id": f"c{n}", "shopper_id": "u1", "text": "在吗"}
        status, body = _call(bases[n % 2], "POST", "/v1/shops/shop-c/messages", SHOP_KEY, message)
        assert status == 200, body
        result: dict[str, Any] = body
        return result

    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=24) as pool:
        answers = await asyncio.gather(
            *(loop.run_in_executor(pool, send, n) for n in range(MESSAGES))
        )
    checked = [a for a in answers if a["findings"]]
    print(f"{len(checked)} answers checked and recorded, {MESSAGES - len(checked)} handed over")
    handed_over = [a for a in answers if not a["findings"]]
    assert len(checked) >= SUSPEND_AT // 30  # the suspension needed at least this many
    assert all(a["route"] == "human" for a in handed_over)

    status, report = await loop.run_in_executor(
        None, lambda: _call(bases[0], "GET", "/v1/shops/shop-c/compliance", ADMIN_KEY)
    )
    assert status == 200
    month = report["ledger"]["enforce"]["30d"]
    # every answer that was checked and blocked is in the ledger, none lost, none twice
    assert month["entries"] == len(checked)
    assert month["points"] == 30 * len(checked)
    assert month["categories"]["messenger"]["texts"] == len(checked)
    assert report["sanctions"]["points"] == 30 * len(checked)
    # exactly one process switched bot mode off, at the threshold
    assert report["bot_mode"]["state"] == "suspended"
    assert [(c["enabled"], c["by"]) for c in report["bot_mode"]["history"]] == [(False, "gateway")]
    status, page = await loop.run_in_executor(
        None,
        lambda: _call(bases[1], "GET", "/v1/shops/shop-c/compliance/ledger?limit=200", ADMIN_KEY),
    )
    ids = [entry["id"] for entry in page["entries"]]
    assert len(set(ids)) == len(ids) == min(200, len(checked))
