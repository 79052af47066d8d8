"""Process settings: ``config/gateway.yaml`` overridden by ``GATEWAY_*`` environment variables.

This is the only module that reads the process environment.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ..errors import ConfigError
from .files import format_validation_error, read_yaml_mapping

ENV_PREFIX = "GATEWAY_"


class GatewaySettings(BaseSettings):
    """What one gateway process needs: where to listen, which store, how to log."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    # None or "memory://" selects the embedded in-memory store (one process only).
    store_url: str | None = None
    store_max_connections: int = Field(64, ge=1, le=10_000)
    store_timeout_s: float = Field(2.0, gt=0, le=60)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # auto: uvloop when installed (a drop-in, faster event loop), else asyncio's own.
    event_loop: Literal["auto", "uvloop", "asyncio"] = "auto"
    # The demo FAQ bot runs inside the gateway process on its own loopback port.
    demo_bot: bool = True
    demo_bot_port: int = Field(8081, ge=0, le=65535)
    upstream_max_connections: int = Field(256, ge=1, le=10_000)
    max_body_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)
    # How often a process expires unclaimed handoffs and requeues idle claims (0: never; tests).
    handoff_sweep_interval_s: float = Field(1.0, ge=0, le=60)
    # A conversation's log, owner and seen message ids live this long after its last write.
    conversation_ttl_s: int = Field(7 * 24 * 3600, ge=60)
    # Shared by the platform's telephony side (privacy-number call routing); never a shop key.
    telephony_key_sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    # Base64 of 32 random bytes: the AES-256-GCM key for shoppers' real numbers behind privacy
    # numbers. Required as soon as a shop configures privacy numbers.
    privacy_key: SecretStr | None = None
    # Where the sentiment model's segmentation tables are cached (built there on first start if
    # missing; `cs-gateway models` builds them ahead of time). None: ~/.cache/cs-gateway.
    model_cache_dir: Path | None = None
    # Every this many seconds, log loop.lag: how long ready callbacks waited for the event loop
    # (p50/p99/max). 0 turns the monitor off.
    loop_lag_report_s: float = Field(60.0, ge=0, le=3600)

    @field_validator("store_url")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value in (None, "", "memory://"):
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be redis://, rediss://, unix:// or memory://")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("privacy_key")
    @classmethod
    def _32_bytes(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        try:
            raw = base64.b64decode(value.get_secret_value(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("must be base64 (head -c 32 /dev/urandom | base64)") from None
        if len(raw) != 32:
            raise ValueError(f"must decode to 32 bytes, not {len(raw)}")
        return value


class _MappingSource(PydanticBaseSettingsSource):
    """Feeds the parsed gateway.yaml to pydantic-settings below the environment."""

    def __init__(self, settings_cls: type[BaseSettings], data: Mapping[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = dict(data)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


def load_settings(config_dir: Path, **overrides: Any) -> GatewaySettings:
    """gateway.yaml < GATEWAY_* environment < explicit overrides (the CLI's flags)."""
    path = config_dir / "gateway.yaml"
    data = read_yaml_mapping(path) if path.exists() else {}

    class _Settings(GatewaySettings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings, env_settings, _MappingSource(settings_cls, data))

    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return _Settings(**given)
    except ValidationError as exc:
        raise ConfigError(
            format_validation_error(f"{path} (or {ENV_PREFIX}* environment)", exc)
        ) from exc


def process_environ() -> Mapping[str, str]:
    """The environment, for config that names variables holding secrets (shop API keys)."""
    return os.environ
