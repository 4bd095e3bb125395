"""The HTTP app: Slack's requests, health, readiness and metrics; one log line a request."""

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request, to_starlette_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltError
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.access_log import ServedRequests, log_request
from bot.deps import Deps
from bot.metrics_web import metrics_routes, request_counter
from bot.request_guard import SlackRequestGuard, Verdict
from bot.slack_envelope import envelope_problem
from handlers.registry import web_routes
from storage.claims import is_failing, job_statuses
from storage.db import is_reachable
from storage.migrate import is_up_to_date

logger = logging.getLogger(__name__)

BODY_MAX_BYTES = 1_000_000
# What Bolt raises on a signed body it cannot read: not UTF-8, `payload` not JSON or not an
# object, envelope fields of the wrong type.
MALFORMED = (ValueError, TypeError, AttributeError, KeyError, IndexError, BoltError)


class BodySizeLimit:
    """Answers 413 to any request whose body passes max_bytes, before the app sees any of it.

    The body is read here, counted as it streams in (a chunked body has no Content-Length
    to trust), and handed to the app whole; every route reads its body whole anyway.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = BODY_MAX_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the body within the limit, then pass the request on with it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, send)
            return
        chunks: list[bytes] = []
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            received += len(chunks[-1])
            if received > self.max_bytes:
                await self._too_large(scope, send)
                return
            more = message.get("more_body", False)
        whole: Message | None = {"type": "http.request", "body": b"".join(chunks)}

        async def replay() -> Message:
            nonlocal whole
            if whole is not None:
                message, whole = whole, None
                return message
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _too_large(scope: Scope, send: Send) -> None:
        logger.warning(
            "request refused (body over the limit): %s %s", scope["method"], scope["path"]
        )
        body = json.dumps({"ok": False, "error": "request body too large"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _refused(request: Request, size: int, why: str) -> None:
    """Log a refused Slack request by method, path and size: never its body or headers."""
    method, path = request.method, request.url.path
    logger.warning("Slack request refused (%s): %s %s, %d bytes", why, method, path, size)


def _malformed(request: Request, size: int, problem: str) -> Response:
    _refused(request, size, f"malformed body: {problem}")
    return JSONResponse({"ok": False, "error": "malformed request"}, status_code=400)


def slack_endpoint(
    bolt_app: AsyncApp, guard: SlackRequestGuard
) -> Callable[[Request], Awaitable[Response]]:
    """POST /slack/events: the signature first, then Bolt reads the body and dispatches it.

    Unsigned, stale or forged requests get 401 and replays an empty 200, before a byte of
    the body is parsed; a signed body that Bolt cannot read gets 400.
    """

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        verdict = guard.check(
            body,
            request.headers.get("x-slack-request-timestamp"),
            request.headers.get("x-slack-signature"),
        )
        if verdict is not Verdict.ACCEPTED:
            _refused(request, len(body), verdict.value)
            if verdict is Verdict.REPLAY:
                return Response(status_code=200)
            return JSONResponse({"ok": False, "error": "invalid request"}, status_code=401)
        try:
            # Bolt reads the envelope (team, user, channel, …) as it builds the request.
            bolt_request = to_async_bolt_request(request, body)
        except MALFORMED:
            return _malformed(request, len(body), "not a Slack request body")
        problem = envelope_problem(bolt_request.body)
        if problem is not None:
            return _malformed(request, len(body), problem)
        return to_starlette_response(await bolt_app.async_dispatch(bolt_request))

    return slack_events


def oauth_routes(flow: AsyncOAuthFlow) -> list[Route]:
    """GET /slack/install (the Add to Slack page) and GET /slack/oauth_redirect (Slack's
    redirect back, which completes the install)."""

    async def install(request: Request) -> Response:
        return to_starlette_response(
            await flow.handle_installation(to_async_bolt_request(request, b""))
        )

    async def redirect(request: Request) -> Response:
        return to_starlette_response(
            await flow.handle_callback(to_async_bolt_request(request, b""))
        )

    return [
        Route(flow.install_path, install, methods=["GET"]),
        Route(flow.redirect_uri_path, redirect, methods=["GET"]),
    ]


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
    oauth_flow: AsyncOAuthFlow | None = None,
) -> ASGIApp:
    """The ASGI app `leadloop serve` runs: Slack events, health, readiness, surfaces' routes,
    and with oauth_flow the Add to Slack pages."""
    secret = deps.settings.slack_signing_secret
    if secret is None:
        raise ValueError("the web app needs SLACK_SIGNING_SECRET")
    slack_events = slack_endpoint(bolt_app, SlackRequestGuard(secret.get_secret_value()))

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
            *metrics_routes(deps),
            *(oauth_routes(oauth_flow) if oauth_flow is not None else []),
        ],
        lifespan=lifespan,
    )
    paths = [route.path for route in app.routes if isinstance(route, Route)]
    return ServedRequests(BodySizeLimit(app), log_request, request_counter(paths))
