"""The ComplianceStore contract, run against the in-memory and the Redis implementation: the
ledger's rolling windows, sanctions, bot mode, ratings and the service-time clocks."""

from __future__ import annotations

import asyncio

from gateway.backend import RedisBackend, StoreBackend
from gateway.compliance.store import (
    BOT,
    DAY_S,
    GATEWAY,
    MONTH_S,
    AgentAnswered,
    EntryMode,
    OpenClock,
    Rate,
    Record,
    SetBotMode,
    SetSatisfaction,
    ShopperWaiting,
    SweepClocks,
    Tally,
    Violation,
    agent_author,
)
from guardrails import Severity

SHOP = "shop-a"
T0 = 1_800_000_000.25
WARN, SUSPEND = 60, 120


def violation(category: str = "phone", points: int = 30, findings: int = 1) -> Violation:
    return Violation(category, Severity.GENERAL, points, findings, (f"{category}.rule",),
                     ("138****8000",))  # fmt: skip


def step(
    at: float = T0,
    *found: Violation,
    author: str = BOT,
    mode: EntryMode = "enforce",
    deduction: int = 5,
    keep: int = 10_000,
    shop: str = SHOP,
) -> Record:
    return Record(
        shop, at, mode, author, "block", "conversation:0123456789abcdef", "feedcafe00000000",
        deduction, found or (violation(),), WARN, SUSPEND, suspend_reason="120 points", keep=keep,
    )  # fmt: skip


async def test_an_entry_is_kept_with_its_fields_and_counted_in_both_windows(
    backend: StoreBackend,
) -> None:
    store = backend.compliance
    recorded = await store.record(step(T0, violation("phone", 30, 2), violation("link", 20)))
    entry = recorded.entry
    assert entry.entry_id == "000000000001" and entry.points == 50
    assert (recorded.sanction_points, recorded.warned, recorded.suspended) == (50, False, False)
    [kept] = await store.entries(SHOP, None, 10)
    assert kept == entry
    totals = await store.totals(SHOP, T0 + 1)
    for window in ("day", "30d"):
        found = totals["enforce"].windows[window]
        assert (found.entries, found.points, found.deduction) == (1, 50, 5)
        assert found.categories == {"link": Tally(20, 1, 1), "phone": Tally(30, 1, 2)}
        assert found.authors == {"bot": Tally(50, 1, 3)}
    assert totals["monitor"].windows["30d"].entries == 0
    assert await store.entries("other-shop", None, 10) == []


async def test_the_day_window_rolls_exactly_and_the_month_after_30_days(
    backend: StoreBackend,
) -> None:
    store = backend.compliance
    await store.record(step(T0))
    await store.record(step(T0 + 10))
    # exactly one day after the first entry it is out of the day window, not of the 30 days
    totals = await store.totals(SHOP, T0 + DAY_S)
    assert totals["enforce"].windows["day"].points == 30
    assert totals["enforce"].windows["30d"].points == 60
    # a new entry prunes what left the windows; the totals stay the same
    await store.record(step(T0 + DAY_S + 5, violation("abuse", 10)))
    totals = await store.totals(SHOP, T0 + DAY_S + 5)
    day, month = totals["enforce"].windows["day"], totals["enforce"].windows["30d"]
    assert (day.entries, day.points) == (2, 40)
    assert (month.entries, month.points) == (3, 70)
    assert set(day.categories) == {"phone", "abuse"}
    totals = await store.totals(SHOP, T0 + MONTH_S + 10)
    month = totals["enforce"].windows["30d"]
    assert (month.entries, month.points, month.categories) == (1, 10, {"abuse": Tally(10, 1, 1)})
    assert totals["enforce"].sanction_points == 10
    # and on the next write the aged entries leave the ledger too
    await store.record(step(T0 + MONTH_S + 11, violation("email", 20)))
    kept = await store.entries(SHOP, None, 10)
    assert [e.entry_id for e in kept] == ["000000000004", "000000000003"]


