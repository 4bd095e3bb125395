"""The HTTP app: Slack's requests, health and readiness, each request logged in one line."""

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import datetime
from typing import Any

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.access_log import AccessLog
from bot.deps import Deps
from handlers.registry import web_routes
from storage.claims import is_failing, job_statuses
from storage.db import is_reachable
from storage.migrate import is_up_to_date

logger = logging.getLogger(__name__)

BODY_MAX_BYTES = 1_000_000


class BodySizeLimit:
    """Answers 413 to any request whose body passes max_bytes, before the app reads it whole."""

    def __init__(self, app: ASGIApp, max_bytes: int = BODY_MAX_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, counting its body as it streams in."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._too_large(send)

    @staticmethod
    async def _too_large(send: Send) -> None:
        body = json.dumps({"ok": False, "error": "request body too large"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


async def _job_health(deps: Deps) -> dict[str, Any]:
    """Each scheduled job's latest result per team, so a failing digest is visible."""
    health: dict[str, Any] = {}
    async with deps.sessions() as session:
        for status in await job_statuses(session=session):
            health.setdefault(status.job, {})[status.team_id] = {
                "ok": not is_failing(status),
                "last_success": _iso(status.last_success_at),
                "last_failure": _iso(status.last_failure_at),
                "error": status.last_error if is_failing(status) else None,
            }
    return health


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


Lifespan = Callable[[], Coroutine[Any, Any, None]]


def build_web_app(
    bolt_app: AsyncApp,
    deps: Deps,
    *,
    on_startup: list[Lifespan] | None = None,
    on_shutdown: list[Lifespan] | None = None,
) -> ASGIApp:
    """The ASGI app `leadloop serve` runs: Slack events, health, readiness, surfaces' routes."""
    slack = AsyncSlackRequestHandler(bolt_app)

    async def slack_events(request: Request) -> Response:
        try:
            return await slack.handle(request)
        except ValueError:
            # Bolt parses the body before it checks the signature; garbage is not a crash.
            logger.warning("malformed Slack request body rejected")
            return JSONResponse({"ok": False, "error": "malformed request"}, status_code=400)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def readyz(_request: Request) -> Response:
        if not await is_reachable(deps.engine):
            return JSONResponse({"ok": False, "database": "unreachable"}, status_code=503)
        if not await is_up_to_date(deps.engine):
            return JSONResponse(
                {"ok": False, "database": "schema out of date: run `leadloop migrate`"},
                status_code=503,
            )
        return JSONResponse({"ok": True, "database": "ok", "jobs": await _job_health(deps)})

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        for start in on_startup or []:
            await start()
        try:
            yield
        finally:
            for stop in on_shutdown or []:
                await stop()

    app = Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            *web_routes(deps),
        ],
        lifespan=lifespan,
    )
    return AccessLog(BodySizeLimit(app))
