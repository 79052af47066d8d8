"""Each shop's compliance policy: the platform preset's points, sanction thresholds, opening gate
and service-time windows with the shop's changes, resolved once per (re)load.

The preset's queue expiry and idle-claim timeouts also become the shop's ``escalation`` values
wherever the shop file does not set them, so that tickets expire in line with the windows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from guardrails import Severity

from ..errors import ConfigError
from .compile import known_categories
from .platforms import PLATFORMS_DIR, PlatformPreset, PresetPoints, load_platform_presets
from .shops import ComplianceMode, SeverityPoints, ShopConfig, ShopRegistry, WebhookConfig

SEVERITY_FIELDS = {
    Severity.MINOR: "minor",
    Severity.GENERAL: "general",
    Severity.SERIOUS: "serious",
    Severity.ESPECIALLY_SERIOUS: "especially_serious",
}


@dataclass(frozen=True, slots=True)
class CompliancePolicy:
    """What the compliance domain needs of one shop, every value resolved."""

    mode: ComplianceMode
    points: Mapping[str, Mapping[Severity, int]]
    default_points: Mapping[Severity, int]
    warn_at: int
    suspend_at: int
    satisfaction_threshold: float
    satisfied_scores: frozenset[int]
    min_ratings: int
    first_reply_s: float
    answer_window_s: float
    warn_fraction: float
    webhook: WebhookConfig | None = None

    def points_for(self, category: str, severity: Severity) -> int:
        return self.points.get(category, self.default_points)[severity]


def _points(base: PresetPoints, override: SeverityPoints | None) -> dict[Severity, int]:
    resolved = {}
    for severity, name in SEVERITY_FIELDS.items():
        value = getattr(override, name) if override is not None else None
        resolved[severity] = value if value is not None else getattr(base, name)
    return resolved


def shop_policy(shop: ShopConfig, preset: PlatformPreset, source: str) -> CompliancePolicy:
    platform, own = preset.compliance, shop.compliance
    known = known_categories(shop)
    for category in own.points:
        if category not in known:
            raise ConfigError(
                f"{source}: compliance.points.{category}: unknown category "
                f"(known: {', '.join(sorted(known))})"
            )
    points = {
        category: _points(platform.points.get(category, platform.default_points), override)
        for category, override in {
            **dict.fromkeys(platform.points),
            **own.points,
        }.items()
    }
    warn_at = own.sanctions.warn_at or platform.sanctions.warn_at
    suspend_at = own.sanctions.suspend_at or platform.sanctions.suspend_at
    if suspend_at <= warn_at:
        raise ConfigError(
            f"{source}: compliance.sanctions: suspend_at ({suspend_at}) must be above warn_at "
            f"({warn_at})"
        )
    satisfaction, times = own.satisfaction, own.service_time
    scores = satisfaction.satisfied_scores or platform.satisfaction.satisfied_scores
    return CompliancePolicy(
        mode=own.mode,
        points=points,
        default_points=_points(platform.default_points, None),
        warn_at=warn_at,
        suspend_at=suspend_at,
        satisfaction_threshold=(
            satisfaction.threshold
            if satisfaction.threshold is not None
            else platform.satisfaction.threshold
        ),
        satisfied_scores=frozenset(scores),
        min_ratings=satisfaction.min_ratings or platform.satisfaction.min_ratings,
        first_reply_s=times.first_reply_s or platform.service_time.first_reply_s,
        answer_window_s=times.answer_window_s or platform.service_time.answer_window_s,
        warn_fraction=times.warn_fraction or platform.service_time.warn_fraction,
        webhook=own.webhook or shop.escalation.webhook,
    )


def with_preset_timeouts(shop: ShopConfig, preset: PlatformPreset) -> ShopConfig:
    """The shop with the preset's queue expiry and idle-claim timeouts where its file sets none."""
    escalation, times = shop.escalation, preset.compliance.service_time
    unset = {"queue_timeout_s", "agent_idle_timeout_s"} - escalation.model_fields_set
    if not unset:
        return shop
    filled = escalation.model_copy(update={name: getattr(times, name) for name in unset})
    return shop.model_copy(update={"escalation": filled})


def compile_compliance(
    config_dir: Path, shops: ShopRegistry
) -> tuple[ShopRegistry, dict[str, CompliancePolicy]]:
    """The shops with their preset timeouts filled in, and each shop's compliance policy."""
    presets = load_platform_presets(config_dir)
    resolved: dict[str, ShopConfig] = {}
    policies: dict[str, CompliancePolicy] = {}
    for shop_id, shop in shops.shops.items():
        source = str(config_dir / "shops" / f"{shop_id}.yaml")
        preset = presets.get(shop.platform)
        if preset is None:
            raise ConfigError(
                f"{source}: platform: no preset {config_dir / PLATFORMS_DIR / shop.platform}.yaml"
            )
        resolved[shop_id] = with_preset_timeouts(shop, preset)
        policies[shop_id] = shop_policy(resolved[shop_id], preset, source)
    registry = ShopRegistry(shops=resolved, keys=shops.keys, pools=shops.pools)
    return registry, policies
