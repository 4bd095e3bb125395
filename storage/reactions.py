"""Sales' reactions to campaign previews: the current one per user, the history, the counts."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, Text, func, insert, literal
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import insert_on_conflict
from storage.models import Campaign, CampaignReaction, CampaignReactionEvent
from storage.types import UTCDateTime
from storage.vocabulary import ReactionKind


@dataclass(frozen=True)
class ReactionCounts:
    """How many people currently hold each reaction to one campaign."""

    ready: int = 0
    question: int = 0
    concern: int = 0


async def record_reaction(
    *,
    session: AsyncSession,
    team_id: str,
    campaign_id: int,
    user_id: str,
    kind: ReactionKind,
    comment: str,
    now: datetime,
) -> bool:
    """Make this the user's current reaction and add it to the history; False if no campaign.

    The history row is written first, copied from the campaign row itself: the statement
    checks the campaign belongs to the team, and on SQLite a transaction that writes
    before it reads waits its turn instead of failing when many people click at once.
    The current reaction is then an upsert on (campaign, user), so the database keeps it
    to one per user however the clicks interleave.
    """
    source = select(
        literal(team_id, String),
        col(Campaign.id),
        literal(user_id, String),
        literal(str(kind), String),
        literal(comment, Text),
        literal(now, UTCDateTime()),
    ).where(Campaign.id == campaign_id, Campaign.team_id == team_id)
    history = insert(CampaignReactionEvent).from_select(
        ["team_id", "campaign_id", "user_id", "kind", "comment", "created_at"], source
    )
    if (await session.exec(history)).rowcount == 0:
        return False
    upsert = insert_on_conflict(
        session,
        CampaignReaction,
        conflict=["campaign_id", "user_id"],
        update=["kind", "comment", "updated_at"],
    ).values(
        team_id=team_id,
        campaign_id=campaign_id,
        user_id=user_id,
        kind=str(kind),
        comment=comment,
        created_at=now,
        updated_at=now,
    )
    await session.exec(upsert)
    return True


async def reaction_counts(
    *, session: AsyncSession, team_id: str, campaign_ids: list[int]
) -> dict[int, ReactionCounts]:
    """Current reaction counts for each of these campaigns (zeros for none), counted in SQL."""
    if not campaign_ids:
        return {}
    statement = (
        select(CampaignReaction.campaign_id, CampaignReaction.kind, func.count())
        .where(
            CampaignReaction.team_id == team_id,
            col(CampaignReaction.campaign_id).in_(campaign_ids),
        )
        .group_by(CampaignReaction.campaign_id, CampaignReaction.kind)
    )
    tallies: dict[int, dict[str, int]] = {cid: {} for cid in campaign_ids}
    for campaign_id, kind, count in (await session.exec(statement)).all():
        if kind in set(ReactionKind):
            tallies[campaign_id][kind] = int(count)
    return {cid: ReactionCounts(**tally) for cid, tally in tallies.items()}
