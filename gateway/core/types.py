"""Type aliases every domain uses; each domain's values live in its own ``store.py``."""

from __future__ import annotations

from collections.abc import Callable

Clock = Callable[[], float]  # seconds since the epoch; injected so tests control time
