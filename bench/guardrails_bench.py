"""Cost of checking one ~200-character answer with a 50,000-phrase lexicon loaded.

    python -m bench.guardrails_bench [--phrases 50000] [--repeat 2000]

Side by side: the lexicon scan (Aho-Corasick on the compact view), the same phrases as one
compiled regex alternation, and the whole check (normalisation, every detector, the policy).
Prints microseconds per answer and the ratio, plus each detector's share.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from guardrails import (
    Action,
    CategoryRule,
    LexiconDetector,
    Normalizer,
    PhraseList,
    Policy,
    Severity,
    build_guardrails,
    load_phrase_dir,
)

REPO = Path(__file__).resolve().parent.parent
# A realistic answer with look-alikes (order number, price, size, platform chat) and one contact.
ANSWER = (
    "亲，您好！这款纯棉衬衫目前有现货，175/92A建议选L码，原价299现价199元。您的订单2208193455612291"
    "已经备注加急，今天下午从杭州仓发出，京东快递单号JDVA12345678901，预计两天送达。"
    "如果尺码不合适，支持七天无理由退换，退款会原路退回。团购可以加我微❤信 tg❤8899 了解详情，"
    "也可以随时在咚咚联系我们，祝您购物愉快！"
)
# The same kind of answer with nothing to find: what most answers look like.
CLEAN_ANSWER = (
    "亲，您好！这款纯棉衬衫目前有现货，175/92A建议选L码，原价299现价199元。您的订单2208193455612291"
    "已经备注加急，今天下午从杭州仓发出，京东快递单号JDVA12345678901，预计两天送达。"
    "如果尺码不合适，支持七天无理由退换，退款会原路退回。洗涤时最好手洗，不要暴晒，"
    "有任何问题随时在咚咚联系我们，祝您购物愉快！"
)
CJK = [chr(c) for c in range(0x4E00, 0x4E00 + 3500)]


def synthetic_phrases(count: int, seed: int = 7) -> list[str]:
    """Phrases of 2–6 common CJK characters, like a large e-commerce word list."""
    rng = random.Random(seed)
    phrases: set[str] = set()
    while len(phrases) < count:
        phrases.add("".join(rng.choice(CJK) for _ in range(rng.randint(2, 6))))
    return sorted(phrases)


def per_call_us(call: Callable[[], object], repeat: int) -> float:
    """The median of 5 batches, in microseconds per call."""
    batches = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeat):
            call()
        batches.append((time.perf_counter() - started) / repeat * 1e6)
    return statistics.median(batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--phrases", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()

    normalizer = Normalizer(recent_texts=0)  # every call does the work, as for a new answer
    shipped = load_phrase_dir(REPO / "config" / "lexicons")
    extra = synthetic_phrases(max(0, args.phrases - sum(map(len, shipped.banned.values()))))
    phrases = shipped.merged(PhraseList({"abuse": tuple(extra)}))
    total = sum(map(len, phrases.banned.values()))

    started = time.perf_counter()
    lexicon = LexiconDetector(phrases, normalizer)
    build_s = time.perf_counter() - started
    all_phrases = [p for items in phrases.banned.values() for p in items]
    started = time.perf_counter()
    alternation = re.compile("|".join(map(re.escape, sorted(all_phrases, key=len, reverse=True))))
    regex_build_s = time.perf_counter() - started

    policy = Policy(
        {c: CategoryRule(Action.BLOCK, Severity.GENERAL) for c in ("phone", "messenger")},
        fallback_text="fallback",
        holding_text="holding",
    )
    guardrails = build_guardrails(
        platform="jd",
        allowed_domains=["jd.com", "3.cn"],
        lexicon=lexicon,
        policy=policy,
        normalizer=normalizer,
    )
    normalized = normalizer(ANSWER)

    scan_us = per_call_us(lambda: lexicon.detect(normalized), args.repeat)
    regex_us = per_call_us(
        lambda: alternation.search(normalized.compact), max(args.repeat // 100, 5)
    )
    normalize_us = per_call_us(lambda: normalizer(ANSWER), args.repeat)
    check_us = per_call_us(lambda: guardrails.check(ANSWER), args.repeat)
    clean_us = per_call_us(lambda: guardrails.check(CLEAN_ANSWER), args.repeat)
    verdict = guardrails.check(ANSWER)

    shares: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        for name, micros in guardrails.timed_check(ANSWER).micros_by_detector.items():
            shares.setdefault(name, []).append(micros)

    print(
        f"answer: {len(ANSWER)} characters; lexicon: {total} phrases "
        f"({lexicon.size} automaton entries with allowed phrases and numeral variants)"
    )
    print(
        f"build: automaton {build_s * 1000:.0f} ms, regex alternation {regex_build_s * 1000:.0f} ms"
    )
    print(f"{'lexicon scan (Aho-Corasick)':34} {scan_us:10.1f} us/answer")
    print(f"{'same phrases, regex alternation':34} {regex_us:10.1f} us/answer")
    print(f"{'ratio regex / automaton':34} {regex_us / scan_us:10.0f} x")
    print(f"{'normalisation alone':34} {normalize_us:10.1f} us/answer")
    print(f"{'whole check, answer with a contact':34} {check_us:10.1f} us/answer")
    print(
        f"{'whole check, clean answer':34} {clean_us:10.1f} us/answer "
        f"({len(CLEAN_ANSWER)} characters)"
    )
    print(f"verdict: {verdict.action.label}, categories {verdict.categories}")
    print(
        "median per step (us): "
        + ", ".join(f"{name} {statistics.median(values):.1f}" for name, values in shares.items())
    )


if __name__ == "__main__":
    main()
