"""Makes sure every workspace that talks to the app has its row before any handler runs."""

from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.deps import Deps
from storage.teams import ensure_team


def register(app: AsyncApp, deps: Deps) -> None:
    """Add the middleware that creates a team's row on its first request."""
    known: set[str] = set()

    @app.middleware
    async def ensure_team_row(
        context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
    ) -> None:
        team_id = context.team_id
        if team_id and team_id not in known:
            async with deps.sessions.begin() as session:
                await ensure_team(session=session, team_id=team_id, now=deps.clock.now())
            known.add(team_id)
        await next()
