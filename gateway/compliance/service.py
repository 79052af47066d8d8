"""Shop compliance: the violation ledger and its sanctions, bot mode and its opening gate, the
shop's satisfaction, and the service-time clocks of every ticket.

The message path and the agent-reply path hand every verdict to ``act_on``, which records what
it found and says what to deliver (``enforce``: the verdict; ``monitor``: the bot's answer
unchanged; ``off``: the bot's answer unchanged, nothing recorded). Before the bot is asked the
message path reads ``bot_mode``: while it is off, every conversation goes to a person. The
handoff path reports each ticket opened, each shopper message waiting for a person and each
human reply, and the sweeper warns of tickets nearing their window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from guardrails import Action, Verdict

from ..checks import quality_deduction
from ..core.config import CompliancePolicy, ShopConfig, ShopRegistry
from ..core.config.shops import WebhookConfig
from ..core.errors import ConfigError, Conflict, GatewayError, NotFound
from ..core.logging import conversation_ref, event, text_hash
from ..core.types import Clock
from ..handoffs.store import OPEN_STATES, HandoffStore, Ticket
from .points import violations
from .store import (
    BOT,
    MONTH_S,
    WINDOWS,
    AgentAnswered,
    BotMode,
    BotModeChange,
    ComplianceStore,
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
    Standing,
    SweepClocks,
    TicketClock,
)

log = logging.getLogger("gateway.compliance")

# Tells a shop's tools of an event: (shop, the webhook to use or None, the body).
Notify = Callable[[ShopConfig, WebhookConfig | None, dict[str, Any]], None]


class SatisfactionTooLow(Conflict):
    """Bot mode cannot be switched on: the shop's satisfaction is below its threshold, or there
    is no figure (409, the figures in ``details``)."""

    code = "satisfaction_below_threshold"


class RatingRefused(Conflict):
    """The ticket cannot be rated (not resolved, or rated already)."""


class NoSuchTicket(NotFound):
    code = "unknown_ticket"


@dataclass(frozen=True, slots=True)
class Satisfaction:
    """The shop's human satisfaction over the last 30 days, and where the figure comes from:
    the platform's figure when one is set, else shoppers' ratings (given ``min_ratings``)."""

    rate: float | None
    source: Literal["platform", "ratings"] | None
    threshold: float
    ratings: int
    satisfied: int
    min_ratings: int
    platform: PlatformFigure | None

    @property
    def meets_threshold(self) -> bool:
        return self.rate is not None and self.rate >= self.threshold


@dataclass(frozen=True, slots=True)
class Rating:
    ticket_id: str
    score: int
    satisfied: bool
    at: float


@dataclass(frozen=True, slots=True)
class BotModeResult:
    mode: BotMode
    changed: bool


@dataclass(frozen=True, slots=True)
class ServiceFigures:
    """One window's service times. Percentiles are nearest-rank over the tickets opened in the
    window that got a first human reply."""

    tickets: int
    first_replies: int
    first_reply_p50_s: float | None
    first_reply_p90_s: float | None
    first_reply_within_target: int
    answered_within_window: int
    missed: int
    waiting: int

    @property
    def share_within_window(self) -> float | None:
        settled = self.answered_within_window + self.missed
        return self.answered_within_window / settled if settled else None


@dataclass(frozen=True, slots=True)
class Urgency:
    """How soon a person must answer a ticket's conversation."""

    waiting_since: float
    deadline: float
    clock: Literal["first_reply", "answer"]
    waiting: int
    first_reply_at: float | None


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``GET …/compliance`` shows."""

    policy: CompliancePolicy
    standing: Standing
    totals: dict[EntryMode, ModeTotals]
    history: list[BotModeChange]
    recent: list[LedgerEntry]
    satisfaction: Satisfaction
    service: dict[str, ServiceFigures]
    at: float


def percentile(values: tuple[float, ...], q: float) -> float | None:
    """Nearest rank: the smallest value with at least ``q`` of them at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def figures(times: ServiceTimes, first_reply_s: float) -> ServiceFigures:
    return ServiceFigures(
        tickets=times.tickets,
        first_replies=len(times.first_replies),
        first_reply_p50_s=percentile(times.first_replies, 0.5),
        first_reply_p90_s=percentile(times.first_replies, 0.9),
        first_reply_within_target=sum(1 for s in times.first_replies if s <= first_reply_s),
        answered_within_window=times.within,
        missed=times.missed,
        waiting=times.waiting,
    )


