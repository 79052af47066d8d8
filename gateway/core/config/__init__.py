"""Configuration, loaded in one place: process settings (``gateway.yaml`` and ``GATEWAY_*``), shop
files, platform presets, lexicons, and each shop's compiled guardrails and message screen.

Every problem is a ``ConfigError`` naming the file and the field, raised at start-up or refused
on reload; nothing falls back to defaults silently.
"""

from __future__ import annotations

from ..errors import ConfigError
from .compile import ExtraPhrases
from .compliance import CompliancePolicy
from .settings import GatewaySettings, load_settings, process_environ
from .shops import KeyGrant, Role, ShopConfig, ShopRegistry
from .snapshot import ConfigHolder, LoadedConfig, PhraseSource, load_config

__all__ = [
    "CompliancePolicy",
    "ConfigError",
    "ConfigHolder",
    "ExtraPhrases",
    "GatewaySettings",
    "KeyGrant",
    "LoadedConfig",
    "PhraseSource",
    "Role",
    "ShopConfig",
    "ShopRegistry",
    "load_config",
    "load_settings",
    "process_environ",
]
