"""The compliance store: its interface, the values it takes and gives, and one parameter object
per step (a frozen dataclass named for the method; reads take plain arguments).

Per shop it keeps four things:

- **The violation ledger**: one entry per checked text with findings (the text itself is never
  stored: a hash and the masked evidence), and the rolling totals of the last day and the last 30
  days, apart for texts acted on (``enforce``) and texts only measured (``monitor``).
- **Sanctions**: the points of the bot's answers since bot mode was last switched on (within the
  30 days), and bot mode itself (on, or off by an admin or by the gateway) with its history.
- **Satisfaction**: shoppers' ratings of resolved tickets, and the platform's own figure.
- **Service-time clocks**: per conversation with a ticket, when the ticket opened, its first
  human reply, and the shopper messages waiting for a person; settled messages (answered within
  the window or missed) and first-reply times for the figures.

Times are seconds since the epoch, always passed in by the caller. A value ``at`` counts in a
window of ``w`` seconds ending at ``now`` while ``now - at < w``.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field
from typing import Literal, Protocol

from guardrails import Severity

EntryMode = Literal["enforce", "monitor"]
ENTRY_MODES: tuple[EntryMode, ...] = ("enforce", "monitor")
BOT = "bot"  # the author of the bot's answers; an agent's replies are "agent:<key id>"
GATEWAY = "gateway"  # who switches bot mode off when the points reach suspend_at

DAY_S = 24 * 3600.0
MONTH_S = 30 * DAY_S  # the ledger's, the sanctions' and the satisfaction's window
KEEP_S = 40 * DAY_S  # how long ratings (one per ticket) and idle clocks are remembered
WINDOWS: dict[str, float] = {"day": DAY_S, "30d": MONTH_S}
KEEP_ENTRIES = 10_000  # ledger entries (with their evidence) kept per shop, newest first
KEEP_HISTORY = 1_000  # bot-mode changes kept per shop
KEEP_SETTLED = 200_000  # settled messages and first replies kept per shop for the figures
ENTRY_ID_DIGITS = 12


def agent_author(key_id: str) -> str:
    return f"agent:{key_id}"


def entry_id(number: int) -> str:
    return f"{number:0{ENTRY_ID_DIGITS}d}"


@dataclass(frozen=True, slots=True)
class Violation:
    """One category broken by one text: its most severe finding's severity, the points that
    costs (0 when nothing in it is charged), how many findings, their rules and masked evidence."""

    category: str
    severity: Severity
    points: int
    findings: int
    rules: tuple[str, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    entry_id: str
    shop_id: str
    at: float
    mode: EntryMode  # enforce: the action was applied; monitor: it would have been
    author: str  # "bot" or "agent:<key id>"
    action: str  # the verdict's action (allow … escalate)
    ref: str  # "conversation:<hash>" (never the id) or "ticket:<ticket id>"
    text_hash: str
    deduction: int  # what the text costs the 100-point quality score
    violations: tuple[Violation, ...]

    @property
    def points(self) -> int:
        return sum(violation.points for violation in self.violations)

    @property
    def sanctioned(self) -> bool:
        """Whether its points count towards sanctions: the bot's answers do, agents' do not."""
        return self.author == BOT


@dataclass(frozen=True, slots=True)
class Tally:
    """Points, texts and findings of one category or one author in a window."""

    points: int = 0
    texts: int = 0
    findings: int = 0


@dataclass(frozen=True, slots=True)
class WindowTotals:
    entries: int = 0
    points: int = 0
    deduction: int = 0  # of the bot's answers: 100 minus this (floor 0) is the quality score
    categories: dict[str, Tally] = field(default_factory=dict)
    authors: dict[str, Tally] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ModeTotals:
    windows: dict[str, WindowTotals]  # "day", "30d"
    sanction_points: int  # bot answers in the 30 days recorded since bot mode was last switched on
    warned_at: float | None  # when the sanction points last reached warn_at
    suspended_at: float | None  # monitor: when they would have suspended bot mode


@dataclass(frozen=True, slots=True)
class BotMode:
    enabled: bool
    since: float | None  # None: never changed (on since the shop was created)
    by: str | None  # an admin key id, or "gateway" (a sanction)
    reason: str | None

    @property
    def state(self) -> Literal["on", "off", "suspended"]:
        if self.enabled:
            return "on"
        return "suspended" if self.by == GATEWAY else "off"


BOT_MODE_ON = BotMode(True, None, None, None)


@dataclass(frozen=True, slots=True)
class BotModeChange:
    at: float
    enabled: bool
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class PlatformFigure:
    rate: float
    at: float
    by: str


@dataclass(frozen=True, slots=True)
class Standing:
    """Bot mode, when it was last switched on, the platform's satisfaction figure."""

    bot_mode: BotMode
    reset_at: float | None  # when bot mode was last switched on (sanction points count after)
    platform_satisfaction: PlatformFigure | None


@dataclass(frozen=True, slots=True)
class Recorded:
    """A ledger entry kept, and what it did to the shop (for ``monitor``: would have done)."""

    entry: LedgerEntry
    sanction_points: int
    warned: bool  # the sanction points reached warn_at with this entry
    suspended: bool  # with this entry they reached suspend_at and bot mode was on


@dataclass(frozen=True, slots=True)
class TicketClock:
    """A conversation's service-time clock: its latest ticket and who waits for a person."""

    conversation_id: str
    ticket_id: str | None
    opened_at: float | None
    first_reply_at: float | None
    waiting: tuple[float, ...]  # when each shopper message still waiting was written, oldest first


