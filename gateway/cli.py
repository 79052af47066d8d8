"""Command line: ``cs-gateway serve`` runs the gateway; ``cs-gateway audit`` checks a corpus;
``cs-gateway feedback export`` writes a shop's feedback as a labelled corpus."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from aiohttp import web

from guardrails.sentiment import ShopperSentiment
from guardrails.sentiment.segment import SegmentationModelError
from guardrails.sentiment.tables_cache import ensure_tables, load_segmentation

from .app import create_app
from .appkeys import CONFIG
from .audit import (
    AuditInputError,
    Progress,
    audit,
    blocking,
    read_answers,
    write_json_report,
    write_text_report,
)
from .core.config import ConfigError, GatewaySettings, load_config, load_settings, process_environ
from .core.logging import configure_logging, event
from .demo_bot import create_demo_bot
from .feedback.export import ExportError, write_lines
from .feedback.export import export as export_feedback

log = logging.getLogger("gateway.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cs-gateway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the gateway")
    serve.add_argument(
        "--config",
        type=Path,
        default=Path("config"),
        help="configuration directory (default: ./config)",
    )
    serve.add_argument("--host", help="listen address (default from gateway.yaml: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default from gateway.yaml: 8080)")
    serve.add_argument("--store-url", help="redis://… to use Redis (default: in-memory)")

    audit = commands.add_parser(
        "audit",
        help="check a shop's answer corpus against its guardrails",
        description="Reports every finding, a summary and the 100-point quality score. Exit "
        "status: 0 nothing would be blocked, 1 something would be blocked or escalated, "
        "2 the input or the configuration is unusable.",
    )
    audit.add_argument("file", type=Path, help="answers: .csv, .jsonl, or one answer a line")
    audit.add_argument("--shop", required=True, help="the shop whose guardrails apply")
    audit.add_argument("--config", type=Path, default=Path("config"))
    audit.add_argument("--format", choices=("text", "json"), default="text")
    progress = audit.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="draw a progress bar on stderr (default: when it is a terminal)",
    )
    progress.add_argument("--no-progress", dest="progress", action="store_false")

    models = commands.add_parser(
        "models",
        help="build the sentiment model's cached tables ahead of time",
        description="Builds the segmentation tables from the installed snownlp model (about "
        "10 s, once) into the model cache, loads the sentiment model from them and prints where "
        "they are. The gateway builds them itself on first start when they are missing.",
    )
    models.add_argument(
        "--cache-dir",
        type=Path,
        help="default: GATEWAY_MODEL_CACHE_DIR, else gateway.yaml, else ~/.cache/cs-gateway",
    )
    models.add_argument("--config", type=Path, default=Path("config"))

    feedback = commands.add_parser("feedback", help="shop feedback on the outgoing filter")
    feedback_commands = feedback.add_subparsers(dest="feedback_command", required=True)
    export = feedback_commands.add_parser(
        "export",
        help="write a shop's feedback as a labelled answer corpus (JSON lines)",
        description="Pages through GET /v1/shops/SHOP/feedback of a running gateway and writes "
        "one line per entry in the format of tests/data/answers/*.jsonl, oldest first. Entries "
        "marked 'stop' without a category are skipped and counted on stderr. Exit status: 0 "
        "written, 2 a bad URL, key or shop, or a gateway that does not answer (nothing written).",
    )
    export.add_argument("--url", required=True, help="the gateway, e.g. http://127.0.0.1:8080")
    export.add_argument("--key", required=True, help="an admin key of the shop")
    export.add_argument("--shop", required=True, help="the shop whose feedback to export")
    export.add_argument("--out", type=Path, help="the file to write (default: stdout)")
    return parser


class _KeysNotNeeded(dict[str, str]):
    """The audit never authenticates, so API keys read from the environment may be unset."""

    def get(self, key: str, default: str | None = None) -> str:  # type: ignore[override]
        return process_environ().get(key) or f"unset-for-audit:{key}"


def run_audit(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config, _KeysNotNeeded())
    except ConfigError as exc:
        print(f"cs-gateway audit: configuration error: {exc.message}", file=sys.stderr)
        return 2
    guardrails = config.guardrails.get(args.shop)
    if guardrails is None:
        known = ", ".join(sorted(config.guardrails))
        print(f"cs-gateway audit: no shop '{args.shop}' (known: {known})", file=sys.stderr)
        return 2
    try:
        total = sum(1 for _ in read_answers(args.file))
        show = sys.stderr.isatty() if args.progress is None else args.progress
        audited = audit(read_answers(args.file), guardrails, Progress(total, show))
    except AuditInputError as exc:
        print(f"cs-gateway audit: {exc}", file=sys.stderr)
        return 2
    try:
        policy = config.compliance[args.shop]
        if args.format == "json":
            write_json_report(audited, policy, sys.stdout)
        else:
            write_text_report(audited, policy, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (head, less) went away: not an error of the audit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 1 if blocking(audited) else 0


def run_feedback_export(args: argparse.Namespace) -> int:
    try:
        exported = asyncio.run(export_feedback(args.url, args.key, args.shop))
        write_lines(exported.lines, args.out, sys.stdout)
    except ExportError as exc:
        print(f"cs-gateway feedback export: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    print(
        f"cs-gateway feedback export: {len(exported.lines)} entries of shop '{args.shop}' "
        f"written to {args.out or 'stdout'}; {exported.skipped} skipped (expected 'stop' "
        "without a category: no label to give)",
        file=sys.stderr,
    )
    return 0


def build_models(args: argparse.Namespace) -> int:
    try:
        cache_dir = args.cache_dir or load_settings(args.config).model_cache_dir
        path = ensure_tables(cache_dir)
        model = ShopperSentiment.load(load_segmentation(cache_dir))
    except (ConfigError, OSError, SegmentationModelError, ValueError) as exc:
        message = exc.message if isinstance(exc, ConfigError) else str(exc)
        print(f"cs-gateway models: {message}", file=sys.stderr)
        return 2
    print(f"segmentation tables: {path}")
    print(f"sentiment threshold: {model.threshold:.2f} (scores below it escalate)")
    return 0


async def serve(settings: GatewaySettings, config_dir: Path) -> None:
    environ = process_environ()
    config = load_config(config_dir, environ, settings.model_cache_dir)
    app = create_app(settings, config, environ)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    bot_runner: web.AppRunner | None = None
    try:
        await web.TCPSite(runner, settings.host, settings.port).start()
        if settings.demo_bot:
            bot_runner = web.AppRunner(create_demo_bot(), access_log=None)
            await bot_runner.setup()
            await web.TCPSite(bot_runner, "127.0.0.1", settings.demo_bot_port).start()
        # Everything built at start-up lives as long as the process: move it out of the collector's
        # way so full collections under load only walk what requests create.
        gc.collect()
        gc.freeze()
        event(
            log,
            "gateway.started",
            host=settings.host,
            port=settings.port,
            store="redis" if settings.store_url else "memory",
            shops=sorted(config.shops.shops),
            demo_bot=settings.demo_bot,
        )
        await _run_until_stopped(app)
    finally:
        if bot_runner is not None:
            await bot_runner.cleanup()
        await runner.cleanup()
        event(log, "gateway.stopped")


async def _run_until_stopped(app: web.Application) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    reloads: set[asyncio.Task[bool]] = set()

    def on_hangup() -> None:
        task = loop.create_task(app[CONFIG].reload())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, on_hangup)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        for task in list(reloads):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _loop_factory(choice: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when asked for (or 'auto' and installed): the same asyncio API, a faster loop."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise ConfigError("event_loop: uvloop is not installed") from None
        return None
    return uvloop.new_event_loop


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "audit":
        return run_audit(args)
    if args.command == "models":
        return build_models(args)
    if args.command == "feedback":
        return run_feedback_export(args)
    if args.command == "serve":
        try:
            settings = load_settings(
                args.config, host=args.host, port=args.port, store_url=args.store_url
            )
            configure_logging(settings.log_level)
            with asyncio.Runner(loop_factory=_loop_factory(settings.event_loop)) as runner:
                runner.run(serve(settings, args.config))
        except ConfigError as exc:
            print(f"cs-gateway: configuration error: {exc.message}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"cs-gateway: cannot start: {exc}", file=sys.stderr)
            return 1
        return 0
    return 2  # pragma: no cover - argparse rejects unknown commands
