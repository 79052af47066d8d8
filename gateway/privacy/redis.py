"""Redis privacy-number store; issue, release and caller changes are each one Lua script.

Key layout. A pool's state lives under one hash tag, so every script touches one slot: a shop's
own pool under the shop's tag ``gw:{shop:ID}``, a platform pool shared by shops under its own
``gw:{pool:NAME}``. With ``P`` that prefix and ``S`` a shop using the pool:

    P:pv:bind           hash    "S|X" -> JSON of the shop's latest binding of number X
    P:pv:orders         hash    "S|ORDER" -> X, the number last bound for the order
    P:pv:idem           hash    "S|KEY" -> JSON {fp, number, id}: an Idempotency-Key's binding
    P:pv:exp:S          zset    X -> expires_ms of the shop's latest binding of X
    P:pv:fresh:S        zset    numbers the shop never bound (all score 0: lowest first)
    P:pv:synced:S       string  fingerprint of the pool numbers fresh/exp were built from
    P:pv:callers        hash    caller -> shop, for callers added over the API
    P:pv:callers:S      set     the same callers, per shop, for listing

Per shop, whatever its pool: ``gw:{shop:S}:pv:calls``, a sorted set of call records ordered by
member (all scores 0): ``<at_ms, 15 digits>-<8 hex>|<JSON>``, so a time window and a paging cursor
are both lexicographic ranges. Across the platform: ``gw:{privacy}:virtual``, every number ever
in a pool that was issued from (for the shipping-phone check); it never expires.

Each ``bind``/``exp`` entry is overwritten when its number is bound again, so they never hold more
than one entry per pool number and shop (``orders`` and ``idem`` entries go with it). Binding and
record keys carry a Redis TTL far beyond any binding's end, for clean-up only: whether a binding is
live is decided by the request's clock, never by Redis. Callers and the virtual set never expire.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, cast

import orjson
from redis.asyncio.client import Redis

from ..core.errors import StoreUnavailable
from ..core.redis import PREFIX, guard, load_script, shop_tag
from ..core.redis import text as _text
from .store import (
    AddCallers,
    AppendCall,
    Binding,
    BindingRequest,
    CallerChange,
    CallLookup,
    CallRecord,
    Issue,
    IssueOutcome,
    IssueStatus,
    LookupCall,
    PoolRef,
    Release,
    RemoveCaller,
)

# Refreshed by every issue: the longest binding (7 days), then a month in which calls to an ended
# binding are still answered 'expired' (unless its number is bound again first).
KEEP_S = 40 * 24 * 3600
CALLS_KEEP_S = 31 * 24 * 3600
_RESYNC_ATTEMPTS = 3
LUA = "gateway.privacy"


def pool_prefix(pool: PoolRef) -> str:
    return f"{PREFIX}:{{{pool.tag}}}:pv"


def pool_keys(pool: PoolRef, shop_id: str) -> list[str]:
    """bind, orders, idem, exp, fresh, synced: the order the issue script expects."""
    p = pool_prefix(pool)
    return [
        f"{p}:bind",
        f"{p}:orders",
        f"{p}:idem",
        f"{p}:exp:{shop_id}",
        f"{p}:fresh:{shop_id}",
        f"{p}:synced:{shop_id}",
    ]


def caller_keys(pool: PoolRef, shop_id: str) -> list[str]:
    p = pool_prefix(pool)
    return [f"{p}:callers", f"{p}:callers:{shop_id}"]


def calls_key(shop_id: str) -> str:
    return f"{shop_tag(shop_id)}:pv:calls"


VIRTUAL_KEY = f"{PREFIX}:{{privacy}}:virtual"


def _binding_template(request: BindingRequest) -> bytes:
    # Every value a string: Lua's cjson would print large numbers with 14 significant digits.
    return orjson.dumps(
        {
            "id": request.binding_id,
            "shop": request.shop_id,
            "order": request.order_id,
            "conv": request.conversation_id or "",
            "masked": request.shopper_masked,
            "sfp": request.shopper_fingerprint,
            "sealed": request.shopper_sealed,
            "issued": str(request.issued_ms),
            "exp": str(request.expires_ms),
            "idem": request.idempotency_key or "",
        }
    )


def _binding(raw: Any) -> Binding:
    data = orjson.loads(raw)
    return Binding(
        binding_id=data["id"],
        shop_id=data["shop"],
        order_id=data["order"],
        number=data["number"],
        conversation_id=data["conv"] or None,
        shopper_masked=data["masked"],
        shopper_fingerprint=data["sfp"],
        shopper_sealed=data["sealed"],
        issued_ms=int(data["issued"]),
        expires_ms=int(data["exp"]),
        idempotency_key=data["idem"] or None,
    )


def _record_json(record: CallRecord) -> bytes:
    return orjson.dumps(
        {
            "at": record.at_ms,
            "caller": record.caller,
            "number": record.number,
            "order": record.order_id,
            "conv": record.conversation_id,
            "shopper": record.shopper_masked,
            "result": record.result,
            "reason": record.reason,
        }
    )


def _record(member: Any) -> CallRecord:
    record_id, _, body = _text(member).partition("|")
    data = orjson.loads(body)
    return CallRecord(
        record_id=record_id,
        at_ms=int(data["at"]),
        caller=data["caller"],
        number=data["number"],
        order_id=data["order"],
        conversation_id=data["conv"],
        shopper_masked=data["shopper"],
        result=data["result"],
        reason=data["reason"],
    )


class RedisPrivacyStore:
    def __init__(self, client: Redis) -> None:
        self._client = client
        self._issue = load_script(client, LUA, "issue")
        self._sync = load_script(client, LUA, "sync_pool")
        self._release = load_script(client, LUA, "release")
        self._lookup_call = load_script(client, LUA, "lookup_call")
        self._add_callers = load_script(client, LUA, "add_callers")
        self._remove_caller = load_script(client, LUA, "remove_caller")
        self._append_call = load_script(client, LUA, "append_call")
        self._sync_locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def issue(self, step: Issue) -> IssueOutcome:
        pool, request, now_ms = step.pool, step.request, step.now_ms
        keys = pool_keys(pool, request.shop_id)
        args: list[str | int | bytes] = [
            request.shop_id,
            request.order_id,
            request.idempotency_key or "",
            request.request_fingerprint,
            pool.fingerprint,
            now_ms,
            request.expires_ms,
            request.shopper_fingerprint,
            _binding_template(request),
            KEEP_S,
        ]
        for _ in range(_RESYNC_ATTEMPTS):
            result = cast(list[Any], await guard(self._issue(keys=keys, args=args)))
            status = _text(result[0])
            if status != "resync":
                break
            await self._resync(pool, request.shop_id, keys)
        else:
            raise StoreUnavailable("the privacy-number pool kept changing; retry shortly")
        if status == "exhausted":
            return IssueOutcome("exhausted", next_free_ms=int(float(_text(result[1]))))
        if status == "idempotency_conflict":
            return IssueOutcome("idempotency_conflict")
        return IssueOutcome(cast(IssueStatus, status), _binding(result[1]))

    async def _resync(self, pool: PoolRef, shop_id: str, keys: list[str]) -> None:
        """The pool's numbers changed (or this shop never used it): remember them all as virtual
        (before any can be bound; another slot, so not in the script), then rebuild the shop's
        free list. Once per process and change: a burst of requests that all found the list
        stale would otherwise each rebuild it, O(pool size) inside Redis every time."""
        async with self._sync_locks.setdefault((pool.tag, shop_id), asyncio.Lock()):
            if _text(await guard(self._client.get(keys[5])) or b"") == pool.fingerprint:
                return  # rebuilt while this request waited (here or by another process)
            for start in range(0, len(pool.numbers), 10_000):
                chunk = pool.numbers[start : start + 10_000]
                await guard(self._client.sadd(VIRTUAL_KEY, *chunk))
            await guard(self._sync(keys=keys[3:], args=[pool.fingerprint, KEEP_S, *pool.numbers]))

    async def release(self, step: Release) -> Binding | None:
        bind, orders, idem, exp, _, _ = pool_keys(step.pool, step.shop_id)
        raw = await guard(
            self._release(
                keys=[bind, orders, exp, idem], args=[step.shop_id, step.order_id, step.now_ms]
            )
        )
        return _binding(raw) if raw else None

    async def lookup_call(self, step: LookupCall) -> CallLookup:
        p = pool_prefix(step.pool)
        args = [step.caller, step.number, step.pool.owner or "", step.configured_shop or ""]
        shop, registered, raw = cast(
            list[Any],
            await guard(self._lookup_call(keys=[f"{p}:callers", f"{p}:bind"], args=args)),
        )
        shop_id = _text(shop)
        if not shop_id:
            return CallLookup(None, False, None)
        return CallLookup(shop_id, bool(registered), _binding(raw) if raw else None)

    async def add_callers(self, step: AddCallers) -> CallerChange:
        added, already, taken = cast(
            list[list[Any]],
            await guard(
                self._add_callers(
                    keys=caller_keys(step.pool, step.shop_id), args=[step.shop_id, *step.numbers]
                )
            ),
        )
        return CallerChange(
            [_text(n) for n in added], [_text(n) for n in already], [_text(n) for n in taken]
        )

    async def remove_caller(self, step: RemoveCaller) -> bool:
        removed = await guard(
            self._remove_caller(
                keys=caller_keys(step.pool, step.shop_id), args=[step.shop_id, step.number]
            )
        )
        return bool(removed)

    async def callers(self, pool: PoolRef, shop_id: str) -> list[str]:
        members = await guard(
            cast(Awaitable[set[Any]], self._client.smembers(caller_keys(pool, shop_id)[1]))
        )
        return sorted(_text(member) for member in members)

    async def append_call(self, step: AppendCall) -> None:
        member = step.record.record_id.encode() + b"|" + _record_json(step.record)
        await guard(
            self._append_call(
                keys=[calls_key(step.shop_id)],
                args=[member, f"{step.keep_after_ms:015d}", CALLS_KEEP_S],
            )
        )

    async def read_calls(
        self, shop_id: str, since_ms: int, until_ms: int, before: str | None, limit: int
    ) -> list[CallRecord]:
        upper = f"{until_ms + 1:015d}"
        if before is not None and before < upper:
            upper = before
        members = await guard(
            self._client.zrange(
                calls_key(shop_id),
                f"({upper}",
                f"[{since_ms:015d}",
                desc=True,
                bylex=True,
                offset=0,
                num=limit,
            )
        )
        return [_record(member) for member in members]

    async def is_virtual(self, number: str) -> bool:
        found = await guard(self._client.sismember(VIRTUAL_KEY, number))
        return bool(found)
