"""Platform presets (``config/platforms/<platform>.yaml``): what every shop of a platform starts
from."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from ..errors import ConfigError
from .files import format_validation_error, read_yaml_mapping
from .shops import (
    ActionName,
    Platform,
    Score,
    SeverityName,
    SeverityPoints,
    Strict,
)

PLATFORMS_DIR = "platforms"


class CategoryRuleConfig(Strict):
    action: ActionName
    severity: SeverityName


class PresetPoints(SeverityPoints):
    """A preset gives points for every severity."""

    @model_validator(mode="after")
    def _complete(self) -> PresetPoints:
        missing = [name for name, value in self.model_dump().items() if value is None]
        if missing:
            raise ValueError(f"points for {', '.join(missing)} are missing")
        return self


class PresetSanctions(Strict):
    warn_at: int = Field(ge=1, le=100_000)
    suspend_at: int = Field(ge=1, le=100_000)


class PresetSatisfaction(Strict):
    threshold: float = Field(ge=0, le=1)
    satisfied_scores: list[Score] = Field(min_length=1)
    min_ratings: int = Field(ge=1, le=100_000)


class PresetServiceTime(Strict):
    first_reply_s: float = Field(gt=0, le=24 * 3600)
    answer_window_s: float = Field(gt=0, le=24 * 3600)
    warn_fraction: float = Field(gt=0, lt=1)
    queue_timeout_s: float = Field(ge=1, le=7 * 24 * 3600)
    agent_idle_timeout_s: float = Field(ge=1, le=24 * 3600)


class PlatformCompliance(Strict):
    """The platform's violation points, sanction thresholds, opening gate and service-time
    windows (README "Compliance" gives the rule behind each)."""

    points: dict[str, PresetPoints]
    # For a category the preset does not list (a shop's own lexicon category).
    default_points: PresetPoints
    sanctions: PresetSanctions
    satisfaction: PresetSatisfaction
    service_time: PresetServiceTime


class PlatformPreset(Strict):
    """What every shop of a platform starts from: its own domains, a rule per category, and its
    compliance rules."""

    platform: Platform
    allowed_domains: list[str] = Field(min_length=1)
    categories: dict[str, CategoryRuleConfig]
    compliance: PlatformCompliance


def load_platform_presets(config_dir: Path) -> dict[str, PlatformPreset]:
    presets: dict[str, PlatformPreset] = {}
    for path in sorted((config_dir / PLATFORMS_DIR).glob("*.yaml")):
        try:
            preset = PlatformPreset.model_validate(read_yaml_mapping(path))
        except ValidationError as exc:
            raise ConfigError(format_validation_error(str(path), exc)) from exc
        if preset.platform != path.stem:
            raise ConfigError(f"{path}: platform: '{preset.platform}' must match the file name")
        presets[preset.platform] = preset
    return presets
