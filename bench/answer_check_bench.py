"""Cost of the whole answer check on realistic answers drawn from the labelled corpus.

    python -m bench.answer_check_bench [--rounds 5] [--min-chars 100] [--max-chars 220]

Every answer of 100–220 characters of the corpus's train writers (a realistic share of them
violating), each checked once per round with the shipped presets, lexicons and answer model; no
normalisation is reused between calls (``Normalizer(recent_texts=0)``), so nothing is served from
a cache. Prints, per answer, the median and p90 of the whole check, of the model alone and of
normalisation, and each step's median share (``Guardrails.timed_check``): the fastest of the
rounds, since this shared machine's timings swing by tens of percent.
"""

from __future__ import annotations

import argparse
import statistics
import time

from guardrails.engine import Guardrails
from guardrails.models.corpus import load_answers
from guardrails.models.rules_only import platform_guardrails
from guardrails.normalize import Normalizer


def uncached(platform: str) -> Guardrails:
    shipped = platform_guardrails(platform, True)
    return Guardrails(
        shipped.detectors,
        shipped.policy,
        Normalizer(recent_texts=0),
        shipped.model,
        shipped.allowed,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--min-chars", type=int, default=100)
    parser.add_argument("--max-chars", type=int, default=220)
    args = parser.parse_args()
    rows = [
        row for row in load_answers(("train",)) if args.min_chars <= len(row.text) <= args.max_chars
    ]
    shops = {platform: uncached(platform) for platform in ("jd", "douyin", "kuaishou")}
    violating = sum(bool(row.labels) for row in rows)
    print(
        f"{len(rows)} answers of {args.min_chars}-{args.max_chars} characters "
        f"({violating} violating, mean {statistics.mean(len(r.text) for r in rows):.0f} chars)"
    )
    best: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        times: dict[str, list[float]] = {"check": [], "model": [], "normalize": []}
        for row in rows:
            guardrails = shops[row.platform]
            started = time.perf_counter()
            guardrails.check(row.text)
            times["check"].append((time.perf_counter() - started) * 1e6)
            normalized = guardrails.normalizer(row.text)
            model = guardrails.model
            assert model is not None
            started = time.perf_counter()
            model.probabilities(normalized)
            times["model"].append((time.perf_counter() - started) * 1e6)
            for step, micros in guardrails.timed_check(row.text).micros_by_detector.items():
                times.setdefault(step, []).append(micros)
        if not best or statistics.median(times["check"]) < statistics.median(best["check"]):
            best = times
    print(f"{'step':<14} {'median us':>10} {'p90 us':>10}")
    for step, values in sorted(best.items(), key=lambda item: -statistics.median(item[1])):
        values = sorted(values)
        p90 = values[int(0.9 * (len(values) - 1))]
        print(f"{step:<14} {statistics.median(values):>10.1f} {p90:>10.1f}")


if __name__ == "__main__":
    main()
