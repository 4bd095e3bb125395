"""The feedback modal: searching leads for its select, and its submission."""

import re
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from handlers.feedback_flow import (
    FeedbackRefused,
    Found,
    lead_or_new,
    record_and_confirm,
    tell_user,
)
from handlers.feedback_parse import EMAIL_MAX, LeadRef, parse_lead
from handlers.payloads import FeedbackFormMetadata, read_json, row_id
from handlers.turn import Turn, after_ack
from handlers.views import feedback_blocks, ids, inputs
from handlers.views.blocks import Block, Message
from storage.campaigns import get_campaign
from storage.feedback import FeedbackInput
from storage.leads import get_lead, search_leads
from storage.models import NOTE_MAX, Lead
from storage.vocabulary import LeadStatus, Rating, Reason

SEARCH_RESULTS_MAX = 50
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
BROKEN_FORM = (
    "This form is out of date or broken, so nothing was recorded. "
    "Close it and give the feedback again with /leadfeedback."
)


@dataclass(frozen=True)
class Submission:
    """The modal's fields, checked for shape but not yet against the database."""

    lead: str
    given: FeedbackInput


def read_submission(values: dict[str, Any]) -> Submission | dict[str, str]:
    """The submission's fields, or errors keyed by input block id for `response_action`."""
    errors: dict[str, str] = {}
    lead = inputs.selected_option(values, ids.FEEDBACK_LEAD_BLOCK, ids.FEEDBACK_LEAD_ACTION)
    if not _is_lead_choice(lead):
        errors[ids.FEEDBACK_LEAD_BLOCK] = "Pick a lead, or type the email of a new one."
    rating = inputs.selected_option(values, ids.FEEDBACK_RATING_BLOCK, ids.FEEDBACK_RATING_ACTION)
    if rating not in set(Rating):
        errors[ids.FEEDBACK_RATING_BLOCK] = "Say how good the lead was."
    status = inputs.selected_option(values, ids.FEEDBACK_STATUS_BLOCK, ids.FEEDBACK_STATUS_ACTION)
    if status is not None and status not in set(LeadStatus):
        errors[ids.FEEDBACK_STATUS_BLOCK] = "Pick a status from the list."
    reason = inputs.selected_option(values, ids.FEEDBACK_REASON_BLOCK, ids.FEEDBACK_REASON_ACTION)
    if reason is not None and reason not in set(Reason):
        errors[ids.FEEDBACK_REASON_BLOCK] = "Pick a reason from the list."
    campaign = inputs.selected_option(
        values, ids.FEEDBACK_CAMPAIGN_BLOCK, ids.FEEDBACK_CAMPAIGN_ACTION
    )
    campaign_id = _chosen_id(campaign, "campaign")
    if campaign is not None and campaign_id is None:
        errors[ids.FEEDBACK_CAMPAIGN_BLOCK] = "Pick a campaign from the list."
    note = (inputs.text(values, ids.FEEDBACK_NOTE_BLOCK, ids.FEEDBACK_NOTE_ACTION) or "").strip()
    if len(note) > NOTE_MAX:
        errors[ids.FEEDBACK_NOTE_BLOCK] = f"Keep the note under {NOTE_MAX:,} characters."
    elif _CONTROL_RE.search(note):
        errors[ids.FEEDBACK_NOTE_BLOCK] = "The note contains control characters; retype it."
    if errors:
        return errors
    assert lead is not None and rating is not None
    return Submission(
        lead,
        FeedbackInput(
            rating=rating,
            status=status,
            reason=reason,
            note=note,
            campaign_id=campaign_id,
        ),
    )


def _chosen_id(value: str | None, kind: str) -> int | None:
    """The row id of an option valued `kind:<id>`; None for any other value."""
    prefix, _, rest = (value or "").partition(":")
    return row_id(rest) if prefix == kind else None


def _is_lead_choice(value: str | None) -> bool:
    """Whether value is one of the lead select's: a lead, or a new email or CRM id."""
    if value is None:
        return False
    kind, _, rest = value.partition(":")
    return _chosen_id(value, "lead") is not None or (kind in ("new", "new-id") and bool(rest))


