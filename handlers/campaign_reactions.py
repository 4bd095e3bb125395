"""Sales' answers on a preview: Ready to sell, Question, Concern, and the live counts."""

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from handlers.campaign_form import read_comment
from handlers.clicked import clicked_campaign
from handlers.modals import open_modal
from handlers.payloads import CommentFormMetadata, read_json
from handlers.replies import (
    action_id,
    action_row_id,
    permalink,
    reply_privately,
    send_dm,
    tell_clicker,
)
from handlers.turn import Turn, after_ack
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
    turn: Turn, *, campaign_id: int, kind: ReactionKind, comment: str = ""
) -> Campaign | None:
    """Store the reaction and return its campaign; None when the campaign is not the team's."""
    async with turn.deps.sessions.begin() as session:
        recorded = await record_reaction(
            session=session,
            team_id=turn.team_id,
            campaign_id=campaign_id,
            user_id=turn.user_id,
            kind=kind,
            comment=comment,
            now=turn.deps.clock.now(),
        )
        if not recorded:
            return None
        return await get_campaign(session=session, team_id=turn.team_id, campaign_id=campaign_id)


def _comment_target(view: dict[str, Any]) -> tuple[int, ReactionKind] | None:
    metadata = read_json(CommentFormMetadata, view.get("private_metadata"))
    if metadata is None or metadata.kind not in COMMENTED_REACTIONS:
        return None
    return metadata.campaign, metadata.kind


# The buttons whose reaction needs a comment, and which reaction each is.
_COMMENT_BUTTONS = {
    ids.CAMPAIGN_QUESTION: ReactionKind.QUESTION,
    ids.CAMPAIGN_CONCERN: ReactionKind.CONCERN,
}


async def _reply_in_thread(
    turn: Turn, campaign: Campaign, kind: ReactionKind, comment: str
) -> str | None:
    """Post the comment under the preview; a link to the reply, or None if there is none."""
    if not campaign.channel_id or not campaign.message_ts:
        return None
    reply = campaign_blocks.thread_reply(kind, turn.user_id, comment)
    try:
        answer = await turn.client.chat_postMessage(
            channel=campaign.channel_id, thread_ts=campaign.message_ts, **reply.as_kwargs()
        )
    except SlackApiError as exc:
        logger.error("could not reply in the preview's thread: %s", exc.response.get("error"))
        return None
    return await permalink(turn.client, campaign.channel_id, str(answer["ts"]))


class PreviewReactions:
    """The preview's listeners; each answer recorded redraws the preview's counts."""

    def __init__(self, counts: PreviewCounts) -> None:
        self._counts = counts

    async def ready(self, turn: Turn) -> None:
        """Record Ready to sell, thank the clicker privately, and redraw the counts."""
        await turn.ack()
        campaign_id = action_row_id(turn.body)
        campaign = (
            await _record(turn, campaign_id=campaign_id, kind=ReactionKind.READY)
            if campaign_id is not None
            else None
        )
        if campaign is None or campaign_id is None:
            await reply_privately(turn.respond, campaign_blocks.notice(_GONE))
            return
        # The click counts whatever becomes of the thanks: both go out side by side.
        await asyncio.gather(
            tell_clicker(
                turn.client,
                turn.deps.http,
                response_url=turn.response_url,
                channel=campaign.channel_id,
                user_id=turn.user_id,
                message=campaign_blocks.ready_noted(campaign),
            ),
            self._counts.refresh(turn.client, team_id=turn.team_id, campaign_id=campaign_id),
        )

    async def question_or_concern(self, turn: Turn) -> None:
        """Open the small modal where the clicker types the question or the concern."""
        await turn.ack()
        kind = _COMMENT_BUTTONS[action_id(turn.body)]
        campaign = await clicked_campaign(turn)
        if campaign is None:
            await reply_privately(turn.respond, campaign_blocks.notice(_GONE))
            return
        await open_modal(turn, campaign_blocks.comment_modal(campaign, kind))

    async def submit_comment(self, turn: Turn) -> None:
        """Record the comment, post it in the preview's thread, tell the owner, redraw."""
        target = _comment_target(turn.view)
        comment = read_comment(turn.values)
        if isinstance(comment, dict):
            await turn.ack(response_action="errors", errors=comment)
            return
        campaign = None
        if target is not None:
            campaign = await _record(turn, campaign_id=target[0], kind=target[1], comment=comment)
        if campaign is None or campaign.id is None or target is None:
            await turn.ack(response_action="errors", errors={ids.CAMPAIGN_COMMENT_BLOCK: _GONE})
            return
        await turn.ack()
        kind = target[1]
        link = await _reply_in_thread(turn, campaign, kind, comment)
        if campaign.owner != turn.user_id:
            owner_dm = campaign_blocks.owner_dm(campaign, kind, turn.user_id, comment, link)
            await send_dm(turn.client, campaign.owner, owner_dm)
        await self._counts.refresh(turn.client, team_id=turn.team_id, campaign_id=campaign.id)


def register(app: AsyncApp, deps: Deps) -> None:
    """Wire the preview's three buttons and the comment modal, with one PreviewCounts."""
    reactions = PreviewReactions(PreviewCounts(deps))
    app.action(ids.CAMPAIGN_READY)(after_ack(reactions.ready))
    app.action(re.compile(f"^({'|'.join(map(re.escape, _COMMENT_BUTTONS))})$"))(
        after_ack(reactions.question_or_concern)
    )
    app.view(ids.CAMPAIGN_COMMENT_MODAL)(after_ack(reactions.submit_comment))
