"""Routing new leads to reps: round-robin turns, atomic claims and hand-overs, first touch.

Every hand-over is a conditional UPDATE on the lead (it still has the routing round the
caller saw and no first touch), so two clicks, two replicas or a click and a reassignment
can never both win: the database decides, not a read before the write. Each step is also
recorded as a lead event under a unique (lead, kind, round) key.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import bindparam, false, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import insert_ignoring_conflicts, insert_on_conflict
from storage.leads import get_lead
from storage.models import Lead, LeadEvent, RoutingCard, RoutingRep
from storage.vocabulary import LeadStatus

LEADS = Lead.__table__  # type: ignore[attr-defined]


class EventKind:
    """The routing steps recorded on a lead, once per hand-over (round)."""

    ASSIGNED = "assigned"
    CLAIMED = "claimed"
    DECLINED = "declined"
    REMINDED = "reminded"
    REASSIGNED = "reassigned"
    CONTACTED = "contacted"


def waiting_for_first_touch() -> list[object]:
    """The conditions of a routed lead whose owner has not touched it yet."""
    return [
        col(Lead.first_touch_at).is_(None),
        col(Lead.assigned_at).is_not(None),
        Lead.status == LeadStatus.NEW.value,
        Lead.history == false(),
    ]


def touch_first(lead: Lead, now: datetime) -> bool:
    """Mark the lead's first touch now unless it has one; whether this was it."""
    if lead.first_touch_at is not None:
        return False
    lead.first_touch_at = now
    return True


def pick_rep(
    reps: Sequence[RoutingRep], loads: dict[str, int], *, cap: int, exclude: set[str]
) -> RoutingRep | None:
    """The rep whose turn it is: present, under the cap, not excluded, and waiting longest
    since their last lead (lowest turn; ties in pool order)."""
    free = [
        rep
        for rep in reps
        if not rep.away and rep.user_id not in exclude and loads.get(rep.user_id, 0) < cap
    ]
    return min(free, key=lambda rep: rep.turn, default=None)


async def pool_reps(
    *, session: AsyncSession, team_id: str, pool: Sequence[str], lock: bool = True
) -> list[RoutingRep]:
    """The pool's rows in pool order (created at turn 0 for newcomers), locked for this
    transaction on PostgreSQL so that concurrent batches take turns one after the other."""
    # Locked in one order (by user id) by everyone, or two batches each holding one rep's row
    # wait for the other's: a deadlock.
    statement = (
        select(RoutingRep)
        .where(RoutingRep.team_id == team_id, col(RoutingRep.user_id).in_(pool))
        .order_by(col(RoutingRep.user_id))
    )
    if lock:
        statement = statement.with_for_update()
    rows = {row.user_id: row for row in (await session.exec(statement)).all()}
    if len(rows) < len(set(pool)):
        for user_id in sorted(set(pool) - set(rows)):
            await insert_ignoring_conflicts(session, RoutingRep, _new_rep(team_id, user_id))
        rows = {row.user_id: row for row in (await session.exec(statement)).all()}
    return [rows[user_id] for user_id in pool if user_id in rows]


async def untouched_loads(
    *, session: AsyncSession, team_id: str, reps: Sequence[str]
) -> dict[str, int]:
    """How many routed new leads each rep holds without a first touch."""
    statement = (
        select(Lead.owner, func.count())
        .where(Lead.team_id == team_id, col(Lead.owner).in_(reps), *waiting_for_first_touch())
        .group_by(Lead.owner)
    )
    return {owner: count for owner, count in (await session.exec(statement)).all() if owner}


async def take_turns(
    *,
    session: AsyncSession,
    team_id: str,
    lead_ids: Sequence[int],
    pool: Sequence[str],
    cap: int,
    now: datetime,
    exclude: dict[int, set[str]] | None = None,
) -> dict[int, str | None]:
    """Pick a rep for each lead in turn (None: nobody available); the turns are stored."""
    reps = await pool_reps(session=session, team_id=team_id, pool=pool)
    loads = await untouched_loads(session=session, team_id=team_id, reps=pool)
    turn = max((rep.turn for rep in reps), default=0)
    chosen: dict[int, str | None] = {}
    for lead_id in lead_ids:
        rep = pick_rep(reps, loads, cap=cap, exclude=(exclude or {}).get(lead_id, set()))
        chosen[lead_id] = rep.user_id if rep is not None else None
        if rep is not None:
            turn += 1
            rep.turn, rep.last_assigned_at = turn, now
            loads[rep.user_id] = loads.get(rep.user_id, 0) + 1
            session.add(rep)
    await session.flush()
    return chosen


