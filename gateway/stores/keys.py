"""Redis key layout. Every key of a shop carries the hash tag ``{shop:ID}`` so that, on a Redis
Cluster, all of one shop's keys live in one slot and its Lua scripts may touch several of them."""

from __future__ import annotations

PREFIX = "gw"


def shop_tag(shop_id: str) -> str:
    return f"{PREFIX}:{{shop:{shop_id}}}"


def conversation_meta(shop_id: str, conversation_id: str) -> str:
    return f"{shop_tag(shop_id)}:conv:{conversation_id}:meta"


def conversation_log(shop_id: str, conversation_id: str) -> str:
    return f"{shop_tag(shop_id)}:conv:{conversation_id}:log"


def conversation_message_ids(shop_id: str, conversation_id: str) -> str:
    return f"{shop_tag(shop_id)}:conv:{conversation_id}:mids"


def conversation_reasons(shop_id: str, conversation_id: str) -> str:
    return f"{shop_tag(shop_id)}:conv:{conversation_id}:reasons"


def waiting_for_human(shop_id: str) -> str:
    return f"{shop_tag(shop_id)}:waiting"
