"""Who may change a team's settings: Slack workspace admins and owners, plus the team's list.

Slack's answer comes from `users.info` and counts only for the workspace the request came
from: an admin of workspace A is no admin of workspace B. It is remembered for ten minutes
per user and workspace, so opening the Home does not cost a Web API call each time. A
settings submission asks again (`fresh=True`): someone demoted a minute ago must not save
with a stale yes.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from storage.team_settings import TeamSettings

logger = logging.getLogger(__name__)

ADMIN_CACHE_TTL = timedelta(minutes=10)
_CACHE_MAX = 10_000


_ADMIN_FLAGS = ("is_admin", "is_owner", "is_primary_owner")


def _flagged(person: dict[str, Any]) -> bool:
    return any(person.get(flag) is True for flag in _ADMIN_FLAGS)


def _admin_of(user: dict[str, Any], team_id: str) -> bool:
    """Whether users.info's user is an admin or owner of team_id itself.

    Slack's flags speak of the user's own workspace: an admin of another workspace (a Slack
    Connect guest, say) is no admin here. In an Enterprise Grid organisation an org admin or
    owner counts for the workspaces of the organisation they are in.
    """
    if user.get("deleted") is True:
        return False
    if user.get("team_id") == team_id:
        return _flagged(user)
    grid = user.get("enterprise_user")
    if not isinstance(grid, dict):
        return False
    teams = grid.get("teams")
    return isinstance(teams, list) and team_id in teams and _flagged(grid)


class WorkspaceAdmins:
    """Slack's admin and owner flags per user, cached for a while on the injected clock."""

    def __init__(self, clock: Clock, ttl: timedelta = ADMIN_CACHE_TTL) -> None:
        self._clock = clock
        self._ttl = ttl
        self._seen: dict[tuple[str, str], tuple[bool, datetime]] = {}

    async def is_slack_admin(
        self, client: AsyncWebClient, *, team_id: str, user_id: str, fresh: bool = False
    ) -> bool | None:
        """Whether Slack says the user is a workspace admin or owner; None if Slack did not
        answer."""
        now = self._clock.now()
        key = (team_id, user_id)
        cached = self._seen.get(key)
        if cached is not None and not fresh and now - cached[1] < self._ttl:
            return cached[0]
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as exc:
            logger.warning("users.info failed: %s", exc.response.get("error"))
            return None
        except (TimeoutError, aiohttp.ClientError) as exc:
            logger.warning("users.info unreachable: %s", type(exc).__name__)
            return None
        user = response.get("user")
        is_admin = isinstance(user, dict) and _admin_of(user, team_id)
        self._remember(key, is_admin, now)
        return is_admin

    def _remember(self, key: tuple[str, str], is_admin: bool, now: datetime) -> None:
        if len(self._seen) >= _CACHE_MAX:
            self._seen = {k: v for k, v in self._seen.items() if now - v[1] < self._ttl}
        self._seen[key] = (is_admin, now)

    async def may_change_settings(
        self,
        client: AsyncWebClient,
        *,
        team: TeamSettings,
        user_id: str,
        fresh: bool = False,
    ) -> bool:
        """Whether the user is on the team's admin list or a Slack workspace admin or owner."""
        if user_id in team.admin_users:
            return True
        answer = await self.is_slack_admin(
            client, team_id=team.team_id, user_id=user_id, fresh=fresh
        )
        return answer is True
