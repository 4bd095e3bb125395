"""Stale leads: which are stale, who holds them, and the nudges and snoozes they got."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Lead, LeadNudge
from storage.vocabulary import OPEN_STATUSES

ESCALATE_AFTER = 3
# How long the nudge's Snooze button keeps a lead out of the nudges.
SNOOZE_DAYS = 3


@dataclass(frozen=True)
class Nudge:
    """The stale leads one owner (None: nobody) is reminded of, and how many they hold."""

    owner: str | None
    leads: list[Lead]
    total: int


def stale_condition(*, team_id: str, at: datetime, stale_after_days: int) -> ColumnElement[bool]:
    """Open leads untouched for stale_after_days before at, and not snoozed at that moment.

    Imported history (handed over and past the window before leadloop knew it) is never stale.
    """
    return and_(
        col(Lead.team_id) == team_id,
        col(Lead.status).in_(OPEN_STATUSES),
        col(Lead.history).is_(False),
        col(Lead.last_touch_at) <= at - timedelta(days=stale_after_days),
        or_(col(Lead.snoozed_until).is_(None), col(Lead.snoozed_until) <= at),
    )


def _not_nudged_since(since: datetime) -> ColumnElement[bool]:
    nudged_since = (
        select(LeadNudge.lead_id)
        .where(LeadNudge.lead_id == Lead.id, LeadNudge.last_nudged_at >= since)
        .exists()
    )
    return ~nudged_since


async def stale_holders(
    *, session: AsyncSession, team_id: str, now: datetime, stale_after_days: int, since: datetime
) -> list[tuple[str | None, int]]:
    """Owners (None for ownerless) with stale leads not nudged since since, and how many."""
    statement = (
        select(Lead.owner, func.count())
        .where(
            stale_condition(team_id=team_id, at=now, stale_after_days=stale_after_days),
            _not_nudged_since(since),
        )
        .group_by(col(Lead.owner))
        .order_by(col(Lead.owner))
    )
    return [(owner, int(n)) for owner, n in (await session.exec(statement)).all()]


async def stale_leads_held_by(
    *,
    session: AsyncSession,
    team_id: str,
    owner: str | None,
    now: datetime,
    stale_after_days: int,
    since: datetime,
    limit: int,
) -> list[Lead]:
    """An owner's (or, for None, the ownerless) stale leads not nudged since since, oldest first."""
    holder = col(Lead.owner).is_(None) if owner is None else col(Lead.owner) == owner
    statement = (
        select(Lead)
        .where(
            stale_condition(team_id=team_id, at=now, stale_after_days=stale_after_days),
            _not_nudged_since(since),
            holder,
        )
        .order_by(col(Lead.last_touch_at), col(Lead.id))
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def record_nudges(
    *, session: AsyncSession, team_id: str, leads: list[Lead], now: datetime
) -> list[int]:
    """Count a nudge for each lead; returns the ids of the leads this nudge escalated.

    A nudge is unanswered when the lead was not touched since the one before; the
    ESCALATE_AFTER-th unanswered nudge in a row escalates the lead.
    """
    ids = [lead.id for lead in leads if lead.id is not None]
    existing = {
        row.lead_id: row
        for row in (
            await session.exec(select(LeadNudge).where(col(LeadNudge.lead_id).in_(ids)))
        ).all()
    }
    escalated: list[int] = []
    for lead in leads:
        assert lead.id is not None
        row = existing.get(lead.id)
        if row is None:
            row = LeadNudge(lead_id=lead.id, team_id=team_id, last_nudged_at=now)
        elif lead.last_touch_at > row.last_nudged_at:
            row.nudge_count, row.escalated_at = 0, None
        row.nudge_count += 1
        row.last_nudged_at = now
        if row.nudge_count >= ESCALATE_AFTER and row.escalated_at is None:
            row.escalated_at = now
            escalated.append(lead.id)
        session.add(row)
    await session.flush()
    return escalated


async def snooze_lead(
    *, session: AsyncSession, team_id: str, lead_id: int, until: datetime, now: datetime
) -> Lead | None:
    """Keep a lead out of nudges and stale counts until until; a snooze answers its nudges."""
    lead = (
        await session.exec(select(Lead).where(Lead.team_id == team_id, Lead.id == lead_id))
    ).first()
    if lead is None:
        return None
    lead.snoozed_until = until
    lead.updated_at = now
    session.add(lead)
    nudge = await session.get(LeadNudge, lead_id)
    if nudge is not None:
        nudge.nudge_count, nudge.escalated_at = 0, None
        session.add(nudge)
    await session.flush()
    return lead
