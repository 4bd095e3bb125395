"""The `leadloop` command: serve, migrate, digest, nudge, import, export, preview."""

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
from collections.abc import Coroutine, Sequence
from dataclasses import replace
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import make_url

from bot.app import SocketRefused, build_socket_handler, connect_socket
from bot.channel_defaults import resolve_default_channels
from bot.cli.job_commands import UnknownTeam, digest_now, nudge_now, sla_now
from bot.cli.purge_command import PurgeRefused, purge_workspace
from bot.clock import Clock, SystemClock
from bot.demo.render_text import render_message
from bot.demo.week import run_demo
from bot.deps import Deps
from bot.installation import InstallationError, install_workspace
from bot.logging import configure_logging
from bot.serving import prepare_served_app, served_app, start_up
from bot.settings import HINTS, Settings, SettingsError, load_settings
from bot.slack_client import build_client
from bot.workers import (
    Listeners,
    Supervisor,
    WorkerStart,
    default_worker_count,
    serve_worker,
    worker_command,
)
from bot.workspace_tokens import WorkspaceTokens
from handlers.data_export import ExportRefused, export_to_file, parse_moment, write_export
from handlers.lead_import import (
    ImportOptions,
    ImportRefused,
    import_csv,
    progress_line,
    summary_lines,
)
from handlers.lead_routing import notices_sent
from handlers.turn import work_after_acks
from storage.db import create_engine, create_sessions, unreachable_because
from storage.migrate import current_revisions, head_revisions, upgrade

logger = logging.getLogger("leadloop")

T = TypeVar("T")


