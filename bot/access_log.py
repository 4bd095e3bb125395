"""Each HTTP request served, timed and reported: one log line (method, path, status,
milliseconds and Slack team) and, through its observers, the metrics.

Never the query string, a header or the body: those carry tokens, signatures and what people
typed. The team comes from Bolt once it has verified the request (`note_team`, called by a
Bolt middleware); requests Bolt refused or did not see show "-".
"""

import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("leadloop.access")

# The team of the request being served, filled in by Bolt's middleware: a one-item list, so
# that a listener running in a task of its own (a copy of this context) still fills it in.
_team: ContextVar[list[str] | None] = ContextVar("leadloop_access_team", default=None)


def note_team(team_id: str | None) -> None:
    """Record the Slack team of the request being served, for its access-log line."""
    holder = _team.get()
    if holder is not None and team_id:
        holder[:] = [team_id]


@dataclass(frozen=True)
class Served:
    """One answered HTTP request, as the access log and the metrics see it."""

    method: str
    path: str
    status: int
    seconds: float
    team: str | None


Observer = Callable[[Served], None]


def log_request(served: Served) -> None:
    """The request's access-log line."""
    logger.info(
        "%s %s %s %.1f ms team=%s",
        served.method,
        served.path,
        served.status,
        served.seconds * 1000,
        served.team or "-",
    )


class ServedRequests:
    """ASGI middleware that serves each HTTP request, times it, and tells every observer how
    it was answered (as a 500 when the app raised)."""

    def __init__(self, app: ASGIApp, *observers: Observer) -> None:
        self.app = app
        self.observers = observers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, then report it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        team: list[str] = []
        reset = _team.set(team)

        async def noting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            _team.reset(reset)
            served = Served(
                method=scope["method"],
                path=scope["path"],
                status=status,
                seconds=time.perf_counter() - started,
                team=team[0] if team else None,
            )
            for observe in self.observers:
                observe(served)
