"""Typed keys for the state the Application holds (no module globals)."""

from __future__ import annotations

from aiohttp import web

from .config import ConfigHolder
from .messages import MessageService
from .stores import StoreBackend

CONFIG = web.AppKey("config", ConfigHolder)
STORE = web.AppKey("store", StoreBackend)
MESSAGES = web.AppKey("messages", MessageService)
