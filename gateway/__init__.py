"""cs-gateway: an async gateway between shoppers and a shop's customer-service bot."""

from __future__ import annotations

from .app import create_app
from .core.config import GatewaySettings, LoadedConfig, load_config, load_settings

__all__ = ["GatewaySettings", "LoadedConfig", "create_app", "load_config", "load_settings"]
