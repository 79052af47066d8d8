"""The HandoffStore contract: ticket life, atomic claims, time-outs; on memory and on Redis."""

from __future__ import annotations

import asyncio

import pytest

from gateway.backend import StoreBackend
from gateway.conversations.store import AppendShopperMessage, FinishWithReply, Ownership
from gateway.handoffs.store import (
    AgentReply,
    Cancel,
    Claim,
    Escalate,
    Release,
    Resolve,
    Sweep,
    TicketNotFound,
    TransitionRefused,
)
from tests.gateway.conftest import hand_to_human

SHOP, CONV = "shop-a", "conv-1"
IDLE, QUEUE = 60.0, 300.0


async def open_ticket(backend: StoreBackend, conv: str = CONV, at: float = 100.0) -> str:
    await backend.conversations.append_shopper_message(
        AppendShopperMessage(SHOP, conv, f"m-{conv}", "转人工", at)
    )
    escalated = await backend.handoffs.escalate(
        Escalate(SHOP, conv, f"t-{conv}", ("human_request",), at)
    )
    return escalated.ticket_id


async def test_escalate_opens_a_pending_ticket_and_hands_over(backend: StoreBackend) -> None:
    escalated = await backend.handoffs.escalate(
        Escalate(SHOP, CONV, "t1", ("sensitive",), 10.0, message_id="m1", holding_text="请稍候",
                 outcome="OUT")
    )  # fmt: skip
    assert escalated.created and escalated.ticket_id == "t1"
    assert escalated.ownership == Ownership("human", 1)
    ticket = await backend.handoffs.ticket(SHOP, "t1")
    assert ticket is not None
    assert (ticket.state, ticket.conversation_id, ticket.reasons) == (
        "pending",
        CONV,
        ("sensitive",),
    )
    assert (ticket.created_at, ticket.queued_at) == (10.0, 10.0)
    log = await backend.conversations.read_messages(SHOP, CONV, None, 10)
    assert [(m.author, m.text) for m in log] == [("gateway", "请稍候")]


async def test_second_escalation_joins_the_open_ticket(backend: StoreBackend) -> None:
    await backend.handoffs.escalate(Escalate(SHOP, CONV, "t1", ("negative",), 10.0))
    joined = await backend.handoffs.escalate(Escalate(SHOP, CONV, "t2", ("human_request",), 11.0))
    assert not joined.created and joined.ticket_id == "t1"
    assert joined.ownership == Ownership("human", 1)
    assert await backend.handoffs.ticket(SHOP, "t2") is None
    ticket = await backend.handoffs.ticket(SHOP, "t1")
    assert ticket is not None and ticket.reasons == ("negative", "human_request")


async def test_queue_is_oldest_first(backend: StoreBackend) -> None:
    for conv, at in (("late", 30.0), ("early", 10.0), ("middle", 20.0)):
        await backend.handoffs.escalate(Escalate(SHOP, conv, f"t-{conv}", ("r",), at))
    queue = await backend.handoffs.tickets(SHOP, "pending", 10)
    assert [t.conversation_id for t in queue] == ["early", "middle", "late"]
    assert await backend.handoffs.tickets("other-shop", "pending", 10) == []


async def test_claim_assigns_and_takes_the_ticket_out_of_the_queue(backend: StoreBackend) -> None:
    ticket_id = await open_ticket(backend)
    ticket = await backend.handoffs.claim(Claim(SHOP, ticket_id, "agent-1", 200.0, IDLE))
    assert (ticket.state, ticket.assigned_to, ticket.agent_deadline) == (
        "assigned",
        "agent-1",
        260.0,
    )
    assert await backend.handoffs.tickets(SHOP, "pending", 10) == []
    assert [t.ticket_id for t in await backend.handoffs.tickets(SHOP, "assigned", 10)] == [
        ticket_id
    ]


async def test_exactly_one_of_many_concurrent_claims_wins(backend: StoreBackend) -> None:
    ticket_id = await open_ticket(backend)
    results = await asyncio.gather(
        *(
            backend.handoffs.claim(Claim(SHOP, ticket_id, f"agent-{i}", 200.0, IDLE))
            for i in range(25)
        ),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, TransitionRefused)]
    assert len(winners) == 1 and len(losers) == 24
    assert all(loser.state == "assigned" for loser in losers)


async def test_only_the_assignee_replies_and_replies_go_to_the_log(backend: StoreBackend) -> None:
    ticket_id = await open_ticket(backend)
    await backend.handoffs.claim(Claim(SHOP, ticket_id, "agent-1", 200.0, IDLE))
    cursor = await backend.handoffs.agent_reply(
        AgentReply(SHOP, ticket_id, "agent-1", "a1", "您好，我是客服小王", 210.0, IDLE)
    )
    assert cursor
    with pytest.raises(TransitionRefused, match="another agent"):
        await backend.handoffs.agent_reply(
            AgentReply(SHOP, ticket_id, "agent-2", "a2", "x", 211.0, IDLE)
        )
    log = await backend.conversations.read_messages(SHOP, CONV, None, 10)
    assert [(m.author, m.text) for m in log][-1] == ("agent", "您好，我是客服小王")
    ticket = await backend.handoffs.ticket(SHOP, ticket_id)
    assert ticket is not None and ticket.agent_deadline == 270.0  # the reply moved it on