class StartupError(Exception):
    """Start-up cannot go on; the message is one line for the terminal."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadloop", description="leadloop: the sales and marketing feedback loop, in Slack."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('leadloop')}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve Slack requests over HTTP (or Socket Mode)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=3000, help="port to listen on")
    serve.add_argument(
        "--socket", action="store_true", help="receive Slack events over Socket Mode"
    )
    serve.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not post digests or nudges from this process",
    )
    serve.add_argument(
        "--workers",
        type=_worker_count,
        metavar="N",
        help="worker processes serving the port (default: one per CPU; one with --socket)",
    )
    # A worker of `serve --workers`, started by the supervisor (bot.workers), not by people.
    serve.add_argument("--worker", type=WorkerStart.from_arg, help=argparse.SUPPRESS)
    commands.add_parser("migrate", help="bring the database schema up to date")
    purge = commands.add_parser(
        "purge", help="delete all data of a workspace that uninstalled leadloop"
    )
    purge.add_argument("--team", required=True, help="the Slack workspace id, such as T0123")
    demo = commands.add_parser(
        "demo", help="play a week of leadloop against a local Slack stand-in (no workspace)"
    )
    demo.add_argument(
        "--interactive",
        action="store_true",
        help="then type slash commands, fill in modals and press buttons at a prompt",
    )
    preview = commands.add_parser(
        "preview", help="draw a Block Kit payload (message, blocks or view) from a JSON file"
    )
    preview.add_argument("file", help="a JSON file, or - for standard input")

    leads_in = commands.add_parser("import", help="create or update leads from a CSV file")
    leads_in.add_argument("file", type=Path, help="CSV with a header row (CRM exports work)")
    leads_in.add_argument("--team", help="Slack workspace id, when leadloop serves several")
    leads_in.add_argument(
        "--dry-run", action="store_true", help="check every row and report, storing nothing"
    )
    leads_in.add_argument(
        "--status-map",
        type=Path,
        metavar="FILE",
        help="CSV of `CRM status,leadloop status` pairs over the built-in HubSpot and "
        "Salesforce ones (docs/crm-files.md)",
    )
    leads_in.add_argument(
        "--day-first",
        action="store_true",
        help="read dates such as 05/06/2026 as 5 June (default: US, May 6)",
    )
    leads_in.add_argument(
        "--nudge-backlog",
        action="store_true",
        help="import leads already past the stale window as live, to be nudged (default: "
        "as history, counted in the digests but never nudged)",
    )
    data_out = commands.add_parser("export", help="write feedback or leads as CSV")
    data_out.add_argument("what", choices=["feedback", "leads"], help="what to export")
    data_out.add_argument("--since", help="from this date or time (ISO 8601, UTC if naive)")
    data_out.add_argument("--until", help="up to, not including, this date or time")
    data_out.add_argument("--team", help="Slack workspace id, when leadloop serves several")
    data_out.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    data_out.add_argument(
        "--excel", action="store_true", help="start with a UTF-8 BOM, so Excel reads accents"
    )

    digest = commands.add_parser("digest", help="the weekly digest, on demand")
    _when(digest, now="cover the 7 days ending now", at="cover the 7 days ending then")
    digest.add_argument("--team", help="only this Slack team id (default: every team)")
    digest.add_argument("--dry-run", action="store_true", help="print it instead of posting it")
    digest.add_argument("--json", action="store_true", help="print the figures as JSON")
    digest.add_argument(
        "--chart", type=Path, metavar="FILE.png", help="with --dry-run: write the goals chart here"
    )
    nudge = commands.add_parser("nudge", help="today's stale-lead nudges, on demand")
    _when(nudge, now="the nudges due now", at="the nudges due then")
    nudge.add_argument("--dry-run", action="store_true", help="print them instead of sending")
    nudge.add_argument("--json", action="store_true", help="print who would be nudged as JSON")
    sla = commands.add_parser("sla", help="one first-touch SLA pass: reminders, reassignments")
    sla.add_argument("--at", help="compute as of this moment (ISO 8601, UTC if naive)")
    sla.add_argument("--dry-run", action="store_true", help="say what is due, send nothing")
    return parser


def _worker_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"needs a whole number of 1 or more, not {text!r}")
    return count


def _when(command: argparse.ArgumentParser, *, now: str, at: str) -> None:
    """--now or --at ISO-TIME: the moment a job command computes as of."""
    when = command.add_mutually_exclusive_group(required=True)
    when.add_argument("--now", action="store_true", help=now)
    when.add_argument(
        "--at", metavar="ISO-TIME", help=f"{at} (ISO 8601 such as 2026-11-30T09:00Z; UTC if naive)"
    )


def _secrets(settings: Settings) -> list[str]:
    values = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.slack_client_secret,
        settings.encryption_key,
        settings.api_token,
        settings.webhook_secret,
        settings.metrics_token,
    )
    # Each encryption key alone too (the setting may hold several, comma-separated).
    return [part for v in values if v is not None for part in v.get_secret_value().split(",")]


def _build_deps(settings: Settings, clock: Clock) -> Deps:
    engine = create_engine(settings.database_url)
    deps = Deps(
        settings=settings,
        engine=engine,
        sessions=create_sessions(engine),
        clock=clock,
        slack=_job_client(settings) if settings.slack_bot_token is not None else None,
    )
    if settings.oauth_enabled:
        # Workspaces added with Add to Slack: each one's own token, from the database.
        deps = replace(deps, workspace_slack=WorkspaceTokens(deps).client)
    return deps


async def _reach_database(deps: Deps) -> None:
    reason = await unreachable_because(deps.engine)
    if reason is not None:
        shown = make_url(deps.settings.database_url).render_as_string(hide_password=True)
        raise StartupError(
            f"cannot reach the database at {shown} ({reason}): start it, or set DATABASE_URL "
            f"to one that is running ({HINTS['DATABASE_URL']})."
        )


async def _check_database(deps: Deps) -> None:
    await _reach_database(deps)
    current, heads = await current_revisions(deps.engine), head_revisions()
    if current != heads:
        at = ", ".join(sorted(current)) or "empty"
        raise StartupError(
            f"the database schema is out of date (at {at}, needs {', '.join(sorted(heads))}): "
            "run `leadloop migrate`."
        )


async def _migrate(settings: Settings, clock: Clock) -> None:
    deps = _build_deps(settings, clock)
    try:
        await _reach_database(deps)
        before = await current_revisions(deps.engine)
        await upgrade(deps.engine)
        after = await current_revisions(deps.engine)
    finally:
        await deps.engine.dispose()
    if before == after:
        print(f"Database already up to date ({', '.join(sorted(after))}).")
    else:
        print(f"Database migrated to {', '.join(sorted(after))}.")


async def _serve(settings: Settings, args: argparse.Namespace, clock: Clock) -> int:
    workers = args.workers or (1 if args.socket or args.worker else default_worker_count())
    if args.socket and workers > 1:
        raise StartupError(
            "--socket keeps one connection to Slack, served by one process: "
            "leave out --workers (or use --workers 1)."
        )
    if settings.slack_client_id is not None or settings.slack_client_secret is not None:
        settings.require(
            "SLACK_CLIENT_ID",
            "SLACK_CLIENT_SECRET",
            "LEADLOOP_PUBLIC_URL",
            "LEADLOOP_ENCRYPTION_KEY",
        )
    else:
        settings.require("SLACK_BOT_TOKEN")
    settings.require("SLACK_SIGNING_SECRET")
    if args.socket:
        settings.require("SLACK_APP_TOKEN")
    if args.worker is not None:
        await _serve_worker(settings, args.worker, clock)
    elif workers > 1:
        return await _serve_workers(settings, args, clock, workers)
    else:
        await _serve_alone(settings, args, clock)
    return 0


async def _checked_and_resolved(deps: Deps) -> tuple[Deps, AsyncWebClient | None]:
    """The schema checked, then the bot token's client (if any) with the default channels
    it names resolved into the settings."""
    await _check_database(deps)
    settings = deps.settings
    client = _job_client(settings) if settings.slack_bot_token is not None else None
    if client is not None:
        settings = await resolve_default_channels(settings, client)
        deps = replace(deps, settings=settings)
    return deps, client


async def _serve_alone(settings: Settings, args: argparse.Namespace, clock: Clock) -> None:
    deps = _build_deps(settings, clock)
    try:
        deps, client = await _checked_and_resolved(deps)
        settings = deps.settings
        served = await prepare_served_app(deps, client, scheduler=not args.no_scheduler)
        config = uvicorn.Config(
            served.web_app, host=args.host, port=args.port, log_config=None, access_log=False
        )
        server = uvicorn.Server(config)
        if args.socket:
            assert settings.slack_app_token is not None
            socket = build_socket_handler(
                served.bolt_app, settings.slack_app_token.get_secret_value()
            )
            try:
                await connect_socket(socket)
            except SocketRefused as exc:
                raise StartupError(str(exc)) from None
            logger.info("connected to Slack over Socket Mode")
            try:
                await server.serve()
            finally:
                await socket.close_async()
        else:
            logger.info("serving Slack requests at http://%s:%s/slack/events", args.host, args.port)
            await server.serve()
    finally:
        await work_after_acks()
        await deps.http.close()
        await deps.engine.dispose()


async def _serve_workers(
    settings: Settings, args: argparse.Namespace, clock: Clock, workers: int
) -> int:
    """The supervisor: start-up once, then `workers` processes serving the port."""
    deps = _build_deps(settings, clock)
    try:
        deps, client = await _checked_and_resolved(deps)
        settings = deps.settings
        team_id = await start_up(deps, client)
    finally:
        await deps.http.close()
        await deps.engine.dispose()
    start = WorkerStart(
        index=0,
        listen_fd=-1,
        channel_fd=-1,
        scheduler=not args.no_scheduler,
        team_id=team_id,
        shared_channel=settings.shared_channel,
        digest_channels=settings.digest_channels,
    )
    with tempfile.TemporaryDirectory(prefix="leadloop-metrics-") as metrics_dir:
        # Each worker counts into files here and /metrics adds them up (bot.metrics).
        env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=metrics_dir)
        listeners = Listeners(args.host, args.port)
        try:
            supervisor = Supervisor(
                listeners, workers, start=start, command=worker_command, env=env
            )
        except OSError as exc:
            raise StartupError(
                f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc}): "
                "choose another --port or --host."
            ) from None
        logger.info(
            "serving Slack requests at http://%s:%s/slack/events with %s workers",
            args.host,
            listeners.port,
            workers,
        )
        status = await supervisor.run()
    if supervisor.failure is not None:
        print(f"leadloop: {supervisor.failure}", file=sys.stderr)
    return status


async def _serve_worker(settings: Settings, start: WorkerStart, clock: Clock) -> None:
    """One worker of `serve --workers`: the supervisor did the start-up."""
    settings = settings.model_copy(
        update={"shared_channel": start.shared_channel, "digest_channels": start.digest_channels}
    )
    deps = _build_deps(settings, clock)
    try:
        client = _job_client(settings) if settings.slack_bot_token is not None else None
        served = served_app(deps, client, start.team_id, scheduler=start.scheduler)
        await serve_worker(served.web_app, start)
    finally:
        await work_after_acks()
        await deps.http.close()
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


async def _ready_deps(settings: Settings, clock: Clock) -> Deps:
    deps = _build_deps(settings, clock)
    try:
        await _check_database(deps)
    except StartupError:
        await deps.engine.dispose()
        raise
    return deps


def _show_progress(done: int, total: int) -> None:
    end = "\n" if done >= total else ""
    print(f"\r{progress_line(done, total)}", end=end, file=sys.stderr, flush=True)


async def _workspace(deps: Deps, team: str | None) -> str | None:
    """--team, else the bot token's workspace (stored now on a fresh install), else None."""
    if team is not None or (deps.settings.team_id is None and deps.slack is None):
        return team
    return await install_workspace(deps)


