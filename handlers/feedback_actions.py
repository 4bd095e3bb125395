"""Buttons on `/leadfeedback` messages: Undo, Edit, a candidate lead, Give feedback."""

import json
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from handlers.feedback_flow import Found, record_and_confirm
from handlers.feedback_modal import open_or_explain
from handlers.leadfeedback import SORRY, history_of
from handlers.replies import action_row_id, action_value, reply_privately
from handlers.views import feedback_blocks, ids
from handlers.views.blocks import Message
from storage.campaigns import get_campaign
from storage.feedback import (
    FeedbackInput,
    UndoOutcome,
    can_undo,
    get_feedback,
    undo_feedback,
)
from storage.leads import get_lead
from storage.models import NOTE_MAX, Lead
from storage.vocabulary import LeadStatus, Rating, Reason

logger = logging.getLogger(__name__)

_LEAD_GONE = "That lead is not in this workspace any more."
_BROKEN = "That button is out of date or broken; nothing changed."

_UNDO_REFUSALS = {
    UndoOutcome.NOT_FOUND: "That feedback is already gone.",
    UndoOutcome.NOT_YOURS: "You can only undo or edit your own feedback.",
    UndoOutcome.TOO_LATE: (
        "It is more than 10 minutes old, so it stays in the record. "
        "Give new feedback to correct it: the latest one counts."
    ),
}


def read_pick(value: str) -> tuple[int, str, FeedbackInput | None] | None:
    """A candidate button's lead id, what to do, and the verdict it carries; None if broken."""
    try:
        data = json.loads(value)
        lead_id = data["lead"]
        then = data["then"]
        verdict = data.get("verdict")
        if not isinstance(lead_id, int) or lead_id < 1 or then not in ("record", "show", "modal"):
            return None
        if then != "record":
            return lead_id, then, None
        given = FeedbackInput(
            rating=Rating(verdict["rating"]),
            status=LeadStatus(verdict["status"]) if verdict.get("status") else None,
            reason=Reason(verdict["reason"]) if verdict.get("reason") else None,
            note=str(verdict.get("note") or "")[:NOTE_MAX],
            campaign_id=int(verdict["campaign_id"]) if verdict.get("campaign_id") else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return lead_id, then, given


def register(app: AsyncApp, deps: Deps) -> None:
    """Wire the buttons."""

    @app.action(ids.FEEDBACK_UNDO)
    async def undo(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        await ack()
        feedback_id = action_row_id(body)
        if feedback_id is None:
            await reply_privately(respond, feedback_blocks.notice(_BROKEN))
            return
        async with deps.sessions.begin() as session:
            outcome, record = await undo_feedback(
                session=session,
                team_id=context.team_id or "",
                feedback_id=feedback_id,
                user_id=context.user_id or "",
                now=deps.clock.now(),
            )
            lead = await get_lead(
                session=session,
                team_id=context.team_id or "",
                lead_id=record.lead_id if record else None,
            )
        if outcome is UndoOutcome.UNDONE and record is not None and lead is not None:
            await respond(replace_original=True, **feedback_blocks.undone(lead, record).as_kwargs())
            return
        await reply_privately(respond, feedback_blocks.notice(_UNDO_REFUSALS[outcome]))

    @app.action(ids.FEEDBACK_EDIT)
    async def edit(
        ack: AsyncAck,
        body: dict[str, Any],
        context: AsyncBoltContext,
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        team_id = context.team_id or ""
        feedback_id = action_row_id(body)
        async with deps.sessions() as session:
            record = await get_feedback(session=session, team_id=team_id, feedback_id=feedback_id)
            lead = await get_lead(
                session=session, team_id=team_id, lead_id=record.lead_id if record else None
            )
        if record is None or lead is None:
            await reply_privately(
                respond, feedback_blocks.notice(_UNDO_REFUSALS[UndoOutcome.NOT_FOUND])
            )
            return
        outcome = can_undo(record, user_id=context.user_id or "", now=deps.clock.now())
        if outcome is UndoOutcome.NOT_YOURS:
            await reply_privately(respond, feedback_blocks.notice(_UNDO_REFUSALS[outcome]))
            return
        await open_or_explain(
            client,
            deps,
            respond,
            team_id=team_id,
            trigger_id=body["trigger_id"],
            lead=feedback_blocks.lead_option(lead),
            initial=FeedbackInput(
                rating=record.rating,
                status=record.status,
                reason=record.reason,
                note=record.note,
                campaign_id=lead.campaign_id,
            ),
            response_url=body.get("response_url"),
            # Within the undo window the edit replaces the record; after it, it corrects it.
            replaces=record.id if outcome is UndoOutcome.UNDONE else None,
        )

    @app.action(re.compile(f"^{re.escape(ids.FEEDBACK_PICK_LEAD_PREFIX)}\\d+$"))
    async def pick_lead(
        ack: AsyncAck,
        body: dict[str, Any],
        context: AsyncBoltContext,
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        team_id = context.team_id or ""
        pick = read_pick(action_value(body))
        if pick is None:
            await reply_privately(respond, feedback_blocks.notice(_BROKEN))
            return
        lead_id, then, given = pick
        try:
            async with deps.sessions.begin() as session:
                lead = await get_lead(session=session, team_id=team_id, lead_id=lead_id)
                if lead is None:
                    answer: Message | None = feedback_blocks.notice(_LEAD_GONE)
                elif then == "show":
                    answer = await history_of(session, team_id=team_id, lead=lead)
                elif given is not None:
                    answer = await _record_pick(
                        session,
                        deps,
                        team_id=team_id,
                        user_id=context.user_id or "",
                        lead=lead,
                        given=given,
                    )
                else:
                    answer = None
        except Exception:
            logger.exception("a candidate lead button failed")
            answer = feedback_blocks.notice(SORRY)
        if answer is not None:
            await respond(response_type="ephemeral", replace_original=True, **answer.as_kwargs())
            return
        assert lead is not None
        await open_or_explain(
            client,
            deps,
            respond,
            team_id=team_id,
            trigger_id=body["trigger_id"],
            lead=feedback_blocks.lead_option(lead),
            response_url=body.get("response_url"),
        )

    @app.action(ids.FEEDBACK_OPEN_MODAL)
    async def give_feedback(
        ack: AsyncAck,
        body: dict[str, Any],
        context: AsyncBoltContext,
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        team_id = context.team_id or ""
        lead_id = action_row_id(body)
        async with deps.sessions() as session:
            lead = await get_lead(session=session, team_id=team_id, lead_id=lead_id)
        if lead is None:
            await reply_privately(respond, feedback_blocks.notice(_LEAD_GONE))
            return
        await open_or_explain(
            client,
            deps,
            respond,
            team_id=team_id,
            trigger_id=body["trigger_id"],
            lead=feedback_blocks.lead_option(lead),
            response_url=body.get("response_url"),
        )


async def _record_pick(
    session: AsyncSession,
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    lead: Lead,
    given: FeedbackInput,
) -> Message:
    """Record the verdict a candidate button carried for its lead."""
    if (
        given.campaign_id is not None
        and await get_campaign(session=session, team_id=team_id, campaign_id=given.campaign_id)
        is None
    ):
        return feedback_blocks.notice("That campaign is not in this workspace any more.")
    return await record_and_confirm(
        session, team_id=team_id, author=user_id, found=Found(lead), given=given, deps=deps
    )
