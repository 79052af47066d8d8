"""Privacy numbers for after-sale calls: issue and release bindings, route calls, keep records.

The binding model is AXG: the shopper A (real number, stored sealed), a virtual number X from the
shop's pool, and G, the shop's callers (主叫号码). Only a member of G dialling X reaches A, so a
call is routed by (X, caller) and that pair must name one binding: X carries one live binding per
shop, and a caller belongs to one shop of a pool (checked on configuration and on every add).
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from ..core.config import ShopConfig, ShopRegistry
from ..core.config.shops import PrivacyConfig
from ..core.errors import Conflict, GatewayError, NotFound, Unavailable, ValidationFailed
from ..core.logging import event, short_hash
from ..core.phones import is_phone_like, mask_phone, normalize_mobile
from ..core.types import Clock
from .crypto import PhoneCipher, SealError
from .store import (
    AddCallers,
    AppendCall,
    Binding,
    BindingRequest,
    CallerChange,
    CallLookup,
    CallRecord,
    Issue,
    LookupCall,
    PoolRef,
    PrivacyStore,
    Release,
    RemoveCaller,
    new_record_id,
    to_ms,
)

log = logging.getLogger("gateway.privacy")

DAY_S = 24 * 3600
RECORDS_MAX_AGE_S = 30 * DAY_S
# A client that asks for exactly "30 days back" computes it a moment before we check it.
RECORDS_WINDOW_GRACE_S = 300
# Records are kept a day beyond what can be asked for, then trimmed.
RECORDS_KEEP_S = RECORDS_MAX_AGE_S + DAY_S
CHINA_TIME = timezone(timedelta(hours=8))

RejectReason = Literal["expired", "unknown_number", "caller_not_registered"]


class NumbersExhausted(Unavailable):
    code = "privacy_numbers_exhausted"


class PrivacyNotConfigured(NotFound):
    code = "privacy_not_configured"


def china_time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, CHINA_TIME).isoformat(timespec="seconds")


def order_ref(shop_id: str, order_id: str) -> str:
    return short_hash("order", shop_id, order_id)


@dataclass(frozen=True, slots=True)
class PoolIndex:
    """The pools of one loaded configuration, looked up by number, by shop and by caller."""

    by_number: Mapping[str, PoolRef]
    by_shop: Mapping[str, PoolRef]
    configured_callers: Mapping[tuple[str, str], str]  # (pool tag, caller) -> shop

    @classmethod
    def build(cls, registry: ShopRegistry) -> PoolIndex:
        platform = {
            name: PoolRef(name, None, tuple(pool.numbers)) for name, pool in registry.pools.items()
        }
        by_shop: dict[str, PoolRef] = {}
        callers: dict[tuple[str, str], str] = {}
        for shop in registry.shops.values():
            privacy = shop.privacy
            if privacy is None:
                continue
            if privacy.platform_pool is not None:
                pool = platform[privacy.platform_pool]
            else:
                pool = PoolRef(shop.shop_id, shop.shop_id, tuple(privacy.numbers))
            by_shop[shop.shop_id] = pool
            for caller in (privacy.main_caller, *privacy.callers):
                callers[(pool.tag, caller)] = shop.shop_id
        by_number = {
            number: pool
            for pool in (*platform.values(), *by_shop.values())
            for number in pool.numbers
        }
        return cls(by_number, by_shop, callers)


@dataclass(frozen=True, slots=True)
class Issued:
    binding: Binding
    created: bool
    replayed: bool


@dataclass(frozen=True, slots=True)
class RouteDecision:
    action: Literal["connect", "reject"]
    to: str | None = None
    reason: RejectReason | None = None


@dataclass(frozen=True, slots=True)
class Callers:
    main: str
    configured: list[str]
    added: list[str]


@dataclass(frozen=True, slots=True)
class CallerAddition:
    added: list[str]
    already: list[str]


@dataclass(frozen=True, slots=True)
class CallPage:
    calls: list[CallRecord]
    since: float
    until: float
    next_cursor: str | None


class PrivacyService:
    """Reads the configuration in force on every call, so a reload changes pools and callers."""

    def __init__(
        self,
        store: PrivacyStore,
        registry: Callable[[], ShopRegistry],
        cipher: PhoneCipher | None,
        clock: Clock = time.time,
    ) -> None:
        self._store = store
        self._registry = registry
        self._cipher = cipher
        self._clock = clock
        self._index: tuple[ShopRegistry, PoolIndex] | None = None

    def pools(self) -> PoolIndex:
        registry = self._registry()
        cached = self._index
        if cached is None or cached[0] is not registry:
            cached = self._index = (registry, PoolIndex.build(registry))
        return cached[1]

    def _setup(self, shop: ShopConfig) -> tuple[PrivacyConfig, PoolRef]:
        # The pool comes from the configuration in force, which a reload may just have replaced.
        pool = self.pools().by_shop.get(shop.shop_id)
        if shop.privacy is None or pool is None:
            raise PrivacyNotConfigured(
                f"shop '{shop.shop_id}' has no privacy numbers (no 'privacy' in its shop file)"
            )
        return shop.privacy, pool

    def _require_cipher(self) -> PhoneCipher:
        if self._cipher is None:
            raise Unavailable(
                "privacy numbers are not set up on this gateway: privacy_key "
                "(GATEWAY_PRIVACY_KEY) is not configured"
            )
        return self._cipher

    async def issue(
        self,
        shop: ShopConfig,
        order_id: str,
        shopper_phone: str,
        ttl_s: int | None,
        conversation_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Issued:
        """Bind a free number of the shop's pool to the shopper for this order, or return the
        order's live binding. ``shopper_phone`` is already normalised."""
        privacy, pool = self._setup(shop)
        cipher = self._require_cipher()
        if shopper_phone in self.pools().by_number:
            raise ValidationFailed("shopper_phone: is itself a privacy number")
        shop_id = shop.shop_id
        now_ms = to_ms(self._clock())
        binding_id = secrets.token_hex(8)
        shopper_fingerprint = cipher.fingerprint(shopper_phone)
        ttl = ttl_s if ttl_s is not None else privacy.default_ttl_s
        request = BindingRequest(
            binding_id=binding_id,
            shop_id=shop_id,
            order_id=order_id,
            conversation_id=conversation_id,
            shopper_masked=mask_phone(shopper_phone),
            shopper_fingerprint=shopper_fingerprint,
            shopper_sealed=cipher.seal(shopper_phone, seal_context(shop_id, order_id, binding_id)),
            issued_ms=now_ms,
            expires_ms=now_ms + ttl * 1000,
            idempotency_key=idempotency_key,
            request_fingerprint=hashlib.sha256(
                "\x1f".join(
                    (order_id, shopper_fingerprint, str(ttl_s), conversation_id or "")
                ).encode()
            ).hexdigest()[:32],
        )
        outcome = await self._store.issue(Issue(pool, request, now_ms))
        if outcome.status == "exhausted":
            next_free_ms = outcome.next_free_ms or now_ms
            retry_after = max(1, math.ceil((next_free_ms - now_ms) / 1000))
            event(
                log,
                "privacy.exhausted",
                logging.WARNING,
                shop=shop_id,
                pool=pool.tag,
                size=len(pool.numbers),
                retry_after_s=retry_after,
            )
            raise NumbersExhausted(
                f"no privacy number is free: all {len(pool.numbers)} numbers of this shop's pool "
                f"are bound; the earliest binding ends in {retry_after} s",
                retry_after_s=retry_after,
            )
        if outcome.status == "idempotency_conflict":
            raise Conflict(
                "this Idempotency-Key was used with a different request; use a new key for a "
                "new request"
            )
        binding = outcome.binding
        assert binding is not None
        if outcome.status == "order_conflict":
            raise Conflict(
                f"order '{order_id}' already has privacy number {binding.number} for another "
                f"shopper number until {china_time(binding.expires_ms / 1000)}; release it first "
                f"(DELETE /v1/shops/{shop_id}/privacy-numbers/{order_id})"
            )
        event(
            log,
            "privacy.issued",
            shop=shop_id,
            order=order_ref(shop_id, order_id),
            number=binding.number,
            outcome=outcome.status,
            expires_at=binding.expires_ms / 1000,
        )
        return Issued(
            binding, created=outcome.status == "created", replayed=outcome.status == "replayed"
        )

    async def release(self, shop: ShopConfig, order_id: str) -> Binding:
        _, pool = self._setup(shop)
        ended = await self._store.release(
            Release(pool, shop.shop_id, order_id, to_ms(self._clock()))
        )
        if ended is None:
            raise NotFound(f"order '{order_id}' has no live privacy number")
        event(
            log,
            "privacy.released",
            shop=shop.shop_id,
            order=order_ref(shop.shop_id, order_id),
            number=ended.number,
        )
        return ended

    async def route(self, caller_text: str, callee_text: str) -> RouteDecision:
        """The telephony side's question for a call coming in to a virtual number."""
        now_ms = to_ms(self._clock())
        index = self.pools()
        callee = normalize_mobile(callee_text)
        caller = normalize_mobile(caller_text) or caller_text
        pool = index.by_number.get(callee) if callee is not None else None
        if pool is None or callee is None:
            # Not one of ours, so possibly a person's number: it is only logged masked.
            return self._decided(None, caller, mask_phone(callee_text), "unknown_number")
        configured = index.configured_callers.get((pool.tag, caller))
        lookup = await self._store.lookup_call(LookupCall(pool, caller, callee, configured))
        binding = lookup.binding
        if lookup.shop_id is None or not lookup.registered:
            reason: RejectReason = "caller_not_registered"
        elif binding is None:
            reason = "unknown_number"
        elif not binding.live(now_ms):
            reason = "expired"
        else:
            real = self._open(binding)
            await self._record(lookup, caller, callee, now_ms, "connect", None)
            return self._decided(lookup.shop_id, caller, callee, None, to=real)
        if lookup.shop_id is not None:
            await self._record(lookup, caller, callee, now_ms, "reject", reason)
        return self._decided(lookup.shop_id, caller, callee, reason)

    def _open(self, binding: Binding) -> str:
        try:
            return self._require_cipher().open(
                binding.shopper_sealed,
                seal_context(binding.shop_id, binding.order_id, binding.binding_id),
            )
        except SealError as exc:
            event(
                log,
                "privacy.unseal_failed",
                logging.ERROR,
                shop=binding.shop_id,
                order=order_ref(binding.shop_id, binding.order_id),
            )
            raise GatewayError(
                "the shopper's number cannot be opened: was privacy_key changed?"
            ) from exc

    async def _record(
        self,
        lookup: CallLookup,
        caller: str,
        number: str,
        now_ms: int,
        result: Literal["connect", "reject"],
        reason: RejectReason | None,
    ) -> None:
        assert lookup.shop_id is not None
        binding = lookup.binding
        record = CallRecord(
            record_id=new_record_id(now_ms),
            at_ms=now_ms,
            # A registered caller is the shop's own phone; anyone else may be a shopper.
            caller=caller if lookup.registered else mask_phone(caller),
            number=number,
            order_id=binding.order_id if binding else None,
            conversation_id=binding.conversation_id if binding else None,
            shopper_masked=binding.shopper_masked if binding else None,
            result=result,
            reason=reason,
        )
        await self._store.append_call(
            AppendCall(lookup.shop_id, record, now_ms - RECORDS_KEEP_S * 1000)
        )

    @staticmethod
    def _decided(
        shop_id: str | None,
        caller: str,
        callee: str,
        reason: RejectReason | None,
        to: str | None = None,
    ) -> RouteDecision:
        event(
            log,
            "privacy.call_routed",
            shop=shop_id,
            number=callee,
            caller=mask_phone(caller),
            action="reject" if reason else "connect",
            reason=reason,
        )
        if reason is not None:
            return RouteDecision("reject", reason=reason)
        return RouteDecision("connect", to=to)

    async def callers(self, shop: ShopConfig) -> Callers:
        privacy, pool = self._setup(shop)
        configured = {privacy.main_caller, *privacy.callers}
        added = await self._store.callers(pool, shop.shop_id)
        return Callers(
            privacy.main_caller, list(privacy.callers), [n for n in added if n not in configured]
        )

    async def add_callers(self, shop: ShopConfig, numbers: Sequence[str]) -> CallerAddition:
        privacy, pool = self._setup(shop)
        bad = [text for text in numbers if normalize_mobile(text) is None]
        if bad:
            raise ValidationFailed(
                "callers must be mainland mobile numbers; these are not: " + ", ".join(bad),
                details=[
                    {"field": "numbers", "problem": "not a mainland mobile number", "value": b}
                    for b in bad
                ],
            )
        wanted = list(dict.fromkeys(n for text in numbers if (n := normalize_mobile(text))))
        index = self.pools()
        virtual = [n for n in wanted if n in index.by_number]
        if virtual:
            raise ValidationFailed(
                "privacy numbers cannot be callers: " + ", ".join(virtual),
                details=[
                    {"field": "numbers", "problem": "a privacy number", "value": n} for n in virtual
                ],
            )
        configured = {privacy.main_caller, *privacy.callers}
        fresh = [n for n in wanted if n not in configured]
        taken = [
            n
            for n in fresh
            if index.configured_callers.get((pool.tag, n), shop.shop_id) != shop.shop_id
        ]
        change = CallerChange([], [], taken)
        if fresh and not taken:
            change = await self._store.add_callers(AddCallers(pool, shop.shop_id, tuple(fresh)))
        if change.taken:
            raise Conflict(
                "already callers of another shop that shares this shop's platform pool: "
                + ", ".join(change.taken)
                + "; a call to a shared number is routed by its caller, so a caller may belong "
                "to one shop of a pool only"
            )
        event(log, "privacy.callers_added", shop=shop.shop_id, added=len(change.added))
        return CallerAddition(change.added, [n for n in wanted if n not in change.added])

    async def remove_caller(self, shop: ShopConfig, text: str) -> str:
        privacy, pool = self._setup(shop)
        number = normalize_mobile(text)
        if number is None:
            raise ValidationFailed(f"'{text[:40]}' is not a mainland mobile number")
        if number == privacy.main_caller:
            raise Conflict("the shop's main number is always a caller and cannot be removed")
        if number in privacy.callers:
            raise Conflict(
                f"{number} is listed in the shop's file (privacy.callers); remove it there"
            )
        if not await self._store.remove_caller(RemoveCaller(pool, shop.shop_id, number)):
            raise NotFound(f"{number} is not a caller of this shop")
        event(log, "privacy.caller_removed", shop=shop.shop_id)
        return number

    async def calls(
        self,
        shop: ShopConfig,
        since: float | None,
        until: float | None,
        cursor: str | None,
        limit: int,
    ) -> CallPage:
        """The shop's call records in a window: the last day by default, at most 30 days back."""
        now = self._clock()
        until = now if until is None else until
        since = until - DAY_S if since is None else since
        if since > until:
            raise ValidationFailed("since: must not be after until")
        oldest = now - RECORDS_MAX_AGE_S
        if since < oldest - RECORDS_WINDOW_GRACE_S:
            raise ValidationFailed(
                "since: call records go back at most 30 days; ask from "
                f"{china_time(oldest)} on (the default is the last day)"
            )
        records = await self._store.read_calls(
            shop.shop_id, to_ms(since), to_ms(until), cursor, limit + 1
        )
        more = len(records) > limit
        page = records[:limit]
        return CallPage(page, since, until, page[-1].record_id if more else None)

    async def is_virtual(self, text: str) -> tuple[str, bool]:
        """Whether a phone number is, or may ever have been, a privacy number (never a shipping
        phone): in a pool now, or ever in a pool that numbers were issued from. Answers the
        number as shown: in full when virtual, masked otherwise."""
        number = normalize_mobile(text)
        if number is None:
            if is_phone_like(text):
                return mask_phone(text), False  # a landline or foreign number: never ours
            raise ValidationFailed(f"'{text[:40]}' is not a phone number")
        if number in self.pools().by_number or await self._store.is_virtual(number):
            return number, True
        # Most likely a shopper's own number: shown masked, like everywhere else.
        return mask_phone(number), False


def seal_context(shop_id: str, order_id: str, binding_id: str) -> str:
    """What a sealed number is bound to: it opens only as part of its own binding."""
    return f"{shop_id}|{order_id}|{binding_id}"
