"""In-memory compliance store: the same windows, caps and sanction rules as the Lua scripts.

Each step runs without an ``await`` between its read and its write, which makes it atomic on one
event loop, as the scripts are on Redis.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from .store import (
    BOT_MODE_ON,
    ENTRY_MODES,
    GATEWAY,
    KEEP_HISTORY,
    KEEP_S,
    KEEP_SETTLED,
    MONTH_S,
    WINDOWS,
    AgentAnswered,
    Answered,
    BotMode,
    BotModeChange,
    EntryMode,
    LedgerEntry,
    ModeTotals,
    OpenClock,
    PlatformFigure,
    Rate,
    Record,
    Recorded,
    ServiceTimes,
    SetBotMode,
    SetSatisfaction,
    ShopperWaiting,
    SlaWarning,
    Standing,
    SweepClocks,
    SweptClocks,
    Tally,
    TicketClock,
    WindowTotals,
    entry_id,
)


@dataclass(slots=True)
class _Clock:
    ticket: str | None = None
    opened: float | None = None
    first: float | None = None
    waiting: list[float] = field(default_factory=list)
    warned: float | None = None  # the waiting stretch (its oldest message) already warned of
    touched: float = 0.0

    def value(self, conversation_id: str) -> TicketClock:
        return TicketClock(
            conversation_id, self.ticket, self.opened, self.first, tuple(self.waiting)
        )


@dataclass(slots=True)
class _Shop:
    last: int = 0
    window: list[LedgerEntry] = field(default_factory=list)  # the last 30 days, oldest first
    kept: list[LedgerEntry] = field(default_factory=list)  # the newest ``keep`` of them
    warned_at: dict[str, float] = field(default_factory=dict)  # per mode
    suspended_at: dict[str, float] = field(default_factory=dict)  # monitor: would have
    bot: BotMode = BOT_MODE_ON
    reset_at: float | None = None
    reset_id: int = 0  # entries numbered after it count towards the sanctions
    history: list[BotModeChange] = field(default_factory=list)  # newest first
    platform: PlatformFigure | None = None
    ratings: dict[str, tuple[float, int]] = field(default_factory=dict)  # ticket -> (at, score)
    clocks: dict[str, _Clock] = field(default_factory=dict)
    opened: dict[str, float] = field(default_factory=dict)  # ticket -> opened at
    first_replies: dict[str, tuple[float, float]] = field(default_factory=dict)  # (opened, s)
    settled: list[tuple[float, bool]] = field(default_factory=list)  # (written at, within)


def window_totals(entries: list[LedgerEntry], since: float) -> WindowTotals:
    """The totals of the entries written after ``since``."""
    points = deduction = count = 0
    categories: dict[str, Tally] = {}
    authors: dict[str, Tally] = {}
    for entry in entries:
        if entry.at <= since:
            continue
        count += 1
        points += entry.points
        if entry.sanctioned:
            deduction += entry.deduction
        findings = 0
        for violation in entry.violations:
            found = categories.get(violation.category, Tally())
            categories[violation.category] = Tally(
                found.points + violation.points,
                found.texts + 1,
                found.findings + violation.findings,
            )
            findings += violation.findings
        mine = authors.get(entry.author, Tally())
        authors[entry.author] = Tally(
            mine.points + entry.points, mine.texts + 1, mine.findings + findings
        )
    return WindowTotals(count, points, deduction, categories, authors)


class MemoryComplianceStore:
    def __init__(self) -> None:
        self._shops: dict[str, _Shop] = {}

    def _shop(self, shop_id: str) -> _Shop:
        return self._shops.setdefault(shop_id, _Shop())

    @staticmethod
    def _sanction_points(shop: _Shop, mode: EntryMode, at: float) -> int:
        since = at - MONTH_S
        return sum(
            e.points
            for e in shop.window
            if e.mode == mode and e.sanctioned and e.at > since and int(e.entry_id) > shop.reset_id
        )

    async def record(self, step: Record) -> Recorded:
        shop = self._shop(step.shop_id)
        since = step.at - MONTH_S
        shop.window = [e for e in shop.window if e.at > since]
        shop.kept = [e for e in shop.kept if e.at > since]
        shop.last += 1
        entry = step.entry(entry_id(shop.last))
        before = self._sanction_points(shop, step.mode, step.at)
        bisect.insort(shop.window, entry, key=lambda e: e.at)
        bisect.insort(shop.kept, entry, key=lambda e: e.at)
        del shop.kept[: max(0, len(shop.kept) - step.keep)]
        after = before + entry.points if entry.sanctioned else before
        warned = suspended = False
        if entry.sanctioned:
            warned = before < step.warn_at <= after
            if warned:
                shop.warned_at[step.mode] = step.at
            if after >= step.suspend_at:
                if step.mode == "enforce" and shop.bot.enabled:
                    suspended = True
                    self._switch(shop, SetBotMode(step.shop_id, False, GATEWAY,
                                                  step.suspend_reason, step.at))  # fmt: skip
                elif step.mode == "monitor" and "monitor" not in shop.suspended_at:
                    suspended = True
                    shop.suspended_at["monitor"] = step.at
        return Recorded(entry, after, warned, suspended)

    @staticmethod
    def _switch(shop: _Shop, step: SetBotMode) -> None:
        shop.bot = BotMode(step.enabled, step.at, step.by, step.reason)
        shop.history.insert(0, BotModeChange(step.at, step.enabled, step.by, step.reason))
        del shop.history[KEEP_HISTORY:]
        if step.enabled:
            shop.reset_at, shop.reset_id = step.at, shop.last
            shop.warned_at.clear()
            shop.suspended_at.clear()

    async def set_bot_mode(self, step: SetBotMode) -> bool:
        shop = self._shop(step.shop_id)
        if shop.bot.enabled == step.enabled:
            return False
        self._switch(shop, step)
        return True

    async def rate(self, step: Rate) -> bool:
        shop = self._shop(step.shop_id)
        for ticket in [t for t, (at, _) in shop.ratings.items() if at <= step.at - KEEP_S]:
            del shop.ratings[ticket]
        if step.ticket_id in shop.ratings:
            return False
        shop.ratings[step.ticket_id] = (step.at, step.score)
        return True

    async def set_satisfaction(self, step: SetSatisfaction) -> None:
        shop = self._shop(step.shop_id)
        shop.platform = None if step.rate is None else PlatformFigure(step.rate, step.at, step.by)

    def _clock(self, shop: _Shop, conversation_id: str, at: float) -> _Clock:
        for conv in [c for c, clock in shop.clocks.items() if clock.touched <= at - KEEP_S]:
            del shop.clocks[conv]
        clock = shop.clocks.setdefault(conversation_id, _Clock())
        clock.touched = at
        return clock

    @staticmethod
    def _prune_settled(shop: _Shop, at: float) -> None:
        since = at - MONTH_S
        shop.settled = [s for s in shop.settled if s[0] > since][-KEEP_SETTLED:]
        for ticket in [t for t, opened in shop.opened.items() if opened <= since]:
            del shop.opened[ticket]
            shop.first_replies.pop(ticket, None)

    async def open_clock(self, step: OpenClock) -> None:
        shop = self._shop(step.shop_id)
        clock = self._clock(shop, step.conversation_id, step.at)
        if step.created:
            clock.ticket, clock.opened, clock.first = step.ticket_id, step.at, None
            self._prune_settled(shop, step.at)
            shop.opened[step.ticket_id] = step.at
        bisect.insort(clock.waiting, step.at)

    async def shopper_waiting(self, step: ShopperWaiting) -> None:
        clock = self._clock(self._shop(step.shop_id), step.conversation_id, step.at)
        bisect.insort(clock.waiting, step.at)

    async def agent_answered(self, step: AgentAnswered) -> Answered:
        shop = self._shop(step.shop_id)
        clock = self._clock(shop, step.conversation_id, step.at)
        self._prune_settled(shop, step.at)
        first: float | None = None
        if clock.ticket == step.ticket_id and clock.first is None and clock.opened is not None:
            clock.first = step.at
            first = step.at - clock.opened
            if step.ticket_id in shop.opened:
                shop.first_replies[step.ticket_id] = (clock.opened, first)
        within = late = 0
        for written in clock.waiting:
            on_time = step.at - written <= step.window_s
            shop.settled.append((written, on_time))
            within, late = within + on_time, late + (not on_time)
        shop.settled.sort()
        clock.waiting, clock.warned = [], None
        return Answered(first, within, late)

    async def sweep_clocks(self, step: SweepClocks) -> SweptClocks:
        shop = self._shop(step.shop_id)
        self._prune_settled(shop, step.at)
        at, missed = step.at, 0
        waiting = sorted(
            ((clock.waiting[0], conv) for conv, clock in shop.clocks.items() if clock.waiting)
        )[: step.limit]
        for _, conv in waiting:
            clock = shop.clocks[conv]
            overdue = [t for t in clock.waiting if at - t > step.answer_window_s]
            if overdue:
                shop.settled.extend((t, False) for t in overdue)
                clock.waiting = clock.waiting[len(overdue) :]
                missed += len(overdue)
        shop.settled.sort()
        warnings = []
        for _, conv in waiting:
            clock = shop.clocks[conv]
            if not clock.waiting or clock.ticket is None:
                continue
            start = clock.waiting[0]
            answered = clock.first is not None
            window = step.answer_window_s if answered else step.first_reply_s
            if at >= start + step.warn_fraction * window and clock.warned != start:
                clock.warned = start
                warnings.append(SlaWarning(conv, clock.ticket, start, start + window,
                                           "answer" if answered else "first_reply"))  # fmt: skip
        return SweptClocks(tuple(warnings), missed)

    async def standing(self, shop_id: str) -> Standing:
        shop = self._shop(shop_id)
        return Standing(shop.bot, shop.reset_at, shop.platform)

    async def totals(self, shop_id: str, at: float) -> dict[EntryMode, ModeTotals]:
        shop = self._shop(shop_id)
        found: dict[EntryMode, ModeTotals] = {}
        for mode in ENTRY_MODES:
            entries = [e for e in shop.window if e.mode == mode]
            windows = {name: window_totals(entries, at - span) for name, span in WINDOWS.items()}
            found[mode] = ModeTotals(
                windows,
                self._sanction_points(shop, mode, at),
                shop.warned_at.get(mode),
                shop.suspended_at.get(mode),
            )
        return found

    async def entries(self, shop_id: str, before: str | None, limit: int) -> list[LedgerEntry]:
        kept = sorted(self._shop(shop_id).kept, key=lambda e: e.entry_id)
        end = len(kept)
        if before is not None:
            end = bisect.bisect_left(kept, before, key=lambda e: e.entry_id)
        return kept[max(0, end - limit) : end][::-1]

    async def history(self, shop_id: str, limit: int) -> list[BotModeChange]:
        return self._shop(shop_id).history[:limit]

    async def ratings(self, shop_id: str, since: float) -> list[int]:
        return [score for at, score in self._shop(shop_id).ratings.values() if at > since]

    async def clocks(self, shop_id: str, conversation_ids: list[str]) -> dict[str, TicketClock]:
        clocks = self._shop(shop_id).clocks
        return {conv: clocks[conv].value(conv) for conv in conversation_ids if conv in clocks}

    async def service_times(
        self, shop_id: str, since: float, at: float, window_s: float
    ) -> ServiceTimes:
        shop = self._shop(shop_id)
        tickets = sum(1 for opened in shop.opened.values() if opened > since)
        firsts = tuple(sorted(s for opened, s in shop.first_replies.values() if opened > since))
        within = sum(1 for written, ok in shop.settled if written > since and ok)
        missed = sum(1 for written, ok in shop.settled if written > since and not ok)
        waiting = 0
        for clock in shop.clocks.values():
            for written in clock.waiting:
                if at - written > window_s:
                    missed += written > since
                else:
                    waiting += 1
        return ServiceTimes(tickets, firsts, within, missed, waiting)