@dataclass(frozen=True, slots=True)
class Answered:
    first_reply_s: float | None  # set when this was the ticket's first human reply
    within: int  # waiting messages this reply answered within the window
    late: int


@dataclass(frozen=True, slots=True)
class SlaWarning:
    conversation_id: str
    ticket_id: str
    waiting_since: float
    deadline: float
    clock: Literal["first_reply", "answer"]


@dataclass(frozen=True, slots=True)
class SweptClocks:
    warnings: tuple[SlaWarning, ...]
    missed: int  # waiting messages whose window passed with no answer, settled now


@dataclass(frozen=True, slots=True)
class ServiceTimes:
    """The settled figures of one window: tickets opened in it, the first-reply times of those
    answered, and the shopper messages written in it that were answered within the window or
    missed (a message still waiting past its window counts as missed)."""

    tickets: int
    first_replies: tuple[float, ...]
    within: int
    missed: int
    waiting: int  # messages waiting now, still inside their window


# -- steps: one parameter object each ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Record:
    """Keep a ledger entry under the shop's next id and add it to the rolling totals of its mode;
    for the bot's answers, add its points to the sanction points and, in ``enforce``, warn at
    ``warn_at`` and switch bot mode off at ``suspend_at`` (``monitor``: note when it would have),
    all in one step."""

    shop_id: str
    at: float
    mode: EntryMode
    author: str
    action: str
    ref: str
    text_hash: str
    deduction: int
    violations: tuple[Violation, ...]
    warn_at: int
    suspend_at: int
    _: KW_ONLY
    suspend_reason: str = ""
    keep: int = KEEP_ENTRIES

    def entry(self, entry_id: str) -> LedgerEntry:
        return LedgerEntry(
            entry_id, self.shop_id, self.at, self.mode, self.author, self.action,
            self.ref, self.text_hash, self.deduction, self.violations,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class SetBotMode:
    """Switch bot mode on or off (``by`` an admin key id, or ``gateway``). Switching it on
    starts the sanction points of both modes from zero. Nothing changes (and no history is
    written) when it is already as asked."""

    shop_id: str
    enabled: bool
    by: str
    reason: str
    at: float


@dataclass(frozen=True, slots=True)
class Rate:
    """A shopper's score for a resolved ticket; one per ticket."""

    shop_id: str
    conversation_id: str
    ticket_id: str
    score: int
    at: float


@dataclass(frozen=True, slots=True)
class SetSatisfaction:
    """The platform's own satisfaction figure for the shop (0..1), or None to clear it."""

    shop_id: str
    rate: float | None
    by: str
    at: float


@dataclass(frozen=True, slots=True)
class OpenClock:
    """The conversation went to a person at ``at``: with ``created``, ticket ``ticket_id``'s
    clock starts (no first reply yet); either way the shopper message that sent it there waits."""

    shop_id: str
    conversation_id: str
    ticket_id: str
    at: float
    created: bool


@dataclass(frozen=True, slots=True)
class ShopperWaiting:
    """A shopper message written at ``at`` to a conversation a person owns: it waits."""

    shop_id: str
    conversation_id: str
    at: float


@dataclass(frozen=True, slots=True)
class AgentAnswered:
    """A person answered the conversation on ticket ``ticket_id`` at ``at``: the ticket's first
    reply (if none yet), and every waiting message settled, within ``window_s`` or late."""

    shop_id: str
    conversation_id: str
    ticket_id: str
    at: float
    window_s: float


@dataclass(frozen=True, slots=True)
class SweepClocks:
    """Settle the waiting messages whose window passed as missed, and take the warnings now
    due: a conversation's oldest waiting message has waited ``warn_fraction`` of its window
    (``first_reply_s`` before the ticket's first reply, ``answer_window_s`` after); each waiting
    stretch is warned of once."""

    shop_id: str
    at: float
    first_reply_s: float
    answer_window_s: float
    warn_fraction: float
    _: KW_ONLY
    limit: int = 500


class ComplianceStore(Protocol):
    """Every step is atomic (one Lua script on Redis; no ``await`` between read and write in
    memory), so entries recorded at once by several gateway processes all count, and exactly one
    of them switches bot mode off."""

    async def record(self, step: Record) -> Recorded: ...

    async def set_bot_mode(self, step: SetBotMode) -> bool:
        """True when bot mode changed."""

    async def rate(self, step: Rate) -> bool:
        """False when the ticket already has a rating (nothing is changed)."""

    async def set_satisfaction(self, step: SetSatisfaction) -> None: ...

    async def open_clock(self, step: OpenClock) -> None: ...

    async def shopper_waiting(self, step: ShopperWaiting) -> None: ...

    async def agent_answered(self, step: AgentAnswered) -> Answered: ...

    async def sweep_clocks(self, step: SweepClocks) -> SweptClocks: ...

    async def standing(self, shop_id: str) -> Standing: ...

    async def totals(self, shop_id: str, at: float) -> dict[EntryMode, ModeTotals]:
        """The rolling totals of each mode as of ``at``."""

    async def entries(self, shop_id: str, before: str | None, limit: int) -> list[LedgerEntry]:
        """Newest first; strictly older than the entry id ``before`` when given."""

    async def history(self, shop_id: str, limit: int) -> list[BotModeChange]:
        """Bot-mode changes, newest first."""

    async def ratings(self, shop_id: str, since: float) -> list[int]:
        """The scores of ratings given after ``since``."""

    async def clocks(self, shop_id: str, conversation_ids: list[str]) -> dict[str, TicketClock]:
        """The clocks of those conversations that have one."""

    async def service_times(
        self, shop_id: str, since: float, at: float, window_s: float
    ) -> ServiceTimes: ...
