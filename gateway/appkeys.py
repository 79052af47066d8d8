"""Typed keys for the state the Application holds (no module globals)."""

from __future__ import annotations

from aiohttp import web

from .backend import StoreBackend
from .checks import Checks
from .compliance.service import ComplianceService
from .conversations.events import ConversationEvents
from .conversations.service import MessageService
from .core.config import ConfigHolder
from .feedback.service import FeedbackService
from .handoffs.service import HandoffService
from .handoffs.webhooks import WebhookNotifier
from .privacy.service import PrivacyService

CONFIG = web.AppKey("config", ConfigHolder)
CHECKS = web.AppKey("checks", Checks)
STORE = web.AppKey("store", StoreBackend)
MESSAGES = web.AppKey("messages", MessageService)
PRIVACY = web.AppKey("privacy", PrivacyService)
HANDOFFS = web.AppKey("handoffs", HandoffService)
EVENTS = web.AppKey("events", ConversationEvents)
FEEDBACK = web.AppKey("feedback", FeedbackService)
COMPLIANCE = web.AppKey("compliance", ComplianceService)
WEBHOOKS = web.AppKey("webhooks", WebhookNotifier)
