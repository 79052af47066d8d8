"""Message-path throughput: the gateway side by side with the bot alone and a bare aiohttp proxy.

    python -m bench.proxy_bench [--seconds 10] [--concurrency 64] [--redis redis://127.0.0.1:6379/9]

Loopback only, bounded in time. Each server under test is pinned to CPU 0 (one core, as the
targets in the issues are stated); the stand-in bot and this load generator share CPU 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import yaml

from bench.loadgen import LoadResult, run_load

REPO = Path(__file__).resolve().parent.parent
KEY = "bench-shop-key"
TEXTS = [
    "你好，请问这款还有货吗？",
    "我昨天下的单什么时候发货",
    "175cm 70kg穿多大码合适",
    "可以开增值税专用发票吗",
    "收到的颜色和图片不太一样，能换吗",
    "快递显示签收了但我没收到",
    "这个杯子能放洗碗机吗",
    "有没有优惠券可以用？",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pin(cpu: int) -> None:
    with contextlib.suppress(AttributeError, OSError):
        if cpu < (os.cpu_count() or 1):
            os.sched_setaffinity(0, {cpu})


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def process(
    args: list[str], port: int, cpu: int, env: dict[str, str] | None = None
) -> Iterator[int]:
    proc = subprocess.Popen(
        args,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: pin(cpu),
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{args} did not start: {proc.stderr.read()!r}") from None
                time.sleep(0.05)
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def gateway_config(root: Path, bot_url: str) -> Path:
    root = root / "config"
    (root / "shops").mkdir(parents=True)
    for shared in ("platforms", "lexicons"):  # the shipped presets and lexicons: real checks
        shutil.copytree(REPO / "config" / shared, root / shared)
    (root / "gateway.yaml").write_text(
        yaml.safe_dump({"demo_bot": False, "log_level": os.environ.get("BENCH_LOG_LEVEL", "INFO")})
    )
    shop = {
        "shop_id": "bench",
        "platform": "jd",
        "upstream": {"url": bot_url, "timeout_s": 5, "retries": 0},
        "api_keys": [{"id": "k", "sha256": hashlib.sha256(KEY.encode()).hexdigest()}],
        # The stand-in bot gives one answer to everything: with repeat detection on, every
        # conversation would go to the human queue after its second message and the benchmark
        # would measure the human-owned path instead of the bot round trip.
        "escalation": {"repeated_answers": 0},
    }
    (root / "shops" / "bench.yaml").write_text(yaml.safe_dump(shop))
    return root


def gateway_command(config: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "gateway", "serve", "--config", str(config), "--port", str(port)]


def check_route(port: int) -> None:
    """Fail loudly unless a message really goes to the bot (and so is what is measured)."""
    body = json.dumps({"conversation_id": "route-check", "shopper_id": "u", "text": TEXTS[0]})
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/shops/bench/messages", data=body.encode(), method="POST"
    )
    request.add_header("Authorization", f"Bearer {KEY}")
    with urllib.request.urlopen(request, timeout=10) as response:
        route = json.loads(response.read()).get("route")
    if route not in (None, "bot"):
        raise SystemExit(f"the gateway routed the benchmark message to {route!r}, not the bot")


def measure(port: int, pid: int, args: argparse.Namespace) -> tuple[LoadResult, float]:
    """The load result and the server's CPU microseconds per request (steadier than req/s when
    other work shares the machine)."""
    path = "/v1/shops/bench/messages"
    asyncio.run(
        run_load(
            "127.0.0.1", port, path, KEY, concurrency=args.concurrency, seconds=1.0, texts=TEXTS
        )
    )  # warm-up
    before = cpu_seconds(pid)
    result = asyncio.run(
        run_load(
            "127.0.0.1",
            port,
            path,
            KEY,
            concurrency=args.concurrency,
            seconds=args.seconds,
            texts=TEXTS,
        )
    )
    used = cpu_seconds(pid) - before
    return result, used / max(result.requests, 1) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="per target per round")
    parser.add_argument("--rounds", type=int, default=3, help="targets are interleaved per round")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--redis", help="also measure the gateway on this Redis URL")
    args = parser.parse_args()
    pin(1)
    python = sys.executable
    bot_port, proxy_port = free_port(), free_port()
    bot_url = f"http://127.0.0.1:{bot_port}/answer"
    targets: dict[str, tuple[int, int]] = {}
    with contextlib.ExitStack() as stack:
        targets["bot alone"] = (
            bot_port,
            stack.enter_context(
                process([python, "-m", "bench.servers", "bot", str(bot_port)], bot_port, cpu=1)
            ),
        )
        targets["bare aiohttp proxy"] = (
            proxy_port,
            stack.enter_context(
                process(
                    [python, "-m", "bench.servers", "proxy", str(proxy_port), bot_url],
                    proxy_port,
                    cpu=0,
                )
            ),
        )
        config = gateway_config(Path(stack.enter_context(tempfile.TemporaryDirectory())), bot_url)
        stores: list[tuple[str, str | None]] = [("gateway (memory store)", None)]
        if args.redis:
            stores.append(("gateway (redis store)", args.redis))
        for name, store_url in stores:
            port = free_port()
            env = {"GATEWAY_STORE_URL": store_url} if store_url else {}
            command = gateway_command(config, port)
            targets[name] = port, stack.enter_context(process(command, port, cpu=0, env=env))
            check_route(port)
        runs: dict[str, list[tuple[LoadResult, float]]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, (port, pid) in targets.items():
                runs[name].append(measure(port, pid, args))

    print(
        f"concurrency {args.concurrency}; {args.rounds} interleaved rounds of {args.seconds:.0f} s "
        "per target; server under test pinned to one core; median round shown"
    )
    print(
        f"{'target':26} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'cpu us/req':>10}  all rounds req/s"
    )
    median: dict[str, tuple[LoadResult, float]] = {}
    for name, results in runs.items():
        ordered = sorted(results, key=lambda r: r[0].rps)
        median[name] = result, cpu_us = ordered[len(ordered) // 2]
        spread = " ".join(f"{r.rps:.0f}" for r, _ in results)
        errors = sum(r.errors for r, _ in results)
        print(
            f"{name:26} {result.rps:8.0f} {result.percentile(0.5):8.2f} "
            f"{result.percentile(0.99):8.2f} {errors:7d} {cpu_us:10.0f}  {spread}"
        )
    bare, bare_cpu = median["bare aiohttp proxy"][0].rps, median["bare aiohttp proxy"][1]
    for name, (result, cpu_us) in median.items():
        if name.startswith("gateway"):
            print(
                f"ratio {name} / bare proxy: throughput {result.rps / bare:.2f}, "
                f"CPU per request {cpu_us / bare_cpu:.2f}x"
            )


if __name__ == "__main__":
    main()
