"""The steps every way of giving feedback shares: find the lead, record, answer the author."""

import logging
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from bot.http_session import HttpSession
from handlers.feedback_parse import LeadRef
from handlers.modals import Explain, open_modal
from handlers.replies import send_dm, sent_to_response_url
from handlers.turn import Turn
from handlers.views import feedback_blocks
from handlers.views.blocks import Block, Message
from storage.campaigns import find_campaign_by_slug, get_campaign, recent_campaigns
from storage.feedback import FeedbackInput, lead_history, record_feedback, undo_feedback
from storage.leads import (
    find_lead_by_email,
    find_lead_by_external_id,
    find_leads_by_name,
    get_or_create_lead,
)
from storage.models import Campaign, Lead

logger = logging.getLogger(__name__)

SORRY = "Something went wrong on our side and nothing was recorded. Please try again in a moment."


class FeedbackRefused(Exception):
    """Input that turned out to be wrong once the database was asked; nothing is stored."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Found:
    """The lead a reference names, and whether it was just created."""

    lead: Lead
    created: bool = False


@dataclass(frozen=True)
class Ambiguous:
    """Several leads match a name."""

    leads: list[Lead]


async def find_lead(
    session: AsyncSession, *, team_id: str, ref: LeadRef, author: str, deps: Deps, create: bool
) -> Found | Ambiguous | None:
    """The lead ref names, or None; with create, an unknown email or CRM id becomes a new lead.

    A bare word is a CRM id first; if no lead has that id but exactly one lead has that
    name, that lead is meant.
    """
    if ref.kind == "name":
        leads = await find_leads_by_name(
            session=session,
            team_id=team_id,
            name=ref.value,
            limit=feedback_blocks.CANDIDATES_MAX + 1,
        )
        if len(leads) > 1:
            return Ambiguous(leads)
        return Found(leads[0]) if leads else None
    if ref.kind == "email":
        lead = await find_lead_by_email(session=session, team_id=team_id, email=ref.value)
    else:
        lead = await find_lead_by_external_id(
            session=session, team_id=team_id, external_id=ref.value
        ) or await _only_lead_named(session, team_id=team_id, name=ref.value)
    if lead is not None:
        return Found(lead)
    if not create:
        return None
    return await lead_or_new(session, team_id=team_id, ref=ref, author=author, deps=deps)


async def lead_or_new(
    session: AsyncSession, *, team_id: str, ref: LeadRef, author: str, deps: Deps
) -> Found:
    """The lead with ref's email or CRM id, created and owned by author when there is none."""
    lead, created = await get_or_create_lead(
        session=session,
        team_id=team_id,
        now=deps.clock.now(),
        owner=author,
        **{ref.kind: ref.value},
    )
    return Found(lead, created)


async def _only_lead_named(session: AsyncSession, *, team_id: str, name: str) -> Lead | None:
    """The lead whose name or company is exactly name, when there is exactly one."""
    named = await find_leads_by_name(session=session, team_id=team_id, name=name, limit=2)
    exact = [n for n in named if name.lower() in (n.name.lower(), n.company.lower())]
    return exact[0] if len(exact) == 1 else None


def lead_choice(found: Found | Ambiguous | None, ref: LeadRef) -> Block | None:
    """The feedback modal's lead option for what ref found: the lead, or a new lead for an
    unknown email or CRM id; None when several leads match or an unknown name was given."""
    if isinstance(found, Found):
        return feedback_blocks.lead_option(found.lead)
    if found is None and ref.kind == "email":
        return feedback_blocks.new_lead_option(ref.value)
    if found is None and ref.kind == "external_id":
        return feedback_blocks.new_external_id_option(ref.value)
    return None


def not_found(ref: LeadRef) -> str:
    """What to tell a user whose reference names no lead."""
    if ref.kind == "name":
        return f"No lead is named {ref.describe()}. Use the lead's email or CRM id to create it."
    return f"No lead {ref.describe()} in this workspace yet."


async def campaign_by_slug(
    session: AsyncSession, *, team_id: str, slug: str | None
) -> Campaign | None:
    """The campaign `#slug` names, or None when no slug was given."""
    if slug is None:
        return None
    campaign = await find_campaign_by_slug(session=session, team_id=team_id, slug=slug)
    if campaign is None:
        raise FeedbackRefused(
            f"There is no campaign #{slug} in this workspace. "
            "`/campaign-preview list` shows the campaigns."
        )
    return campaign


async def record_and_confirm(
    session: AsyncSession,
    *,
    team_id: str,
    author: str,
    found: Found,
    given: FeedbackInput,
    deps: Deps,
    replaces: int | None = None,
) -> Message:
    """Store the feedback (replacing the author's own record while it can be undone).

    The caller commits before it shows the returned confirmation.
    """
    now = deps.clock.now()
    if replaces is not None:
        await undo_feedback(
            session=session, team_id=team_id, feedback_id=replaces, user_id=author, now=now
        )
    feedback = await record_feedback(
        session=session, team_id=team_id, lead=found.lead, author=author, given=given, now=now
    )
    campaign = await get_campaign(session=session, team_id=team_id, campaign_id=given.campaign_id)
    return feedback_blocks.confirmation(found.lead, feedback, campaign, created_lead=found.created)


async def tell_user(
    client: AsyncWebClient,
    http: HttpSession,
    *,
    user_id: str,
    message: Message,
    response_url: str | None,
    replace_original: bool = False,
) -> None:
    """Answer the user where they asked (the response_url), else in a DM from the app."""
    if not await sent_to_response_url(
        http, response_url, message, replace_original=replace_original
    ):
        await send_dm(client, user_id, message)


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


async def open_feedback_modal(
    turn: Turn,
    *,
    lead: Block | None = None,
    initial: FeedbackInput | None = None,
    replaces: int | None = None,
    explain: Explain | None = None,
) -> None:
    """Open the feedback modal (within the trigger's 3 seconds), prefilled as given.

    The modal carries the request's response_url, so the confirmation lands where the user
    asked, and the id of the record an edit replaces.
    """
    async with turn.deps.sessions() as session:
        campaigns = await recent_campaigns(
            session=session, team_id=turn.team_id, limit=feedback_blocks.CAMPAIGN_OPTIONS_MAX
        )
    metadata = {"response_url": turn.response_url, "replaces": replaces}
    view = feedback_blocks.feedback_modal(
        lead=lead, campaigns=campaigns, initial=initial, metadata=metadata
    )
    await open_modal(turn, view, form="feedback form", explain=explain)