def urgency(clock: TicketClock, ticket_id: str, policy: CompliancePolicy) -> Urgency | None:
    if not clock.waiting:
        return None
    start = clock.waiting[0]
    first = clock.ticket_id == ticket_id and clock.first_reply_at is None
    span = policy.first_reply_s if first else policy.answer_window_s
    kind: Literal["first_reply", "answer"] = "first_reply" if first else "answer"
    return Urgency(start, start + span, kind, len(clock.waiting), clock.first_reply_at)


class ComplianceService:
    def __init__(
        self,
        store: ComplianceStore,
        tickets: HandoffStore,
        shops: Callable[[], ShopRegistry],
        policies: Callable[[], Mapping[str, CompliancePolicy]],
        notify: Notify,
        clock: Clock = time.time,
    ) -> None:
        self._store = store
        self._tickets = tickets
        self._shops = shops
        self._policies = policies
        self._notify = notify
        self._clock = clock

    def policy(self, shop: ShopConfig) -> CompliancePolicy:
        policy = self._policies().get(shop.shop_id)
        if policy is None:
            raise ConfigError(f"shop '{shop.shop_id}' has no compliance policy compiled")
        return policy

    # -- the ledger and its sanctions --------------------------------------------------------

    async def act_on(
        self, shop: ShopConfig, verdict: Verdict, text: str, author: str, ref: str
    ) -> Verdict:
        """Record what ``verdict`` found in ``text`` (written by ``author``, in ``ref``: a
        conversation or a ticket) and return the verdict to apply. The rollout mode governs the
        bot's answers; agents' replies are always held as the verdict says. A verdict of a check
        that could not run (category ``error``) is applied in every mode: nothing unchecked is
        delivered."""
        policy = self.policy(shop)
        failed = any(rated.finding.category == "error" for rated in verdict.findings)
        measured_only = author == BOT and not failed
        if policy.mode == "off":
            return Verdict(Action.ALLOW, text, ()) if measured_only else verdict
        if not verdict.findings:
            return verdict
        mode: EntryMode = "monitor" if policy.mode == "monitor" and measured_only else "enforce"
        found = violations(verdict, policy)
        at = self._clock()
        recorded = await self._store.record(
            Record(
                shop.shop_id, at, mode, author, verdict.action.label, ref, text_hash(text),
                quality_deduction(verdict), found, policy.warn_at, policy.suspend_at,
                suspend_reason=f"{policy.suspend_at} points reached in 30 days",
            )
        )  # fmt: skip
        entry = recorded.entry
        event(
            log, "compliance.recorded", shop=shop.shop_id, entry=entry.entry_id, mode=mode,
            author="bot" if author == BOT else "agent", action=entry.action,
            categories=[v.category for v in found], points=entry.points,
            sanction_points=recorded.sanction_points, text_hash=entry.text_hash,
        )  # fmt: skip
        if recorded.warned or recorded.suspended:
            self._sanctioned(shop, policy, mode, recorded.sanction_points, recorded, at)
        if mode == "monitor":
            return Verdict(Action.ALLOW, text, verdict.findings)
        return verdict

    def _sanctioned(self, shop: ShopConfig, policy: CompliancePolicy, mode: EntryMode,
                    points: int, recorded: Recorded, at: float) -> None:  # fmt: skip
        fields = {"points": points, "warn_at": policy.warn_at, "suspend_at": policy.suspend_at}
        if mode == "monitor":
            # Measured only: what would have happened is logged and shown, never applied.
            if recorded.warned:
                event(log, "compliance.would_warn", shop=shop.shop_id, **fields)
            if recorded.suspended:
                event(log, "compliance.would_suspend", shop=shop.shop_id, **fields)
            return
        for happened, name in ((recorded.warned, "warned"), (recorded.suspended, "suspended")):
            if not happened:
                continue
            event(log, f"compliance.{name}", logging.WARNING, shop=shop.shop_id, **fields)
            body = {"event": f"compliance.{name}", "shop_id": shop.shop_id, **fields, "at": at}
            self._notify(shop, policy.webhook, body)

    # -- bot mode and its opening gate -----------------------------------------------------

    async def bot_mode(self, shop: ShopConfig) -> BotMode:
        return (await self._store.standing(shop.shop_id)).bot_mode

    async def set_bot_mode(
        self, shop: ShopConfig, enabled: bool, by: str, reason: str
    ) -> BotModeResult:
        """Switching bot mode on needs the shop's satisfaction at or above its threshold
        (``SatisfactionTooLow`` otherwise); it also starts the sanction points from zero."""
        current = await self.bot_mode(shop)
        if current.enabled == enabled:
            return BotModeResult(current, False)
        if enabled:
            satisfaction = await self.satisfaction(shop)
            if not satisfaction.meets_threshold:
                raise SatisfactionTooLow(
                    _refusal(satisfaction), details=satisfaction_json(satisfaction)
                )
        at = self._clock()
        changed = await self._store.set_bot_mode(SetBotMode(shop.shop_id, enabled, by, reason, at))
        mode = await self.bot_mode(shop)
        if changed:
            event(log, "compliance.bot_mode_changed", shop=shop.shop_id, enabled=enabled,
                  by=by, state=mode.state)  # fmt: skip
        return BotModeResult(mode, changed)

    # -- satisfaction ----------------------------------------------------------------------

    async def satisfaction(self, shop: ShopConfig) -> Satisfaction:
        policy = self.policy(shop)
        at = self._clock()
        standing = await self._store.standing(shop.shop_id)
        scores = await self._store.ratings(shop.shop_id, at - MONTH_S)
        satisfied = sum(1 for score in scores if score in policy.satisfied_scores)
        platform = standing.platform_satisfaction
        rate: float | None = None
        source: Literal["platform", "ratings"] | None = None
        if platform is not None:
            rate, source = platform.rate, "platform"
        elif scores and len(scores) >= policy.min_ratings:
            rate, source = satisfied / len(scores), "ratings"
        return Satisfaction(rate, source, policy.satisfaction_threshold, len(scores),
                            satisfied, policy.min_ratings, platform)  # fmt: skip

    async def rate(
        self, shop: ShopConfig, conversation_id: str, ticket_id: str | None, score: int
    ) -> Rating:
        """A shopper's score for the conversation's resolved ticket (its latest, unless named)."""
        if ticket_id is None:
            clock = (await self._store.clocks(shop.shop_id, [conversation_id])).get(conversation_id)
            ticket_id = clock.ticket_id if clock is not None else None
            if ticket_id is None:
                raise RatingRefused(
                    f"conversation '{conversation_id}' has no ticket to rate: only a "
                    "conversation a person handled can be rated"
                )
        ticket = await self._tickets.ticket(shop.shop_id, ticket_id)
        if ticket is None or ticket.conversation_id != conversation_id:
            raise NoSuchTicket(f"no ticket '{ticket_id}' in conversation '{conversation_id}'")
        if ticket.state != "resolved":
            raise RatingRefused(
                f"ticket '{ticket_id}' is {ticket.state}: only a resolved ticket can be rated",
                details={"state": ticket.state},
            )
        at = self._clock()
        if not await self._store.rate(Rate(shop.shop_id, conversation_id, ticket_id, score, at)):
            raise RatingRefused(f"ticket '{ticket_id}' is already rated")
        satisfied = score in self.policy(shop).satisfied_scores
        event(log, "compliance.rated", shop=shop.shop_id, ticket=ticket_id, score=score,
              satisfied=satisfied)  # fmt: skip
        return Rating(ticket_id, score, satisfied, at)

    async def set_platform_satisfaction(
        self, shop: ShopConfig, rate: float | None, by: str
    ) -> Satisfaction:
        await self._store.set_satisfaction(SetSatisfaction(shop.shop_id, rate, by, self._clock()))
        event(log, "compliance.platform_satisfaction", shop=shop.shop_id, rate=rate, by=by)
        return await self.satisfaction(shop)

    # -- service-time clocks ---------------------------------------------------------------

    async def ticket_escalated(
        self, shop: ShopConfig, ticket_id: str, conversation_id: str, created: bool, at: float
    ) -> None:
        await self._store.open_clock(
            OpenClock(shop.shop_id, conversation_id, ticket_id, at, created)
        )

    async def shopper_waiting(self, shop: ShopConfig, conversation_id: str, at: float) -> None:
        await self._store.shopper_waiting(ShopperWaiting(shop.shop_id, conversation_id, at))

    async def agent_answered(self, shop: ShopConfig, ticket: Ticket, at: float) -> None:
        policy = self.policy(shop)
        answered = await self._store.agent_answered(
            AgentAnswered(
                shop.shop_id, ticket.conversation_id, ticket.ticket_id, at,
                policy.answer_window_s,
            )
        )  # fmt: skip
        if answered.first_reply_s is not None or answered.within or answered.late:
            event(log, "handoff.answered", shop=shop.shop_id, ticket=ticket.ticket_id,
                  first_reply_s=answered.first_reply_s, within_window=answered.within,
                  late=answered.late)  # fmt: skip

    async def urgencies(self, shop: ShopConfig, tickets: list[Ticket]) -> dict[str, Urgency]:
        """Per ticket with a shopper waiting: since when, and the deadline of its clock."""
        policy = self.policy(shop)
        clocks = await self._store.clocks(
            shop.shop_id, sorted({ticket.conversation_id for ticket in tickets})
        )
        found = {}
        for ticket in tickets:
            clock = clocks.get(ticket.conversation_id)
            due = urgency(clock, ticket.ticket_id, policy) if clock is not None else None
            if due is not None:
                found[ticket.ticket_id] = due
        return found

    async def sweep_once(self) -> None:
        """One pass over every shop: settle missed messages, warn of tickets nearing their
        window (``handoff.sla_warning``, once per waiting stretch, only while open)."""
        for shop in list(self._shops().shops.values()):
            policy = self.policy(shop)
            at = self._clock()
            swept = await self._store.sweep_clocks(
                SweepClocks(shop.shop_id, at, policy.first_reply_s, policy.answer_window_s,
                            policy.warn_fraction)
            )  # fmt: skip
            for warning in swept.warnings:
                ticket = await self._tickets.ticket(shop.shop_id, warning.ticket_id)
                if ticket is None or ticket.state not in OPEN_STATES:
                    continue
                event(log, "handoff.sla_warning", shop=shop.shop_id, ticket=warning.ticket_id,
                      clock=warning.clock, state=ticket.state,
                      left_s=round(warning.deadline - at, 3))  # fmt: skip
                self._notify(shop, shop.escalation.webhook, {
                    "event": "handoff.sla_warning", "shop_id": shop.shop_id,
                    "ticket_id": warning.ticket_id, "conversation_id": warning.conversation_id,
                    "state": ticket.state, "clock": warning.clock,
                    "waiting_since": warning.waiting_since, "deadline": warning.deadline,
                    "at": at,
                })  # fmt: skip
            if swept.missed:
                event(log, "handoff.window_missed", shop=shop.shop_id, messages=swept.missed)

    async def run_sweeper(self, interval_s: float, stop: asyncio.Event) -> None:
        """Sweep until ``stop`` is set; every process may run one (each step is atomic and
        each warning is taken by one process only)."""
        while not stop.is_set():
            try:
                await self.sweep_once()
            except GatewayError as exc:
                event(log, "compliance.sweep_failed", logging.WARNING, error=exc.message)
            except Exception:
                log.exception("compliance.sweep_crashed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)

    # -- the report ------------------------------------------------------------------------

    async def entries(self, shop: ShopConfig, before: str | None, limit: int) -> list[LedgerEntry]:
        return await self._store.entries(shop.shop_id, before, limit)

    async def report(self, shop: ShopConfig, recent: int = 20) -> Report:
        policy = self.policy(shop)
        at = self._clock()
        standing = await self._store.standing(shop.shop_id)
        totals = await self._store.totals(shop.shop_id, at)
        history = await self._store.history(shop.shop_id, 50)
        entries = await self._store.entries(shop.shop_id, None, recent)
        satisfaction = await self.satisfaction(shop)
        service = {}
        for name, span in WINDOWS.items():
            times = await self._store.service_times(
                shop.shop_id, at - span, at, policy.answer_window_s
            )
            service[name] = figures(times, policy.first_reply_s)
        return Report(policy, standing, totals, history, entries, satisfaction, service, at)


def reference(shop_id: str, conversation_id: str) -> str:
    """What a ledger entry of a bot answer keeps of its conversation: a hash."""
    return f"conversation:{conversation_ref(shop_id, conversation_id)}"


def ticket_reference(ticket_id: str) -> str:
    return f"ticket:{ticket_id}"


def satisfaction_json(satisfaction: Satisfaction) -> dict[str, Any]:
    platform = satisfaction.platform
    return {
        "rate": satisfaction.rate,
        "source": satisfaction.source,
        "threshold": satisfaction.threshold,
        "meets_threshold": satisfaction.meets_threshold,
        "ratings": satisfaction.ratings,
        "satisfied": satisfaction.satisfied,
        "min_ratings": satisfaction.min_ratings,
        "platform": (
            {"rate": platform.rate, "set_at": platform.at, "by": platform.by} if platform else None
        ),
    }


def _refusal(satisfaction: Satisfaction) -> str:
    threshold = f"{satisfaction.threshold:.0%}"
    if satisfaction.rate is None:
        return (
            f"bot mode needs a monthly human satisfaction of at least {threshold} and there is "
            f"no figure: {satisfaction.ratings} ratings in 30 days (at least "
            f"{satisfaction.min_ratings} needed) and no platform figure"
        )
    return (
        f"bot mode needs a monthly human satisfaction of at least {threshold}; the shop's is "
        f"{satisfaction.rate:.1%} (from {satisfaction.source})"
    )
