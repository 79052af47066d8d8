"""Per-message cost of the conversation-level checks on the corpus's train conversations.

    python -m bench.conversation_bench [--rounds 5]

- ``frustration``: ``Frustration.update`` on every shopper message, the state read from its
  string as the gateway stores it;
- ``fingerprint r1`` / ``fingerprint r2``: fingerprinting a bot answer (once per answer);
- ``repeat r1 x10`` / ``repeat r2 x10``: comparing a new answer with ten stored fingerprints
  (the gateway's ``KEEP_FINGERPRINTS``), the other answers of the corpus before it; ``cold``
  clears the parse cache before every comparison (every stored string parsed again), ``warm``
  does not (the same stored strings come back with every answer of a conversation).

No normalisation is reused between calls (``Normalizer(recent_texts=0)``). Prints median and
p90 in microseconds, the fastest of the rounds (this shared machine's timings swing).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial

from guardrails.frustration import Frustration, FrustrationState
from guardrails.models.corpus import load_conversations
from guardrails.normalize import Normalizer
from guardrails.similarity import count_repeats, fingerprint, meaning_fingerprint

KEEP = 10
similarity_module = sys.modules["guardrails.similarity"]


def timed(
    calls: Sequence[Callable[[], object]], before: Callable[[], None] | None = None
) -> list[float]:
    micros = []
    for call in calls:
        if before is not None:
            before()
        started = time.perf_counter()
        call()
        micros.append((time.perf_counter() - started) * 1e6)
    return micros


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    conversations = load_conversations(("train",))
    normalizer = Normalizer(recent_texts=0)
    frustration = Frustration(normalizer=normalizer)
    messages = [turn.shopper for c in conversations for turn in c.turns]
    answers = [turn.bot for c in conversations for turn in c.turns]
    r1 = [fingerprint(a, normalizer) for a in answers]
    r2 = [meaning_fingerprint(a, normalizer) for a in answers]
    stored = FrustrationState(3, 4.2).to_str()
    clear = similarity_module._read_cached.cache_clear
    windows = [(i, i - KEEP) for i in range(KEEP, len(answers))]
    cases: dict[str, tuple[list[Callable[[], object]], Callable[[], None] | None]] = {
        "frustration": ([partial(frustration.update, stored, m) for m in messages], None),
        "fingerprint r1": ([partial(fingerprint, a, normalizer) for a in answers], None),
        "fingerprint r2": ([partial(meaning_fingerprint, a, normalizer) for a in answers], None),
        "repeat r1 x10": ([partial(count_repeats, r1[i], r1[j:i]) for i, j in windows], None),
        "repeat r2 x10 cold": ([partial(count_repeats, r2[i], r2[j:i]) for i, j in windows], clear),
        "repeat r2 x10 warm": ([partial(count_repeats, r2[i], r2[j:i]) for i, j in windows], None),
    }
    print(
        f"{len(messages)} shopper messages (mean {statistics.mean(map(len, messages)):.0f} chars), "
        f"{len(answers)} bot answers (mean {statistics.mean(map(len, answers)):.0f} chars); "
        f"r2 fingerprints: mean {statistics.mean(len(f.encode()) for f in r2):.0f} bytes, "
        f"max {max(len(f.encode()) for f in r2)}"
    )
    print(f"{'step':<20} {'median us':>10} {'p90 us':>10}")
    for name, (calls, before) in cases.items():
        best: list[float] = []
        for _ in range(args.rounds):
            micros = timed(calls, before)
            if not best or statistics.median(micros) < statistics.median(best):
                best = micros
        ordered = sorted(best)
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        print(f"{name:<20} {statistics.median(ordered):>10.1f} {p90:>10.1f}")


if __name__ == "__main__":
    main()
