"""Buttons of routing: Contacted and Not mine on a rep's DM, Claim and Claim next on cards.

Every click acks at once; the database decides who wins (a conditional update), and a
click that changes nothing gets a private answer saying why.
"""

import logging
import re

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.metrics import LEADS_CLAIMED
from handlers.home_flow import refresh_home
from handlers.lead_routing import notify_soon, route_leads, routing_plan
from handlers.replies import action_row_id, action_value, reply_privately
from handlers.routing_cards import refresh_queue
from handlers.turn import Turn, after_ack
from handlers.views import ids
from handlers.views.blocks import mention, slack_date
from handlers.views.feedback_blocks import notice
from handlers.views.nudge_blocks import mark_answered
from handlers.views.routing_blocks import claimed_card, claimed_note, private_note
from storage.leads import get_lead
from storage.routing import (
    Answer,
    ClickResult,
    claim_lead,
    find_card,
    mark_contacted,
    past_owners,
    set_away,
    unclaimed_leads,
)

logger = logging.getLogger(__name__)

_CARD_VALUE = re.compile(r"^(\d{1,18}):(\d{1,9})$")
_NO_LEAD = "That lead is not in this workspace; nothing changed."
_NOT_YOURS = "That lead is not yours (any more); nothing changed."
_NOBODY_FREE = "Nothing waits to be claimed right now."


def _refusal(result: ClickResult) -> str:
    lead = result.lead
    if result.answer is Answer.NO_LEAD or lead is None:
        return _NO_LEAD
    if lead.owner:
        return f"Already claimed by {mention(lead.owner)}; nothing changed."
    return "That lead moved on since this card was posted; nothing changed."


async def _mark_dm(turn: Turn, lead_id: int, note: str) -> None:
    """Replace the lead's buttons in the DM with note (the DM stays as it was on failure)."""
    container, message = turn.body.get("container") or {}, turn.body.get("message") or {}
    if not container.get("channel_id") or not isinstance(message.get("blocks"), list):
        return
    try:
        await turn.client.chat_update(
            channel=container["channel_id"],
            ts=container.get("message_ts"),
            text=message.get("text") or "New leads",
            blocks=mark_answered(message["blocks"], lead_id, note),
        )
    except SlackApiError as exc:
        logger.warning("could not update a routing DM: %s", exc.response.get("error"))


async def contacted(turn: Turn) -> None:
    """Contacted: the owner's first touch."""
    await turn.ack()
    now = turn.deps.clock.now()
    async with turn.deps.sessions.begin() as session:
        result = await mark_contacted(
            session=session,
            team_id=turn.team_id,
            lead_id=action_row_id(turn.body),
            user_id=turn.user_id,
            now=now,
        )
    lead = result.lead if result.answer is Answer.DONE else None
    problem = "" if lead is not None else _NO_LEAD if result.lead is None else _NOT_YOURS
    if (turn.body.get("container") or {}).get("type") == "view":
        await refresh_home(turn, notice=f":warning: {problem}" if problem else None)
    elif lead is None:
        await reply_privately(turn.respond, notice(problem))
    else:
        await _mark_dm(turn, lead.id or 0, f":white_check_mark: Contacted {slack_date(now)}.")


async def not_mine(turn: Turn) -> None:
    """Not mine: back to routing, never to the same rep."""
    await turn.ack()
    lead_id, now = action_row_id(turn.body), turn.deps.clock.now()
    team = await turn.deps.team_settings(turn.team_id)
    plan = await routing_plan(turn.deps, team)
    async with turn.deps.sessions() as session:
        lead = await get_lead(session=session, team_id=turn.team_id, lead_id=lead_id)
        if lead is None or lead.owner != turn.user_id or lead.first_touch_at is not None:
            await reply_privately(turn.respond, notice(_NO_LEAD if lead is None else _NOT_YOURS))
            return
        exclude = {lead.id or 0: await past_owners(session=session, lead_id=lead.id or 0)}
        moved = await route_leads(
            session,
            plan,
            team_id=turn.team_id,
            leads=[(lead.id or 0, lead.routing_round)],
            now=now,
            exclude=exclude,
        )
        await session.commit()
    if not moved:
        await reply_privately(turn.respond, notice(_NOT_YOURS))
        return
    await _mark_dm(turn, lead.id or 0, ":leftwards_arrow_with_hook: Passed on.")
    notify_soon(turn.deps, [turn.team_id])


async def claim(turn: Turn) -> None:
    """Claim on a lead's card: the first click wins; the card shows who has it."""
    await turn.ack()
    match = _CARD_VALUE.match(action_value(turn.body))
    if match is None:
        await reply_privately(turn.respond, notice(_NO_LEAD))
        return
    async with turn.deps.sessions.begin() as session:
        result = await claim_lead(
            session=session,
            team_id=turn.team_id,
            lead_id=int(match.group(1)),
            seen=int(match.group(2)),
            user_id=turn.user_id,
            now=turn.deps.clock.now(),
        )
    if result.answer is not Answer.DONE or result.lead is None:
        await reply_privately(turn.respond, private_note(_refusal(result)))
        return
    LEADS_CLAIMED.inc()
    async with turn.deps.sessions() as session:
        card = await find_card(session=session, team_id=turn.team_id, lead_id=result.lead.id)
    if card is None:
        return
    message = claimed_card(result.lead, turn.user_id)
    try:
        await turn.client.chat_update(
            channel=card.channel_id, ts=card.message_ts, **message.as_kwargs()
        )
    except SlackApiError as exc:
        # The claim stands; only the card still shows Claim (a later click is told who won).
        logger.warning("could not mark a claim card claimed: %s", exc.response.get("error"))


async def claim_next(turn: Turn) -> None:
    """Claim next on the queue card: the oldest lead still waiting goes to the clicker."""
    await turn.ack()
    now = turn.deps.clock.now()
    won = None
    for _attempt in range(5):
        async with turn.deps.sessions.begin() as session:
            [*leads] = await unclaimed_leads(session=session, team_id=turn.team_id, limit=1)
            if not leads:
                break
            result = await claim_lead(
                session=session,
                team_id=turn.team_id,
                lead_id=leads[0].id,
                seen=leads[0].routing_round,
                user_id=turn.user_id,
                now=now,
            )
        if result.answer is Answer.DONE:
            won = result.lead
            LEADS_CLAIMED.inc()
            break
    if won is None:
        await reply_privately(turn.respond, notice(_NOBODY_FREE))
        return
    await reply_privately(turn.respond, claimed_note(won))
    await refresh_queue(turn.deps, turn.client, turn.team_id)


async def away(turn: Turn) -> None:
    """The Home's away switch: no new leads while away."""
    await turn.ack()
    async with turn.deps.sessions.begin() as session:
        await set_away(
            session=session,
            team_id=turn.team_id,
            user_id=turn.user_id,
            away=action_value(turn.body) == "away",
        )
    await refresh_home(turn)


def register(app: AsyncApp) -> None:
    """Wire the routing buttons."""
    app.action(ids.ROUTING_CONTACTED)(after_ack(contacted))
    app.action(ids.ROUTING_NOT_MINE)(after_ack(not_mine))
    app.action(ids.ROUTING_CLAIM)(after_ack(claim))
    app.action(ids.ROUTING_CLAIM_NEXT)(after_ack(claim_next))
    app.action(ids.HOME_AWAY)(after_ack(away))
