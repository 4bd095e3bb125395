"""What every handler and job is given: settings, the database, the clock."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.settings import Settings
from storage.db import Sessions
from storage.team_settings import TeamSettings, effective_settings


@dataclass(frozen=True)
class Deps:
    """The app's shared services, passed explicitly instead of read from globals."""

    settings: Settings
    engine: AsyncEngine
    sessions: Sessions
    clock: Clock
    # Called with the team id once an admin's settings change is committed (the scheduler
    # sets it to reschedule that team's jobs); None when nothing needs telling.
    on_settings_saved: Callable[[str], Awaitable[None]] | None = None
    # The Web API with the bot token, for work outside a Slack request (finding people for
    # the lead API, the import and the export); None when no token is configured.
    slack: AsyncWebClient | None = None

    async def team_settings(self, team_id: str) -> TeamSettings:
        """The settings a team runs with, read in a session of their own."""
        async with self.sessions() as session:
            return await effective_settings(
                session=session, team_id=team_id, defaults=self.settings.team_defaults
            )
