"""The admins' settings modal: opened from the Home, saved without a restart.

The Settings button only shows to admins, but that is a courtesy, not the protection: the
submission asks Slack again who the submitter is and refuses anyone who is not an admin at
that moment, before anything is written.
"""

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from handlers.admins import WorkspaceAdmins
from handlers.home_flow import refresh_home
from handlers.views import ids, settings_blocks
from storage.team_settings import effective_settings, save_team_settings

logger = logging.getLogger(__name__)

SAVE_FAILED = "Something went wrong on our side and nothing was saved. Please try again."
SAVED_NOTICE = ":white_check_mark: Settings saved. They apply from now on, no restart needed."
RESCHEDULE_FAILED = (
    ":warning: Settings saved, but the schedule could not be updated right away: "
    "the new digest and nudge times apply after the next restart."
)


def register(app: AsyncApp, deps: Deps, admins: WorkspaceAdmins) -> None:
    """Wire the Settings button and the modal's submission."""

    @app.action(ids.HOME_OPEN_SETTINGS)
    async def open_settings(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        async with deps.sessions() as session:
            team = await effective_settings(
                session=session, team_id=context.team_id or "", defaults=deps.settings.team_defaults
            )
        allowed = await admins.may_change_settings(client, team=team, user_id=context.user_id or "")
        view = settings_blocks.settings_modal(team) if allowed else settings_blocks.refused_modal()
        try:
            await client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:
            logger.error("views.open for settings failed: %s", exc.response.get("error"))

    @app.view(ids.SETTINGS_MODAL)
    async def save_settings(
        ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        team_id = context.team_id or ""
        user_id = context.user_id or ""
        change = settings_blocks.read_settings(view.get("state", {}).get("values", {}))
        if isinstance(change, dict):
            await ack(response_action="errors", errors=change)
            return
        first_block = ids.SETTINGS_DIGEST_CHANNELS_BLOCK
        try:
            async with deps.sessions() as session:
                team = await effective_settings(
                    session=session, team_id=team_id, defaults=deps.settings.team_defaults
                )
            allowed = await admins.may_change_settings(
                client, team=team, user_id=user_id, fresh=True
            )
            if not allowed:
                logger.warning("refused a settings change from a non-admin in %s", team_id)
                await ack(response_action="errors", errors={first_block: settings_blocks.NOT_ADMIN})
                return
            async with deps.sessions.begin() as session:
                await save_team_settings(
                    session=session,
                    team_id=team_id,
                    change=change,
                    by=user_id,
                    now=deps.clock.now(),
                )
        except Exception:
            logger.exception("saving settings failed")
            await ack(response_action="errors", errors={first_block: SAVE_FAILED})
            return
        await ack()
        notice = SAVED_NOTICE
        if deps.on_settings_saved is not None:
            try:
                await deps.on_settings_saved(team_id)
            except Exception:
                logger.exception("rescheduling after a settings change failed for %s", team_id)
                notice = RESCHEDULE_FAILED
        await refresh_home(client, deps, admins, team_id=team_id, user_id=user_id, notice=notice)