async def test_resolve_gives_the_conversation_back_to_the_bot(backend: StoreBackend) -> None:
    ticket_id = await open_ticket(backend)
    await backend.handoffs.claim(Claim(SHOP, ticket_id, "agent-1", 200.0, IDLE))
    ticket = await backend.handoffs.resolve(Resolve(SHOP, ticket_id, "agent-1", 300.0))
    assert ticket.state == "resolved"
    assert await backend.conversations.ownership(SHOP, CONV) == Ownership("bot", 2)
    again = await backend.handoffs.escalate(Escalate(SHOP, CONV, "t-new", ("negative",), 400.0))
    assert again.created and again.ticket_id == "t-new"  # a resolved ticket is not joined


async def test_release_puts_the_ticket_back_at_its_place(backend: StoreBackend) -> None:
    first = await open_ticket(backend, "c1", at=10.0)
    await open_ticket(backend, "c2", at=20.0)
    await backend.handoffs.claim(Claim(SHOP, first, "agent-1", 30.0, IDLE))
    ticket = await backend.handoffs.release(Release(SHOP, first, "agent-1", 40.0))
    assert (ticket.state, ticket.assigned_to, ticket.queued_at) == ("pending", None, 40.0)
    queue = await backend.handoffs.tickets(SHOP, "pending", 10)
    assert [t.conversation_id for t in queue] == ["c1", "c2"]


async def test_cancel_only_while_pending(backend: StoreBackend) -> None:
    ticket_id = await open_ticket(backend)
    ticket = await backend.handoffs.cancel(Cancel(SHOP, ticket_id, 150.0))
    assert ticket.state == "cancelled"
    assert (await backend.conversations.ownership(SHOP, CONV)).owner == "bot"
    with pytest.raises(TransitionRefused):
        await backend.handoffs.cancel(Cancel(SHOP, ticket_id, 151.0))


@pytest.mark.parametrize(
    ("steps", "refused"),
    [
        (["claim", "claim"], "claim"),
        (["resolve"], "resolve"),  # pending cannot be resolved
        (["release"], "release"),
        (["claim", "cancel"], "cancel"),  # assigned cannot be cancelled
        (["claim", "resolve", "claim"], "claim"),  # resolved is final
        (["claim", "resolve", "reply"], "reply"),
        (["cancel", "claim"], "claim"),
    ],
)
async def test_other_transitions_are_refused(
    backend: StoreBackend, steps: list[str], refused: str
) -> None:
    ticket_id = await open_ticket(backend)
    store = backend.handoffs
    do = {
        "claim": lambda: store.claim(Claim(SHOP, ticket_id, "agent-1", 200.0, IDLE)),
        "resolve": lambda: store.resolve(Resolve(SHOP, ticket_id, "agent-1", 201.0)),
        "release": lambda: store.release(Release(SHOP, ticket_id, "agent-1", 201.0)),
        "cancel": lambda: store.cancel(Cancel(SHOP, ticket_id, 201.0)),
        "reply": lambda: store.agent_reply(
            AgentReply(SHOP, ticket_id, "agent-1", "x", "hi", 202.0, IDLE)
        ),
    }
    for step in steps[:-1]:
        await do[step]()
    before = await store.ticket(SHOP, ticket_id)
    with pytest.raises(TransitionRefused):
        await do[refused]()
    assert await store.ticket(SHOP, ticket_id) == before  # nothing changed


async def test_unknown_ticket(backend: StoreBackend) -> None:
    with pytest.raises(TicketNotFound):
        await backend.handoffs.claim(Claim(SHOP, "nope", "agent-1", 1.0, IDLE))
    assert await backend.handoffs.ticket(SHOP, "nope") is None


async def test_sweep_expires_unclaimed_tickets_and_tells_the_shopper(backend: StoreBackend) -> None:
    ticket_id = await open_ticket(backend, at=100.0)
    swept = await backend.handoffs.sweep(Sweep(SHOP, 100.0 + QUEUE - 1, QUEUE, "暂时无人接入"))
    assert swept.expired == ()
    swept = await backend.handoffs.sweep(Sweep(SHOP, 100.0 + QUEUE + 1, QUEUE, "暂时无人接入"))
    assert swept.expired == (ticket_id,)
    ticket = await backend.handoffs.ticket(SHOP, ticket_id)
    assert ticket is not None and ticket.state == "expired"
    assert (await backend.conversations.ownership(SHOP, CONV)).owner == "bot"
    log = await backend.conversations.read_messages(SHOP, CONV, None, 10)
    assert [(m.author, m.text) for m in log][-1] == ("gateway", "暂时无人接入")
    assert [t.ticket_id for t in await backend.handoffs.tickets(SHOP, "expired", 10)] == [ticket_id]
    with pytest.raises(TransitionRefused):
        await backend.handoffs.claim(Claim(SHOP, ticket_id, "agent-1", 500.0, IDLE))


