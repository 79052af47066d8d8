"""The loaded configuration as one immutable snapshot, and the holder that swaps it on reload."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from guardrails import Guardrails
from guardrails.escalation import MessageScreen

from ..errors import ConfigError, StoreUnavailable
from ..logging import event
from .compile import ExtraPhrases, compile_guardrails, compile_screen
from .compliance import CompliancePolicy, compile_compliance
from .settings import GatewaySettings
from .shops import ShopRegistry, load_shops

log = logging.getLogger("gateway.config")

# Reads the extra phrases of these shops (shop feedback) from the store; StoreUnavailable when
# it cannot. Called by the holder on the event loop, between reading the files and compiling.
PhraseSource = Callable[[Collection[str]], Awaitable[Mapping[str, ExtraPhrases]]]


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """Everything a request reads from configuration; replaced whole, never edited."""

    shops: ShopRegistry
    guardrails: Mapping[str, Guardrails]
    screen: MessageScreen
    source: Path
    loaded_at: float
    # The phrases from outside the files compiled into ``guardrails``, per shop.
    extra_phrases: Mapping[str, ExtraPhrases] = field(default_factory=dict)
    compliance: Mapping[str, CompliancePolicy] = field(default_factory=dict)


def load_config(
    config_dir: Path,
    environ: Mapping[str, str],
    model_cache: Path | None = None,
    extra_phrases: Mapping[str, ExtraPhrases] | None = None,
) -> LoadedConfig:
    """Read and validate the shop files and compile each shop's guardrails. Blocking (lexicon
    automata take a noticeable time to build): call it off the event loop once serving."""
    shops = load_shops(config_dir / "shops", environ)
    return compile_config(config_dir, shops, model_cache, extra_phrases)


def compile_config(
    config_dir: Path,
    shops: ShopRegistry,
    model_cache: Path | None = None,
    extra_phrases: Mapping[str, ExtraPhrases] | None = None,
) -> LoadedConfig:
    """The snapshot of shops already read: their guardrails (with ``extra_phrases``) and the
    message screen. Blocking, like ``load_config``."""
    extra = dict(extra_phrases or {})
    guardrails = compile_guardrails(config_dir, shops.shops, extra)
    shops, compliance = compile_compliance(config_dir, shops)
    return LoadedConfig(
        shops=shops,
        guardrails=guardrails,
        screen=compile_screen(config_dir, shops.shops, model_cache),
        source=config_dir,
        loaded_at=time.time(),
        extra_phrases=extra,
        compliance=compliance,
    )


class ConfigHolder:
    """Holds the snapshot in force. Reload builds a new one off the event loop, then swaps it in
    one assignment: a request sees the old snapshot or the new one, never a mix.

    With a ``phrases`` source, every snapshot also compiles the shops' extra phrases, read from
    the store between reading the files and compiling (config loading itself stays free of store
    I/O). The snapshot given at start-up has none yet: ``load_phrases`` adds them once the store
    is open, and until then ``phrases_loaded`` is False."""

    def __init__(
        self,
        current: LoadedConfig,
        settings: GatewaySettings,
        environ: Mapping[str, str],
        phrases: PhraseSource | None = None,
    ) -> None:
        self._current = current
        self._settings = settings
        self._environ = environ
        self._phrases = phrases
        self._phrases_loaded = phrases is None
        self._lock = asyncio.Lock()

    @property
    def current(self) -> LoadedConfig:
        return self._current

    @property
    def settings(self) -> GatewaySettings:
        return self._settings

    @property
    def phrases_loaded(self) -> bool:
        """Whether the snapshot in force holds the extra phrases the store had when it was built."""
        return self._phrases_loaded

    async def _read_phrases(self, shops: ShopRegistry) -> dict[str, ExtraPhrases]:
        if self._phrases is None:
            return {}
        try:
            return dict(await self._phrases(list(shops.shops)))
        except StoreUnavailable as exc:
            raise ConfigError(f"shop feedback phrases: {exc.message}") from exc

    async def reload(self) -> bool:
        """Load the config again; keep the old one in force if the new one is invalid or the
        store cannot give the shops' extra phrases."""
        async with self._lock:
            loop = asyncio.get_running_loop()
            source = self._current.source
            try:
                shops = await loop.run_in_executor(
                    None, load_shops, source / "shops", self._environ
                )
                extra = await self._read_phrases(shops)
                fresh = await loop.run_in_executor(
                    None, compile_config, source, shops, self._settings.model_cache_dir, extra
                )
            except ConfigError as exc:
                event(log, "config.reload_refused", logging.ERROR, error=exc.message)
                return False
            except Exception as exc:  # a reload must never take the running gateway down
                log.exception("config.reload_failed", extra={"fields": {"error": repr(exc)}})
                return False
            self._current = fresh
            self._phrases_loaded = True
            event(log, "config.reloaded", shops=sorted(fresh.shops.shops))
            return True

    async def load_phrases(self) -> bool:
        """Compile the store's extra phrases into the snapshot in force (at start-up, once the
        store is open). False, and logged, when the store cannot give them; the snapshot in force
        stays as it is."""
        async with self._lock:
            current = self._current
            try:
                extra = await self._read_phrases(current.shops)
                if extra != current.extra_phrases:
                    guardrails = await asyncio.get_running_loop().run_in_executor(
                        None, compile_guardrails, current.source, current.shops.shops, extra
                    )
                    current = dataclasses.replace(
                        current, guardrails=guardrails, extra_phrases=extra
                    )
            except ConfigError as exc:
                event(log, "config.phrases_unavailable", logging.ERROR, error=exc.message)
                return False
            self._current = current
            self._phrases_loaded = True
            event(log, "config.phrases_loaded", shops=sorted(extra))
            return True
