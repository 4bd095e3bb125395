"""Campaign queries."""

from dataclasses import dataclass

from sqlalchemy import case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Campaign, Feedback, Lead
from storage.vocabulary import Rating


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


@dataclass(frozen=True)
class CampaignQuality:
    """How a campaign's leads fared, by each lead's latest feedback."""

    campaign: Campaign
    leads: int
    rated: int
    hot: int
    junk: int
    top_reason: str | None

    @property
    def hot_share(self) -> float | None:
        """Hot leads among the rated ones (None when none is rated)."""
        return self.hot / self.rated if self.rated else None

    @property
    def junk_share(self) -> float | None:
        """Junk leads among the rated ones (None when none is rated)."""
        return self.junk / self.rated if self.rated else None


@dataclass(frozen=True)
class ReactionCounts:
    """Sales' current reactions to a campaign preview."""

    ready: int
    question: int
    concern: int


async def owned_campaigns_quality(
    *, session: AsyncSession, team_id: str, owner: str, limit: int
) -> tuple[list[CampaignQuality], int]:
    """The owner's campaigns, latest launch first (at most limit), each with its leads'
    quality, and how many campaigns the owner has."""
    condition = (Campaign.team_id == team_id) & (Campaign.owner == owner)
    total = (await session.exec(select(func.count()).select_from(Campaign).where(condition))).one()
    campaigns = list(
        (
            await session.exec(
                select(Campaign)
                .where(condition)
                .order_by(col(Campaign.launch_date).desc(), col(Campaign.id).desc())
                .limit(limit)
            )
        ).all()
    )
    ids = [c.id for c in campaigns if c.id is not None]
    if not ids:
        return [], int(total)
    latest = (
        select(
            col(Feedback.lead_id).label("lead_id"),
            col(Feedback.rating).label("rating"),
            col(Feedback.reason).label("reason"),
            func.row_number()
            .over(
                partition_by=Feedback.lead_id,
                order_by=(col(Feedback.created_at).desc(), col(Feedback.id).desc()),
            )
            .label("position"),
        )
        .where(Feedback.team_id == team_id)
        .subquery()
    )
    is_latest = (latest.c.lead_id == Lead.id) & (latest.c.position == 1)
    of_these = (Lead.team_id == team_id) & col(Lead.campaign_id).in_(ids)
    figures = await session.exec(
        select(
            Lead.campaign_id,
            func.count(Lead.id),
            func.count(latest.c.lead_id),
            func.coalesce(func.sum(case((latest.c.rating == Rating.HOT.value, 1), else_=0)), 0),
            func.coalesce(func.sum(case((latest.c.rating == Rating.JUNK.value, 1), else_=0)), 0),
        )
        .select_from(Lead)
        .outerjoin(latest, is_latest)
        .where(of_these)
        .group_by(Lead.campaign_id)
    )
    by_campaign = {row[0]: tuple(int(x) for x in row[1:]) for row in figures.all()}
    mentions = func.count().label("mentions")
    reasons = await session.exec(
        select(Lead.campaign_id, latest.c.reason, mentions)
        .select_from(Lead)
        .join(latest, is_latest)
        .where(of_these, latest.c.reason.is_not(None))
        .group_by(Lead.campaign_id, latest.c.reason)
        .order_by(Lead.campaign_id, mentions.desc(), latest.c.reason)
    )
    top_reason: dict[int, str] = {}
    for campaign_id, reason, _ in reasons.all():
        top_reason.setdefault(campaign_id, reason)
    qualities = []
    for campaign in campaigns:
        leads, rated, hot, junk = by_campaign.get(campaign.id, (0, 0, 0, 0))
        qualities.append(
            CampaignQuality(campaign, leads, rated, hot, junk, top_reason.get(campaign.id or 0))
        )
    return qualities, int(total)


async def reaction_counts(
    *, session: AsyncSession, team_id: str, campaign_ids: list[int]
) -> dict[int, ReactionCounts]:
    """Current reactions per campaign; a campaign without recorded reactions is absent.

    Reactions are not stored yet (the reactions table comes with `/campaign-preview`), so
    every campaign is absent and the Home shows "reactions: –". This is the one place to
    count them: a grouped count of current reactions per campaign and kind goes here.
    """
    return {}
