"""The workspace the bot token belongs to, known before any request arrives.

A single-workspace deployment learns its team from Slack's auth.test at start-up (or from
LEADLOOP_TEAM_ID, which skips the call) and stores the team's row, so the lead API, the
import and the scheduler work from the first minute. Workspaces exist only this way: a
request from any other team is turned away (handlers.workspace) and creates nothing.
"""

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.settings import Settings
from storage.slack_ids import is_team_id
from storage.teams import ensure_team

logger = logging.getLogger(__name__)


class InstallationError(Exception):
    """The bot token's workspace cannot be known; the message is one line for the terminal."""


async def token_workspace(settings: Settings, client: AsyncWebClient | None) -> str:
    """LEADLOOP_TEAM_ID, else the team Slack's auth.test names for the bot token."""
    if settings.team_id is not None:
        return settings.team_id
    if client is None or settings.slack_bot_token is None:
        raise InstallationError(
            "leadloop cannot tell which workspace it serves: set SLACK_BOT_TOKEN "
            "(or LEADLOOP_TEAM_ID to the workspace id, such as T0123456789)."
        )
    try:
        answer = await client.auth_test()
    except SlackApiError as exc:
        raise InstallationError(
            f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error')}): copy the Bot User "
            "OAuth Token from your Slack app's OAuth & Permissions page."
        ) from None
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise InstallationError(
            f"Slack's Web API at SLACK_API_URL could not be reached ({type(exc).__name__}): "
            "check the network, or set LEADLOOP_TEAM_ID to start without asking Slack."
        ) from None
    team_id = answer.get("team_id")
    if not isinstance(team_id, str) or not is_team_id(team_id):
        raise InstallationError(
            "Slack's auth.test named no workspace for SLACK_BOT_TOKEN: "
            "set LEADLOOP_TEAM_ID to the workspace id, such as T0123456789."
        )
    return team_id


async def install_workspace(deps: Deps, client: AsyncWebClient | None = None) -> str:
    """Store the bot token's workspace (once; later calls find it) and return its id."""
    team_id = await token_workspace(deps.settings, client or deps.slack)
    async with deps.sessions.begin() as session:
        created = await ensure_team(session=session, team_id=team_id, now=deps.clock.now())
    if created:
        logger.info("workspace %s installed: leadloop serves it from now on", team_id)
    return team_id
