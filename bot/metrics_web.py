"""`GET /metrics` for Prometheus, and every HTTP request counted and timed by route.

/metrics is served only when switched on: to anyone with LEADLOOP_METRICS=1, or to a bearer
of LEADLOOP_METRICS_TOKEN when that is set (the token wins when both are). The figures are
this process's (see bot.metrics); the webhook outbox's are read from the database at each
scrape, so every replica reports the same backlog. Under `serve --workers` the figures are
every worker's, added up (bot.metrics.exposed_registry).
"""

from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.access_log import Observer, Served
from bot.deps import Deps
from bot.metrics import (
    HTTP_LATENCY,
    HTTP_REQUESTS,
    OUTBOX_DEPTH,
    OUTBOX_OLDEST_AGE,
    exposed_registry,
)
from handlers.bearer import is_authorised
from storage.outbox import outbox_backlog

PATH = "/metrics"
# Paths the app does not serve share one label, so a scanner cannot grow the series.
OTHER_ROUTE = "other"


def request_counter(routes: Iterable[str]) -> Observer:
    """An observer that counts each answered request by route, method and status, and times
    it; paths the app does not serve share one label."""
    known = frozenset(routes)

    def count(served: Served) -> None:
        route = served.path if served.path in known else OTHER_ROUTE
        HTTP_REQUESTS.labels(route=route, method=served.method, status=str(served.status)).inc()
        HTTP_LATENCY.labels(route=route).observe(served.seconds)

    return count


async def _read_outbox(deps: Deps) -> None:
    async with deps.sessions() as session:
        backlog = await outbox_backlog(session=session)
    OUTBOX_DEPTH.set(backlog.depth)
    OUTBOX_OLDEST_AGE.set(backlog.oldest_age_seconds(deps.clock.now()))


def metrics_routes(deps: Deps) -> list[Route]:
    """The /metrics route when the settings switch it on; none otherwise."""
    settings = deps.settings
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    if token is None and not settings.metrics_enabled:
        return []

    async def metrics(request: Request) -> Response:
        if token is not None and not is_authorised(request.headers.get("authorization"), token):
            return JSONResponse(
                {"ok": False, "error": "invalid or missing bearer token"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        await _read_outbox(deps)
        return Response(generate_latest(exposed_registry()), media_type=CONTENT_TYPE_LATEST)

    return [Route(PATH, metrics, methods=["GET"])]