async def _resolve_submitted_lead(
    session: Any, *, team_id: str, value: str, author: str, deps: Deps
) -> Found:
    kind, _, rest = value.partition(":")
    if kind == "lead":
        lead = await get_lead(session=session, team_id=team_id, lead_id=_chosen_id(value, "lead"))
        if lead is None:
            raise FeedbackRefused(
                "That lead is not in this workspace.", field=ids.FEEDBACK_LEAD_BLOCK
            )
        return Found(lead)
    ref = parse_lead(rest, quoted=False)
    expected = "email" if kind == "new" else "external_id"
    if not isinstance(ref, LeadRef) or ref.kind != expected:
        raise FeedbackRefused("That is not a valid email or CRM id.", field=ids.FEEDBACK_LEAD_BLOCK)
    return await lead_or_new(session, team_id=team_id, ref=ref, author=author, deps=deps)


def _lead_options(leads: list[Lead], query: str) -> list[Block]:
    """The select's options: the leads found, after a new email typed that nobody has yet."""
    options = [feedback_blocks.lead_option(lead) for lead in leads]
    typed = parse_lead(query, quoted=False) if "@" in query else None
    if (
        isinstance(typed, LeadRef)
        and typed.kind == "email"
        and len(query) <= EMAIL_MAX
        and not any(lead.email == typed.value for lead in leads)
        and len(f"new:{typed.value}") <= 150
    ):
        options.insert(0, feedback_blocks.new_lead_option(typed.value))
    return options[:100]


async def search_lead_options(turn: Turn) -> None:
    """Offer the leads whose name, company, email or CRM id matches what is typed."""
    # PostgreSQL cannot compare text with NUL in it; no lead's name holds a control character.
    query = _CONTROL_RE.sub("", str(turn.body.get("value") or "")[:200]).strip()
    async with turn.deps.sessions() as session:
        leads = await search_leads(
            session=session, team_id=turn.team_id, query=query, limit=SEARCH_RESULTS_MAX
        )
    await turn.ack(options=_lead_options(leads, query))


async def _record_submission(turn: Turn, submission: Submission, replaces: int | None) -> Message:
    """Check the lead and campaign against the database and store the feedback, or refuse."""
    given = submission.given
    async with turn.deps.sessions.begin() as session:
        if (
            given.campaign_id is not None
            and await get_campaign(
                session=session, team_id=turn.team_id, campaign_id=given.campaign_id
            )
            is None
        ):
            raise FeedbackRefused(
                "That campaign is not in this workspace.", field=ids.FEEDBACK_CAMPAIGN_BLOCK
            )
        found = await _resolve_submitted_lead(
            session,
            team_id=turn.team_id,
            value=submission.lead,
            author=turn.user_id,
            deps=turn.deps,
        )
        return await record_and_confirm(
            session,
            team_id=turn.team_id,
            author=turn.user_id,
            found=found,
            given=given,
            deps=turn.deps,
            replaces=replaces,
        )


async def submit_feedback(turn: Turn) -> None:
    """Store the modal's feedback (errors inline), then confirm where the user asked."""
    submission = read_submission(turn.values)
    if isinstance(submission, dict):
        await turn.ack(response_action="errors", errors=submission)
        return
    metadata = read_json(FeedbackFormMetadata, turn.view.get("private_metadata"))
    if metadata is None:
        await turn.ack(response_action="errors", errors={ids.FEEDBACK_LEAD_BLOCK: BROKEN_FORM})
        return
    replaces = metadata.replaces
    try:
        message = await _record_submission(turn, submission, replaces)
    except FeedbackRefused as refused:
        await turn.ack(
            response_action="errors",
            errors={refused.field or ids.FEEDBACK_LEAD_BLOCK: refused.message},
        )
        return
    await turn.ack()
    await tell_user(
        turn.client,
        turn.deps.http,
        user_id=turn.user_id,
        message=message,
        response_url=metadata.response_url,
        replace_original=replaces is not None,
    )


def register(app: AsyncApp) -> None:
    """Wire the modal's lead search and its submission."""
    app.options(ids.FEEDBACK_LEAD_ACTION)(search_lead_options)
    app.view(ids.FEEDBACK_MODAL)(after_ack(submit_feedback))
