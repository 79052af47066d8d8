"""Platform presets (``config/platforms/<platform>.yaml``): what every shop of a platform starts
from."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError

from ..errors import ConfigError
from .files import format_validation_error, read_yaml_mapping
from .shops import ActionName, Platform, SeverityName, Strict

PLATFORMS_DIR = "platforms"


class CategoryRuleConfig(Strict):
    action: ActionName
    severity: SeverityName


class PlatformPreset(Strict):
    """What every shop of a platform starts from: its own domains and a rule per category."""

    platform: Platform
    allowed_domains: list[str] = Field(min_length=1)
    categories: dict[str, CategoryRuleConfig]


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
