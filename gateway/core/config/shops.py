"""Per-shop configuration: pydantic models for ``config/shops/*.yaml`` and the loader.

Every file is validated strictly (unknown fields are errors) and every error names the file and the
field, so a typo stops start-up (or is refused on reload) instead of silently running defaults.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from ..errors import ConfigError
from ..phones import normalize_mobile
from .files import format_validation_error, read_yaml_mapping

Platform = Literal["jd", "douyin", "kuaishou"]
Role = Literal["shop", "agent", "admin"]

SHOP_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class Strict(BaseModel):
    """Unknown fields are errors; a loaded model is never edited."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class UpstreamConfig(Strict):
    """The shop's own bot: where it answers and how long we wait for it."""

    url: AnyHttpUrl
    timeout_s: float = Field(3.0, gt=0, le=60)
    # Extra attempts after a connection error, a timeout or a 5xx; never after a bad answer.
    retries: int = Field(1, ge=0, le=5)
    retry_backoff_s: float = Field(0.05, ge=0, le=5)


class ApiKeyConfig(Strict):
    """A key is given as the SHA-256 of its value, or as the name of a variable that holds it."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    role: Role = "shop"
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    env: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")

    @model_validator(mode="after")
    def _exactly_one_source(self) -> ApiKeyConfig:
        if (self.sha256 is None) == (self.env is None):
            raise ValueError("give exactly one of 'sha256' or 'env'")
        return self


class RepliesConfig(Strict):
    """Texts the gateway itself sends to the shopper."""

    holding: str = Field("正在为您转接人工客服，请稍候…", min_length=1, max_length=500)
    fallback: str = Field(
        "抱歉，这个问题我暂时无法回答，已为您记录，稍后由客服为您解答。",
        min_length=1,
        max_length=500,
    )
    # When nobody claimed the handoff within the queue timeout.
    no_agent: str = Field(
        "抱歉，客服暂时都在忙。您可以直接留言，客服上线后会第一时间回复您。",
        min_length=1,
        max_length=500,
    )


# The names of guardrails' Action and Severity values, as config files spell them.
ActionName = Literal["allow", "flag", "redact", "block", "escalate"]
SeverityName = Literal["minor", "general", "serious", "especially_serious"]


class CategoryOverride(Strict):
    """A shop's change to its platform preset for one category; unset fields keep the preset."""

    action: ActionName | None = None
    severity: SeverityName | None = None


class ShopLexicon(Strict):
    """An extra phrase file of the shop's (one phrase a line), path relative to the config dir."""

    file: str = Field(min_length=1)
    category: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")


class GuardrailsConfig(Strict):
    """Outgoing-answer checks on top of the platform preset (config/platforms/<platform>.yaml)."""

    categories: dict[str, CategoryOverride] = Field(default_factory=dict)
    allow_phrases: list[str] = Field(default_factory=list)
    allowed_domains: list[str] = Field(default_factory=list)
    lexicons: list[ShopLexicon] = Field(default_factory=list)
    mask: str = Field("***", min_length=1, max_length=10)
    # The learned answer model beside the rules (guardrails/models/); off: the rules alone.
    model: bool = True


class WebhookConfig(Strict):
    """Where agents' tools learn of a new handoff at once (polling the queue works too)."""

    url: AnyHttpUrl
    timeout_s: float = Field(5.0, gt=0, le=60)
    retries: int = Field(3, ge=0, le=10)
    backoff_s: float = Field(0.5, ge=0, le=60)  # doubled after each failed attempt


