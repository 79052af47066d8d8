"""The loaded configuration as one immutable snapshot, and the holder that swaps it on reload."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from guardrails import Guardrails
from guardrails.escalation import MessageScreen

from ..errors import ConfigError
from ..logging import event
from .compile import compile_guardrails, compile_screen
from .settings import GatewaySettings
from .shops import ShopRegistry, load_shops

log = logging.getLogger("gateway.config")


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """Everything a request reads from configuration; replaced whole, never edited."""

    shops: ShopRegistry
    guardrails: Mapping[str, Guardrails]
    screen: MessageScreen
    source: Path
    loaded_at: float


def load_config(
    config_dir: Path, environ: Mapping[str, str], model_cache: Path | None = None
) -> LoadedConfig:
    """Read and validate the shop files and compile each shop's guardrails. Blocking (lexicon
    automata take a noticeable time to build): call it off the event loop once serving."""
    shops = load_shops(config_dir / "shops", environ)
    return LoadedConfig(
        shops=shops,
        guardrails=compile_guardrails(config_dir, shops.shops),
        screen=compile_screen(config_dir, shops.shops, model_cache),
        source=config_dir,
        loaded_at=time.time(),
    )


class ConfigHolder:
    """Holds the snapshot in force. Reload builds a new one off the event loop, then swaps it in
    one assignment: a request sees the old snapshot or the new one, never a mix."""

    def __init__(
        self, current: LoadedConfig, settings: GatewaySettings, environ: Mapping[str, str]
    ) -> None:
        self._current = current
        self._settings = settings
        self._environ = environ
        self._lock = asyncio.Lock()

    @property
    def current(self) -> LoadedConfig:
        return self._current

    @property
    def settings(self) -> GatewaySettings:
        return self._settings

    async def reload(self) -> bool:
        """Load the config again; keep the old one in force if the new one is invalid."""
        async with self._lock:
            loop = asyncio.get_running_loop()
            try:
                fresh = await loop.run_in_executor(
                    None,
                    load_config,
                    self._current.source,
                    self._environ,
                    self._settings.model_cache_dir,
                )
            except ConfigError as exc:
                event(log, "config.reload_refused", logging.ERROR, error=exc.message)
                return False
            except Exception as exc:  # a reload must never take the running gateway down
                log.exception("config.reload_failed", extra={"fields": {"error": repr(exc)}})
                return False
            self._current = fresh
            event(log, "config.reloaded", shops=sorted(fresh.shops.shops))
            return True
