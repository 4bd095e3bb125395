"""`/campaign-preview`: the modal, posting the preview (joining or explaining), and `list`.

The campaign is committed before the modal closes; posting comes after the ack, and when it
fails the marketer gets a DM that says how to fix it, with a button that posts it then.
"""

import logging
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from handlers.campaign_form import (
    Help,
    ListCampaigns,
    ParseError,
    parse_command,
    read_campaign,
)
from handlers.post_intent import SLACK_CALL_ERRORS, is_ambiguous, post_with_intent
from handlers.replies import action_row_id, send_dm
from handlers.views import campaign_blocks, ids
from handlers.views.blocks import Message
from storage.campaigns import (
    create_campaign,
    get_campaign,
    set_preview_message,
    slugify,
    upcoming_campaigns,
)
from storage.claims import claim_run, mark_failed, mark_posted
from storage.models import Campaign
from storage.reactions import reaction_counts
from storage.team_settings import effective_settings

logger = logging.getLogger(__name__)

COMMAND = campaign_blocks.COMMAND
SORRY = "Something went wrong on our side. Please try again in a moment."
PREVIEW_CLAIM = "campaign_preview"
# Long enough for one post with the client's own 429 and 5xx retries; a claim left behind by
# a process that died mid-post is taken over after it.
PREVIEW_LEASE = timedelta(minutes=2)
# A marketer may fix the channel and press Post preview as often as it takes.
PREVIEW_ATTEMPTS_MAX = 1_000


async def team_today(deps: Deps, team_id: str) -> date:
    """Today's date in the team's time zone."""
    async with deps.sessions() as session:
        team = await effective_settings(
            session=session, team_id=team_id, defaults=deps.settings.team_defaults
        )
    return deps.clock.now().astimezone(ZoneInfo(team.timezone)).date()


async def permalink(client: AsyncWebClient, channel: str, ts: str) -> str | None:
    """A link to a message, or None when Slack will not give one."""
    try:
        answer = await client.chat_getPermalink(channel=channel, message_ts=ts)
    except SlackApiError as exc:
        logger.warning("chat.getPermalink failed: %s", exc.response.get("error"))
        return None
    link = answer.get("permalink")
    return link if isinstance(link, str) else None


async def publish_preview(
    client: AsyncWebClient, deps: Deps, *, team_id: str, campaign: Campaign
) -> Message:
    """Post the campaign's preview once and record where; what to tell the marketer either way.

    The post is claimed in the database first, so a double click on Post preview (or the
    button pressed while the modal's own post is on its way) posts one preview; whoever
    does not get the claim is shown where the preview is, or told it is on its way. The
    claim's key rides in the post's metadata: a post Slack may have taken without saying
    so is looked up by it rather than posted again.
    """
    assert campaign.id is not None and campaign.channel_id is not None
    async with deps.sessions.begin() as session:
        claim = await claim_run(
            session=session,
            team_id=team_id,
            job=PREVIEW_CLAIM,
            period=str(campaign.id),
            now=deps.clock.now(),
            lease=PREVIEW_LEASE,
            max_attempts=PREVIEW_ATTEMPTS_MAX,
        )
        counts = await reaction_counts(session=session, team_id=team_id, campaign_ids=[campaign.id])
    if claim is None:
        return await _claimed_elsewhere(client, deps, team_id=team_id, campaign=campaign)
    message = campaign_blocks.preview_message(campaign, counts[campaign.id])
    try:
        _, ts = await post_with_intent(
            client, campaign.channel_id, message, key=claim.key, look_first=claim.look_first
        )
    except SLACK_CALL_ERRORS as exc:
        error = _slack_error(exc)
        await _release(deps, claim_id=claim.id, error=error, unsure=is_ambiguous(exc))
        logger.warning("preview of campaign %s not posted: %s", campaign.id, error)
        return campaign_blocks.not_posted(campaign, error)
    except Exception as exc:
        await _release(deps, claim_id=claim.id, error=type(exc).__name__, unsure=True)
        raise
    async with deps.sessions.begin() as session:
        await mark_posted(
            session=session,
            claim_id=claim.id,
            channel_id=campaign.channel_id,
            message_ts=ts,
            now=deps.clock.now(),
        )
        stored = await get_campaign(session=session, team_id=team_id, campaign_id=campaign.id)
        if stored is not None:
            await set_preview_message(
                session=session, campaign=stored, channel_id=campaign.channel_id, message_ts=ts
            )
            campaign = stored
    return campaign_blocks.posted(campaign, await permalink(client, campaign.channel_id, ts))


