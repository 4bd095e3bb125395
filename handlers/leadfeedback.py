"""`/leadfeedback`: the quick form, the modal, `mine`, `show` and `help`.

Whatever the user is shown as recorded is committed before the answer goes out.
"""

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from handlers.feedback_checks import Pending, check_and_record, pending_value
from handlers.feedback_flow import (
    SORRY,
    Ambiguous,
    FeedbackRefused,
    campaign_by_slug,
    find_lead,
    history_of,
    lead_choice,
    not_found,
    open_feedback_modal,
)
from handlers.feedback_parse import (
    Help,
    Mine,
    OpenModal,
    ParseError,
    QuickFeedback,
    ShowLead,
    parse_command,
)
from handlers.turn import Turn
from handlers.views import feedback_blocks, feedback_questions
from handlers.views.blocks import Block, Message
from storage.feedback import FeedbackInput
from storage.leads import open_leads_of
from storage.models import Campaign
from storage.quick_feedback import record_quick_feedback
from storage.team_settings import effective_settings
from storage.transactions import in_retried_transaction
from storage.vocabulary import contradiction

logger = logging.getLogger(__name__)

COMMAND = "/leadfeedback"


@dataclass(frozen=True)
class _Prefill:
    """Open the modal, with this lead chosen in its select (None: none chosen)."""

    lead: Block | None = None


async def _given(
    session: AsyncSession, *, team_id: str, cmd: QuickFeedback
) -> tuple[FeedbackInput, Campaign | None]:
    """The verdict the command gives, and the #campaign it names."""
    campaign = await campaign_by_slug(session, team_id=team_id, slug=cmd.campaign_slug)
    given = FeedbackInput(
        rating=cmd.rating,
        status=cmd.status,
        reason=cmd.reason,
        note=cmd.note,
        campaign_id=campaign.id if campaign else None,
    )
    return given, campaign


async def _did_you_mean(
    session: AsyncSession, *, team_id: str, cmd: QuickFeedback, text: str
) -> Message:
    """Ask about the words read as slips, offering the words as typed when they still work."""
    given, campaign = await _given(session, team_id=team_id, cmd=cmd)
    as_typed = parse_command(text, near_misses=False)
    keep = None
    if isinstance(as_typed, QuickFeedback):
        typed_given, _ = await _given(session, team_id=team_id, cmd=as_typed)
        keep = pending_value(Pending(typed_given, ref=cmd.lead))
    return feedback_questions.did_you_mean(
        [(c.typed, c.meant) for c in cmd.corrections],
        given,
        campaign,
        lead=cmd.lead.describe(),
        record=pending_value(Pending(given, ref=cmd.lead)),
        keep=keep,
    )


async def _quick_feedback(
    deps: Deps, *, team_id: str, user_id: str, cmd: QuickFeedback, text: str
) -> Message:
    at_once = await _at_once(deps, team_id=team_id, user_id=user_id, cmd=cmd)
    if at_once is not None:
        return at_once

    async def answer(session: AsyncSession) -> Message:
        if cmd.corrections:
            return await _did_you_mean(session, team_id=team_id, cmd=cmd, text=text)
        given, _ = await _given(session, team_id=team_id, cmd=cmd)
        return await check_and_record(
            session, deps, team_id=team_id, author=user_id, pending=Pending(given, ref=cmd.lead)
        )

    return await in_retried_transaction(deps.sessions, answer)


async def _at_once(deps: Deps, *, team_id: str, user_id: str, cmd: QuickFeedback) -> Message | None:
    """The confirmation of plain feedback on a known lead, stored on the lean path
    (storage.quick_feedback); None when the command needs the full path: a slip to ask
    about, a #campaign, a name, two words that contradict each other, an unknown lead."""
    ref = cmd.lead
    if cmd.corrections or cmd.campaign_slug is not None or ref.kind == "name":
        return None
    if contradiction(cmd.rating, cmd.status, cmd.reason) is not None:
        return None
    given = FeedbackInput(rating=cmd.rating, status=cmd.status, reason=cmd.reason, note=cmd.note)
    recorded = await record_quick_feedback(
        deps.sessions,
        deps.engine,
        team_id=team_id,
        key=ref.kind,
        value=ref.value,
        author=user_id,
        given=given,
        now=deps.clock.now(),
    )
    if recorded is None:
        return None
    return feedback_blocks.confirmation(recorded.lead, recorded.feedback, None, created_lead=False)


