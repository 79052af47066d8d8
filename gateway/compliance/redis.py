"""Redis compliance store; every step is one Lua script that declares each key it touches.

Key layout, all under the shop's hash tag ``gw:{shop:ID}:cmp`` (``core/redis.py``), so one shop's
keys share a Redis Cluster slot:

    …:seq              string  the number of the shop's last ledger entry (``INCR``)
    …:ledger           zset    ``<id>|<JSON>`` by entry number: the newest ``keep`` entries
    …:w:<mode>:<win>   zset    ``<id>|<author>|<sanctioned>|<deduction>|<cat>,<points>,<n>;…``
                               by time: the entries inside the window (day, 30d) of the mode
    …:t:<mode>:<win>   hash    that window's running totals (n, p, d, c:<cat>:p|t|f,
                               a:<author>:p|t|f); a step first subtracts what left the window
    …:state            hash    bot, bot_since, bot_by, bot_reason, reset_at, reset_id,
                               <mode>:sanction, <mode>:warned_at, monitor:suspended_at,
                               platform_rate, platform_at, platform_by
    …:history          list    bot-mode changes as JSON, newest first
    …:ratings          zset    ticket -> when it was rated;  …:scores  hash  ticket -> score
    …:clocks           hash    <conv>|t ticket, |o opened, |f first reply, |w waiting times
                               (comma-separated, oldest first), |x the stretch warned of
    …:waiting          zset    conversation -> its oldest waiting message's time
    …:touched          zset    conversation -> its clock's last change (idle clocks forgotten)
    …:sla:opened       zset    ticket -> opened;  …:sla:first  zset  ``<ticket>|<replied>``
                               by opened
    …:sla:seq, :settled  string, zset  ``<n>|1`` (answered within) or ``<n>|0`` by written time

Reads add nothing and remove nothing: what fell out of a window since the last step is
subtracted from the running totals as they are read.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Sequence
from typing import Any, cast

import orjson
from redis.asyncio.client import Redis

from guardrails import Severity

from ..core.redis import guard, load_script, shop_tag
from ..core.redis import text as _text
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
    Violation,
    WindowTotals,
)

LUA = "gateway.compliance"
CLOCK_FIELDS = ("t", "o", "f", "w")


def compliance_key(shop_id: str, name: str) -> str:
    return f"{shop_tag(shop_id)}:cmp:{name}"


def window_keys(shop_id: str, mode: EntryMode) -> list[str]:
    """w_day, w_30d, t_day, t_30d of one mode: the order the record script expects."""
    return [
        *(compliance_key(shop_id, f"w:{mode}:{name}") for name in WINDOWS),
        *(compliance_key(shop_id, f"t:{mode}:{name}") for name in WINDOWS),
    ]


def _member(step: Record) -> str:
    """A window member without its id: author|sanctioned|deduction|cat,points,findings;…"""
    sanctioned = "1" if step.author == "bot" else "0"
    cats = ";".join(f"{v.category},{v.points},{v.findings}" for v in step.violations)
    return f"{step.author}|{sanctioned}|{step.deduction}|{cats}"


def _entry_json(step: Record) -> bytes:
    return orjson.dumps(
        {
            "at": step.at,
            "mode": step.mode,
            "author": step.author,
            "action": step.action,
            "ref": step.ref,
            "text_hash": step.text_hash,
            "deduction": step.deduction,
            "violations": [
                {
                    "category": v.category,
                    "severity": v.severity.label,
                    "points": v.points,
                    "findings": v.findings,
                    "rules": list(v.rules),
                    "evidence": list(v.evidence),
                }
                for v in step.violations
            ],  # fmt: skip
        }
    )


def _entry(shop_id: str, member: Any) -> LedgerEntry:
    entry_id, _, body = _text(member).partition("|")
    data = orjson.loads(body)
    violations = tuple(
        Violation(v["category"], Severity.parse(v["severity"]), v["points"], v["findings"],
                  tuple(v["rules"]), tuple(v["evidence"]))
        for v in data["violations"]
    )  # fmt: skip
    return LedgerEntry(
        entry_id, shop_id, float(data["at"]), data["mode"], data["author"], data["action"],
        data["ref"], data["text_hash"], int(data["deduction"]), violations,
    )  # fmt: skip


def _change_json(change: BotModeChange) -> bytes:
    return orjson.dumps(
        {"at": change.at, "enabled": change.enabled, "by": change.by, "reason": change.reason}
    )


def _change(raw: Any) -> BotModeChange:
    data = orjson.loads(raw)
    return BotModeChange(float(data["at"]), bool(data["enabled"]), data["by"], data["reason"])


def _contributions(member: str) -> tuple[int, bool, int, list[tuple[str, int, int]], str]:
    _, author, sanctioned, deduction, cats = member.split("|", 4)
    parsed = []
    for part in cats.split(";"):
        category, points, findings = part.split(",")
        parsed.append((category, int(points), int(findings)))
    total = sum(p for _, p, _ in parsed)
    return total, sanctioned == "1", int(deduction), parsed, author


def _window_totals(raw: dict[Any, Any], aged: Sequence[Any]) -> WindowTotals:
    fields = {_text(k): int(_text(v)) for k, v in raw.items()}
    for member in aged:  # fell out of the window since the last step: not counted
        points, sanctioned, deduction, cats, author = _contributions(_text(member))
        fields["n"] = fields.get("n", 0) - 1
        fields["p"] = fields.get("p", 0) - points
        if sanctioned:
            fields["d"] = fields.get("d", 0) - deduction
        for category, p, f in cats:
            for suffix, by in (("p", p), ("t", 1), ("f", f)):
                name = f"c:{category}:{suffix}"
                fields[name] = fields.get(name, 0) - by
        for suffix, by in (("p", points), ("t", 1), ("f", sum(f for _, _, f in cats))):
            name = f"a:{author}:{suffix}"
            fields[name] = fields.get(name, 0) - by
    return WindowTotals(
        entries=fields.get("n", 0),
        points=fields.get("p", 0),
        deduction=fields.get("d", 0),
        categories=_tallies(fields, "c:"),
        authors=_tallies(fields, "a:"),
    )


def _tallies(fields: dict[str, int], prefix: str) -> dict[str, Tally]:
    names = {key[len(prefix) :].rpartition(":")[0] for key in fields if key.startswith(prefix)}
    found = {}
    for name in sorted(names):
        texts = fields.get(f"{prefix}{name}:t", 0)
        if texts > 0:
            found[name] = Tally(
                fields.get(f"{prefix}{name}:p", 0), texts, fields.get(f"{prefix}{name}:f", 0)
            )
    return found


def _optional_float(value: Any) -> float | None:
    return float(_text(value)) if value is not None and _text(value) != "" else None


class RedisComplianceStore:
    def __init__(self, client: Redis) -> None:
        self._client = client
        self._record = load_script(client, LUA, "record")
        self._set_bot_mode = load_script(client, LUA, "set_bot_mode")
        self._rate = load_script(client, LUA, "rate")
        self._set_satisfaction = load_script(client, LUA, "set_satisfaction")
        self._open_clock = load_script(client, LUA, "open_clock")
        self._shopper_waiting = load_script(client, LUA, "shopper_waiting")
        self._agent_answered = load_script(client, LUA, "agent_answered")
        self._sweep_clocks = load_script(client, LUA, "sweep_clocks")

    async def record(self, step: Record) -> Recorded:
        key = functools.partial(compliance_key, step.shop_id)
        suspension = BotModeChange(step.at, False, GATEWAY, step.suspend_reason)
        result = await guard(
            self._record(
                keys=[
                    key("seq"),
                    key("ledger"),
                    key("state"),
                    key("history"),
                    *window_keys(step.shop_id, "enforce"),
                    *window_keys(step.shop_id, "monitor"),
                ],
                args=[
                    repr(step.at),
                    step.mode,
                    _entry_json(step),
                    _member(step),
                    sum(v.points for v in step.violations),
                    step.warn_at,
                    step.suspend_at,
                    step.keep,
                    repr(step.at - WINDOWS["day"]),
                    repr(step.at - WINDOWS["30d"]),
                    _change_json(suspension),
                    KEEP_HISTORY,
                ],
            )  # fmt: skip
        )
        entry_id, after, warned, suspended = cast(list[Any], result)
        return Recorded(
            step.entry(_text(entry_id)), int(after), bool(int(warned)), bool(int(suspended))
        )

    async def set_bot_mode(self, step: SetBotMode) -> bool:
        key = functools.partial(compliance_key, step.shop_id)
        change = BotModeChange(step.at, step.enabled, step.by, step.reason)
        result = await guard(
            self._set_bot_mode(
                keys=[key("state"), key("history"), key("seq")],
                args=[
                    "1" if step.enabled else "0",
                    step.by,
                    step.reason,
                    repr(step.at),
                    _change_json(change),
                    KEEP_HISTORY,
                ],
            )  # fmt: skip
        )
        return bool(int(result))

    async def rate(self, step: Rate) -> bool:
        key = functools.partial(compliance_key, step.shop_id)
        result = await guard(
            self._rate(
                keys=[key("ratings"), key("scores")],
                args=[step.ticket_id, step.score, repr(step.at), repr(step.at - KEEP_S)],
            )
        )
        return bool(int(result))

    async def set_satisfaction(self, step: SetSatisfaction) -> None:
        rate = "" if step.rate is None else repr(step.rate)
        await guard(
            self._set_satisfaction(
                keys=[compliance_key(step.shop_id, "state")],
                args=[rate, repr(step.at), step.by],
            )
        )

    def _clock_keys(self, shop_id: str, *names: str) -> list[str]:
        return [compliance_key(shop_id, name) for name in names]

    async def open_clock(self, step: OpenClock) -> None:
        await guard(
            self._open_clock(
                keys=self._clock_keys(
                    step.shop_id, "clocks", "waiting", "touched", "sla:opened", "sla:first"
                ),
                args=[
                    step.conversation_id,
                    step.ticket_id,
                    repr(step.at),
                    "1" if step.created else "0",
                    repr(step.at - MONTH_S),
                    repr(step.at - KEEP_S),
                ],
            )  # fmt: skip
        )

    async def shopper_waiting(self, step: ShopperWaiting) -> None:
        await guard(
            self._shopper_waiting(
                keys=self._clock_keys(step.shop_id, "clocks", "waiting", "touched"),
                args=[step.conversation_id, repr(step.at)],
            )
        )

    async def agent_answered(self, step: AgentAnswered) -> Answered:
        result = await guard(
            self._agent_answered(
                keys=self._clock_keys(
                    step.shop_id,
                    "clocks",
                    "waiting",
                    "touched",
                    "sla:opened",
                    "sla:first",
                    "sla:seq",
                    "sla:settled",
                ),
                args=[
                    step.conversation_id,
                    step.ticket_id,
                    repr(step.at),
                    repr(step.window_s),
                    repr(step.at - MONTH_S),
                    KEEP_SETTLED,
                ],
            )  # fmt: skip
        )
        first, opened, within, late = cast(list[Any], result)
        first_reply = step.at - float(_text(opened)) if int(first) else None
        return Answered(first_reply, int(within), int(late))

    async def sweep_clocks(self, step: SweepClocks) -> SweptClocks:
        at = step.at
        warn_below = at - step.warn_fraction * min(step.first_reply_s, step.answer_window_s)
        result = await guard(
            self._sweep_clocks(
                keys=self._clock_keys(step.shop_id, "clocks", "waiting", "sla:seq", "sla:settled"),
                args=[
                    repr(at),
                    repr(step.first_reply_s),
                    repr(step.answer_window_s),
                    repr(step.warn_fraction),
                    step.limit,
                    repr(at - MONTH_S),
                    KEEP_SETTLED,
                    repr(at - step.answer_window_s),
                    repr(warn_below),
                ],
            )  # fmt: skip
        )
        missed, raw = cast(list[Any], result)
        warnings = []
        for conv, ticket, start, clock in raw or []:
            since, kind = float(_text(start)), _text(clock)
            span = step.answer_window_s if kind == "answer" else step.first_reply_s
            warnings.append(
                SlaWarning(_text(conv), _text(ticket), since, since + span,
                           "answer" if kind == "answer" else "first_reply")
            )  # fmt: skip
        return SweptClocks(tuple(warnings), int(missed))

    async def standing(self, shop_id: str) -> Standing:
        raw = await guard(
            cast(Awaitable[Any], self._client.hgetall(compliance_key(shop_id, "state")))
        )
        state = {_text(k): _text(v) for k, v in raw.items()}
        bot = BOT_MODE_ON
        if "bot" in state:
            bot = BotMode(
                state["bot"] == "1", float(state["bot_since"]), state["bot_by"],
                state["bot_reason"],
            )  # fmt: skip
        platform = None
        if "platform_rate" in state:
            platform = PlatformFigure(
                float(state["platform_rate"]), float(state["platform_at"]), state["platform_by"]
            )
        return Standing(bot, _optional_float(state.get("reset_at")), platform)

    async def totals(self, shop_id: str, at: float) -> dict[EntryMode, ModeTotals]:
        state_key = compliance_key(shop_id, "state")
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.hgetall(state_key)
            for mode in ENTRY_MODES:
                for name, span in WINDOWS.items():
                    pipe.hgetall(compliance_key(shop_id, f"t:{mode}:{name}"))
                    pipe.zrangebyscore(
                        compliance_key(shop_id, f"w:{mode}:{name}"), "-inf", repr(at - span),
                        withscores=True,
                    )  # fmt: skip
            rows = await guard(pipe.execute())
        state = {_text(k): _text(v) for k, v in rows[0].items()}
        reset_id = int(state.get("reset_id", "0"))
        found: dict[EntryMode, ModeTotals] = {}
        position = 1
        for mode in ENTRY_MODES:
            windows = {}
            sanction = int(state.get(f"{mode}:sanction", "0"))
            for name in WINDOWS:
                totals, aged = rows[position], rows[position + 1]
                position += 2
                windows[name] = _window_totals(totals, [member for member, _ in aged])
                if name != "30d":
                    continue
                for member, _ in aged:
                    text = _text(member)
                    points, sanctioned, _, _, _ = _contributions(text)
                    if sanctioned and int(text.partition("|")[0]) > reset_id:
                        sanction -= points
            found[mode] = ModeTotals(
                windows,
                sanction,
                _optional_float(state.get(f"{mode}:warned_at")),
                _optional_float(state.get(f"{mode}:suspended_at")),
            )
        return found

    async def entries(self, shop_id: str, before: str | None, limit: int) -> list[LedgerEntry]:
        members = await guard(
            self._client.zrevrangebyscore(
                compliance_key(shop_id, "ledger"),
                f"({int(before)}" if before is not None else "+inf",
                "-inf",
                start=0,
                num=limit,
            )
        )
        return [_entry(shop_id, member) for member in members]

    async def history(self, shop_id: str, limit: int) -> list[BotModeChange]:
        raw = await guard(
            cast(
                Awaitable[list[Any]],
                self._client.lrange(compliance_key(shop_id, "history"), 0, limit - 1),
            )
        )
        return [_change(item) for item in raw]

    async def ratings(self, shop_id: str, since: float) -> list[int]:
        tickets = await guard(
            self._client.zrangebyscore(compliance_key(shop_id, "ratings"), f"({since!r}", "+inf")
        )
        if not tickets:
            return []
        scores = await guard(
            cast(
                Awaitable[list[Any]],
                self._client.hmget(compliance_key(shop_id, "scores"), [_text(t) for t in tickets]),
            )
        )
        return [int(_text(score)) for score in scores if score is not None]

    async def clocks(self, shop_id: str, conversation_ids: list[str]) -> dict[str, TicketClock]:
        if not conversation_ids:
            return {}
        fields = [f"{conv}|{name}" for conv in conversation_ids for name in CLOCK_FIELDS]
        raw = await guard(
            cast(
                Awaitable[list[Any]],
                self._client.hmget(compliance_key(shop_id, "clocks"), fields),
            )
        )
        found = {}
        for index, conv in enumerate(conversation_ids):
            ticket, opened, first, waiting = raw[index * 4 : index * 4 + 4]
            if ticket is None and waiting is None:
                continue
            times = tuple(float(t) for t in _text(waiting).split(",")) if waiting else ()
            found[conv] = TicketClock(
                conv, _text(ticket) if ticket is not None else None,
                _optional_float(opened), _optional_float(first), times,
            )  # fmt: skip
        return found

    async def service_times(
        self, shop_id: str, since: float, at: float, window_s: float
    ) -> ServiceTimes:
        key = functools.partial(compliance_key, shop_id)
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.zcount(key("sla:opened"), f"({since!r}", "+inf")
            pipe.zrangebyscore(key("sla:first"), f"({since!r}", "+inf", withscores=True)
            pipe.zrangebyscore(key("sla:settled"), f"({since!r}", "+inf")
            pipe.zrange(key("waiting"), 0, -1)
            tickets, firsts, settled, waiting_convs = await guard(pipe.execute())
        durations = sorted(
            float(_text(member).rpartition("|")[2]) - float(opened) for member, opened in firsts
        )
        within = sum(1 for member in settled if _text(member).endswith("|1"))
        missed = len(settled) - within
        waiting = 0
        if waiting_convs:
            lists = await guard(
                cast(
                    Awaitable[list[Any]],
                    self._client.hmget(
                        key("clocks"), [f"{_text(conv)}|w" for conv in waiting_convs]
                    ),
                )
            )
            for raw in lists:
                for written in (float(t) for t in _text(raw or "").split(",") if t):
                    if at - written > window_s:
                        missed += written > since
                    else:
                        waiting += 1
        return ServiceTimes(int(tickets), tuple(durations), within, missed, waiting)
