"""API-key checks: which shop a bearer key belongs to and what it may do there."""

from __future__ import annotations

from collections.abc import Collection

from aiohttp import web

from .config import KeyGrant, Role, ShopConfig, ShopRegistry
from .errors import Forbidden, Unauthorized, UnknownShop


def require_shop(registry: ShopRegistry, shop_id: str) -> ShopConfig:
    shop = registry.get(shop_id)
    if shop is None:
        raise UnknownShop(f"no shop '{shop_id}'")
    return shop


def bearer_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("missing or malformed 'Authorization: Bearer <key>' header")
    return token


def authorize(
    request: web.Request, registry: ShopRegistry, shop_id: str, roles: Collection[Role]
) -> tuple[ShopConfig, KeyGrant]:
    """404 for an unknown shop, 401 for a missing or unknown key, 403 for a key of another shop or
    of a role that may not do this."""
    shop = require_shop(registry, shop_id)
    grant = registry.grant_for(bearer_token(request))
    if grant is None:
        raise Unauthorized("unknown API key")
    if grant.shop_id != shop_id:
        raise Forbidden("this API key belongs to another shop")
    if grant.role not in roles:
        allowed = " or ".join(sorted(roles))
        raise Forbidden(f"a '{grant.role}' key cannot do this; it needs a {allowed} key")
    return shop, grant
