"""Feedback: recording it, undoing it, reading a lead's history."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.leads import get_lead
from storage.models import Feedback, Lead
from storage.outbox import (
    FEEDBACK_CREATED,
    FEEDBACK_DELETED,
    enqueue_feedback_event,
    withdraw_feedback_events,
)
from storage.routing import touch_first
from storage.verdicts import REOPENABLE, implied_status
from storage.vocabulary import LeadStatus

UNDO_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class FeedbackInput:
    """What a rep said about a lead, already validated."""

    rating: str
    status: str | None = None
    reason: str | None = None
    note: str = ""
    campaign_id: int | None = None


async def record_feedback(
    *,
    session: AsyncSession,
    team_id: str,
    lead: Lead,
    author: str,
    given: FeedbackInput,
    now: datetime,
) -> Feedback:
    """Store one feedback record and move the lead along: status, last touch, campaign.

    A rating without a status may still set one (storage.verdicts): junk closes the lead,
    hot or warm reopens a lost or disqualified one; the record keeps it, so Undo restores.
    The record's event for the CRM's webhook joins the outbox in the same transaction.
    """
    if lead.team_id != team_id:
        raise ValueError("lead belongs to another team")
    status = given.status or implied_status(
        rating=given.rating,
        current=lead.status,
        before_closing=await _status_before_closing(session, lead),
    )
    feedback = Feedback(**apply_feedback(lead, given, author=author, status=status, now=now))
    session.add(feedback)
    session.add(lead)
    await session.flush()
    await enqueue_feedback_event(
        session=session, event_type=FEEDBACK_CREATED, feedback=feedback, lead=lead, now=now
    )
    return feedback


def apply_feedback(
    lead: Lead | Any, given: FeedbackInput, *, author: str, status: str | None, now: datetime
) -> dict[str, Any]:
    """Move the lead along for a verdict whose status is settled, in place (status,
    campaign, last touch, first feedback, first touch); the record's columns to store.

    lead is a Lead, or any object with its attributes (the quick form's plain row).
    """
    record = {
        "team_id": lead.team_id,
        "lead_id": lead.id,
        "author": author,
        "rating": given.rating,
        "status": status,
        "reason": given.reason,
        "note": given.note,
        "created_at": now,
        "previous_status": lead.status if status else None,
    }
    if status:
        lead.status = status
    if given.campaign_id is not None:
        lead.campaign_id = given.campaign_id
    lead.last_touch_at = max(lead.last_touch_at, now)
    if lead.first_feedback_at is None or now < lead.first_feedback_at:
        lead.first_feedback_at = now
    if author == lead.owner or (status is not None and status != LeadStatus.NEW):
        touch_first(lead, now)
    lead.updated_at = now
    return record


async def _status_before_closing(session: AsyncSession, lead: Lead) -> str | None:
    """The status a closed lead had before the record that closed it (None if open or unknown)."""
    if lead.status not in REOPENABLE:
        return None
    closing = (
        await session.exec(
            select(Feedback.previous_status)
            .where(Feedback.lead_id == lead.id, Feedback.status == lead.status)
            .order_by(col(Feedback.created_at).desc(), col(Feedback.id).desc())
            .limit(1)
        )
    ).first()
    return closing


async def rate_lead(
    *,
    session: AsyncSession,
    team_id: str,
    lead_id: int | None,
    author: str,
    rating: str,
    now: datetime,
) -> Lead | None:
    """One-click feedback (a rating and nothing else) on the team's lead; None if no such lead."""
    lead = await get_lead(session=session, team_id=team_id, lead_id=lead_id)
    if lead is not None:
        given = FeedbackInput(rating=rating)
        await record_feedback(
            session=session, team_id=team_id, lead=lead, author=author, given=given, now=now
        )
    return lead


async def get_feedback(
    *, session: AsyncSession, team_id: str, feedback_id: int | None
) -> Feedback | None:
    """The team's feedback record with this id, or None (also for another team's id, or no id)."""
    if feedback_id is None:
        return None
    statement = select(Feedback).where(Feedback.team_id == team_id, Feedback.id == feedback_id)
    return (await session.exec(statement)).first()


class UndoOutcome(StrEnum):
    """What became of an undo request."""

    UNDONE = "undone"
    NOT_FOUND = "not_found"
    NOT_YOURS = "not_yours"
    TOO_LATE = "too_late"


def can_undo(feedback: Feedback, *, user_id: str, now: datetime) -> UndoOutcome:
    """Whether user_id may undo this record now: only the author, only within the window."""
    if feedback.author != user_id:
        return UndoOutcome.NOT_YOURS
    if now - feedback.created_at > UNDO_WINDOW:
        return UndoOutcome.TOO_LATE
    return UndoOutcome.UNDONE


async def undo_feedback(
    *, session: AsyncSession, team_id: str, feedback_id: int, user_id: str, now: datetime
) -> tuple[UndoOutcome, Feedback | None]:
    """Delete the author's own record within the undo window and restore the lead's state.

    An event about it still in the outbox is withdrawn; if the CRM already had it, it is told.
    """
    feedback = await get_feedback(session=session, team_id=team_id, feedback_id=feedback_id)
    if feedback is None:
        return UndoOutcome.NOT_FOUND, None
    outcome = can_undo(feedback, user_id=user_id, now=now)
    if outcome is not UndoOutcome.UNDONE:
        return outcome, feedback
    lead = await session.get(Lead, feedback.lead_id)
    await session.delete(feedback)
    await session.flush()
    if lead is not None:
        await _restore_lead(session=session, lead=lead, undone=feedback, now=now)
    if await withdraw_feedback_events(session=session, feedback=feedback) and lead is not None:
        await enqueue_feedback_event(
            session=session, event_type=FEEDBACK_DELETED, feedback=feedback, lead=lead, now=now
        )
    return outcome, feedback


async def _restore_lead(
    *, session: AsyncSession, lead: Lead, undone: Feedback, now: datetime
) -> None:
    later_status_change = (
        await session.exec(
            select(func.count())
            .select_from(Feedback)
            .where(
                Feedback.lead_id == lead.id,
                col(Feedback.status).is_not(None),
                Feedback.created_at >= undone.created_at,
            )
        )
    ).one()
    if undone.status and undone.previous_status and not later_status_change:
        lead.status = undone.previous_status
    first_feedback, latest_feedback = (
        await session.exec(
            select(func.min(Feedback.created_at), func.max(Feedback.created_at)).where(
                Feedback.lead_id == lead.id
            )
        )
    ).one()
    lead.last_touch_at = max(filter(None, [lead.handed_off_at, latest_feedback]))
    lead.first_feedback_at = first_feedback
    lead.updated_at = now
    session.add(lead)
    await session.flush()


async def lead_history(
    *, session: AsyncSession, team_id: str, lead_id: int, limit: int
) -> tuple[list[Feedback], int]:
    """A lead's feedback, newest first (at most limit), and how many records there are."""
    condition = (Feedback.team_id == team_id) & (Feedback.lead_id == lead_id)
    total = (await session.exec(select(func.count()).select_from(Feedback).where(condition))).one()
    statement = (
        select(Feedback)
        .where(condition)
        .order_by(col(Feedback.created_at).desc(), col(Feedback.id).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all()), int(total)


async def feedback_count_by(
    *, session: AsyncSession, team_id: str, author: str, since: datetime
) -> int:
    """How many feedback records author gave from since on."""
    statement = (
        select(func.count())
        .select_from(Feedback)
        .where(
            Feedback.team_id == team_id,
            Feedback.author == author,
            Feedback.created_at >= since,
        )
    )
    return int((await session.exec(statement)).one())


async def has_given_feedback(*, session: AsyncSession, team_id: str, author: str) -> bool:
    """Whether author ever gave feedback in this team."""
    statement = (
        select(Feedback.id).where(Feedback.team_id == team_id, Feedback.author == author).limit(1)
    )
    return (await session.exec(statement)).first() is not None


async def feedback_leaders(
    *, session: AsyncSession, team_id: str, since: datetime, limit: int
) -> list[tuple[str, int]]:
    """The authors who gave the most feedback from since on, most first (ties by id)."""
    count = func.count().label("records")
    statement = (
        select(Feedback.author, count)
        .where(Feedback.team_id == team_id, Feedback.created_at >= since)
        .group_by(Feedback.author)
        .order_by(count.desc(), col(Feedback.author))
        .limit(limit)
    )
    return [(author, int(records)) for author, records in (await session.exec(statement)).all()]