async def _import(settings: Settings, args: argparse.Namespace, clock: Clock) -> None:
    deps = await _ready_deps(settings, clock)
    try:
        options = ImportOptions(
            team=await _workspace(deps, args.team),
            dry_run=args.dry_run,
            status_map=args.status_map,
            day_first=args.day_first,
            nudge_backlog=args.nudge_backlog,
        )
        summary = await import_csv(
            deps,
            args.file,
            options,
            on_progress=_show_progress if sys.stderr.isatty() else None,
        )
        # Routed leads: their reps' DMs and the claim cards go out before the process ends.
        await notices_sent()
    finally:
        await deps.engine.dispose()
    print("\n".join(summary_lines(summary, args.file.name, dry_run=args.dry_run)))


async def _export(settings: Settings, args: argparse.Namespace, clock: Clock) -> None:
    options = {
        "since": parse_moment(args.since) if args.since else None,
        "until": parse_moment(args.until) if args.until else None,
        "excel": args.excel,
    }
    deps = await _ready_deps(settings, clock)
    try:
        options["team"] = await _workspace(deps, args.team)
        if args.output is None:
            written = await write_export(deps, args.what, sys.stdout, **options)
        else:
            written = await export_to_file(deps, args.what, args.output, **options)
    finally:
        await deps.engine.dispose()
    print(f"Exported {written:,} {args.what} rows.", file=sys.stderr)


