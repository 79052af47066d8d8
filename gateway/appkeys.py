"""Typed keys for the state the Application holds (no module globals)."""

from __future__ import annotations

from aiohttp import web

from .checks import Checks
from .core.config import ConfigHolder
from .handoff import ConversationEvents, HandoffService
from .messages import MessageService
from .privacy.service import PrivacyService
from .stores import StoreBackend

CONFIG = web.AppKey("config", ConfigHolder)
CHECKS = web.AppKey("checks", Checks)
STORE = web.AppKey("store", StoreBackend)
MESSAGES = web.AppKey("messages", MessageService)
PRIVACY = web.AppKey("privacy", PrivacyService)
HANDOFFS = web.AppKey("handoffs", HandoffService)
EVENTS = web.AppKey("events", ConversationEvents)
