"""The `leadloop` command: serve, migrate, preview."""

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from bot.app import build_bolt_app, build_socket_handler
from bot.clock import SystemClock
from bot.deps import Deps
from bot.logging import configure_logging
from bot.render_text import render_message
from bot.settings import Settings, SettingsError, load_settings
from bot.web import build_web_app
from storage.db import create_engine, create_sessions, is_reachable
from storage.migrate import current_revisions, head_revisions, upgrade

logger = logging.getLogger("leadloop")


class StartupError(Exception):
    """Start-up cannot go on; the message is one line for the terminal."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadloop", description="leadloop: the sales and marketing feedback loop, in Slack."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve Slack requests over HTTP (or Socket Mode)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=3000, help="port to listen on")
    serve.add_argument(
        "--socket", action="store_true", help="receive Slack events over Socket Mode"
    )
    commands.add_parser("migrate", help="bring the database schema up to date")
    preview = commands.add_parser(
        "preview", help="draw a Block Kit payload (message, blocks or view) from a JSON file"
    )
    preview.add_argument("file", help="a JSON file, or - for standard input")
    return parser


def _secrets(settings: Settings) -> list[str]:
    values = (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token)
    return [v.get_secret_value() for v in values if v is not None]


def _build_deps(settings: Settings) -> Deps:
    engine = create_engine(settings.database_url)
    return Deps(
        settings=settings, engine=engine, sessions=create_sessions(engine), clock=SystemClock()
    )


async def _check_database(deps: Deps) -> None:
    if not await is_reachable(deps.engine):
        raise StartupError(
            "the database at DATABASE_URL is not reachable: check the URL and that it is running."
        )
    current, heads = await current_revisions(deps.engine), head_revisions()
    if current != heads:
        at = ", ".join(sorted(current)) or "empty"
        raise StartupError(
            f"the database schema is out of date (at {at}, needs {', '.join(sorted(heads))}): "
            "run `leadloop migrate`."
        )


async def _migrate(settings: Settings) -> None:
    deps = _build_deps(settings)
    try:
        if not await is_reachable(deps.engine):
            raise StartupError("the database at DATABASE_URL is not reachable.")
        before = await current_revisions(deps.engine)
        await upgrade(deps.engine)
        after = await current_revisions(deps.engine)
    finally:
        await deps.engine.dispose()
    if before == after:
        print(f"Database already up to date ({', '.join(sorted(after))}).")
    else:
        print(f"Database migrated to {', '.join(sorted(after))}.")


async def _serve(settings: Settings, args: argparse.Namespace) -> None:
    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    if args.socket:
        settings.require("SLACK_APP_TOKEN")
    deps = _build_deps(settings)
    try:
        await _check_database(deps)
        bolt_app = build_bolt_app(deps)
        web_app = build_web_app(bolt_app, deps)
        config = uvicorn.Config(
            web_app, host=args.host, port=args.port, log_config=None, access_log=False
        )
        server = uvicorn.Server(config)
        if args.socket:
            assert settings.slack_app_token is not None
            socket = build_socket_handler(bolt_app, settings.slack_app_token.get_secret_value())
            await socket.connect_async()
            logger.info("connected to Slack over Socket Mode")
            try:
                await server.serve()
            finally:
                await socket.close_async()
        else:
            logger.info("serving Slack requests at http://%s:%s/slack/events", args.host, args.port)
            await server.serve()
    finally:
        await deps.engine.dispose()


def _preview(path: str) -> None:
    try:
        raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        payload = json.loads(raw)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise StartupError(f"cannot read Block Kit JSON from {path}: {exc}") from None
    if isinstance(payload, list):
        payload = {"blocks": payload}
    if not isinstance(payload, dict):
        raise StartupError(f"{path} holds neither a message, a list of blocks nor a view.")
    print(render_message(payload, color=sys.stdout.isatty()))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "preview":
        try:
            _preview(args.file)
        except StartupError as exc:
            print(f"leadloop: {exc}", file=sys.stderr)
            return 2
        return 0
    try:
        settings = load_settings()
        configure_logging(settings.log_level, _secrets(settings))
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
        else:
            asyncio.run(_serve(settings, args))
    except (SettingsError, StartupError) as exc:
        print(f"leadloop: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0