def _slack_error(exc: Exception) -> str:
    """Slack's error code, or what kept the post from reaching Slack."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "unknown_error")
    return "slack_unreachable"


async def _release(deps: Deps, *, claim_id: int, error: str, unsure: bool) -> None:
    """Give up the claim of a post that failed, so the next press of the button may retry.

    unsure: Slack may have posted it all the same, so the retry looks for it first.
    """
    async with deps.sessions.begin() as session:
        await mark_failed(session=session, claim_id=claim_id, error=error, unsure=unsure)


async def _claimed_elsewhere(
    client: AsyncWebClient, deps: Deps, *, team_id: str, campaign: Campaign
) -> Message:
    async with deps.sessions() as session:
        stored = await get_campaign(session=session, team_id=team_id, campaign_id=campaign.id)
    if stored is not None and stored.channel_id is not None and stored.message_ts is not None:
        return campaign_blocks.posted(
            stored, await permalink(client, stored.channel_id, stored.message_ts)
        )
    return campaign_blocks.being_posted(campaign)


async def _list(deps: Deps, *, team_id: str, user_id: str) -> Message:
    async with deps.sessions() as session:
        campaigns, total = await upcoming_campaigns(
            session=session,
            team_id=team_id,
            today=await team_today(deps, team_id),
            limit=campaign_blocks.LIST_MAX,
        )
        counts = await reaction_counts(
            session=session, team_id=team_id, campaign_ids=[c.id for c in campaigns if c.id]
        )
    return campaign_blocks.campaign_list(campaigns, counts, total, user_id=user_id)


def register(app: AsyncApp, deps: Deps) -> None:
    """Wire the command, the modal's submission and the Post preview button."""

    @app.command(COMMAND)
    async def campaign_preview(
        ack: AsyncAck,
        command: dict[str, Any],
        context: AsyncBoltContext,
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        parsed = parse_command(str(command.get("text") or ""))
        if isinstance(parsed, ParseError):
            answer = campaign_blocks.notice(f"{parsed.message}\n{campaign_blocks.USAGE}")
        elif isinstance(parsed, Help):
            answer = campaign_blocks.help_message()
        elif isinstance(parsed, ListCampaigns):
            try:
                answer = await _list(
                    deps, team_id=context.team_id or "", user_id=context.user_id or ""
                )
            except Exception:
                logger.exception("/campaign-preview list failed")
                answer = campaign_blocks.notice(SORRY)
        else:
            await ack()
            view = campaign_blocks.campaign_modal(
                name=parsed.name, default_channel=deps.settings.shared_channel
            )
            try:
                await client.views_open(trigger_id=command["trigger_id"], view=view)
            except SlackApiError as exc:
                logger.error("views.open failed: %s", exc.response.get("error"))
                await respond(
                    response_type="ephemeral",
                    text="Slack did not open the campaign form in time. Please run it again.",
                )
            return
        await ack(response_type="ephemeral", **answer.as_kwargs())

    @app.view(ids.CAMPAIGN_MODAL)
    async def submit_campaign(
        ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        team_id = context.team_id or ""
        user_id = context.user_id or ""
        given = read_campaign(
            view.get("state", {}).get("values", {}), today=await team_today(deps, team_id)
        )
        if isinstance(given, dict):
            await ack(response_action="errors", errors=given)
            return
        async with deps.sessions.begin() as session:
            campaign = await create_campaign(
                session=session, team_id=team_id, owner=user_id, given=given, now=deps.clock.now()
            )
        if campaign is None:
            await ack(
                response_action="errors",
                errors={
                    ids.CAMPAIGN_NAME_BLOCK: (
                        "This workspace already has a campaign with that name "
                        f"(#{slugify(given.name)}). Pick another one."
                    )
                },
            )
            return
        await ack()
        outcome = await publish_preview(client, deps, team_id=team_id, campaign=campaign)
        await send_dm(client, user_id, outcome)

    @app.action(ids.CAMPAIGN_POST)
    async def post_later(
        ack: AsyncAck,
        body: dict[str, Any],
        context: AsyncBoltContext,
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        team_id = context.team_id or ""
        campaign_id = action_row_id(body)
        async with deps.sessions() as session:
            campaign = await get_campaign(session=session, team_id=team_id, campaign_id=campaign_id)
        if campaign is None:
            answer = campaign_blocks.notice("That campaign is not in this workspace any more.")
        elif campaign.owner != context.user_id:
            answer = campaign_blocks.notice(
                f"Only {campaign_blocks.mention(campaign.owner)} can post this preview."
            )
        elif campaign.message_ts is not None and campaign.channel_id is not None:
            link = await permalink(client, campaign.channel_id, campaign.message_ts)
            answer = campaign_blocks.posted(campaign, link)
        else:
            answer = await publish_preview(client, deps, team_id=team_id, campaign=campaign)
        await respond(replace_original=True, **answer.as_kwargs())