class EscalationConfig(Strict):
    """When a conversation goes to a human, and how long the human side may take."""

    human_request: bool = True
    sensitive: bool = True
    negative: bool = True
    # A message the sentiment model scores below negative_below (0..1, low is negative) escalates;
    # two in a row below conversation_below do. Unset: the model's calibrated thresholds.
    negative_below: float | None = Field(None, ge=0, le=1)
    conversation: bool = True
    conversation_below: float | None = Field(None, ge=0, le=1)
    # The learned intent model for shopper messages beside the phrases (guardrails/models/).
    intent_model: bool = True
    # The n-th time the bot gives the same (or a near-identical) answer it is not sent and a
    # human takes over; 2 = the second identical answer escalates. 0 turns repeat detection off.
    repeated_answers: int = Field(2, ge=0, le=20)
    repeat_similarity: float = Field(0.9, gt=0, le=1)
    # Unset: the platform preset's (compliance.service_time in config/platforms/<platform>.yaml),
    # in line with its service-time windows; the values here are the defaults of a shop whose
    # file is read without its preset.
    queue_timeout_s: float = Field(180, ge=1, le=7 * 24 * 3600)
    agent_idle_timeout_s: float = Field(120, ge=1, le=24 * 3600)
    webhook: WebhookConfig | None = None

    @model_validator(mode="after")
    def _conversation_is_milder(self) -> EscalationConfig:
        below, conversation = self.negative_below, self.conversation_below
        if below is not None and conversation is not None and conversation < below:
            raise ValueError("conversation_below must not be below negative_below")
        return self


def _mobile(value: object) -> object:
    # YAML reads an unquoted 13800138000 as an int; a phone number is text.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        normalized = normalize_mobile(value)
        if normalized is None:
            raise ValueError(f"'{value}' is not a valid mainland mobile number")
        return normalized
    return value  # pydantic then reports the wrong type


MobileNumber = Annotated[str, BeforeValidator(_mobile)]
MAX_BINDING_TTL_S = 7 * 24 * 3600


def _first_duplicate(values: list[str]) -> str | None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


class PrivacyConfig(Strict):
    """Privacy numbers for after-sale calls: where the shop's virtual numbers come from (its own
    ``numbers`` or a shared ``platform_pool``) and which of its phones may call through them."""

    numbers: list[MobileNumber] = Field(default_factory=list)
    platform_pool: str | None = Field(None, pattern=SHOP_ID_PATTERN)
    # The shop's main account number: always a caller, cannot be removed.
    main_caller: MobileNumber
    # Sub-account callers fixed in this file; admins add more over the API.
    callers: list[MobileNumber] = Field(default_factory=list)
    default_ttl_s: int = Field(24 * 3600, ge=60, le=MAX_BINDING_TTL_S)

    @model_validator(mode="after")
    def _one_pool_and_unique_numbers(self) -> PrivacyConfig:
        if bool(self.numbers) == (self.platform_pool is not None):
            raise ValueError(
                "give exactly one of 'numbers' (the shop's own pool) or 'platform_pool'"
            )
        duplicate = _first_duplicate(self.numbers)
        if duplicate is not None:
            raise ValueError(f"numbers: {duplicate} is listed twice")
        duplicate = _first_duplicate([self.main_caller, *self.callers])
        if duplicate is not None:
            raise ValueError(f"callers: {duplicate} is listed twice (or is the main_caller)")
        return self


class PlatformPoolConfig(Strict):
    """Virtual numbers shared by several shops (``pools/<pool>.yaml`` next to ``shops/``)."""

    pool: str = Field(pattern=SHOP_ID_PATTERN)
    numbers: list[MobileNumber] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_numbers(self) -> PlatformPoolConfig:
        duplicate = _first_duplicate(self.numbers)
        if duplicate is not None:
            raise ValueError(f"numbers: {duplicate} is listed twice")
        return self


ComplianceMode = Literal["enforce", "monitor", "off"]
Score = Literal[1, 2, 3, 4, 5]
PointsValue = Annotated[int, Field(ge=0, le=10_000)]


class SeverityPoints(Strict):
    """Violation points by severity; in a shop file each one unset keeps the platform's."""

    minor: PointsValue | None = None
    general: PointsValue | None = None
    serious: PointsValue | None = None
    especially_serious: PointsValue | None = None


