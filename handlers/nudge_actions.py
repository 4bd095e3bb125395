"""Buttons on a stale-lead nudge: rate the lead in place, or snooze it for three days."""

import logging
import re
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.replies import action_id, action_row_id, reply_privately
from handlers.turn import Turn, after_ack
from handlers.views import ids
from handlers.views.blocks import Message, section, slack_date
from handlers.views.feedback_blocks import notice, rating_text
from handlers.views.nudge_blocks import mark_answered
from storage.feedback import rate_lead
from storage.nudges import SNOOZE_DAYS, snooze_lead
from storage.vocabulary import Rating

logger = logging.getLogger(__name__)

_LEAD_GONE = "That lead is not in this workspace any more."
_BROKEN = "That button is out of date or broken; nothing changed."
_SORRY = "Sorry, that did not work. Nothing was recorded; please try again."
_RATE_RE = re.compile(f"^{re.escape(ids.NUDGE_RATE_PREFIX)}({'|'.join(r.value for r in Rating)})$")


async def _update_in_place(
    client: AsyncWebClient, body: dict[str, Any], lead_id: int, note: str
) -> bool:
    """Replace the lead's buttons in the nudge with note; False if the message is unknown."""
    container, message = body.get("container") or {}, body.get("message") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if not channel or not ts or not isinstance(message.get("blocks"), list):
        return False
    try:
        await client.chat_update(
            channel=channel,
            ts=ts,
            text=message.get("text") or "Leads waiting for your verdict",
            blocks=mark_answered(message["blocks"], lead_id, note),
        )
    except SlackApiError as exc:
        logger.warning("could not update a nudge: %s", exc.response.get("error"))
        return False
    return True


async def _answered(turn: Turn, lead_id: int, note: str) -> None:
    """Show note in the nudge in place of the lead's buttons, else privately to the clicker."""
    if not await _update_in_place(turn.client, turn.body, lead_id, note):
        await reply_privately(turn.respond, Message(note, [section(note)]))


async def rate(turn: Turn) -> None:
    """Record the rating of a nudge's Hot/Warm/Cold/Junk button."""
    await turn.ack()
    match = _RATE_RE.match(action_id(turn.body))
    lead_id = action_row_id(turn.body)
    if match is None or lead_id is None:
        await reply_privately(turn.respond, notice(_BROKEN))
        return
    rating = Rating(match.group(1))
    now = turn.deps.clock.now()
    try:
        async with turn.deps.sessions.begin() as session:
            lead = await rate_lead(
                session=session,
                team_id=turn.team_id,
                lead_id=lead_id,
                author=turn.user_id,
                rating=rating,
                now=now,
            )
    except Exception:
        logger.exception("rating a lead from a nudge failed")
        await reply_privately(turn.respond, notice(_SORRY))
        return
    if lead is None:
        await reply_privately(turn.respond, notice(_LEAD_GONE))
        return
    await _answered(turn, lead_id, f"{rating_text(rating)}: recorded {slack_date(now)}. Thank you!")


async def snooze(turn: Turn) -> None:
    """Keep the lead out of the nudges for a few days."""
    await turn.ack()
    lead_id = action_row_id(turn.body)
    if lead_id is None:
        await reply_privately(turn.respond, notice(_BROKEN))
        return
    now = turn.deps.clock.now()
    until = now + timedelta(days=SNOOZE_DAYS)
    async with turn.deps.sessions.begin() as session:
        lead = await snooze_lead(
            session=session, team_id=turn.team_id, lead_id=lead_id, until=until, now=now
        )
    if lead is None:
        await reply_privately(turn.respond, notice(_LEAD_GONE))
        return
    await _answered(turn, lead_id, f":zzz: Snoozed until {slack_date(until)}.")


def register(app: AsyncApp) -> None:
    """Wire the nudge buttons."""
    app.action(_RATE_RE)(after_ack(rate))
    app.action(ids.NUDGE_SNOOZE)(after_ack(snooze))
