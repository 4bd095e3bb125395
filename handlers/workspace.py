"""Serves only the workspaces leadloop is installed in; any other team is turned away politely.

Workspaces exist by installation (the bot token's own workspace, stored at start-up, or one
added with "Add to Slack"). A signed request from another team (a Slack Connect guest
clicking a shared preview, say) gets a short ephemeral answer, or nothing for events, and
never creates a row. When Slack says the app was uninstalled (`app_uninstalled`) or its bot
token revoked (`tokens_revoked`), the workspace's tokens are forgotten and its jobs stop; its
data stays until `leadloop purge --team` removes it.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.deps import Deps
from bot.http_session import HttpSession
from storage.installations import mark_uninstalled
from storage.teams import get_team

logger = logging.getLogger(__name__)

NOT_INSTALLED = (
    "leadloop is not installed in this workspace, so it cannot do anything here. "
    "Ask an admin of the workspace that runs it."
)

_background: set[asyncio.Task[Any]] = set()


def refusal(body: dict[str, Any], http: HttpSession) -> BoltResponse:
    """The acknowledgement for a team leadloop does not serve: ephemeral words, or nothing."""
    if "command" in body:
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": NOT_INSTALLED})
    if body.get("type") == "block_suggestion":
        return BoltResponse(status=200, body={"options": []})
    response_url = body.get("response_url")
    if isinstance(response_url, str) and response_url:
        task = asyncio.create_task(_tell(http, response_url))
        _background.add(task)
        task.add_done_callback(_background.discard)
    return BoltResponse(status=200, body="")


async def _tell(http: HttpSession, response_url: str) -> None:
    try:
        await AsyncWebhookClient(response_url, session=http.get()).send(
            text=NOT_INSTALLED, response_type="ephemeral", replace_original=False
        )
    except Exception:  # noqa: BLE001 - a courtesy to a stranger must never fail loudly
        logger.info("could not tell a click from another workspace that leadloop is absent")


class _OnlyInstalledWorkspaces(AsyncMiddleware):
    """Turns away a request from a workspace not installed (known ones are remembered)."""

    def __init__(self, deps: Deps, installed: set[str]):
        self._deps = deps
        self._installed = installed

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        """Go on for an installed workspace; answer any other here."""
        team_id = req.context.team_id
        if team_id and team_id not in self._installed:
            async with self._deps.sessions() as session:
                team = await get_team(session=session, team_id=team_id)
            if team is None or team.uninstalled_at is not None:
                logger.info("a request from workspace %s, which is not installed, refused", team_id)
                return refusal(req.body, self._deps.http)
            self._installed.add(team_id)
        return await next()


def register(app: AsyncApp, deps: Deps) -> None:
    """Add the middleware that lets through only requests from installed workspaces."""
    installed: set[str] = set()
    app.use(_OnlyInstalledWorkspaces(deps, installed))

    async def forget(team_id: str | None) -> None:
        if not team_id:
            return
        async with deps.sessions.begin() as session:
            changed = await mark_uninstalled(session=session, team_id=team_id, now=deps.clock.now())
        installed.discard(team_id)
        if changed:
            logger.info("workspace %s uninstalled leadloop: its tokens are forgotten", team_id)
            if deps.on_installation_changed is not None:
                await deps.on_installation_changed(team_id)

    @app.event("app_uninstalled")
    async def app_uninstalled(context: AsyncBoltContext) -> None:
        await forget(context.team_id)

    @app.event("tokens_revoked")
    async def tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        # Only the bot's token matters: user tokens (`oauth`) are never stored.
        if (event.get("tokens") or {}).get("bot"):
            await forget(context.team_id)
