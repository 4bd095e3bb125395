"""Buttons on `/leadfeedback` messages: Undo, Edit, a candidate lead, Give feedback."""

import logging
import re

from slack_bolt.async_app import AsyncApp
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from handlers.clicked import clicked_lead
from handlers.feedback_checks import (
    CAMPAIGN_GONE,
    LEAD_GONE,
    Pending,
    check_and_record,
    pending_lead_option,
    read_pending,
)
from handlers.feedback_flow import (
    SORRY,
    FeedbackRefused,
    Found,
    history_of,
    open_feedback_modal,
    record_and_confirm,
)
from handlers.payloads import CandidatePick, read_json
from handlers.replies import action_row_id, action_value, reply_privately
from handlers.turn import Turn, after_ack
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
from storage.models import Lead

logger = logging.getLogger(__name__)

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
    pick = read_json(CandidatePick, value)
    if pick is None or (pick.then == "record") != (pick.verdict is not None):
        return None
    verdict = pick.verdict
    given = (
        FeedbackInput(
            rating=verdict.rating,
            status=verdict.status,
            reason=verdict.reason,
            note=verdict.note,
            campaign_id=verdict.campaign_id,
        )
        if verdict is not None
        else None
    )
    return pick.lead, pick.then, given


async def undo(turn: Turn) -> None:
    """Take back the author's own feedback within the undo window."""
    await turn.ack()
    feedback_id = action_row_id(turn.body)
    if feedback_id is None:
        await reply_privately(turn.respond, feedback_blocks.notice(_BROKEN))
        return
    async with turn.deps.sessions.begin() as session:
        outcome, record = await undo_feedback(
            session=session,
            team_id=turn.team_id,
            feedback_id=feedback_id,
            user_id=turn.user_id,
            now=turn.deps.clock.now(),
        )
        lead = await get_lead(
            session=session, team_id=turn.team_id, lead_id=record.lead_id if record else None
        )
    if outcome is UndoOutcome.UNDONE and record is not None and lead is not None:
        await turn.respond(
            replace_original=True, **feedback_blocks.undone(lead, record).as_kwargs()
        )
        return
    await reply_privately(turn.respond, feedback_blocks.notice(_UNDO_REFUSALS[outcome]))


async def edit(turn: Turn) -> None:
    """Reopen the author's feedback in the modal, prefilled, to correct or replace it."""
    await turn.ack()
    async with turn.deps.sessions() as session:
        record = await get_feedback(
            session=session, team_id=turn.team_id, feedback_id=action_row_id(turn.body)
        )
        lead = await get_lead(
            session=session, team_id=turn.team_id, lead_id=record.lead_id if record else None
        )
    if record is None or lead is None:
        await reply_privately(
            turn.respond, feedback_blocks.notice(_UNDO_REFUSALS[UndoOutcome.NOT_FOUND])
        )
        return
    outcome = can_undo(record, user_id=turn.user_id, now=turn.deps.clock.now())
    if outcome is UndoOutcome.NOT_YOURS:
        await reply_privately(turn.respond, feedback_blocks.notice(_UNDO_REFUSALS[outcome]))
        return
    await open_feedback_modal(
        turn,
        lead=feedback_blocks.lead_option(lead),
        initial=FeedbackInput(
            rating=record.rating,
            status=record.status,
            reason=record.reason,
            note=record.note,
            campaign_id=lead.campaign_id,
        ),
        # Within the undo window the edit replaces the record; after it, it corrects it.
        replaces=record.id if outcome is UndoOutcome.UNDONE else None,
    )


async def _answer_pick(
    turn: Turn, lead_id: int, then: str, given: FeedbackInput | None
) -> Message | Lead:
    """What to show for the picked lead, or the lead itself when the modal should open."""
    async with turn.deps.sessions.begin() as session:
        lead = await get_lead(session=session, team_id=turn.team_id, lead_id=lead_id)
        if lead is None:
            return feedback_blocks.notice(LEAD_GONE)
        if then == "show":
            return await history_of(session, team_id=turn.team_id, lead=lead)
        if given is not None:
            return await _record_pick(
                session,
                turn.deps,
                team_id=turn.team_id,
                user_id=turn.user_id,
                lead=lead,
                given=given,
            )
        return lead


async def pick_lead(turn: Turn) -> None:
    """Carry on with the lead picked among several that matched: record, show or open."""
    await turn.ack()
    pick = read_pick(action_value(turn.body))
    if pick is None:
        await reply_privately(turn.respond, feedback_blocks.notice(_BROKEN))
        return
    try:
        answer = await _answer_pick(turn, *pick)
    except Exception:
        logger.exception("a candidate lead button failed")
        answer = feedback_blocks.notice(SORRY)
    if isinstance(answer, Message):
        await turn.respond(response_type="ephemeral", replace_original=True, **answer.as_kwargs())
        return
    await open_feedback_modal(turn, lead=feedback_blocks.lead_option(answer))


async def _pending(turn: Turn) -> Pending | None:
    """The feedback the clicked answer button holds back; None (and the clicker told) if broken."""
    pending = read_pending(action_value(turn.body))
    if pending is None:
        await reply_privately(turn.respond, feedback_blocks.notice(_BROKEN))
    return pending


async def answer_question(turn: Turn) -> None:
    """Carry on with the feedback a question held back: record it, or ask the next question."""
    await turn.ack()
    pending = await _pending(turn)
    if pending is None:
        return
    try:
        async with turn.deps.sessions.begin() as session:
            answer = await check_and_record(
                session, turn.deps, team_id=turn.team_id, author=turn.user_id, pending=pending
            )
    except FeedbackRefused as refused:
        answer = feedback_blocks.problem(refused.message)
    except Exception:
        logger.exception("an answer to a feedback question failed")
        answer = feedback_blocks.notice(SORRY)
    await turn.respond(response_type="ephemeral", replace_original=True, **answer.as_kwargs())


async def edit_question(turn: Turn) -> None:
    """Open the feedback modal with what a question held back, to change it there."""
    await turn.ack()
    pending = await _pending(turn)
    if pending is None:
        return
    async with turn.deps.sessions() as session:
        lead = await pending_lead_option(
            session, turn.deps, team_id=turn.team_id, author=turn.user_id, pending=pending
        )
    await open_feedback_modal(turn, lead=lead, initial=pending.given)


async def give_feedback(turn: Turn) -> None:
    """Open the feedback modal for the lead on the button."""
    await turn.ack()
    lead = await clicked_lead(turn)
    if lead is None:
        await reply_privately(turn.respond, feedback_blocks.notice(LEAD_GONE))
        return
    await open_feedback_modal(turn, lead=feedback_blocks.lead_option(lead))


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
        return feedback_blocks.notice(CAMPAIGN_GONE)
    return await record_and_confirm(
        session, team_id=team_id, author=user_id, found=Found(lead), given=given, deps=deps
    )


def register(app: AsyncApp) -> None:
    """Wire the buttons."""
    app.action(ids.FEEDBACK_UNDO)(after_ack(undo))
    app.action(ids.FEEDBACK_EDIT)(after_ack(edit))
    app.action(re.compile(f"^{re.escape(ids.FEEDBACK_PICK_LEAD_PREFIX)}\\d+$"))(
        after_ack(pick_lead)
    )
    app.action(ids.FEEDBACK_OPEN_MODAL)(after_ack(give_feedback))
    app.action(re.compile(f"^{re.escape(ids.FEEDBACK_ANSWER_PREFIX)}\\d+$"))(
        after_ack(answer_question)
    )
    app.action(ids.FEEDBACK_ANSWER_EDIT)(after_ack(edit_question))