async def test_bot_points_warn_then_suspend_once(backend: StoreBackend) -> None:
    store = backend.compliance
    first = await store.record(step(T0))
    assert (first.sanction_points, first.warned, first.suspended) == (30, False, False)
    second = await store.record(step(T0 + 1))
    assert (second.sanction_points, second.warned, second.suspended) == (60, True, False)
    third = await store.record(step(T0 + 2))
    assert (third.warned, third.suspended) == (False, False)
    fourth = await store.record(step(T0 + 3))
    assert (fourth.sanction_points, fourth.warned, fourth.suspended) == (120, False, True)
    standing = await store.standing(SHOP)
    assert standing.bot_mode.state == "suspended"
    assert (standing.bot_mode.by, standing.bot_mode.since) == (GATEWAY, T0 + 3)
    fifth = await store.record(step(T0 + 4))
    assert not fifth.suspended  # already off: no second suspension
    [change] = await store.history(SHOP, 10)
    assert (change.enabled, change.by, change.reason, change.at) == (
        False, GATEWAY, "120 points", T0 + 3,
    )  # fmt: skip
    totals = await store.totals(SHOP, T0 + 5)
    assert totals["enforce"].warned_at == T0 + 1


async def test_agents_points_are_recorded_but_never_sanction(backend: StoreBackend) -> None:
    store = backend.compliance
    for i in range(5):
        recorded = await store.record(step(T0 + i, author=agent_author("agent-1")))
        assert recorded.sanction_points == 0 and not recorded.warned
    assert (await store.standing(SHOP)).bot_mode.enabled
    totals = (await store.totals(SHOP, T0 + 10))["enforce"]
    assert totals.windows["30d"].points == 150
    assert totals.windows["30d"].deduction == 0  # the quality score is the bot's answers'
    assert totals.windows["30d"].authors == {"agent:agent-1": Tally(150, 5, 5)}


async def test_monitor_notes_what_would_have_happened_and_changes_nothing(
    backend: StoreBackend,
) -> None:
    store = backend.compliance
    results = [await store.record(step(T0 + i, mode="monitor")) for i in range(5)]
    assert [r.warned for r in results] == [False, True, False, False, False]
    assert [r.suspended for r in results] == [False, False, False, True, False]
    assert (await store.standing(SHOP)).bot_mode.enabled
    assert await store.history(SHOP, 10) == []
    totals = await store.totals(SHOP, T0 + 10)
    assert totals["monitor"].sanction_points == 150
    assert (totals["monitor"].warned_at, totals["monitor"].suspended_at) == (T0 + 1, T0 + 3)
    assert totals["enforce"].sanction_points == 0
    assert totals["enforce"].windows["30d"].entries == 0


async def test_switching_bot_mode_on_starts_the_points_from_zero(backend: StoreBackend) -> None:
    store = backend.compliance
    for i in range(4):
        await store.record(step(T0 + i))
    assert not (await store.standing(SHOP)).bot_mode.enabled
    assert not await store.set_bot_mode(SetBotMode(SHOP, False, "admin-1", "again", T0 + 5))
    assert await store.set_bot_mode(SetBotMode(SHOP, True, "admin-1", "rectified", T0 + 10))
    standing = await store.standing(SHOP)
    assert (standing.bot_mode.state, standing.bot_mode.by, standing.reset_at) == (
        "on", "admin-1", T0 + 10,
    )  # fmt: skip
    totals = await store.totals(SHOP, T0 + 11)
    assert (totals["enforce"].sanction_points, totals["enforce"].warned_at) == (0, None)
    assert totals["enforce"].windows["30d"].points == 120  # the ledger keeps them
    # what is recorded after the switch counts, whatever its stamp (another process's clock)
    late = await store.record(step(T0 + 9))
    assert late.sanction_points == 30
    again = await store.record(step(T0 + 12))
    assert again.sanction_points == 60
    # when the old entries age out, only what counted since the switch is subtracted
    totals = await store.totals(SHOP, T0 + 3 + MONTH_S)
    assert totals["enforce"].sanction_points == 60
    totals = await store.totals(SHOP, T0 + 9 + MONTH_S)
    assert totals["enforce"].sanction_points == 30
    await store.record(step(T0 + 9 + MONTH_S, violation("abuse", 0)))  # prunes on Redis
    totals = await store.totals(SHOP, T0 + 12 + MONTH_S)
    assert totals["enforce"].sanction_points == 0
    history = await store.history(SHOP, 10)
    assert [(c.enabled, c.by) for c in history] == [(True, "admin-1"), (False, GATEWAY)]