class SanctionsConfig(Strict):
    """Points (bot answers, the last 30 days, since bot mode was last switched on) at which the
    shop is warned, and at which its bot mode is suspended."""

    warn_at: int | None = Field(None, ge=1, le=100_000)
    suspend_at: int | None = Field(None, ge=1, le=100_000)


class SatisfactionConfig(Strict):
    """The opening gate: the shop's human satisfaction over the last 30 days."""

    threshold: float | None = Field(None, ge=0, le=1)
    satisfied_scores: list[Score] | None = Field(None, min_length=1)
    # Fewer ratings than this in 30 days: no figure from ratings (the platform's may stand in).
    min_ratings: int | None = Field(None, ge=1, le=100_000)


class ServiceTimeConfig(Strict):
    """How fast a person must answer: the first reply of a ticket, and every shopper message
    in a human-owned conversation; a ticket is warned of at ``warn_fraction`` of its window."""

    first_reply_s: float | None = Field(None, gt=0, le=24 * 3600)
    answer_window_s: float | None = Field(None, gt=0, le=24 * 3600)
    warn_fraction: float | None = Field(None, gt=0, lt=1)


class ShopComplianceConfig(Strict):
    """The shop's rollout mode and its changes to the platform's compliance preset."""

    mode: ComplianceMode = "enforce"
    points: dict[str, SeverityPoints] = Field(default_factory=dict)
    sanctions: SanctionsConfig = Field(default_factory=SanctionsConfig)
    satisfaction: SatisfactionConfig = Field(default_factory=SatisfactionConfig)
    service_time: ServiceTimeConfig = Field(default_factory=ServiceTimeConfig)
    # Where compliance.warned / compliance.suspended go; unset: escalation.webhook.
    webhook: WebhookConfig | None = None

    @model_validator(mode="after")
    def _unique_scores(self) -> ShopComplianceConfig:
        scores = self.satisfaction.satisfied_scores or []
        if len(scores) != len(set(scores)):
            raise ValueError("satisfaction.satisfied_scores: a score is listed twice")
        return self


class ShopConfig(Strict):
    shop_id: str = Field(pattern=SHOP_ID_PATTERN)
    platform: Platform
    name: str = ""
    upstream: UpstreamConfig
    api_keys: list[ApiKeyConfig] = Field(min_length=1)
    replies: RepliesConfig = Field(default_factory=RepliesConfig)
    guardrails: GuardrailsConfig = Field(default_factory=GuardrailsConfig)
    escalation: EscalationConfig = Field(default_factory=EscalationConfig)
    privacy: PrivacyConfig | None = None
    compliance: ShopComplianceConfig = Field(default_factory=ShopComplianceConfig)

    @model_validator(mode="after")
    def _unique_key_ids(self) -> ShopConfig:
        ids = [key.id for key in self.api_keys]
        if len(ids) != len(set(ids)):
            raise ValueError("api_keys: key ids must be unique within a shop")
        return self


@dataclass(frozen=True, slots=True)
class KeyGrant:
    """What a presented API key is allowed to act as."""

    shop_id: str
    key_id: str
    role: Role


@dataclass(frozen=True, slots=True)
class ShopRegistry:
    """All shops of one loaded configuration and the index of their key hashes."""

    shops: Mapping[str, ShopConfig]
    keys: Mapping[str, KeyGrant] = field(default_factory=dict)
    pools: Mapping[str, PlatformPoolConfig] = field(default_factory=dict)

    def get(self, shop_id: str) -> ShopConfig | None:
        return self.shops.get(shop_id)

    def grant_for(self, presented_key: str) -> KeyGrant | None:
        return self.keys.get(hash_key(presented_key))


def hash_key(value: str) -> str:
    # API keys are long random tokens, so a plain SHA-256 is the right cost: a slow KDF would
    # add milliseconds to every request without protecting anything a random key doesn't.
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def load_shop_file(path: Path) -> ShopConfig:
    data = read_yaml_mapping(path)
    try:
        shop = ShopConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(str(path), exc)) from exc
    if shop.shop_id != path.stem:
        raise ConfigError(f"{path}: shop_id: '{shop.shop_id}' must match the file name")
    return shop


