"""Extra phrases per shop in config loading: compiled like the shop's own allow phrases and
lexicons; the holder reads them through its phrase source, and a source that cannot answer
leaves the configuration in force."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from pathlib import Path

import pytest

from gateway.core.config import ConfigHolder, ExtraPhrases, load_config, load_settings
from gateway.core.errors import StoreUnavailable
from guardrails import Action
from tests.gateway.conftest import shop_doc, write_config

BLOCKED = "亲，这款傻子牌的最好吃"  # 傻子 is in the shipped abuse lexicon
CLEAN = "亲，这款喵喵宝的瓜子很香"
PHRASES = ExtraPhrases(allow=("傻子牌",), deny={"abuse": ("喵喵宝",)})


def _config_dir(tmp_path: Path) -> Path:
    doc = shop_doc("s1", "http://127.0.0.1:9/answer", "k")
    return write_config(tmp_path / "cfg", [doc, shop_doc("s2", "http://127.0.0.1:9/answer", "k2")])


def test_extra_phrases_are_compiled_for_their_shop_only(tmp_path: Path) -> None:
    root = _config_dir(tmp_path)
    plain = load_config(root, {})
    assert plain.guardrails["s1"].check(BLOCKED).action is Action.BLOCK
    assert plain.guardrails["s1"].check(CLEAN).action is Action.ALLOW

    config = load_config(root, {}, extra_phrases={"s1": PHRASES})
    assert config.extra_phrases == {"s1": PHRASES}
    assert config.guardrails["s1"].check(BLOCKED).action is Action.ALLOW
    verdict = config.guardrails["s1"].check(CLEAN)
    assert verdict.action is Action.BLOCK
    assert [rated.finding.category for rated in verdict.findings] == ["abuse"]
    assert config.guardrails["s2"].check(BLOCKED).action is Action.BLOCK
    assert config.guardrails["s2"].check(CLEAN).action is Action.ALLOW


class Source:
    """A phrase source whose answer (or failure) each test sets."""

    def __init__(self) -> None:
        self.phrases: dict[str, ExtraPhrases] = {}
        self.failing = False
        self.asked: list[list[str]] = []

    async def __call__(self, shop_ids: Collection[str]) -> Mapping[str, ExtraPhrases]:
        self.asked.append(sorted(shop_ids))
        if self.failing:
            raise StoreUnavailable("the store (Redis) is not reachable")
        return {shop: phrases for shop, phrases in self.phrases.items() if shop in shop_ids}


async def test_holder_loads_phrases_then_reloads_with_the_stores_phrases(tmp_path: Path) -> None:
    root = _config_dir(tmp_path)
    source = Source()
    holder = ConfigHolder(load_config(root, {}), load_settings(root), {}, source)
    assert not holder.phrases_loaded
    source.phrases = {"s1": PHRASES}
    assert await holder.load_phrases()
    assert holder.phrases_loaded and source.asked == [["s1", "s2"]]
    assert holder.current.guardrails["s1"].check(CLEAN).action is Action.BLOCK

    source.phrases = {}
    assert await holder.reload()
    assert holder.current.extra_phrases == {}
    assert holder.current.guardrails["s1"].check(CLEAN).action is Action.ALLOW


async def test_a_store_that_cannot_answer_refuses_the_reload(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = _config_dir(tmp_path)
    source = Source()
    source.phrases = {"s1": PHRASES}
    holder = ConfigHolder(load_config(root, {}), load_settings(root), {}, source)
    assert await holder.load_phrases()
    before = holder.current

    source.failing = True
    with caplog.at_level(logging.ERROR):
        assert await holder.reload() is False
        assert await holder.load_phrases() is False
    assert holder.current is before
    assert holder.phrases_loaded  # what is in force still holds the phrases it was built with
    refused = [r for r in caplog.records if r.getMessage() == "config.reload_refused"]
    assert len(refused) == 1
    assert "shop feedback phrases" in refused[0].fields["error"]  # type: ignore[attr-defined]
    assert "not reachable" in refused[0].fields["error"]  # type: ignore[attr-defined]
    assert [r.getMessage() for r in caplog.records].count("config.phrases_unavailable") == 1


async def test_phrases_are_not_loaded_until_the_store_answers(tmp_path: Path) -> None:
    root = _config_dir(tmp_path)
    source = Source()
    source.failing = True
    holder = ConfigHolder(load_config(root, {}), load_settings(root), {}, source)
    assert await holder.load_phrases() is False
    assert not holder.phrases_loaded
    source.failing = False
    assert await holder.load_phrases()
    assert holder.phrases_loaded


def test_without_a_source_there_is_nothing_to_load(tmp_path: Path) -> None:
    root = _config_dir(tmp_path)
    assert ConfigHolder(load_config(root, {}), load_settings(root), {}).phrases_loaded
