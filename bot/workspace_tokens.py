"""Each workspace's own bot token: its installation's (rotated before it expires), else the
environment's for the workspace SLACK_BOT_TOKEN belongs to.

Requests (bot.app's authorize), scheduled jobs, the lead API and the CLI all ask here, so no
call to Slack for one workspace ever carries another's token. Tokens are read from the
database on each use (about 0.8 ms on SQLite, decryption included), so every process sees a
rotation or an uninstall at once.
"""

import asyncio
import logging
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.installation import token_workspace
from bot.slack_client import build_client
from storage.installations import InstalledBot, find_installation, save_rotated_tokens

logger = logging.getLogger(__name__)

# A rotating token (token_rotation_enabled) lives 12 hours; it is refreshed when it has less
# than this left, so a job or request never starts with a token about to expire.
ROTATE_BEFORE = timedelta(minutes=30)


class WorkspaceTokens:
    """Finds, and when due rotates, the bot token of each workspace."""

    def __init__(self, deps: Deps, *, env_team_id: str | None = None) -> None:
        self._deps = deps
        self._settings = deps.settings
        self._cipher = deps.settings.token_cipher() if deps.settings.oauth_enabled else None
        self._env_token = (
            deps.settings.slack_bot_token.get_secret_value()
            if deps.settings.slack_bot_token is not None
            else None
        )
        self._env_team_id = env_team_id or deps.settings.team_id
        self._oauth_client = build_client(token=None, base_url=deps.settings.slack_api_url)
        self._clients: dict[str, AsyncWebClient] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def bot_token(self, team_id: str) -> str | None:
        """The workspace's bot token, or None if leadloop holds none for it."""
        if self._cipher is None:
            return self._env_token
        async with self._deps.sessions() as session:
            bot = await find_installation(session=session, team_id=team_id, cipher=self._cipher)
        if bot is not None:
            return await self._fresh(bot)
        if self._env_token is not None and team_id == await self._env_team():
            return self._env_token
        return None

    async def client(self, team_id: str) -> AsyncWebClient | None:
        """The Web API with the workspace's bot token, or None if leadloop holds none for it."""
        token = await self.bot_token(team_id)
        if token is None:
            return None
        known = self._clients.get(team_id)
        if known is None or known.token != token:  # first use, or rotated since
            known = build_client(token=token, base_url=self._settings.slack_api_url)
            self._clients[team_id] = known
        return known

    async def _env_team(self) -> str | None:
        if self._env_team_id is None and self._deps.slack is not None:
            self._env_team_id = await token_workspace(self._settings, self._deps.slack)
        return self._env_team_id

    def _due(self, bot: InstalledBot) -> bool:
        """Whether the bot's token rotates and has less than ROTATE_BEFORE left."""
        expires_at = bot.bot_token_expires_at
        if bot.bot_refresh_token is None or expires_at is None:
            return False
        return expires_at - self._deps.clock.now() <= ROTATE_BEFORE

    async def _fresh(self, bot: InstalledBot) -> str:
        """The bot's token, exchanged for a new one first if it is due.

        The exchange happens with the installation's row locked and read again, so when
        several processes find the token due at once, one rotates and the others take the
        new token (each refresh token is good for one exchange).
        """
        if not self._due(bot):
            return bot.bot_token
        assert self._cipher is not None
        # One rotation at a time in this process (SQLite has no row locks), and in the
        # database across processes (PostgreSQL).
        async with (
            self._locks.setdefault(bot.team_id, asyncio.Lock()),
            self._deps.sessions.begin() as session,
        ):
            locked = await find_installation(
                session=session, team_id=bot.team_id, cipher=self._cipher, lock=True
            )
            if locked is None or not self._due(locked):
                return locked.bot_token if locked is not None else bot.bot_token
            answer = await self._refresh(locked)
            if answer is None:
                return locked.bot_token
            await save_rotated_tokens(
                session=session,
                team_id=bot.team_id,
                cipher=self._cipher,
                bot_token=answer["access_token"],
                refresh_token=answer["refresh_token"],
                expires_at=self._deps.clock.now() + timedelta(seconds=int(answer["expires_in"])),
            )
        logger.info("rotated the bot token of workspace %s", bot.team_id)
        return str(answer["access_token"])

    async def _refresh(self, bot: InstalledBot) -> dict[str, Any] | None:
        """Slack's new token for the bot's refresh token, or None (logged) if it refused."""
        assert self._settings.slack_client_secret is not None
        try:
            answer = await self._oauth_client.oauth_v2_access(
                client_id=self._settings.slack_client_id,
                client_secret=self._settings.slack_client_secret.get_secret_value(),
                grant_type="refresh_token",
                refresh_token=bot.bot_refresh_token,
            )
        except SlackApiError as exc:
            logger.warning(
                "could not rotate the bot token of workspace %s (%s); using the current one",
                bot.team_id,
                exc.response.get("error"),
            )
            return None
        return dict(answer.data) if isinstance(answer.data, dict) else None
