"""Typed keys for the state the Application holds (no module globals)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from .checks import AnswerCheck, MessageCheck
from .core.config import ConfigHolder
from .handoff import ConversationEvents, HandoffService
from .messages import MessageService
from .privacy import PrivacyService
from .stores import StoreBackend


@dataclass(frozen=True, slots=True)
class Checks:
    """The checks in force: on outgoing answers, and on incoming shopper messages."""

    answer: AnswerCheck
    message: MessageCheck


CONFIG = web.AppKey("config", ConfigHolder)
CHECKS = web.AppKey("checks", Checks)
STORE = web.AppKey("store", StoreBackend)
MESSAGES = web.AppKey("messages", MessageService)
PRIVACY = web.AppKey("privacy", PrivacyService)
HANDOFFS = web.AppKey("handoffs", HandoffService)
EVENTS = web.AppKey("events", ConversationEvents)
