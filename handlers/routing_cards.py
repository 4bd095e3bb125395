"""Claim cards in the routing channel: a card per lead, or one queue card for a burst, each
updated in place as leads are claimed."""

import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from handlers.post_intent import SLACK_CALL_ERRORS
from handlers.views.blocks import Message
from handlers.views.routing_blocks import QUEUE_AFTER, claim_card, queue_card
from storage.models import Lead
from storage.routing import find_card, save_card, unclaimed_count
from storage.team_settings import TeamSettings

logger = logging.getLogger(__name__)


async def post_cards(
    deps: Deps, client: AsyncWebClient, team: TeamSettings, leads: list[Lead]
) -> bool:
    """Put leads waiting to be claimed in the routing channel; False when Slack refused."""
    channel = deps.settings.routing_rules.channel
    if channel is None:
        logger.warning(
            "%s leads wait to be claimed in team %s, but no routing or shared channel is set",
            len(leads),
            team.team_id,
        )
        return True
    async with deps.sessions() as session:
        queued = await find_card(session=session, team_id=team.team_id, lead_id=None)
        waiting = await unclaimed_count(session=session, team_id=team.team_id)
    # A queue card still counting older leads takes these too; else a burst gets a new one
    # (at the bottom of the channel, not an old card far up that says all were claimed).
    counting = queued is not None and waiting > len(leads)
    try:
        if len(leads) > QUEUE_AFTER or counting:
            await refresh_queue(deps, client, team.team_id, fresh=not counting)
            return True
        for lead in leads:
            await _post(deps, client, team.team_id, channel, lead.id, claim_card(lead))
    except SLACK_CALL_ERRORS as exc:
        logger.warning("could not post claim cards in %s: %s", channel, type(exc).__name__)
        return False
    return True


async def _post(
    deps: Deps,
    client: AsyncWebClient,
    team_id: str,
    channel: str,
    lead_id: int | None,
    message: Message,
) -> None:
    answer = await client.chat_postMessage(channel=channel, **message.as_kwargs())
    async with deps.sessions.begin() as session:
        await save_card(
            session=session,
            team_id=team_id,
            lead_id=lead_id,
            channel=str(answer["channel"]),
            ts=str(answer["ts"]),
            now=deps.clock.now(),
        )


async def refresh_queue(
    deps: Deps, client: AsyncWebClient, team_id: str, *, fresh: bool = False
) -> None:
    """Update the queue card in place with how many leads wait now (fresh: post a new one)."""
    async with deps.sessions() as session:
        card = await find_card(session=session, team_id=team_id, lead_id=None)
        waiting = await unclaimed_count(session=session, team_id=team_id)
    message = queue_card(waiting)
    if card is not None and not fresh:
        await client.chat_update(channel=card.channel_id, ts=card.message_ts, **message.as_kwargs())
    elif waiting and (channel := deps.settings.routing_rules.channel) is not None:
        await _post(deps, client, team_id, channel, None, message)