async def test_entries_page_newest_first_and_the_newest_are_kept(backend: StoreBackend) -> None:
    store = backend.compliance
    for i in range(5):
        await store.record(step(T0 + i, keep=3))
    first = await store.entries(SHOP, None, 2)
    assert [e.entry_id for e in first] == ["000000000005", "000000000004"]
    rest = await store.entries(SHOP, first[-1].entry_id, 10)
    assert [e.entry_id for e in rest] == ["000000000003"]
    # the cap is on the entries' details, not on the totals
    assert (await store.totals(SHOP, T0 + 10))["enforce"].windows["30d"].entries == 5


async def test_one_rating_per_ticket_and_the_platform_figure(backend: StoreBackend) -> None:
    store = backend.compliance
    assert await store.rate(Rate(SHOP, "c1", "t1", 5, T0))
    assert not await store.rate(Rate(SHOP, "c1", "t1", 1, T0 + 1))
    assert await store.rate(Rate(SHOP, "c2", "t2", 2, T0 + 2))
    assert sorted(await store.ratings(SHOP, T0 - 1)) == [2, 5]
    assert await store.ratings(SHOP, T0) == [2]
    assert (await store.standing(SHOP)).platform_satisfaction is None
    await store.set_satisfaction(SetSatisfaction(SHOP, 0.8, "admin-1", T0))
    figure = (await store.standing(SHOP)).platform_satisfaction
    assert figure is not None and (figure.rate, figure.by, figure.at) == (0.8, "admin-1", T0)
    await store.set_satisfaction(SetSatisfaction(SHOP, None, "admin-1", T0 + 1))
    assert (await store.standing(SHOP)).platform_satisfaction is None


async def test_clocks_measure_the_first_reply_and_each_message(backend: StoreBackend) -> None:
    store = backend.compliance
    await store.open_clock(OpenClock(SHOP, "c1", "t1", T0, created=True))
    await store.shopper_waiting(ShopperWaiting(SHOP, "c1", T0 + 5))
    clock = (await store.clocks(SHOP, ["c1", "nobody"]))["c1"]
    assert (clock.ticket_id, clock.opened_at, clock.first_reply_at) == ("t1", T0, None)
    assert clock.waiting == (T0, T0 + 5)
    # the reply comes 182 s after the first message: late for it, in time for the second
    answered = await store.agent_answered(AgentAnswered(SHOP, "c1", "t1", T0 + 182, 180.0))
    assert (answered.first_reply_s, answered.within, answered.late) == (182.0, 1, 1)
    again = await store.agent_answered(AgentAnswered(SHOP, "c1", "t1", T0 + 190, 180.0))
    assert (again.first_reply_s, again.within, again.late) == (None, 0, 0)
    # exactly at the window is within it
    await store.shopper_waiting(ShopperWaiting(SHOP, "c1", T0 + 200))
    await store.agent_answered(AgentAnswered(SHOP, "c1", "t1", T0 + 380, 180.0))
    times = await store.service_times(SHOP, T0 - DAY_S, T0 + 400, 180.0)
    assert (times.tickets, times.first_replies) == (1, (182.0,))
    assert (times.within, times.missed, times.waiting) == (2, 1, 0)


async def test_a_message_nobody_answers_counts_as_missed_when_its_window_passes(
    backend: StoreBackend,
) -> None:
    store = backend.compliance
    await store.open_clock(OpenClock(SHOP, "c1", "t1", T0, created=True))
    times = await store.service_times(SHOP, T0 - 1, T0 + 180, 180.0)
    assert (times.missed, times.waiting) == (0, 1)
    times = await store.service_times(SHOP, T0 - 1, T0 + 180.5, 180.0)
    assert (times.missed, times.waiting) == (1, 0)  # counted before any sweep settles it
    swept = await store.sweep_clocks(SweepClocks(SHOP, T0 + 181, 30.0, 180.0, 0.67))
    assert swept.missed == 1
    times = await store.service_times(SHOP, T0 - 1, T0 + 200, 180.0)
    assert (times.within, times.missed, times.waiting, times.first_replies) == (0, 1, 0, ())
    assert (await store.clocks(SHOP, ["c1"]))["c1"].waiting == ()