@dataclass(frozen=True)
class HandOver:
    """One lead going to a rep (or, with to None, back to the channel) from a known round."""

    lead_id: int
    to: str | None
    round: int


async def hand_over(
    *, session: AsyncSession, team_id: str, moves: Sequence[HandOver], kind: str, now: datetime
) -> list[HandOver]:
    """Apply the hand-overs whose lead is still at the round seen and untouched, each as one
    conditional UPDATE, and record each as an event of kind; the ones that won."""
    statement = (
        update(LEADS)
        .where(
            LEADS.c.id == bindparam("lead"),
            LEADS.c.team_id == team_id,
            LEADS.c.routing_round == bindparam("seen"),
            LEADS.c.first_touch_at.is_(None),
        )
        .values(
            owner=bindparam("to"),
            assigned_at=bindparam("at"),
            routing_round=LEADS.c.routing_round + 1,
            updated_at=now,
        )
    )
    won = []
    for move in moves:
        at = now if move.to is not None else None
        params = {"lead": move.lead_id, "seen": move.round, "to": move.to, "at": at}
        result = await session.exec(statement, params=params)  # type: ignore[call-overload]
        if result.rowcount == 1:  # type: ignore[attr-defined]
            won.append(move)
    await record_events(
        session=session,
        team_id=team_id,
        events=[(move.lead_id, kind, move.round + 1, move.to) for move in won],
        now=now,
    )
    return won


async def record_events(
    *,
    session: AsyncSession,
    team_id: str,
    events: Sequence[tuple[int, str, int, str | None]],
    now: datetime,
) -> int:
    """Record (lead, kind, round, user) events, skipping any already recorded; how many new."""
    if not events:
        return 0
    rows = [
        {"team_id": team_id, "lead_id": lead, "kind": kind, "round": n, "user_id": user}
        | {"created_at": now}
        for lead, kind, n, user in events
    ]
    statement = insert_on_conflict(session, LeadEvent.__table__).returning(  # type: ignore[attr-defined]
        LeadEvent.__table__.c.id  # type: ignore[attr-defined]
    )
    return len((await session.exec(statement, params=rows)).all())  # type: ignore[call-overload]


async def has_event(*, session: AsyncSession, lead_id: int, kind: str, round: int) -> bool:
    """Whether the lead's step of this kind happened for this hand-over."""
    statement = select(LeadEvent.id).where(
        LeadEvent.lead_id == lead_id, LeadEvent.kind == kind, LeadEvent.round == round
    )
    return (await session.exec(statement)).first() is not None


async def past_owners(*, session: AsyncSession, lead_id: int) -> set[str]:
    """Everyone the lead was ever handed to, for "never to the same rep"."""
    statement = select(LeadEvent.user_id).where(
        LeadEvent.lead_id == lead_id, col(LeadEvent.user_id).is_not(None)
    )
    return {user for user in (await session.exec(statement)).all() if user}


def _new_rep(team_id: str, user_id: str) -> dict[str, object]:
    return {"team_id": team_id, "user_id": user_id, "turn": 0, "away": False}


async def update_rep(
    *, session: AsyncSession, team_id: str, user_id: str, **values: object
) -> None:
    """Set values on a rep's routing row, creating it first (turn 0, present) if need be."""
    await insert_ignoring_conflicts(session, RoutingRep, _new_rep(team_id, user_id))
    statement = (
        update(RoutingRep)
        .where(col(RoutingRep.team_id) == team_id, col(RoutingRep.user_id) == user_id)
        .values(**values)
    )
    await session.exec(statement)  # type: ignore[call-overload]


async def set_away(*, session: AsyncSession, team_id: str, user_id: str, away: bool) -> None:
    """Mark a rep away (no leads routed to them) or back."""
    await update_rep(session=session, team_id=team_id, user_id=user_id, away=away)


async def is_away(*, session: AsyncSession, team_id: str, user_id: str) -> bool:
    """Whether the rep said they are away."""
    row = await session.get(RoutingRep, (team_id, user_id))
    return bool(row is not None and row.away)


