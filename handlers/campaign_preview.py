"""`/campaign-preview`: the modal, posting the preview (joining or explaining), and `list`.

The campaign is committed before the modal closes; posting comes after the ack, and when it
fails the marketer gets a DM that says how to fix it, with a button that posts it then.
"""

import logging
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from handlers.campaign_form import (
    Command,
    Help,
    ListCampaigns,
    OpenModal,
    ParseError,
    parse_command,
    read_campaign,
)
from handlers.clicked import clicked_campaign
from handlers.home_flow import refresh_home
from handlers.modals import open_modal
from handlers.post_intent import SLACK_CALL_ERRORS, is_ambiguous, post_with_intent
from handlers.replies import permalink, send_dm
from handlers.turn import Turn, after_ack
from handlers.views import campaign_blocks, ids
from handlers.views.blocks import Message
from storage.campaigns import (
    PREVIEW_JOB,
    create_campaign,
    get_campaign,
    preview_refusals,
    set_preview_message,
    slugify,
    upcoming_campaigns,
)
from storage.claims import claim_run, mark_failed, mark_posted
from storage.models import Campaign
from storage.reactions import reaction_counts

logger = logging.getLogger(__name__)

COMMAND = campaign_blocks.COMMAND
SORRY = "Something went wrong on our side. Please try again in a moment."
# Long enough for one post with the client's own 429 and 5xx retries; a claim left behind by
# a process that died mid-post is taken over after it.
PREVIEW_LEASE = timedelta(minutes=2)
# A marketer may fix the channel and press Post preview as often as it takes.
PREVIEW_ATTEMPTS_MAX = 1_000


async def team_today(deps: Deps, team_id: str) -> date:
    """Today's date in the team's time zone."""
    team = await deps.team_settings(team_id)
    return deps.clock.now().astimezone(ZoneInfo(team.timezone)).date()


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
            job=PREVIEW_JOB,
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
        ids_shown = [c.id for c in campaigns if c.id]
        counts = await reaction_counts(session=session, team_id=team_id, campaign_ids=ids_shown)
        refusals = await preview_refusals(
            session=session,
            team_id=team_id,
            campaign_ids=[c.id for c in campaigns if c.id and c.message_ts is None],
        )
    return campaign_blocks.campaign_list(
        campaigns, counts, total, user_id=user_id, refusals=refusals
    )


async def _command_answer(turn: Turn, parsed: Command | ParseError) -> Message | None:
    """The ephemeral answer to the command; None when it asks for the form."""
    if isinstance(parsed, ParseError):
        return campaign_blocks.notice(f"{parsed.message}\n{campaign_blocks.USAGE}")
    if isinstance(parsed, Help):
        return campaign_blocks.help_message()
    if not isinstance(parsed, ListCampaigns):
        return None
    try:
        return await _list(turn.deps, team_id=turn.team_id, user_id=turn.user_id)
    except Exception:
        logger.exception("/campaign-preview list failed")
        return campaign_blocks.notice(SORRY)


async def campaign_preview(turn: Turn) -> None:
    """Answer `/campaign-preview list` and `help` in the ack; otherwise open the form."""
    parsed = parse_command(turn.command_text)
    answer = await _command_answer(turn, parsed)
    if answer is not None:
        await turn.ack(response_type="ephemeral", **answer.as_kwargs())
        return
    await turn.ack()
    name = parsed.name if isinstance(parsed, OpenModal) else ""
    view = campaign_blocks.campaign_modal(
        name=name, default_channel=turn.deps.settings.shared_channel
    )
    await open_modal(turn, view, form="campaign form")


def _name_taken(name: str) -> dict[str, str]:
    """The inline error for a name whose slug another campaign of the workspace has."""
    return {
        ids.CAMPAIGN_NAME_BLOCK: (
            f"This workspace already has a campaign with that name (#{slugify(name)}). "
            "Pick another one."
        )
    }


async def submit_campaign(turn: Turn) -> None:
    """Store the campaign before the modal closes, then post its preview and DM the owner."""
    given = read_campaign(turn.values, today=await team_today(turn.deps, turn.team_id))
    if isinstance(given, dict):
        await turn.ack(response_action="errors", errors=given)
        return
    async with turn.deps.sessions.begin() as session:
        campaign = await create_campaign(
            session=session,
            team_id=turn.team_id,
            owner=turn.user_id,
            given=given,
            now=turn.deps.clock.now(),
        )
    if campaign is None:
        await turn.ack(response_action="errors", errors=_name_taken(given.name))
        return
    await turn.ack()
    outcome = await publish_preview(turn.client, turn.deps, team_id=turn.team_id, campaign=campaign)
    if not await send_dm(turn.client, turn.user_id, outcome):
        # The marketer must hear how it went: on their Home, when no DM reaches them.
        await refresh_home(turn, notice=outcome.text)


async def post_later(turn: Turn) -> None:
    """The owner's Post preview button: post the preview now, or say where it already is."""
    await turn.ack()
    campaign = await clicked_campaign(turn)
    if campaign is None:
        answer = campaign_blocks.notice("That campaign is not in this workspace any more.")
    elif campaign.owner != turn.user_id:
        answer = campaign_blocks.notice(
            f"Only {campaign_blocks.mention(campaign.owner)} can post this preview."
        )
    elif campaign.message_ts is not None and campaign.channel_id is not None:
        link = await permalink(turn.client, campaign.channel_id, campaign.message_ts)
        answer = campaign_blocks.posted(campaign, link)
    else:
        answer = await publish_preview(
            turn.client, turn.deps, team_id=turn.team_id, campaign=campaign
        )
    await turn.respond(replace_original=True, **answer.as_kwargs())


def register(app: AsyncApp) -> None:
    """Wire the command, the modal's submission and the Post preview button."""
    app.command(COMMAND)(after_ack(campaign_preview))
    app.view(ids.CAMPAIGN_MODAL)(after_ack(submit_campaign))
    app.action(ids.CAMPAIGN_POST)(after_ack(post_later))
