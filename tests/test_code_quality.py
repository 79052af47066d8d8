"""Lint, format and strict typing are part of the suite, so CI fails on them like on a test; so
are the layering rules: guardrails/ stays pure, and the gateway keeps one folder per domain."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(REPO / ".venv" / "bin")) or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; install the [test] extra")
    return path


def test_ruff_lint() -> None:
    result = _run(_tool("ruff"), "check", "gateway", "guardrails", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = _run(_tool("ruff"), "format", "--check", "gateway", "guardrails", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_strict() -> None:
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_guardrails_library_is_pure() -> None:
    """guardrails/ must import nothing from aiohttp, redis or the gateway."""
    offenders = []
    for path in (REPO / "guardrails").rglob("*.py"):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")) and any(
                name in stripped.split()[1] for name in ("aiohttp", "redis", "gateway")
            ):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {stripped}")
    assert offenders == []


# -- the gateway's layout: one folder per domain, each a vertical slice -------------------------

GATEWAY = REPO / "gateway"
DOMAINS = ("conversations", "handoffs", "privacy", "feedback", "compliance")
DOMAIN_FILES = {"__init__.py", "service.py", "store.py", "memory.py", "redis.py", "routes.py"}
# Where a concrete store of one domain may be imported from outside that domain: the module that
# assembles the backends, and the handoff store of each backend, whose steps change a ticket and
# its conversation's owner in one step (the memory records; the Redis key layout).
STORE_ASSEMBLY = "gateway.backend"
SAME_BACKEND = {
    ("gateway.handoffs.memory", "gateway.conversations.memory"),
    ("gateway.handoffs.redis", "gateway.conversations.redis"),
}
# Who may use guardrails/ beyond its value types: the checking seam, config loading (compiling
# each shop's guardrails and the message screen) and the audit and models commands.
GUARDRAILS_USERS = ("gateway.checks", "gateway.core.config", "gateway.audit", "gateway.cli")
GUARDRAILS_VALUES = {"Action", "Finding", "MessageVerdict", "RatedFinding", "Severity", "Verdict"}


@dataclass(frozen=True)
class Import:
    where: str  # "gateway/x.py:12"
    module: str  # absolute
    names: tuple[str, ...]  # for "from module import names"


def _module(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[Import]:
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found.extend(Import(where, alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            module = ".".join([*base, node.module] if node.level else [node.module or ""])
            names = tuple(alias.name for alias in node.names)
            found.append(Import(where, module, names))
            # "from . import routes": a submodule import
            for name in names:
                target = REPO.joinpath(*module.split("."), f"{name}.py")
                if target.exists():
                    found.append(Import(where, f"{module}.{name}", ()))
    return found


def _gateway_modules() -> list[tuple[str, Path]]:
    return sorted((_module(path), path) for path in GATEWAY.rglob("*.py"))


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_every_domain_folder_has_the_same_files() -> None:
    for domain in DOMAINS:
        folder = GATEWAY / domain
        names = {path.name for path in folder.iterdir() if path.suffix == ".py"}
        assert DOMAIN_FILES <= names, f"{domain}/ lacks {sorted(DOMAIN_FILES - names)}"
        assert list((folder / "lua").glob("*.lua")), f"{domain}/lua/ holds no script"


def test_no_store_imports_another_backend() -> None:
    offenders = []
    for module, path in _gateway_modules():
        backend = module.rpartition(".")[2]
        other = {"memory": "redis", "redis": "memory"}.get(backend)
        if other is None or not _within(module, "gateway"):
            continue
        for found in _imports(path):
            if found.module.rpartition(".")[2] == other or (
                backend == "memory" and _within(found.module, "redis")
            ):
                offenders.append(f"{found.where}: {module} imports {found.module}")
    assert offenders == []


def test_no_module_imports_another_domains_internals() -> None:
    """A domain's concrete stores are imported by the domain itself and the backend assembly
    only (and the same backend's handoff store); no module imports another's private names."""
    offenders = []
    for module, path in _gateway_modules():
        for found in _imports(path):
            private = [n for n in found.names if n.startswith("_") and n != "__future__"]
            if _within(found.module, "gateway") and private:
                offenders.append(f"{found.where}: imports private {private} of {found.module}")
            for domain in DOMAINS:
                concrete = (f"gateway.{domain}.memory", f"gateway.{domain}.redis")
                if found.module not in concrete or _within(module, f"gateway.{domain}"):
                    continue
                if module != STORE_ASSEMBLY and (module, found.module) not in SAME_BACKEND:
                    offenders.append(f"{found.where}: {module} imports {found.module}")
    assert offenders == []


def test_core_depends_on_no_domain() -> None:
    above = [*(f"gateway.{d}" for d in DOMAINS), "gateway.checks", "gateway.app",
             "gateway.appkeys", "gateway.backend", "gateway.cli", "gateway.audit"]  # fmt: skip
    offenders = [
        f"{found.where}: {found.module}"
        for module, path in _gateway_modules()
        if _within(module, "gateway.core")
        for found in _imports(path)
        if any(_within(found.module, package) for package in above)
    ]
    assert offenders == []


def test_guardrails_is_reached_through_the_checks_seam() -> None:
    offenders = []
    for module, path in _gateway_modules():
        if any(_within(module, user) for user in GUARDRAILS_USERS):
            continue
        for found in _imports(path):
            if not _within(found.module, "guardrails"):
                continue
            if found.module != "guardrails" or not set(found.names) <= GUARDRAILS_VALUES:
                offenders.append(f"{found.where}: {found.module} {list(found.names)}")
    assert offenders == []


STORES = {
    "gateway.conversations.store": (
        "ConversationStore",
        {"ownership", "read_messages"},
        ("gateway.conversations.memory.MemoryConversationStore",
         "gateway.conversations.redis.RedisConversationStore"),
    ),
    "gateway.handoffs.store": (
        "HandoffStore",
        {"ticket", "tickets", "reasons", "waiting_for_human"},
        ("gateway.handoffs.memory.MemoryHandoffStore", "gateway.handoffs.redis.RedisHandoffStore"),
    ),
    "gateway.privacy.store": (
        "PrivacyStore",
        {"callers", "read_calls", "is_virtual"},
        ("gateway.privacy.memory.MemoryPrivacyStore", "gateway.privacy.redis.RedisPrivacyStore"),
    ),
    "gateway.feedback.store": (
        "FeedbackStore",
        {"entries", "phrases"},
        ("gateway.feedback.memory.MemoryFeedbackStore",
         "gateway.feedback.redis.RedisFeedbackStore"),
    ),
    "gateway.compliance.store": (
        "ComplianceStore",
        {"standing", "totals", "entries", "history", "ratings", "clocks", "service_times"},
        ("gateway.compliance.memory.MemoryComplianceStore",
         "gateway.compliance.redis.RedisComplianceStore"),
    ),
}  # fmt: skip


def _public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if inspect.iscoroutinefunction(member) and not name.startswith("_")
    }


@pytest.mark.parametrize("store_module", sorted(STORES))
def test_every_store_step_takes_one_parameter_object(store_module: str) -> None:
    """Steps (the methods that write) take one frozen dataclass named for the method, declared
    once, in the protocol's module; reads take plain arguments. The implementations repeat the
    protocol's signatures and inherit nothing (no ABC between them and the protocol)."""
    module = importlib.import_module(store_module)
    protocol_name, reads, implementations = STORES[store_module]
    protocol = getattr(module, protocol_name)
    methods = _public_methods(protocol)
    assert reads <= set(methods)
    for name, signature in methods.items():
        if name in reads:
            continue
        step = "".join(part.title() for part in name.split("_"))
        params = [p for p in signature.parameters.values() if p.name != "self"]
        assert [(p.name, p.annotation) for p in params] == [("step", step)], name
        value = getattr(module, step)
        assert dataclasses.is_dataclass(value) and value.__dataclass_params__.frozen, step
    for dotted in implementations:
        owner, _, cls_name = dotted.rpartition(".")
        cls = getattr(importlib.import_module(owner), cls_name)
        assert cls.__bases__ == (object,), f"{cls_name} inherits {cls.__bases__}"
        implemented = _public_methods(cls)
        assert set(implemented) == set(methods), cls_name
        for name, signature in methods.items():
            assert list(implemented[name].parameters) == list(signature.parameters), (
                f"{cls_name}.{name}"
            )
