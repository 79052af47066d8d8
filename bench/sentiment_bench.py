"""Cost of screening shopper messages for escalation, with and without snownlp.

    python -m bench.sentiment_bench [--repeat 3]

Run it as its own process: it measures snownlp's import (time and resident memory, from
/proc/self/status) before anything else loads it. Then, per message over the 1,300 labelled
shopper messages in tests/data/: the screen without a scorer, the screen with stock snownlp and
no cache (only messages with a negative cue are scored), snownlp on every message (what scoring
everything would cost), a cache hit, and the answer fingerprints used for repeat detection.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from guardrails import (
    MessageScreen,
    SnowNLPScorer,
    default_normalizer,
    fingerprint,
    is_repeat,
    load_escalation_phrases,
)

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
ANSWERS = (
    "亲，您好！您的问题我们已经记录，会尽快为您处理，请耐心等待。",
    "亲，退货请在订单详情页点击“申请售后”，选择退货退款，填写原因后提交即可。",
    "亲，现货商品付款后48小时内发货，偏远地区可能稍慢，请您谅解。",
    "亲，这款支持七天无理由退换，吊牌请不要剪掉哦。",
    "亲，您的订单已发货，单号可在订单详情里查看。",
)


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def per_item_us(call: Callable[[str], object], items: Sequence[str], repeat: int) -> float:
    """The median over ``repeat`` passes of the mean cost per item, in microseconds."""
    passes = []
    for _ in range(repeat):
        started = time.perf_counter()
        for item in items:
            call(item)
        passes.append((time.perf_counter() - started) / len(items) * 1e6)
    return statistics.median(passes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    normalizer = default_normalizer()
    phrases = load_escalation_phrases(REPO / "config" / "lexicons" / "escalation")
    plain = MessageScreen(phrases, None, normalizer)
    plain.check("预热")  # tables and automata built before the import is measured

    before_kib = rss_kib()
    started = time.perf_counter()
    uncached = SnowNLPScorer(normalizer, cache_size=0)
    import_s = time.perf_counter() - started
    growth_mib = (rss_kib() - before_kib) / 1024
    cached = SnowNLPScorer(normalizer)
    screen = MessageScreen(phrases, uncached, normalizer)

    texts = [
        json.loads(line)["text"]
        for name in ("shopper_messages_a.jsonl", "shopper_messages_b.jsonl")
        for line in (DATA / name).read_text("utf-8").splitlines()
    ]
    with_cue = [t for t in texts if any(f.category == "negative" for f in plain.findings(t))]

    plain_us = per_item_us(plain.check, texts, args.repeat)
    screen_us = per_item_us(screen.check, texts, args.repeat)
    cue_us = per_item_us(screen.check, with_cue, args.repeat)
    every_us = per_item_us(uncached.score, texts, max(1, args.repeat - 2))
    for text in texts:
        cached.score(text)
    hit_us = per_item_us(cached.score, texts, args.repeat)
    normalize_us = per_item_us(normalizer, texts, args.repeat)

    previous = [fingerprint(a) for a in ANSWERS]
    new = ANSWERS[2].replace("稍慢", "慢一些")
    fingerprint_us = per_item_us(fingerprint, list(ANSWERS), args.repeat * 200)
    repeat_us = per_item_us(
        lambda a: is_repeat(fingerprint(a), previous), [new, "亲，在的"], args.repeat * 200
    )

    mean_len = statistics.mean(map(len, texts))
    print(f"messages: {len(texts)} (mean {mean_len:.0f} characters), {len(with_cue)} with a cue")
    print(f"{'snownlp import (SnowNLPScorer())':44} {import_s:8.2f} s")
    print(f"{'resident memory growth on import':44} {growth_mib:8.0f} MiB")
    print(f"{'normalisation alone':44} {normalize_us:8.1f} us/message")
    print(f"{'screen without a scorer':44} {plain_us:8.1f} us/message")
    print(f"{'screen with snownlp, no cache':44} {screen_us:8.1f} us/message")
    print(f"{'  same, messages with a cue only':44} {cue_us:8.1f} us/message")
    print(f"{'snownlp on every message, no cache':44} {every_us:8.1f} us/message")
    print(f"{'snownlp cache hit':44} {hit_us:8.1f} us/message")
    print(f"{'answer fingerprint':44} {fingerprint_us:8.1f} us/answer")
    print(f"{'fingerprint + is_repeat against 5 answers':44} {repeat_us:8.1f} us/answer")


if __name__ == "__main__":
    main()