def unclaimed() -> list[object]:
    """The conditions of a lead routed to the channel and not claimed yet."""
    return [
        col(Lead.owner).is_(None),
        Lead.routing_round > 0,
        col(Lead.first_touch_at).is_(None),
        Lead.status == LeadStatus.NEW.value,
        Lead.history == false(),
    ]


async def unclaimed_leads(*, session: AsyncSession, team_id: str, limit: int) -> list[Lead]:
    """The team's leads waiting in the channel to be claimed, oldest first."""
    statement = (
        select(Lead)
        .where(Lead.team_id == team_id, *unclaimed())
        .order_by(col(Lead.handed_off_at), col(Lead.id))
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def unclaimed_count(*, session: AsyncSession, team_id: str) -> int:
    """How many of the team's leads wait in the channel to be claimed."""
    statement = select(func.count()).select_from(Lead).where(Lead.team_id == team_id, *unclaimed())
    return int((await session.exec(statement)).one())


async def save_card(
    *,
    session: AsyncSession,
    team_id: str,
    lead_id: int | None,
    channel: str,
    ts: str,
    now: datetime,
) -> None:
    """Remember a claim card (lead_id None: the queue card) to update it in place later."""
    session.add(
        RoutingCard(
            team_id=team_id, lead_id=lead_id, channel_id=channel, message_ts=ts, created_at=now
        )
    )
    await session.flush()


async def find_card(
    *, session: AsyncSession, team_id: str, lead_id: int | None
) -> RoutingCard | None:
    """The latest card of a lead (None: the queue card), if one was posted."""
    statement = select(RoutingCard).where(RoutingCard.team_id == team_id)
    statement = statement.where(
        col(RoutingCard.lead_id).is_(None) if lead_id is None else RoutingCard.lead_id == lead_id
    )
    return (await session.exec(statement.order_by(col(RoutingCard.id).desc()).limit(1))).first()


class Answer(StrEnum):
    """What became of a click on a routed lead."""

    DONE = "done"
    NO_LEAD = "no_lead"  # forged id, or another workspace's lead
    NOT_YOURS = "not_yours"  # the lead is someone else's (reassigned, or never the clicker's)
    TOO_LATE = "too_late"  # claimed or moved on since the card was posted


@dataclass(frozen=True)
class ClickResult:
    """The answer, and the lead as it stands (None when there is no such lead)."""

    answer: Answer
    lead: Lead | None = None


async def mark_contacted(
    *, session: AsyncSession, team_id: str, lead_id: int | None, user_id: str, now: datetime
) -> ClickResult:
    """The owner's Contacted: first touch now, and the lead moves from new to contacted."""
    lead = await get_lead(session=session, team_id=team_id, lead_id=lead_id)
    if lead is None:
        return ClickResult(Answer.NO_LEAD)
    if lead.owner != user_id:
        return ClickResult(Answer.NOT_YOURS, lead)
    touch_first(lead, now)
    if lead.status == LeadStatus.NEW:
        lead.status = LeadStatus.CONTACTED.value
    lead.last_touch_at = max(lead.last_touch_at, now)
    lead.updated_at = now
    session.add(lead)
    await session.flush()
    events = [(lead.id or 0, EventKind.CONTACTED, lead.routing_round, user_id)]
    await record_events(session=session, team_id=team_id, events=events, now=now)
    return ClickResult(Answer.DONE, lead)


async def claim_lead(
    *,
    session: AsyncSession,
    team_id: str,
    lead_id: int | None,
    seen: int,
    user_id: str,
    now: datetime,
) -> ClickResult:
    """Claim a lead waiting in the channel: the first click at the round seen wins."""
    lead = await get_lead(session=session, team_id=team_id, lead_id=lead_id)
    if lead is None:
        return ClickResult(Answer.NO_LEAD)
    move = HandOver(lead.id or 0, user_id, seen)
    won = lead.owner is None and await hand_over(
        session=session, team_id=team_id, moves=[move], kind=EventKind.CLAIMED, now=now
    )
    await session.refresh(lead)
    if won:
        # The claimer knows the lead: no DM about it.
        lead.notified_round = lead.routing_round
        session.add(lead)
        await session.flush()
    return ClickResult(Answer.DONE if won else Answer.TOO_LATE, lead)
