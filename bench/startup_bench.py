"""Start-up time and resident memory: stock snownlp, our sentiment model, and the whole gateway.

    python -m bench.startup_bench [--messages 2000]

Each figure comes from a fresh process, so nothing is already imported or cached in memory (the
segmentation tables file is built first if it is missing: that is `cs-gateway models`, run once
per deploy, not at start-up):

- ``import snownlp`` and a first ``SnowNLP(text).sentiments``: seconds and VmRSS afterwards;
- our model: import, load (tables + Bayes + calibration) and a first score; seconds and VmRSS;
- ``cs-gateway serve`` with the shipped config (demo shop, demo bot, in-memory store, sentiment
  on): seconds from exec to a 200 from /readyz, VmRSS then, and VmRSS and VmHWM (peak) after
  ``--messages`` distinct shopper messages have gone through /messages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.loadgen import run_load
from bench.proxy_bench import free_port
from guardrails.sentiment.tables_cache import ensure_tables

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"

STOCK = """
import time
started = time.perf_counter()
from snownlp import SnowNLP
value = SnowNLP("这个有没有红色的，M码还有货吗").sentiments
elapsed = time.perf_counter() - started
status = open("/proc/self/status").read()
rss = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmRSS:"))
print(elapsed, rss)
"""

OURS = """
import time
started = time.perf_counter()
from guardrails.sentiment import ShopperSentiment
from guardrails.sentiment.tables_cache import load_segmentation
model = ShopperSentiment.load(load_segmentation())
value = model.score("这个有没有红色的，M码还有货吗")
elapsed = time.perf_counter() - started
status = open("/proc/self/status").read()
rss = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmRSS:"))
print(elapsed, rss)
"""

BARE = """
import time
status = open("/proc/self/status").read()
rss = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmRSS:"))
print(0.0, rss)
"""


def child(code: str) -> tuple[float, float]:
    """(seconds, VmRSS MiB) printed by a fresh interpreter running ``code``."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    seconds, rss_kib = done.stdout.split()
    return float(seconds), int(rss_kib) / 1024


def status_mib(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=0.5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def shopper_texts() -> list[str]:
    return [
        json.loads(line)["text"]
        for path in sorted((DATA / "shoppers").glob("legacy_*_messages.jsonl"))
        for line in path.read_text("utf-8").splitlines()
    ]


def gateway(messages: int) -> tuple[float, float, float, float]:
    """(seconds to ready, VmRSS at ready, VmRSS and VmHWM after the messages), MiB."""
    port = free_port()
    env = {**os.environ, "GATEWAY_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = started + 30
        while not ready(port):
            if proc.poll() is not None or time.perf_counter() > deadline:
                raise SystemExit(f"the gateway did not start: {proc.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.01)
        start_s = time.perf_counter() - started
        ready_rss = status_mib(proc.pid, "VmRSS")
        texts = shopper_texts()
        asyncio.run(
            run_load(
                "127.0.0.1",
                port,
                "/v1/shops/demo/messages",
                "demo-shop-key",
                concurrency=8,
                seconds=max(2.0, messages / 400),
                texts=texts,
                fresh_conversations=True,
            )
        )
        return start_s, ready_rss, status_mib(proc.pid, "VmRSS"), status_mib(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    ensure_tables()

    _, bare_mib = child(BARE)
    stock_s, stock_mib = child(STOCK)
    ours_s, ours_mib = child(OURS)
    start_s, ready_mib, after_mib, peak_mib = gateway(args.messages)
    print(f"{'bare interpreter':52} {'':>8}   {bare_mib:6.0f} MiB RSS")
    print(
        f"{'stock: import snownlp + first SnowNLP().sentiments':52} {stock_s:6.2f} s "
        f"  {stock_mib:6.0f} MiB RSS"
    )
    print(
        f"{'ours: import + load model + first score':52} {ours_s:6.2f} s   {ours_mib:6.0f} MiB RSS"
    )
    print(
        f"{'gateway serve (demo shop, sentiment on) to /readyz':52} {start_s:6.2f} s "
        f"  {ready_mib:6.0f} MiB RSS"
    )
    print(
        f"{'gateway after the load':52} {'':>8}   {after_mib:6.0f} MiB RSS, peak {peak_mib:.0f} MiB"
    )


if __name__ == "__main__":
    main()
