"""Redis key layout. Every key of a shop carries the hash tag ``{shop:ID}`` so that, on a Redis
Cluster, all of one shop's keys live in one slot and its Lua scripts may touch several of them."""

from __future__ import annotations

from ..core.redis import shop_tag


def conversation_meta(shop_id: str, conversation_id: str) -> str:
    return f"{shop_tag(shop_id)}:conv:{conversation_id}:meta"


def conversation_log(shop_id: str, conversation_id: str) -> str:
    return f"{shop_tag(shop_id)}:conv:{conversation_id}:log"


def conversation_message_ids(shop_id: str, conversation_id: str) -> str:
    return f"{shop_tag(shop_id)}:conv:{conversation_id}:mids"


def conversation_fingerprints(shop_id: str, conversation_id: str) -> str:
    return f"{shop_tag(shop_id)}:conv:{conversation_id}:fps"


def conversation_prefix(shop_id: str) -> str:
    """Lua scripts that find a conversation through its ticket build its keys from this."""
    return f"{shop_tag(shop_id)}:conv:"


def ticket_prefix(shop_id: str) -> str:
    return f"{shop_tag(shop_id)}:ticket:"


def queue(shop_id: str) -> str:
    """Pending tickets by creation time (the order agents see)."""
    return f"{shop_tag(shop_id)}:queue"


def queue_deadlines(shop_id: str) -> str:
    """Pending tickets by the time they (last) entered the queue (the queue timeout)."""
    return f"{shop_tag(shop_id)}:queue:since"


def assigned(shop_id: str) -> str:
    """Assigned tickets by the time their agent counts as idle."""
    return f"{shop_tag(shop_id)}:assigned"


def expired(shop_id: str) -> str:
    """Expired tickets by expiry time: the backlog of messages left while nobody answered."""
    return f"{shop_tag(shop_id)}:expired"