async def test_sweeps_warn_once_per_waiting_stretch(backend: StoreBackend) -> None:
    store = backend.compliance
    await store.open_clock(OpenClock(SHOP, "c1", "t1", T0, created=True))
    sweep = lambda at: store.sweep_clocks(SweepClocks(SHOP, at, 30.0, 180.0, 0.5))  # noqa: E731
    assert (await sweep(T0 + 14.9)).warnings == ()
    [warning] = (await sweep(T0 + 15)).warnings  # half of the 30 s first-reply target
    assert (warning.conversation_id, warning.ticket_id, warning.clock) == (
        "c1",
        "t1",
        "first_reply",
    )
    assert (warning.waiting_since, warning.deadline) == (T0, T0 + 30)
    assert (await sweep(T0 + 20)).warnings == ()  # once
    await store.agent_answered(AgentAnswered(SHOP, "c1", "t1", T0 + 25, 180.0))
    await store.shopper_waiting(ShopperWaiting(SHOP, "c1", T0 + 100))
    assert (await sweep(T0 + 189)).warnings == ()
    [warning] = (await sweep(T0 + 190)).warnings  # half of the 180 s answer window
    assert (warning.clock, warning.waiting_since, warning.deadline) == (
        "answer",
        T0 + 100,
        T0 + 280,
    )
    # a conversation without a ticket clock waits, but is never warned of
    await store.shopper_waiting(ShopperWaiting(SHOP, "c2", T0 + 100))
    assert [w.conversation_id for w in (await sweep(T0 + 250)).warnings] == []


async def test_a_new_ticket_restarts_the_first_reply_clock(backend: StoreBackend) -> None:
    store = backend.compliance
    await store.open_clock(OpenClock(SHOP, "c1", "t1", T0, created=True))
    await store.agent_answered(AgentAnswered(SHOP, "c1", "t1", T0 + 10, 180.0))
    await store.open_clock(OpenClock(SHOP, "c1", "t2", T0 + 100, created=True))
    await store.open_clock(OpenClock(SHOP, "c1", "t2", T0 + 101, created=False))  # joined
    answered = await store.agent_answered(AgentAnswered(SHOP, "c1", "t2", T0 + 130, 180.0))
    assert (answered.first_reply_s, answered.within) == (30.0, 2)
    times = await store.service_times(SHOP, T0 - 1, T0 + 200, 180.0)
    assert (times.tickets, times.first_replies) == (2, (10.0, 30.0))
    # a reply on a ticket the clock does not know sets no first reply
    stale = await store.agent_answered(AgentAnswered(SHOP, "c1", "t1", T0 + 140, 180.0))
    assert stale.first_reply_s is None


async def test_concurrent_entries_all_count_and_one_suspends(backend: StoreBackend) -> None:
    store = backend.compliance
    results = await asyncio.gather(*(store.record(step(T0 + i / 1000)) for i in range(40)))
    assert sorted(r.entry.entry_id for r in results) == [f"{n:012d}" for n in range(1, 41)]
    assert sum(r.suspended for r in results) == 1 and sum(r.warned for r in results) == 1
    totals = await store.totals(SHOP, T0 + 1)
    assert totals["enforce"].windows["30d"].points == 40 * 30
    assert len(await store.history(SHOP, 100)) == 1


async def test_every_key_of_a_shop_carries_its_hash_tag(backend: StoreBackend) -> None:
    if not isinstance(backend, RedisBackend):
        return
    store = backend.compliance
    await store.record(step(T0))
    await store.record(step(T0, mode="monitor"))
    await store.set_bot_mode(SetBotMode(SHOP, False, "admin-1", "off", T0))
    await store.rate(Rate(SHOP, "c1", "t1", 5, T0))
    await store.open_clock(OpenClock(SHOP, "c1", "t1", T0, created=True))
    await store.agent_answered(AgentAnswered(SHOP, "c1", "t1", T0 + 1, 180.0))
    await store.sweep_clocks(SweepClocks(SHOP, T0 + 500, 30.0, 180.0, 0.5))
    keys = [key.decode() for key in await backend.client.keys("*cmp*")]
    assert keys and all(key.startswith("gw:{shop:shop-a}:cmp:") for key in keys)
