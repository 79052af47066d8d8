"""The privacy-number store: its interface, the values it takes and gives, and one parameter
object per step (a frozen dataclass named for the method; reads take plain arguments).

Times are integer milliseconds since the epoch, always passed in by the caller (the service's
clock), never read from the store's own clock: expiry is decided by comparing a binding's
``expires_ms`` with the ``now_ms`` of the request. A binding is live while ``now_ms < expires_ms``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Literal, Protocol


def to_ms(seconds: float) -> int:
    return int(round(seconds * 1000))


def new_record_id(at_ms: int) -> str:
    """Call-record ids sort by time as text: ``<ms, 15 digits>-<8 random hex>``."""
    return f"{at_ms:015d}-{secrets.token_hex(4)}"


@dataclass(frozen=True, slots=True)
class PoolRef:
    """A pool of virtual numbers as a store sees it. A shop's own pool (``owner`` set) keeps its
    state with the shop's; a platform pool (``owner`` None) is shared, and each shop using it
    may hold one live binding per number."""

    name: str
    owner: str | None
    numbers: tuple[str, ...]
    # Changes whenever the numbers do, so that stores rebuild their free lists.
    fingerprint: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.fingerprint:
            digest = hashlib.sha256(",".join(sorted(self.numbers)).encode()).hexdigest()[:16]
            object.__setattr__(self, "fingerprint", digest)

    @property
    def tag(self) -> str:
        return f"shop:{self.owner}" if self.owner is not None else f"pool:{self.name}"


@dataclass(frozen=True, slots=True)
class Binding:
    """AXG: virtual number X (``number``) reaches the shopper A (sealed) from the shop's callers."""

    binding_id: str
    shop_id: str
    order_id: str
    number: str
    conversation_id: str | None
    shopper_masked: str
    shopper_fingerprint: str
    shopper_sealed: str
    issued_ms: int
    expires_ms: int
    idempotency_key: str | None

    def live(self, now_ms: int) -> bool:
        return now_ms < self.expires_ms


@dataclass(frozen=True, slots=True)
class BindingRequest:
    """What a new binding would be, before the store picks its number."""

    binding_id: str
    shop_id: str
    order_id: str
    conversation_id: str | None
    shopper_masked: str
    shopper_fingerprint: str
    shopper_sealed: str
    issued_ms: int
    expires_ms: int
    idempotency_key: str | None
    # Digest of everything the client sent, to tell a retry from a reused Idempotency-Key.
    request_fingerprint: str

    def bind(self, number: str) -> Binding:
        return Binding(
            binding_id=self.binding_id,
            shop_id=self.shop_id,
            order_id=self.order_id,
            number=number,
            conversation_id=self.conversation_id,
            shopper_masked=self.shopper_masked,
            shopper_fingerprint=self.shopper_fingerprint,
            shopper_sealed=self.shopper_sealed,
            issued_ms=self.issued_ms,
            expires_ms=self.expires_ms,
            idempotency_key=self.idempotency_key,
        )


IssueStatus = Literal[
    "created",  # a free number was bound
    "existing",  # the order already had a live binding to the same shopper number
    "replayed",  # the Idempotency-Key was seen with this request and its binding is live
    "order_conflict",  # the order has a live binding to a different shopper number
    "idempotency_conflict",  # the Idempotency-Key was used with a different request
    "exhausted",  # no number of the pool is free for this shop
]


@dataclass(frozen=True, slots=True)
class IssueOutcome:
    status: IssueStatus
    binding: Binding | None = None
    # When exhausted: the earliest expiry among the shop's live bindings of the pool.
    next_free_ms: int | None = None


@dataclass(frozen=True, slots=True)
class CallLookup:
    """What the store knows about a call from ``caller`` to a number of ``pool``."""

    shop_id: str | None  # the shop the call belongs to; None when nothing identifies one
    registered: bool  # the caller is one of that shop's callers (added over the API or given)
    binding: Binding | None  # that shop's latest binding of the number, live or not


@dataclass(frozen=True, slots=True)
class CallerChange:
    added: list[str]
    already: list[str]
    # Numbers that are callers of another shop of the same pool; when any, nothing was added.
    taken: list[str]


CallResult = Literal["connect", "reject"]


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One routed call as the shop sees it: the shopper's number only ever masked."""

    record_id: str  # "<ms, 15 digits>-<8 hex>": sorts by time; the paging cursor
    at_ms: int
    caller: str
    number: str
    order_id: str | None
    conversation_id: str | None
    shopper_masked: str | None
    result: CallResult
    reason: str | None


# -- steps: one parameter object each ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Issue:
    """Bind a number of ``pool`` for ``request``, or find the order's live binding."""

    pool: PoolRef
    request: BindingRequest
    now_ms: int


@dataclass(frozen=True, slots=True)
class Release:
    """End the order's live binding at ``now_ms``."""

    pool: PoolRef
    shop_id: str
    order_id: str
    now_ms: int


@dataclass(frozen=True, slots=True)
class LookupCall:
    """Which shop a call from ``caller`` to ``number`` belongs to, and its binding of the number.
    ``configured_shop`` is the shop whose configuration lists ``caller`` in this pool, if one
    does."""

    pool: PoolRef
    caller: str
    number: str
    configured_shop: str | None


@dataclass(frozen=True, slots=True)
class AddCallers:
    pool: PoolRef
    shop_id: str
    numbers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RemoveCaller:
    pool: PoolRef
    shop_id: str
    number: str


@dataclass(frozen=True, slots=True)
class AppendCall:
    """Keep ``record``; forget the shop's records older than ``keep_after_ms``."""

    shop_id: str
    record: CallRecord
    keep_after_ms: int


class PrivacyStore(Protocol):
    """Bindings of virtual numbers, the callers allowed to use them, and the shop's call records.

    Every step is atomic (one Lua script on Redis; no ``await`` between read and write in
    memory), so concurrent requests on several gateway processes never bind one number twice.
    """

    async def issue(self, step: Issue) -> IssueOutcome:
        """Return the order's live binding, or bind a free number: never bound by the shop first
        (lowest first), then the one whose binding expired longest ago.

        The first time a store sees a pool's numbers (or after they change) it remembers every one
        of them as virtual for good, before any of them can be bound (see ``is_virtual``)."""

    async def release(self, step: Release) -> Binding | None:
        """End the order's live binding now (its number is free at once); None when none."""

    async def lookup_call(self, step: LookupCall) -> CallLookup:
        """Resolve (number, caller) to a shop and its binding of the number, in one read."""

    async def add_callers(self, step: AddCallers) -> CallerChange:
        """Add callers all-or-nothing: none when any is a caller of another shop of the pool."""

    async def remove_caller(self, step: RemoveCaller) -> bool: ...

    async def append_call(self, step: AppendCall) -> None: ...

    async def callers(self, pool: PoolRef, shop_id: str) -> list[str]:
        """Callers added over the API, sorted."""

    async def read_calls(
        self, shop_id: str, since_ms: int, until_ms: int, before: str | None, limit: int
    ) -> list[CallRecord]:
        """Records with ``since_ms <= at_ms <= until_ms``, newest first, strictly older than the
        record id ``before`` when given."""

    async def is_virtual(self, number: str) -> bool:
        """Whether ``number`` was ever in a pool this store issued from (so possibly issued)."""
