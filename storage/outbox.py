"""The webhook outbox: events written with the change they report, delivered later, once.

Delivery claims due events with a lease (an UPDATE that moves `next_attempt_at` past the
attempt), so two `serve` processes sharing a database never send the same event at the same
time, and an event whose sender died is retried when its lease runs out.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Campaign, Feedback, Lead, WebhookOutbox

FEEDBACK_CREATED = "feedback.created"
FEEDBACK_DELETED = "feedback.deleted"
ERROR_MAX = 200


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def feedback_event(
    event_type: str, event_id: str, feedback: Feedback, lead: Lead, campaign: Campaign | None
) -> dict[str, Any]:
    """The JSON document the CRM receives about one feedback record."""
    return {
        "id": event_id,
        "type": event_type,
        "team_id": feedback.team_id,
        "feedback": {
            "id": feedback.id,
            "author": feedback.author,
            "rating": feedback.rating,
            "status": feedback.status,
            "reason": feedback.reason,
            "note": feedback.note,
            "created_at": _iso(feedback.created_at),
        },
        "lead": {
            "id": lead.id,
            "external_id": lead.external_id,
            "email": lead.email,
            "name": lead.name,
            "company": lead.company,
            "owner": lead.owner,
            "status": lead.status,
            "handed_off_at": _iso(lead.handed_off_at),
        },
        "campaign": {"slug": campaign.slug, "name": campaign.name} if campaign else None,
    }


async def enqueue_feedback_event(
    *, session: AsyncSession, event_type: str, feedback: Feedback, lead: Lead, now: datetime
) -> None:
    """Add an event about this feedback to the outbox, in the caller's transaction."""
    campaign = await session.get(Campaign, lead.campaign_id) if lead.campaign_id else None
    event_id = uuid.uuid4().hex
    body = json.dumps(
        feedback_event(event_type, event_id, feedback, lead, campaign), separators=(",", ":")
    )
    session.add(
        WebhookOutbox(
            team_id=feedback.team_id,
            event_id=event_id,
            event_type=event_type,
            feedback_id=feedback.id,
            body=body,
            next_attempt_at=now,
            created_at=now,
        )
    )
    await session.flush()


async def withdraw_feedback_events(*, session: AsyncSession, feedback: Feedback) -> bool:
    """Drop the undelivered events about a feedback record; whether one had been delivered."""
    await session.exec(
        delete(WebhookOutbox).where(  # type: ignore[call-overload]
            col(WebhookOutbox.feedback_id) == feedback.id,
            col(WebhookOutbox.delivered_at).is_(None),
        )
    )
    delivered = await session.exec(
        select(WebhookOutbox.id).where(  # type: ignore[call-overload]
            col(WebhookOutbox.feedback_id) == feedback.id,
            col(WebhookOutbox.event_type) == FEEDBACK_CREATED,
        )
    )
    return delivered.first() is not None


@dataclass(frozen=True)
class DueEvent:
    """An event claimed for one delivery attempt."""

    id: int
    event_id: str
    body: str
    attempts: int


async def claim_due_events(
    *, session: AsyncSession, now: datetime, lease: timedelta, limit: int
) -> list[DueEvent]:
    """Claim up to limit undelivered events that are due, oldest first, until now + lease."""
    due = (
        select(WebhookOutbox.id)
        .where(col(WebhookOutbox.delivered_at).is_(None), col(WebhookOutbox.next_attempt_at) <= now)
        .order_by(col(WebhookOutbox.id))
        .limit(limit)
    )
    statement = (
        update(WebhookOutbox)
        .where(
            col(WebhookOutbox.id).in_(due.scalar_subquery()),
            col(WebhookOutbox.delivered_at).is_(None),
            col(WebhookOutbox.next_attempt_at) <= now,
        )
        .values(next_attempt_at=now + lease, attempts=col(WebhookOutbox.attempts) + 1)
        .returning(
            col(WebhookOutbox.id),
            col(WebhookOutbox.event_id),
            col(WebhookOutbox.body),
            col(WebhookOutbox.attempts),
        )
    )
    rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
    return sorted((DueEvent(*row) for row in rows), key=lambda event: event.id)


async def mark_delivered(*, session: AsyncSession, event_id: int, now: datetime) -> None:
    """Record that the receiver accepted the event; it is never sent again."""
    await session.exec(
        update(WebhookOutbox)  # type: ignore[call-overload]
        .where(col(WebhookOutbox.id) == event_id)
        .values(delivered_at=now, last_error=None)
    )


async def mark_failed(
    *, session: AsyncSession, event_id: int, retry_at: datetime, error: str
) -> None:
    """Record a failed attempt and when to try again."""
    await session.exec(
        update(WebhookOutbox)  # type: ignore[call-overload]
        .where(col(WebhookOutbox.id) == event_id, col(WebhookOutbox.delivered_at).is_(None))
        .values(next_attempt_at=retry_at, last_error=error[:ERROR_MAX])
    )


async def prune_delivered(*, session: AsyncSession, before: datetime) -> int:
    """Delete events delivered before this moment; how many went."""
    result = await session.exec(
        delete(WebhookOutbox).where(  # type: ignore[call-overload]
            col(WebhookOutbox.delivered_at) < before
        )
    )
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class OutboxBacklog:
    """How many events wait for delivery, and since when the oldest has waited."""

    depth: int
    oldest_created_at: datetime | None

    def oldest_age_seconds(self, now: datetime) -> float:
        """Seconds the oldest waiting event has waited at now (0 when none waits)."""
        if self.oldest_created_at is None:
            return 0.0
        return max(0.0, (now - self.oldest_created_at).total_seconds())


async def outbox_backlog(*, session: AsyncSession) -> OutboxBacklog:
    """The undelivered events' count and the oldest one's creation time."""
    statement = select(  # type: ignore[call-overload]
        func.count(col(WebhookOutbox.id)), func.min(col(WebhookOutbox.created_at))
    ).where(col(WebhookOutbox.delivered_at).is_(None))
    depth, oldest = (await session.exec(statement)).one()
    return OutboxBacklog(depth=int(depth), oldest_created_at=oldest)