def load_pools(pools_dir: Path) -> dict[str, tuple[Path, PlatformPoolConfig]]:
    """Platform pools, one ``<pool>.yaml`` each; the directory is optional."""
    pools: dict[str, tuple[Path, PlatformPoolConfig]] = {}
    if not pools_dir.is_dir():
        return pools
    for path in sorted(pools_dir.glob("*.yaml")):
        try:
            pool = PlatformPoolConfig.model_validate(read_yaml_mapping(path))
        except ValidationError as exc:
            raise ConfigError(format_validation_error(str(path), exc)) from exc
        if pool.pool != path.stem:
            raise ConfigError(f"{path}: pool: '{pool.pool}' must match the file name")
        pools[pool.pool] = (path, pool)
    return pools


def check_privacy(
    shops: Mapping[str, tuple[Path, ShopConfig]],
    pools: Mapping[str, tuple[Path, PlatformPoolConfig]],
) -> None:
    """What no single file can check: a virtual number is in one pool only, a shop's platform
    pool exists, and shops sharing a platform pool share no caller (a call to a shared number is
    routed by its caller, so the pair must name one shop)."""
    holder: dict[str, str] = {}

    def claim(number: str, where: str) -> None:
        if number in holder:
            raise ConfigError(f"{where}: {number} is also a virtual number in {holder[number]}")
        holder[number] = where

    for path, pool in pools.values():
        for number in pool.numbers:
            claim(number, f"{path}: numbers")
    caller_of: dict[tuple[str, str], str] = {}
    for path, shop in shops.values():
        privacy = shop.privacy
        if privacy is None:
            continue
        for number in privacy.numbers:
            claim(number, f"{path}: privacy.numbers")
        name = privacy.platform_pool
        if name is None:
            continue
        if name not in pools:
            raise ConfigError(
                f"{path}: privacy.platform_pool: no pool '{name}' (expected pools/{name}.yaml)"
            )
        for field_name, number in [
            ("main_caller", privacy.main_caller),
            *(("callers", caller) for caller in privacy.callers),
        ]:
            other = caller_of.setdefault((name, number), shop.shop_id)
            if other != shop.shop_id:
                raise ConfigError(
                    f"{path}: privacy.{field_name}: {number} is already a caller of shop "
                    f"'{other}', which shares the platform pool '{name}'; a caller may belong "
                    "to one shop of a pool only"
                )


def load_shops(shops_dir: Path, environ: Mapping[str, str]) -> ShopRegistry:
    """Load every ``*.yaml`` under ``shops_dir`` and the platform pools in ``pools/`` beside it;
    any error names its file and field."""
    if not shops_dir.is_dir():
        raise ConfigError(f"{shops_dir}: shops directory not found")
    shops: dict[str, ShopConfig] = {}
    paths: dict[str, tuple[Path, ShopConfig]] = {}
    keys: dict[str, KeyGrant] = {}
    for path in sorted(shops_dir.glob("*.yaml")):
        shop = load_shop_file(path)
        paths[shop.shop_id] = (path, shop)
        for index, key in enumerate(shop.api_keys):
            where = f"{path}: api_keys.{index}"
            if key.env is not None:
                value = environ.get(key.env, "")
                if not value:
                    raise ConfigError(f"{where}.env: environment variable {key.env} is not set")
                digest = hash_key(value)
            else:
                assert key.sha256 is not None
                digest = key.sha256
            if digest in keys:
                raise ConfigError(f"{where}: the same key is already used by another key entry")
            keys[digest] = KeyGrant(shop.shop_id, key.id, key.role)
        shops[shop.shop_id] = shop
    if not shops:
        raise ConfigError(f"{shops_dir}: no shop files (*.yaml)")
    pools = load_pools(shops_dir.parent / "pools")
    check_privacy(paths, pools)
    return ShopRegistry(
        shops=shops, keys=keys, pools={name: pool for name, (_, pool) in pools.items()}
    )