async def test_sweep_requeues_an_idle_claim(backend: StoreBackend) -> None:
    ticket_id = await open_ticket(backend, at=100.0)
    await backend.handoffs.claim(Claim(SHOP, ticket_id, "agent-1", 200.0, IDLE))
    assert (await backend.handoffs.sweep(Sweep(SHOP, 259.0, QUEUE, "x"))).requeued == ()
    swept = await backend.handoffs.sweep(Sweep(SHOP, 261.0, QUEUE, "x"))
    assert swept.requeued == (ticket_id,) and swept.expired == ()
    ticket = await backend.handoffs.ticket(SHOP, ticket_id)
    assert ticket is not None
    assert (ticket.state, ticket.assigned_to, ticket.queued_at) == ("pending", None, 261.0)
    assert (await backend.conversations.ownership(SHOP, CONV)).owner == "human"
    # the queue timeout counts again from the requeue, not from creation
    assert (await backend.handoffs.sweep(Sweep(SHOP, 261.0 + QUEUE - 1, QUEUE, "x"))).expired == ()


async def test_sentiment_and_fingerprints_come_back_with_the_next_message(
    backend: StoreBackend,
) -> None:
    store = backend.conversations
    first = await store.append_shopper_message(
        AppendShopperMessage(SHOP, CONV, "m1", "怎么还没发货", 1.0)
    )
    assert first.last_sentiment is None and first.fingerprints == ()
    await store.finish_with_reply(
        FinishWithReply(SHOP, CONV, "m1", "bot", "亲，48小时内发货", 2.0, first.ownership.version,
                        "S", "D", fingerprint="fp-1", sentiment=0.25)
    )  # fmt: skip
    second = await store.append_shopper_message(
        AppendShopperMessage(SHOP, CONV, "m2", "还没发？", 3.0)
    )
    assert second.last_sentiment == 0.25 and second.fingerprints == ("fp-1",)
    await store.finish_with_reply(
        FinishWithReply(SHOP, CONV, "m2", "bot", "亲，48小时内发货", 4.0, second.ownership.version,
                        "S", "D", fingerprint="fp-2", sentiment=None)
    )  # fmt: skip
    third = await store.append_shopper_message(AppendShopperMessage(SHOP, CONV, "m3", "好的", 5.0))
    assert third.last_sentiment is None and third.fingerprints == ("fp-2", "fp-1")


async def test_hand_to_human_bumps_version_once_and_keeps_reasons(backend: StoreBackend) -> None:
    await backend.conversations.append_shopper_message(
        AppendShopperMessage(SHOP, CONV, "m1", "hi", 1.0)
    )
    first = await hand_to_human(backend, SHOP, CONV, "bot_timeout", 5.0)
    second = await hand_to_human(backend, SHOP, CONV, "bot_http_error", 6.0)
    assert first == Ownership("human", 1)
    assert second == Ownership("human", 1)
    assert await backend.conversations.ownership(SHOP, CONV) == Ownership("human", 1)
    assert await backend.handoffs.reasons(SHOP, CONV) == ["bot_timeout", "bot_http_error"]


async def test_waiting_list_is_oldest_first_without_duplicates(backend: StoreBackend) -> None:
    await hand_to_human(backend, SHOP, "late", "r", 30.0)
    await hand_to_human(backend, SHOP, "early", "r", 10.0)
    await hand_to_human(backend, SHOP, "middle", "r", 20.0)
    await hand_to_human(backend, SHOP, "early", "again", 40.0)
    store = backend.handoffs
    assert await store.waiting_for_human(SHOP, 10) == ["early", "middle", "late"]
    assert await store.waiting_for_human(SHOP, 2) == ["early", "middle"]
    assert await store.waiting_for_human("other-shop", 10) == []


async def test_escalate_with_holding_reply_and_outcome_does_everything_once(
    backend: StoreBackend,
) -> None:
    store = backend.conversations
    await store.append_shopper_message(AppendShopperMessage(SHOP, CONV, "m1", "投诉", 1.0))
    escalated = await backend.handoffs.escalate(
        Escalate(SHOP, CONV, "t1", ("sensitive", "negative"), 2.0, message_id="m1",
                 holding_text="正在转接…", outcome="OUT")
    )  # fmt: skip
    assert escalated.ownership == Ownership("human", 1)
    assert await backend.handoffs.reasons(SHOP, CONV) == ["sensitive", "negative"]
    assert await backend.handoffs.waiting_for_human(SHOP, 10) == [CONV]
    log = await store.read_messages(SHOP, CONV, None, 10)
    assert [(m.author, m.text) for m in log] == [("shopper", "投诉"), ("gateway", "正在转接…")]
    replay = await store.append_shopper_message(AppendShopperMessage(SHOP, CONV, "m1", "x", 3.0))
    assert replay.recorded_outcome == "OUT"
    second = await backend.handoffs.escalate(
        Escalate(SHOP, CONV, "t2", ("bot_timeout",), 4.0, message_id="m2", outcome="O2")
    )
    assert second.ownership == Ownership("human", 1)
    assert len(await store.read_messages(SHOP, CONV, None, 10)) == 2
