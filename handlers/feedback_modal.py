"""The feedback modal: opening it, searching leads for its select, and its submission."""

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from handlers.feedback_flow import FeedbackRefused, Found, record_and_confirm, tell_user
from handlers.feedback_parse import EMAIL_MAX, parse_lead
from handlers.views import feedback_blocks, ids
from handlers.views.blocks import Block
from storage.campaigns import get_campaign, recent_campaigns
from storage.feedback import FeedbackInput
from storage.leads import get_lead, get_or_create_lead, search_leads
from storage.models import NOTE_MAX
from storage.vocabulary import LeadStatus, Rating, Reason

logger = logging.getLogger(__name__)

SEARCH_RESULTS_MAX = 50
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


async def open_feedback_modal(
    client: AsyncWebClient,
    deps: Deps,
    *,
    team_id: str,
    trigger_id: str,
    lead: Block | None = None,
    initial: FeedbackInput | None = None,
    response_url: str | None = None,
    replaces: int | None = None,
) -> None:
    """Open the modal (within the trigger's 3 seconds), prefilled as given."""
    async with deps.sessions() as session:
        campaigns = await recent_campaigns(
            session=session, team_id=team_id, limit=feedback_blocks.CAMPAIGN_OPTIONS_MAX
        )
    metadata = {"response_url": response_url, "replaces": replaces}
    view = feedback_blocks.feedback_modal(
        lead=lead, campaigns=campaigns, initial=initial, metadata=metadata
    )
    await client.views_open(trigger_id=trigger_id, view=view)


@dataclass(frozen=True)
class Submission:
    """The modal's fields, checked for shape but not yet against the database."""

    lead: str
    given: FeedbackInput


def _selected(values: dict[str, Any], block_id: str, action_id: str) -> str | None:
    element = values.get(block_id, {}).get(action_id) or {}
    chosen = element.get("selected_option") if isinstance(element, dict) else None
    value = chosen.get("value") if isinstance(chosen, dict) else None
    return value if isinstance(value, str) else None


def read_submission(values: dict[str, Any]) -> Submission | dict[str, str]:
    """The submission's fields, or errors keyed by input block id for `response_action`."""
    errors: dict[str, str] = {}
    lead = _selected(values, ids.FEEDBACK_LEAD_BLOCK, ids.FEEDBACK_LEAD_ACTION)
    if not lead or not re.fullmatch(r"lead:\d{1,18}|new:.+|new-id:.+", lead):
        errors[ids.FEEDBACK_LEAD_BLOCK] = "Pick a lead, or type the email of a new one."
    rating = _selected(values, ids.FEEDBACK_RATING_BLOCK, ids.FEEDBACK_RATING_ACTION)
    if rating not in set(Rating):
        errors[ids.FEEDBACK_RATING_BLOCK] = "Say how good the lead was."
    status = _selected(values, ids.FEEDBACK_STATUS_BLOCK, ids.FEEDBACK_STATUS_ACTION)
    if status is not None and status not in set(LeadStatus):
        errors[ids.FEEDBACK_STATUS_BLOCK] = "Pick a status from the list."
    reason = _selected(values, ids.FEEDBACK_REASON_BLOCK, ids.FEEDBACK_REASON_ACTION)
    if reason is not None and reason not in set(Reason):
        errors[ids.FEEDBACK_REASON_BLOCK] = "Pick a reason from the list."
    campaign = _selected(values, ids.FEEDBACK_CAMPAIGN_BLOCK, ids.FEEDBACK_CAMPAIGN_ACTION)
    if campaign is not None and not re.fullmatch(r"campaign:\d{1,18}", campaign):
        errors[ids.FEEDBACK_CAMPAIGN_BLOCK] = "Pick a campaign from the list."
    note_element = values.get(ids.FEEDBACK_NOTE_BLOCK, {}).get(ids.FEEDBACK_NOTE_ACTION) or {}
    note = note_element.get("value") if isinstance(note_element, dict) else None
    note = note.strip() if isinstance(note, str) else ""
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
            campaign_id=int(campaign.split(":")[1]) if campaign else None,
        ),
    )


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return metadata if isinstance(metadata, dict) else {}


