"""How long a ready callback waits for the event loop: the number that says whether anything
(sentiment scoring, a large JSON body, a slow regex) is holding the loop up.

Every ``interval_s`` the monitor yields once (``asyncio.sleep(0)``) and times how long the loop
takes to come back to it: one full pass over everything else that was ready. This does not depend
on timer resolution (uvloop rounds timers to milliseconds). Every ``report_s`` it logs
``loop.lag`` with the p50, p99 and maximum of the window, in milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from .logging import event

log = logging.getLogger("gateway.loop")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


class LoopLagMonitor:
    def __init__(
        self,
        report_s: float,
        interval_s: float = 0.01,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._report_s = report_s
        self._interval_s = interval_s
        self._clock = clock
        self._samples: list[float] = []

    async def run(self, stop: asyncio.Event) -> None:
        next_report = self._clock() + self._report_s
        while not stop.is_set():
            started = self._clock()
            await asyncio.sleep(0)
            self._samples.append((self._clock() - started) * 1000)
            if self._clock() >= next_report:
                self.report()
                next_report = self._clock() + self._report_s
            try:
                await asyncio.wait_for(stop.wait(), self._interval_s)
            except TimeoutError:
                pass

    def report(self) -> None:
        samples, self._samples = self._samples, []
        if samples:
            event(
                log,
                "loop.lag",
                samples=len(samples),
                p50_ms=round(percentile(samples, 0.5), 3),
                p99_ms=round(percentile(samples, 0.99), 3),
                max_ms=round(max(samples), 3),
            )
