"""Sales' answers on a preview: Ready to sell, Question, Concern, and the live counts."""

import asyncio
import json
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from handlers.campaign_form import read_comment
from handlers.campaign_preview import permalink
from handlers.replies import action_id, action_row_id, reply_privately, send_dm
from handlers.views import campaign_blocks, ids
from storage.campaigns import get_campaign
from storage.models import Campaign
from storage.reactions import ReactionCounts, reaction_counts, record_reaction
from storage.vocabulary import COMMENTED_REACTIONS, ReactionKind

logger = logging.getLogger(__name__)

_GONE = "That campaign is not in this workspace any more; nothing was recorded."
# Enough rounds for any burst of clicks to settle; past it the next click refreshes again.
_REFRESH_ROUNDS_MAX = 10


class PreviewCounts:
    """Keeps each posted preview's counts equal to the database's, with chat.update.

    Counts always come from the database, never from the message. Within this process one
    refresh per campaign runs at a time and a burst of clicks collapses into a few updates.
    Another process may still land an older update after ours, so after each update the
    counts are read again and the message is redrawn until it shows what the database holds.
    """

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._locks: dict[int, asyncio.Lock] = {}
        self._stale: set[int] = set()

    async def refresh(self, client: AsyncWebClient, *, team_id: str, campaign_id: int) -> None:
        """Redraw the campaign's preview once the reactions committed so far are counted."""
        self._stale.add(campaign_id)
        lock = self._locks.setdefault(campaign_id, asyncio.Lock())
        async with lock:
            for _ in range(_REFRESH_ROUNDS_MAX):
                if campaign_id not in self._stale:
                    return
                self._stale.discard(campaign_id)
                shown = await self._redraw(client, team_id=team_id, campaign_id=campaign_id)
                if shown is None:
                    return
                if await self._counts(team_id, campaign_id) != shown:
                    self._stale.add(campaign_id)

    async def _counts(self, team_id: str, campaign_id: int) -> ReactionCounts:
        async with self._deps.sessions() as session:
            counts = await reaction_counts(
                session=session, team_id=team_id, campaign_ids=[campaign_id]
            )
        return counts[campaign_id]

    async def _redraw(
        self, client: AsyncWebClient, *, team_id: str, campaign_id: int
    ) -> ReactionCounts | None:
        async with self._deps.sessions() as session:
            campaign = await get_campaign(session=session, team_id=team_id, campaign_id=campaign_id)
        if campaign is None or campaign.channel_id is None or campaign.message_ts is None:
            return None
        counts = await self._counts(team_id, campaign_id)
        message = campaign_blocks.preview_message(campaign, counts)
        try:
            await client.chat_update(
                channel=campaign.channel_id, ts=campaign.message_ts, **message.as_kwargs()
            )
        except SlackApiError as exc:
            logger.error(
                "could not update the preview of campaign %s: %s",
                campaign_id,
                exc.response.get("error"),
            )
            return None
        return counts


async def _record(
    deps: Deps, *, team_id: str, campaign_id: int, user_id: str, kind: ReactionKind, comment: str
) -> Campaign | None:
    """Store the reaction and return its campaign; None when the campaign is not the team's."""
    async with deps.sessions.begin() as session:
        recorded = await record_reaction(
            session=session,
            team_id=team_id,
            campaign_id=campaign_id,
            user_id=user_id,
            kind=kind,
            comment=comment,
            now=deps.clock.now(),
        )
        if not recorded:
            return None
        return await get_campaign(session=session, team_id=team_id, campaign_id=campaign_id)


def _comment_target(view: dict[str, Any]) -> tuple[int, ReactionKind] | None:
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
        campaign_id = metadata["campaign"]
        kind = ReactionKind(metadata["kind"])
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(campaign_id, int) or campaign_id < 1 or kind not in COMMENTED_REACTIONS:
        return None
    return campaign_id, kind


