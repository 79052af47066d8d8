"""In-memory privacy-number store: the same state and choices as the Redis scripts.

No method awaits between reading and writing, so each is atomic on the event loop, as each Lua
script is on Redis.
"""

from __future__ import annotations

import bisect
import dataclasses
import heapq
from dataclasses import dataclass, field

from .store import (
    AddCallers,
    AppendCall,
    Binding,
    CallerChange,
    CallLookup,
    CallRecord,
    Issue,
    IssueOutcome,
    LookupCall,
    PoolRef,
    Release,
    RemoveCaller,
)


@dataclass(slots=True)
class _ShopSide:
    """One shop's view of one pool (a platform pool has one per shop using it)."""

    synced: str = ""
    fresh: list[str] = field(default_factory=list)  # heap: never-bound numbers, lowest first
    expiry: dict[str, int] = field(default_factory=dict)  # number -> its binding's expires_ms
    bindings: dict[str, Binding] = field(default_factory=dict)  # number -> latest binding
    orders: dict[str, str] = field(default_factory=dict)  # order id -> number
    idempotency: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # fp, number, id


@dataclass(slots=True)
class _Pool:
    callers: dict[str, str] = field(default_factory=dict)  # caller -> shop
    sides: dict[str, _ShopSide] = field(default_factory=dict)


class MemoryPrivacyStore:
    def __init__(self) -> None:
        self._pools: dict[str, _Pool] = {}
        self._calls: dict[str, list[tuple[str, CallRecord]]] = {}
        self._virtual: set[str] = set()

    def _side(self, pool: PoolRef, shop_id: str) -> _ShopSide:
        state = self._pools.setdefault(pool.tag, _Pool())
        return state.sides.setdefault(shop_id, _ShopSide())

    @staticmethod
    def _live(side: _ShopSide, number: str, now_ms: int) -> Binding | None:
        """The binding while valid and its number still in the pool (a number taken out of the
        pool by configuration has left ``expiry``: its bindings are over)."""
        binding = side.bindings.get(number)
        if binding is None or number not in side.expiry or not binding.live(now_ms):
            return None
        return binding

    def _sync(self, side: _ShopSide, pool: PoolRef) -> None:
        self._virtual.update(pool.numbers)
        wanted = set(pool.numbers)
        for number in [n for n in side.expiry if n not in wanted]:
            del side.expiry[number]
        side.fresh = sorted(n for n in wanted if n not in side.expiry)
        side.synced = pool.fingerprint

    async def issue(self, step: Issue) -> IssueOutcome:
        pool, request, now_ms = step.pool, step.request, step.now_ms
        side = self._side(pool, request.shop_id)
        if side.synced != pool.fingerprint:
            self._sync(side, pool)
        key = request.idempotency_key
        if key is not None and key in side.idempotency:
            fingerprint, number, binding_id = side.idempotency[key]
            if fingerprint != request.request_fingerprint:
                return IssueOutcome("idempotency_conflict")
            live = self._live(side, number, now_ms)
            if live is not None and live.binding_id == binding_id:
                return IssueOutcome("replayed", live)
            del side.idempotency[key]

        held = side.orders.get(request.order_id)
        if held is not None:
            live = self._live(side, held, now_ms)
            if live is not None and live.order_id == request.order_id:
                if live.shopper_fingerprint == request.shopper_fingerprint:
                    return IssueOutcome("existing", live)
                return IssueOutcome("order_conflict", live)

        if side.fresh:
            number = heapq.heappop(side.fresh)
        else:
            expired = [(at, n) for n, at in side.expiry.items() if at <= now_ms]
            if not expired:
                return IssueOutcome("exhausted", next_free_ms=min(side.expiry.values(), default=0))
            number = min(expired)[1]
            old = side.bindings.get(number)
            if old is not None:
                if side.orders.get(old.order_id) == number:
                    del side.orders[old.order_id]
                self._forget_key(side, old)

        binding = request.bind(number)
        side.bindings[number] = binding
        side.orders[request.order_id] = number
        side.expiry[number] = binding.expires_ms
        if key is not None:
            side.idempotency[key] = (request.request_fingerprint, number, binding.binding_id)
        return IssueOutcome("created", binding)

    async def release(self, step: Release) -> Binding | None:
        order_id, now_ms = step.order_id, step.now_ms
        side = self._side(step.pool, step.shop_id)
        number = side.orders.get(order_id)
        live = self._live(side, number, now_ms) if number is not None else None
        if live is None or live.order_id != order_id:
            return None
        ended = dataclasses.replace(live, expires_ms=now_ms)
        side.bindings[live.number] = ended
        if live.number in side.expiry:
            side.expiry[live.number] = now_ms
        self._forget_key(side, live)
        return ended

    @staticmethod
    def _forget_key(side: _ShopSide, binding: Binding) -> None:
        """Drop the Idempotency-Key that created ``binding``, unless reused for a later one."""
        key = binding.idempotency_key
        if key is not None and side.idempotency.get(key, ("", "", ""))[2] == binding.binding_id:
            del side.idempotency[key]

    async def lookup_call(self, step: LookupCall) -> CallLookup:
        pool = step.pool
        state = self._pools.get(pool.tag, _Pool())
        shop_id = step.configured_shop or state.callers.get(step.caller)
        registered = shop_id is not None
        if pool.owner is not None:
            registered = registered and shop_id == pool.owner
            shop_id = pool.owner
        if shop_id is None:
            return CallLookup(None, False, None)
        side = state.sides.get(shop_id)
        return CallLookup(shop_id, registered, side.bindings.get(step.number) if side else None)

    async def add_callers(self, step: AddCallers) -> CallerChange:
        shop_id, numbers = step.shop_id, step.numbers
        callers = self._pools.setdefault(step.pool.tag, _Pool()).callers
        taken = [n for n in numbers if callers.get(n, shop_id) != shop_id]
        if taken:
            return CallerChange([], [], taken)
        already = [n for n in numbers if n in callers]
        added = [n for n in numbers if n not in callers]
        for number in added:
            callers[number] = shop_id
        return CallerChange(added, already, [])

    async def remove_caller(self, step: RemoveCaller) -> bool:
        callers = self._pools.get(step.pool.tag, _Pool()).callers
        if callers.get(step.number) != step.shop_id:
            return False
        del callers[step.number]
        return True

    async def callers(self, pool: PoolRef, shop_id: str) -> list[str]:
        callers = self._pools.get(pool.tag, _Pool()).callers
        return sorted(n for n, owner in callers.items() if owner == shop_id)

    async def append_call(self, step: AppendCall) -> None:
        records = self._calls.setdefault(step.shop_id, [])
        bisect.insort(records, (step.record.record_id, step.record), key=lambda item: item[0])
        cut = bisect.bisect_left(records, f"{step.keep_after_ms:015d}", key=lambda item: item[0])
        del records[:cut]

    async def read_calls(
        self, shop_id: str, since_ms: int, until_ms: int, before: str | None, limit: int
    ) -> list[CallRecord]:
        records = self._calls.get(shop_id, [])
        upper = f"{until_ms + 1:015d}"
        if before is not None and before < upper:
            upper = before
        end = bisect.bisect_left(records, upper, key=lambda item: item[0])
        start = bisect.bisect_left(records, f"{since_ms:015d}", key=lambda item: item[0])
        return [record for _, record in reversed(records[max(start, end - limit) : end])]

    async def is_virtual(self, number: str) -> bool:
        return number in self._virtual
