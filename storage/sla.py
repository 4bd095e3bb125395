"""The first-touch SLA: when a routed lead's owner is reminded and when it is reassigned, and
which leads are still waiting."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.business_hours import BusinessHours
from storage.models import Lead, RoutingRep
from storage.routing import LEADS, update_rep, waiting_for_first_touch

# At the deadline the owner is reminded; at this many times the SLA the lead moves on.
REASSIGN_AFTER = 2


@dataclass(frozen=True)
class Deadlines:
    """A hand-over's SLA moments: the reminder (the deadline) and the reassignment."""

    remind_at: datetime
    reassign_at: datetime


def deadlines(assigned_at: datetime, hours: BusinessHours, sla_minutes: int) -> Deadlines:
    """The deadline and the reassignment moment of a lead handed over at assigned_at."""
    return Deadlines(
        hours.add_minutes(assigned_at, sla_minutes),
        hours.add_minutes(assigned_at, REASSIGN_AFTER * sla_minutes),
    )


def minutes_left(due: datetime, now: datetime, hours: BusinessHours) -> float:
    """Business minutes from now until due; negative when overdue (by plain minutes)."""
    if now >= due:
        return -(now - due).total_seconds() / 60
    return hours.minutes_between(now, due)


async def waiting_leads(
    *, session: AsyncSession, team_id: str, owner: str | None = None
) -> list[Lead]:
    """The team's routed leads whose owner has not touched them yet, oldest hand-over first."""
    statement = select(Lead).where(
        Lead.team_id == team_id, col(Lead.owner).is_not(None), *waiting_for_first_touch()
    )
    if owner is not None:
        statement = statement.where(Lead.owner == owner)
    return list((await session.exec(statement.order_by(col(Lead.assigned_at), col(Lead.id)))).all())


def _untold(team_id: str) -> list[object]:
    return [
        LEADS.c.team_id == team_id,
        LEADS.c.notified_round < LEADS.c.routing_round,
        LEADS.c.first_touch_at.is_(None),
    ]


async def untold_owners(*, session: AsyncSession, team_id: str) -> set[str | None]:
    """Whose hand-overs wait to be told (None: leads for the channel), read without a lock."""
    statement = select(LEADS.c.owner).where(*_untold(team_id)).distinct()
    return set((await session.exec(statement)).all())


async def claim_notices(
    *, session: AsyncSession, team_id: str, hold: Collection[str] = ()
) -> list[Lead]:
    """Take the team's hand-overs nobody was told about yet (a DM to the owner, or a card in
    the channel for a lead without one), marking them told in one conditional UPDATE so
    that concurrent senders never both take one. The leads of reps in hold wait."""
    statement = (
        update(LEADS)
        .where(*_untold(team_id), or_(LEADS.c.owner.is_(None), LEADS.c.owner.not_in(list(hold))))
        .values(notified_round=LEADS.c.routing_round)
        .returning(LEADS.c.id)
    )
    ids = list((await session.exec(statement)).scalars().all())  # type: ignore[call-overload]
    if not ids:
        return []
    leads = await session.exec(select(Lead).where(col(Lead.id).in_(ids)).order_by(col(Lead.id)))
    return list(leads.all())


async def release_notices(*, session: AsyncSession, leads: list[Lead]) -> None:
    """Put back hand-overs whose message could not be sent, for the next pass to send."""
    for lead in leads:
        statement = (
            update(LEADS)
            .where(LEADS.c.id == lead.id, LEADS.c.notified_round == lead.routing_round)
            .values(notified_round=lead.routing_round - 1)
        )
        await session.exec(statement)  # type: ignore[call-overload]


async def recently_notified(*, session: AsyncSession, team_id: str, since: datetime) -> set[str]:
    """The reps sent a DM of new leads since then (their next leads wait to be batched)."""
    statement = select(RoutingRep.user_id).where(
        RoutingRep.team_id == team_id, col(RoutingRep.notified_at) > since
    )
    return set((await session.exec(statement)).all())


async def mark_notified(
    *, session: AsyncSession, team_id: str, user_id: str, now: datetime
) -> None:
    """Remember that the rep was just sent a DM of new leads."""
    await update_rep(session=session, team_id=team_id, user_id=user_id, notified_at=now)
