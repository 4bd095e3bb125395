"""`/leadfeedback`: the quick form, the modal, `mine`, `show` and `help`.

Whatever the user is shown as recorded is committed before the answer goes out.
"""

import logging
from dataclasses import asdict
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from handlers.feedback_flow import (
    Ambiguous,
    FeedbackRefused,
    Found,
    campaign_by_slug,
    find_lead,
    not_found,
    record_and_confirm,
)
from handlers.feedback_modal import open_or_explain
from handlers.feedback_parse import (
    Help,
    Mine,
    OpenModal,
    ParseError,
    QuickFeedback,
    ShowLead,
    parse_command,
)
from handlers.views import feedback_blocks
from handlers.views.blocks import Message
from storage.campaigns import get_campaign
from storage.feedback import FeedbackInput, lead_history
from storage.leads import open_leads_of
from storage.models import Lead
from storage.team_settings import effective_settings

logger = logging.getLogger(__name__)

COMMAND = "/leadfeedback"
SORRY = "Something went wrong on our side and nothing was recorded. Please try again in a moment."


async def _quick_feedback(deps: Deps, *, team_id: str, user_id: str, cmd: QuickFeedback) -> Message:
    async with deps.sessions.begin() as session:
        campaign = await campaign_by_slug(session, team_id=team_id, slug=cmd.campaign_slug)
        given = FeedbackInput(
            rating=cmd.rating,
            status=cmd.status,
            reason=cmd.reason,
            note=cmd.note,
            campaign_id=campaign.id if campaign else None,
        )
        found = await find_lead(
            session, team_id=team_id, ref=cmd.lead, author=user_id, deps=deps, create=True
        )
        if found is None:
            raise FeedbackRefused(not_found(cmd.lead))
        if isinstance(found, Ambiguous):
            pending = {k: v for k, v in asdict(given).items() if v not in (None, "")}
            return feedback_blocks.candidates(
                cmd.lead.describe(), found.leads, then="record", verdict=pending
            )
        return await record_and_confirm(
            session, team_id=team_id, author=user_id, found=found, given=given, deps=deps
        )


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


async def history_of(session: AsyncSession, *, team_id: str, lead: Lead) -> Message:
    """The `show` answer for a lead."""
    records, total = await lead_history(
        session=session, team_id=team_id, lead_id=lead.id or 0, limit=feedback_blocks.HISTORY_MAX
    )
    campaign = (
        await get_campaign(session=session, team_id=team_id, campaign_id=lead.campaign_id)
        if lead.campaign_id
        else None
    )
    return feedback_blocks.history(lead, campaign, records, total)


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
) -> dict[str, Any] | Message:
    """The select's initial option for the named lead, or a message when there is none."""
    if cmd.lead is None:
        return {}
    async with deps.sessions() as session:
        found = await find_lead(
            session, team_id=team_id, ref=cmd.lead, author=user_id, deps=deps, create=False
        )
    if isinstance(found, Found):
        return {"lead": feedback_blocks.lead_option(found.lead)}
    if isinstance(found, Ambiguous):
        return feedback_blocks.candidates(cmd.lead.describe(), found.leads, then="modal")
    if cmd.lead.kind == "email":
        return {"lead": feedback_blocks.new_lead_option(cmd.lead.value)}
    if cmd.lead.kind == "external_id":
        return {"lead": feedback_blocks.new_external_id_option(cmd.lead.value)}
    raise FeedbackRefused(not_found(cmd.lead))


async def _answer(
    deps: Deps, parsed: Any, *, team_id: str, user_id: str
) -> Message | dict[str, Any]:
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
        return await _quick_feedback(deps, team_id=team_id, user_id=user_id, cmd=parsed)
    return await _modal_target(deps, team_id=team_id, user_id=user_id, cmd=parsed)


def register(app: AsyncApp, deps: Deps) -> None:
    """Wire the slash command."""

    @app.command(COMMAND)
    async def leadfeedback(
        ack: AsyncAck,
        command: dict[str, Any],
        context: AsyncBoltContext,
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        team_id = context.team_id or ""
        parsed = parse_command(str(command.get("text") or ""))
        try:
            answer = await _answer(deps, parsed, team_id=team_id, user_id=context.user_id or "")
        except FeedbackRefused as refused:
            answer = feedback_blocks.problem(refused.message)
        except Exception:
            logger.exception("/leadfeedback failed")
            answer = feedback_blocks.notice(SORRY)
        if isinstance(answer, Message):
            await ack(response_type="ephemeral", **answer.as_kwargs())
            return
        await ack()
        await open_or_explain(
            client,
            deps,
            respond,
            team_id=team_id,
            trigger_id=command["trigger_id"],
            response_url=command.get("response_url"),
            **answer,
        )