async def _purge(settings: Settings, args: argparse.Namespace, clock: Clock) -> None:
    deps = await _ready_deps(settings, clock)
    try:
        print(await purge_workspace(deps, args.team))
    finally:
        await deps.engine.dispose()


def _job_client(settings: Settings) -> AsyncWebClient:
    assert settings.slack_bot_token is not None
    return build_client(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
    )


def _moment(text: str) -> datetime:
    try:
        return parse_moment(text)
    except ExportRefused:
        raise StartupError(
            f"--at needs an ISO 8601 time such as 2026-11-30T09:00Z, not {text!r}."
        ) from None


async def _run_job(settings: Settings, args: argparse.Namespace, clock: Clock) -> int:
    if getattr(args, "chart", None) is not None:
        if not args.dry_run:
            raise StartupError("--chart writes the chart of a dry run: add --dry-run.")
        if not args.chart.parent.is_dir():
            raise StartupError(f"cannot write the chart: no folder {args.chart.parent}.")
    at = _moment(args.at) if args.at else clock.now()
    posts = not (args.dry_run or args.json)
    if posts and not settings.oauth_enabled:
        settings.require("SLACK_BOT_TOKEN")
    deps = _build_deps(settings, clock)
    try:
        await _check_database(deps)
        client = _job_client(settings) if posts and settings.slack_bot_token else None
        if client is not None:
            deps = replace(deps, settings=await resolve_default_channels(settings, client))
        try:
            if args.command == "sla":
                at = parse_moment(args.at) if args.at else None
                output = await sla_now(deps, client, at=at, dry_run=args.dry_run)
            elif args.command == "digest":
                output = await digest_now(
                    deps,
                    client,
                    team=args.team,
                    dry_run=args.dry_run,
                    as_json=args.json,
                    at=at,
                    color=sys.stdout.isatty(),
                    chart=args.chart,
                )
            else:
                output = await nudge_now(
                    deps,
                    client,
                    dry_run=args.dry_run,
                    as_json=args.json,
                    at=at,
                    color=sys.stdout.isatty(),
                )
        except UnknownTeam as exc:
            raise StartupError(str(exc)) from None
    finally:
        await deps.engine.dispose()
    print(output.text)
    return output.status


def _run_fast(work: Coroutine[Any, Any, T]) -> T:
    """Run the server on uvloop where it is installed (not on Windows), else on asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(work)
    return uvloop.run(work)


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """Run the command line; returns the exit status. Tests pass a clock; people get the
    system's."""
    args = _parser().parse_args(argv)
    clock = clock or SystemClock()
    if args.command == "demo":
        configure_logging("WARNING")
        asyncio.run(run_demo(sys.stdout, interactive=args.interactive))
        return 0
    if args.command == "preview":
        try:
            _preview(args.file)
        except StartupError as exc:
            print(f"leadloop: {exc}", file=sys.stderr)
            return 2
        return 0
    try:
        settings = load_settings()
        worker = getattr(args, "worker", None)
        tag = f"worker {worker.index} pid {os.getpid()}" if worker is not None else None
        configure_logging(settings.log_level, _secrets(settings), tag=tag)
        if args.command == "migrate":
            asyncio.run(_migrate(settings, clock))
        elif args.command == "import":
            asyncio.run(_import(settings, args, clock))
        elif args.command == "export":
            asyncio.run(_export(settings, args, clock))
        elif args.command == "purge":
            asyncio.run(_purge(settings, args, clock))
        elif args.command in ("digest", "nudge", "sla"):
            return asyncio.run(_run_job(settings, args, clock))
        else:
            return _run_fast(_serve(settings, args, clock))
    except (
        SettingsError,
        StartupError,
        InstallationError,
        ImportRefused,
        ExportRefused,
        PurgeRefused,
    ) as exc:
        print(f"leadloop: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0
