"""The admins' settings modal: opened from the Home, saved without a restart.

The Settings button only shows to admins, but that is a courtesy, not the protection: the
submission asks Slack again who the submitter is and refuses anyone who is not an admin at
that moment, before anything is written.
"""

import asyncio
import logging

from slack_bolt.async_app import AsyncApp

from handlers.channels import channel_problem
from handlers.home_flow import explain_on_home, refresh_home
from handlers.modals import open_modal
from handlers.turn import Turn, after_ack
from handlers.views import ids, settings_blocks
from storage.channel_refs import ChannelRef
from storage.team_settings import SettingsChange, save_team_settings

logger = logging.getLogger(__name__)

SAVE_FAILED = "Something went wrong on our side and nothing was saved. Please try again."
SAVED_NOTICE = ":white_check_mark: Settings saved. They apply from now on, no restart needed."
RESCHEDULE_FAILED = (
    ":warning: Settings saved, but the schedule could not be updated right away: "
    "the new digest and nudge times apply after the next restart."
)
_FIRST_BLOCK = ids.SETTINGS_DIGEST_CHANNELS_BLOCK


async def open_settings(turn: Turn) -> None:
    """Open the settings modal for an admin, or say why not to anyone else."""
    await turn.ack()
    team = await turn.deps.team_settings(turn.team_id)
    allowed = await turn.admins.may_change_settings(turn.client, team=team, user_id=turn.user_id)
    view = settings_blocks.settings_modal(team) if allowed else settings_blocks.refused_modal()
    await open_modal(turn, view, form="settings form", explain=explain_on_home)


async def save_settings(turn: Turn) -> None:
    """Check the submission and the submitter, store the settings, then show the Home."""
    change = settings_blocks.read_settings(turn.values)
    if isinstance(change, dict):
        await turn.ack(response_action="errors", errors=change)
        return
    unusable = await _unusable_channel(turn, change.digest_channels)
    if unusable is not None:
        await turn.ack(response_action="errors", errors={_FIRST_BLOCK: unusable})
        return
    try:
        refusal = await _save(turn, change)
    except Exception:
        logger.exception("saving settings failed")
        refusal = SAVE_FAILED
    if refusal is not None:
        await turn.ack(response_action="errors", errors={_FIRST_BLOCK: refusal})
        return
    await turn.ack()
    await refresh_home(turn, notice=await _reschedule(turn))


async def _unusable_channel(turn: Turn, channels: tuple[str, ...]) -> str | None:
    """Why leadloop could not post the digest in one of the channels (the first), or None."""
    problems = await asyncio.gather(
        *(channel_problem(turn.client, ChannelRef(id=channel)) for channel in channels)
    )
    return next((problem for problem in problems if problem is not None), None)


async def _save(turn: Turn, change: SettingsChange) -> str | None:
    """Store the change if the submitter is an admin right now; else why it was refused."""
    team = await turn.deps.team_settings(turn.team_id)
    allowed = await turn.admins.may_change_settings(
        turn.client, team=team, user_id=turn.user_id, fresh=True
    )
    if not allowed:
        logger.warning("refused a settings change from a non-admin in %s", turn.team_id)
        return settings_blocks.NOT_ADMIN
    async with turn.deps.sessions.begin() as session:
        await save_team_settings(
            session=session,
            team_id=turn.team_id,
            change=change,
            by=turn.user_id,
            now=turn.deps.clock.now(),
        )
    return None


async def _reschedule(turn: Turn) -> str:
    """Move the team's scheduled jobs to the new times; the Home's notice says how it went."""
    if turn.deps.on_settings_saved is None:
        return SAVED_NOTICE
    try:
        await turn.deps.on_settings_saved(turn.team_id)
    except Exception:
        logger.exception("rescheduling after a settings change failed for %s", turn.team_id)
        return RESCHEDULE_FAILED
    return SAVED_NOTICE


def register(app: AsyncApp) -> None:
    """Wire the Settings button and the modal's submission."""
    app.action(ids.HOME_OPEN_SETTINGS)(after_ack(open_settings))
    app.view(ids.SETTINGS_MODAL)(after_ack(save_settings))
