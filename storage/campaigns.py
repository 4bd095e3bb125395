"""Campaign queries, and the rule that turns a campaign's name into its `#slug`."""

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.claims import failed_runs
from storage.db import insert_ignoring_conflicts
from storage.models import Campaign, Feedback, Lead
from storage.vocabulary import Rating

SLUG_MAX = 80
# The exactly-once claim of a campaign's preview post: one per campaign, its id the period.
PREVIEW_JOB = "campaign_preview"
# The slugs `/leadfeedback … #slug` accepts; every slug made here matches it.
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def slugify(name: str) -> str:
    """The `#slug` for a campaign name: ASCII letters and digits joined by single hyphens.

    Accents fold to their letters ("Café" → "cafe"); anything else separates words. The
    result is empty when the name has no letter or digit at all.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


@dataclass(frozen=True)
class CampaignInput:
    """A campaign as the marketer described it, already validated."""

    name: str
    launch_date: date
    channel_id: str
    audience: str = ""
    key_message: str = ""
    cta: str = ""
    asset_urls: list[str] = field(default_factory=list)
    expected_leads: int | None = None


async def create_campaign(
    *, session: AsyncSession, team_id: str, owner: str, given: CampaignInput, now: datetime
) -> Campaign | None:
    """Store a new campaign; None when the team already has one with the same slug.

    The insert comes first and ignores a slug conflict, so two marketers racing for one
    name end with one campaign and one clear refusal.
    """
    campaign_id = await insert_ignoring_conflicts(
        session,
        Campaign,
        {
            "team_id": team_id,
            "name": given.name,
            "slug": slugify(given.name),
            "launch_date": given.launch_date,
            "audience": given.audience,
            "key_message": given.key_message,
            "cta": given.cta,
            "asset_urls": list(given.asset_urls),
            "expected_leads": given.expected_leads,
            "owner": owner,
            "channel_id": given.channel_id,
            "created_at": now,
        },
        returning=Campaign.id,
    )
    if campaign_id is None:
        return None
    return await get_campaign(session=session, team_id=team_id, campaign_id=campaign_id)


async def set_preview_message(
    *, session: AsyncSession, campaign: Campaign, channel_id: str, message_ts: str
) -> None:
    """Remember where the campaign's preview was posted."""
    campaign.channel_id = channel_id
    campaign.message_ts = message_ts
    session.add(campaign)
    await session.flush()


async def find_campaign_by_slug(
    *, session: AsyncSession, team_id: str, slug: str
) -> Campaign | None:
    """The team's campaign with this slug (case-insensitive), or None."""
    statement = select(Campaign).where(
        Campaign.team_id == team_id, Campaign.slug == slug.strip().lower()
    )
    return (await session.exec(statement)).first()


async def get_campaign(
    *, session: AsyncSession, team_id: str, campaign_id: int | None
) -> Campaign | None:
    """The team's campaign with this id, or None (also for another team's id, or no id)."""
    if campaign_id is None:
        return None
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


async def upcoming_campaigns(
    *, session: AsyncSession, team_id: str, today: date, limit: int
) -> tuple[list[Campaign], int]:
    """The team's campaigns launching today or later, soonest first, and how many there are."""
    where = (Campaign.team_id == team_id, col(Campaign.launch_date) >= today)
    statement = (
        select(Campaign)
        .where(*where)
        .order_by(col(Campaign.launch_date), col(Campaign.id))
        .limit(limit)
    )
    campaigns = list((await session.exec(statement)).all())
    total = (await session.exec(select(func.count()).select_from(Campaign).where(*where))).one()
    return campaigns, int(total)


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


async def preview_refusals(
    *, session: AsyncSession, team_id: str, campaign_ids: Collection[int]
) -> dict[int, str]:
    """Slack's error for each of these campaigns whose latest preview post failed."""
    failures = await failed_runs(
        session=session,
        team_id=team_id,
        job=PREVIEW_JOB,
        periods={str(campaign_id) for campaign_id in campaign_ids},
    )
    return {int(period): error for period, error in failures.items()}