# The buttons whose reaction needs a comment, and which reaction each is.
_COMMENT_BUTTONS = {
    ids.CAMPAIGN_QUESTION: ReactionKind.QUESTION,
    ids.CAMPAIGN_CONCERN: ReactionKind.CONCERN,
}


def register(app: AsyncApp, deps: Deps) -> None:
    """Wire the preview's three buttons and the comment modal."""
    counts = PreviewCounts(deps)

    @app.action(ids.CAMPAIGN_READY)
    async def ready(
        ack: AsyncAck,
        body: dict[str, Any],
        context: AsyncBoltContext,
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        team_id = context.team_id or ""
        campaign_id = action_row_id(body)
        campaign = (
            await _record(
                deps,
                team_id=team_id,
                campaign_id=campaign_id,
                user_id=context.user_id or "",
                kind=ReactionKind.READY,
                comment="",
            )
            if campaign_id is not None
            else None
        )
        if campaign is None or campaign_id is None:
            await reply_privately(respond, campaign_blocks.notice(_GONE))
            return
        await reply_privately(respond, campaign_blocks.ready_noted(campaign))
        await counts.refresh(client, team_id=team_id, campaign_id=campaign_id)

    async def ask_for_comment(
        kind: ReactionKind,
        body: dict[str, Any],
        context: AsyncBoltContext,
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        campaign_id = action_row_id(body)
        async with deps.sessions() as session:
            campaign = await get_campaign(
                session=session, team_id=context.team_id or "", campaign_id=campaign_id
            )
        if campaign is None:
            await reply_privately(respond, campaign_blocks.notice(_GONE))
            return
        try:
            await client.views_open(
                trigger_id=body["trigger_id"], view=campaign_blocks.comment_modal(campaign, kind)
            )
        except SlackApiError as exc:
            logger.error("views.open failed: %s", exc.response.get("error"))
            await reply_privately(
                respond,
                campaign_blocks.notice(
                    "Slack did not open the form in time. Please press it again."
                ),
            )

    @app.action(re.compile(f"^({'|'.join(map(re.escape, _COMMENT_BUTTONS))})$"))
    async def question_or_concern(
        ack: AsyncAck,
        body: dict[str, Any],
        context: AsyncBoltContext,
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        kind = _COMMENT_BUTTONS[action_id(body)]
        await ask_for_comment(kind, body, context, respond, client)

    @app.view(ids.CAMPAIGN_COMMENT_MODAL)
    async def submit_comment(
        ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        team_id = context.team_id or ""
        user_id = context.user_id or ""
        target = _comment_target(view)
        comment = read_comment(view.get("state", {}).get("values", {}))
        if isinstance(comment, dict):
            await ack(response_action="errors", errors=comment)
            return
        campaign = (
            await _record(
                deps,
                team_id=team_id,
                campaign_id=target[0],
                user_id=user_id,
                kind=target[1],
                comment=comment,
            )
            if target is not None
            else None
        )
        if campaign is None or campaign.id is None or target is None:
            await ack(response_action="errors", errors={ids.CAMPAIGN_COMMENT_BLOCK: _GONE})
            return
        await ack()
        kind = target[1]
        link = None
        if campaign.channel_id and campaign.message_ts:
            reply = campaign_blocks.thread_reply(kind, user_id, comment)
            try:
                answer = await client.chat_postMessage(
                    channel=campaign.channel_id,
                    thread_ts=campaign.message_ts,
                    **reply.as_kwargs(),
                )
                link = await permalink(client, campaign.channel_id, str(answer["ts"]))
            except SlackApiError as exc:
                logger.error(
                    "could not reply in the preview's thread: %s", exc.response.get("error")
                )
        if campaign.owner != user_id:
            await send_dm(
                client,
                campaign.owner,
                campaign_blocks.owner_dm(campaign, kind, user_id, comment, link),
            )
        await counts.refresh(client, team_id=team_id, campaign_id=campaign.id)
