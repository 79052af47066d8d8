"""Two gateway processes on one Redis, one conversation's messages sent to both in turn: repeat
detection, escalation and the agent queue behave as with one process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.gateway.conftest import AGENT_KEY, SHOP_KEY, sha, shop_doc, write_config

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(base: str, method: str, path: str, key: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def two_gateways(tmp_path: Path, redis_url: str) -> Iterator[Callable[[str], list[str]]]:
    """Starts two processes for a bot URL; yields a function returning their base URLs."""
    processes: list[subprocess.Popen[str]] = []

    def start(bot_url: str) -> list[str]:
        doc = shop_doc("shop-a", bot_url, SHOP_KEY)
        doc["api_keys"].append({"id": "agent-1", "role": "agent", "sha256": sha(AGENT_KEY)})
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


async def test_one_conversation_across_two_processes(
    two_gateways: Callable[[str], list[str]],
    aiohttp_server: Callable[..., Awaitable[TestServer]],
) -> None:
    answers = iter(["亲，48小时内发货", "亲，48小时内发货", "不会用到"])

    async def bot(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"text": next(answers)})

    app = web.Application()
    app.router.add_post("/answer", bot)
    server = await aiohttp_server(app)
    first, second = two_gateways(str(server.make_url("/answer")))

    def send(base: str, text: str, message_id: str) -> dict[str, Any]:
        status, body = _call(base, "POST", "/v1/shops/shop-a/messages", SHOP_KEY,
                             {"conversation_id": "c1", "shopper_id": "u1", "text": text,
                              "message_id": message_id})  # fmt: skip
        assert status == 200, body
        result: dict[str, Any] = body
        return result

    def run_in_thread(work: Callable[[], Any]) -> Awaitable[Any]:
        import asyncio

        return asyncio.get_running_loop().run_in_executor(None, work)

    one = await run_in_thread(lambda: send(first, "什么时候发货", "m1"))
    assert one["route"] == "bot"
    # the same answer again, asked on the other process: a repeat, not sent
    two = await run_in_thread(lambda: send(second, "请问几天能发", "m2"))
    assert two["route"] == "human" and two["reply"]["from"] == "gateway"
    three = await run_in_thread(lambda: send(first, "人呢", "m3"))
    assert three["route"] == "human" and three["reply"] is None
    # a retry of m2 on the first process replays the first answer
    assert (await run_in_thread(lambda: send(first, "请问几天能发", "m2"))) == two

    status, listed = await run_in_thread(
        lambda: _call(second, "GET", "/v1/shops/shop-a/handoffs", AGENT_KEY)
    )
    [ticket] = listed["tickets"]
    assert ticket["reasons"] == ["repeated_answer"]
    base = f"/v1/shops/shop-a/handoffs/{ticket['ticket_id']}"
    assert (await run_in_thread(lambda: _call(first, "POST", base + "/claim", AGENT_KEY)))[0] == 200
    assert (await run_in_thread(lambda: _call(second, "POST", base + "/claim", AGENT_KEY)))[
        0
    ] == 409
    status, sent = await run_in_thread(
        lambda: _call(second, "POST", base + "/messages", AGENT_KEY, {"text": "您好，马上为您发货"})
    )
    assert status == 200
    status, resolved = await run_in_thread(
        lambda: _call(first, "POST", base + "/resolve", AGENT_KEY)
    )
    assert resolved["state"] == "resolved"
    status, page = await run_in_thread(
        lambda: _call(second, "GET", "/v1/shops/shop-a/conversations/c1/messages", SHOP_KEY)
    )
    assert [(m["from"], m["text"]) for m in page["messages"]] == [
        ("shopper", "什么时候发货"), ("bot", "亲，48小时内发货"), ("shopper", "请问几天能发"),
        ("gateway", "正在为您转接人工客服，请稍候…"), ("shopper", "人呢"),
        ("agent", "您好，马上为您发货"),
    ]  # fmt: skip