async def _resolve_submitted_lead(
    session: Any, *, team_id: str, value: str, author: str, deps: Deps
) -> Found:
    kind, _, rest = value.partition(":")
    if kind == "lead":
        lead = await get_lead(session=session, team_id=team_id, lead_id=int(rest))
        if lead is None:
            raise FeedbackRefused(
                "That lead is not in this workspace.", field=ids.FEEDBACK_LEAD_BLOCK
            )
        return Found(lead)
    ref = parse_lead(rest, quoted=False)
    expected = "email" if kind == "new" else "external_id"
    if getattr(ref, "kind", None) != expected:
        raise FeedbackRefused("That is not a valid email or CRM id.", field=ids.FEEDBACK_LEAD_BLOCK)
    lead, created = await get_or_create_lead(
        session=session,
        team_id=team_id,
        now=deps.clock.now(),
        owner=author,
        **{expected: ref.value},  # type: ignore[union-attr]
    )
    return Found(lead, created)


def register(app: AsyncApp, deps: Deps) -> None:
    """Wire the modal's lead search and its submission."""

    @app.options(ids.FEEDBACK_LEAD_ACTION)
    async def search_lead_options(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        query = str(body.get("value") or "")[:200].strip()
        async with deps.sessions() as session:
            leads = await search_leads(
                session=session,
                team_id=context.team_id or "",
                query=query,
                limit=SEARCH_RESULTS_MAX,
            )
        options = [feedback_blocks.lead_option(lead) for lead in leads]
        typed = parse_lead(query, quoted=False) if "@" in query else None
        is_new_email = (
            typed is not None
            and getattr(typed, "kind", None) == "email"
            and len(query) <= EMAIL_MAX
            and not any(lead.email == typed.value for lead in leads)  # type: ignore[union-attr]
        )
        if is_new_email and len(f"new:{typed.value}") <= 150:  # type: ignore[union-attr]
            options.insert(0, feedback_blocks.new_lead_option(typed.value))  # type: ignore[union-attr]
        await ack(options=options[:100])

    @app.view(ids.FEEDBACK_MODAL)
    async def submit_feedback(
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
    ) -> None:
        team_id = context.team_id or ""
        user_id = context.user_id or ""
        submission = read_submission(view.get("state", {}).get("values", {}))
        if isinstance(submission, dict):
            await ack(response_action="errors", errors=submission)
            return
        metadata = _metadata(view)
        replaces = metadata.get("replaces") if isinstance(metadata.get("replaces"), int) else None
        try:
            async with deps.sessions.begin() as session:
                if (
                    submission.given.campaign_id is not None
                    and await get_campaign(
                        session=session, team_id=team_id, campaign_id=submission.given.campaign_id
                    )
                    is None
                ):
                    raise FeedbackRefused(
                        "That campaign is not in this workspace.", field=ids.FEEDBACK_CAMPAIGN_BLOCK
                    )
                found = await _resolve_submitted_lead(
                    session, team_id=team_id, value=submission.lead, author=user_id, deps=deps
                )
                message = await record_and_confirm(
                    session,
                    team_id=team_id,
                    author=user_id,
                    found=found,
                    given=submission.given,
                    deps=deps,
                    replaces=replaces,
                )
        except FeedbackRefused as refused:
            await ack(
                response_action="errors",
                errors={refused.field or ids.FEEDBACK_LEAD_BLOCK: refused.message},
            )
            return
        await ack()
        response_url = metadata.get("response_url")
        await tell_user(
            client,
            user_id=user_id,
            message=message,
            response_url=response_url if isinstance(response_url, str) else None,
            replace_original=replaces is not None,
        )


async def open_or_explain(
    client: AsyncWebClient,
    deps: Deps,
    respond: Any,
    **modal: Any,
) -> None:
    """Open the feedback modal; if Slack refuses, tell the user instead of failing silently."""
    try:
        await open_feedback_modal(client, deps, **modal)
    except SlackApiError as exc:
        logger.error("views.open failed: %s", exc.response.get("error"))
        await respond(
            response_type="ephemeral",
            text="Slack did not open the feedback form in time. Please run the command again.",
        )