async def _show(deps: Deps, *, team_id: str, user_id: str, cmd: ShowLead) -> Message:
    async with deps.sessions() as session:
        found = await find_lead(
            session, team_id=team_id, ref=cmd.lead, author=user_id, deps=deps, create=False
        )
        if found is None:
            raise FeedbackRefused(not_found(cmd.lead))
        if isinstance(found, Ambiguous):
            return feedback_blocks.candidates(cmd.lead.describe(), found.leads, then="show")
        return await history_of(session, team_id=team_id, lead=found.lead)


async def _mine(deps: Deps, *, team_id: str, user_id: str) -> Message:
    async with deps.sessions() as session:
        team = await effective_settings(
            session=session, team_id=team_id, defaults=deps.settings.team_defaults
        )
        leads, total = await open_leads_of(
            session=session, team_id=team_id, owner=user_id, limit=feedback_blocks.MINE_MAX
        )
    return feedback_blocks.mine(
        leads, total, now=deps.clock.now(), stale_after_days=team.stale_after_days
    )


async def _modal_target(
    deps: Deps, *, team_id: str, user_id: str, cmd: OpenModal
) -> _Prefill | Message:
    """The modal's prefill for the named lead, or a message when there is no such lead."""
    if cmd.lead is None:
        return _Prefill()
    async with deps.sessions() as session:
        found = await find_lead(
            session, team_id=team_id, ref=cmd.lead, author=user_id, deps=deps, create=False
        )
    if isinstance(found, Ambiguous):
        return feedback_blocks.candidates(cmd.lead.describe(), found.leads, then="modal")
    choice = lead_choice(found, cmd.lead)
    if choice is None:
        raise FeedbackRefused(not_found(cmd.lead))
    return _Prefill(choice)


async def _answer(
    deps: Deps, parsed: Any, *, team_id: str, user_id: str, text: str
) -> Message | _Prefill:
    """The ephemeral answer to the command, or the modal's prefill when a modal should open."""
    if isinstance(parsed, ParseError):
        return feedback_blocks.problem(parsed.message)
    if isinstance(parsed, Help):
        return feedback_blocks.help_message()
    if isinstance(parsed, Mine):
        return await _mine(deps, team_id=team_id, user_id=user_id)
    if isinstance(parsed, ShowLead):
        return await _show(deps, team_id=team_id, user_id=user_id, cmd=parsed)
    if isinstance(parsed, QuickFeedback):
        return await _quick_feedback(deps, team_id=team_id, user_id=user_id, cmd=parsed, text=text)
    return await _modal_target(deps, team_id=team_id, user_id=user_id, cmd=parsed)


async def leadfeedback(turn: Turn) -> None:
    """Answer `/leadfeedback` in the ack when the answer is quick, else open the modal."""
    parsed = parse_command(turn.command_text)
    try:
        answer = await _answer(
            turn.deps,
            parsed,
            team_id=turn.team_id,
            user_id=turn.user_id,
            text=turn.command_text,
        )
    except FeedbackRefused as refused:
        answer = feedback_blocks.problem(refused.message)
    except Exception:
        logger.exception("/leadfeedback failed")
        answer = feedback_blocks.notice(SORRY)
    if isinstance(answer, Message):
        await turn.ack(response_type="ephemeral", **answer.as_kwargs())
        return
    await turn.ack()
    turn.later(open_feedback_modal(turn, lead=answer.lead))


def register(app: AsyncApp) -> None:
    """Wire the slash command."""
    app.command(COMMAND)(leadfeedback)
