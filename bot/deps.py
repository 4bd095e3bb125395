"""What every handler and job is given: settings, the database, the clock."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.http_session import HttpSession
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
    # The Web API with a given workspace's own token (None when it has none), when leadloop
    # serves workspaces installed with "Add to Slack"; None: `slack` serves the one workspace.
    workspace_slack: Callable[[str], Awaitable[AsyncWebClient | None]] | None = None
    # Called with the team id once a workspace is installed or uninstalled (the scheduler
    # sets it to start or stop that team's jobs).
    on_installation_changed: Callable[[str], Awaitable[None]] | None = None
    # The one HTTP session for response_urls; whoever builds the Deps closes it at the end.
    http: HttpSession = field(default_factory=HttpSession)

    async def slack_for(
        self, team_id: str, fallback: AsyncWebClient | None = None
    ) -> AsyncWebClient | None:
        """The Web API with the workspace's own bot token (None if it has none); with one
        workspace, fallback or `slack`."""
        if self.workspace_slack is not None:
            return await self.workspace_slack(team_id)
        return fallback or self.slack

    async def team_settings(self, team_id: str) -> TeamSettings:
        """The settings a team runs with, read in a session of their own."""
        async with self.sessions() as session:
            return await effective_settings(
                session=session, team_id=team_id, defaults=self.settings.team_defaults
            )
