"""One log line per HTTP request: method, path, status, milliseconds and Slack team.

Never the query string, a header or the body: those carry tokens, signatures and what people
typed. The team comes from Bolt once it has verified the request (`note_team`, called by a
Bolt middleware); requests Bolt refused or did not see show "-".
"""

import logging
import time
from contextvars import ContextVar

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


class AccessLog:
    """ASGI middleware that logs each HTTP request once it is answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, then log its line (also when the app raised)."""
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
            logger.info(
                "%s %s %s %.1f ms team=%s",
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
                team[0] if team else "-",
            )
