"""Campaign queries."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Campaign


async def find_campaign_by_slug(
    *, session: AsyncSession, team_id: str, slug: str
) -> Campaign | None:
    """The team's campaign with this slug (case-insensitive), or None."""
    statement = select(Campaign).where(
        Campaign.team_id == team_id, Campaign.slug == slug.strip().lower()
    )
    return (await session.exec(statement)).first()


async def get_campaign(*, session: AsyncSession, team_id: str, campaign_id: int) -> Campaign | None:
    """The team's campaign with this id, or None (also for another team's id)."""
    statement = select(Campaign).where(Campaign.team_id == team_id, Campaign.id == campaign_id)
    return (await session.exec(statement)).first()


async def recent_campaigns(*, session: AsyncSession, team_id: str, limit: int) -> list[Campaign]:
    """The team's campaigns, newest launch first."""
    statement = (
        select(Campaign)
        .where(Campaign.team_id == team_id)
        .order_by(col(Campaign.launch_date).desc(), col(Campaign.id).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())
