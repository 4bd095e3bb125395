"""Feedback and leads for export, streamed from the database a partition at a time."""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Campaign, Feedback, Lead, SlackPerson

PARTITION = 1000

FEEDBACK_COLUMNS = (
    "feedback_id",
    "created_at",
    "author",
    "author_name",
    "author_email",
    "rating",
    "status",
    "reason",
    "note",
    "lead_id",
    "lead_external_id",
    "lead_email",
    "lead_name",
    "lead_company",
    "lead_owner",
    "lead_owner_name",
    "lead_owner_email",
    "lead_status",
    "campaign_slug",
    "campaign_name",
)

LEAD_COLUMNS = (
    "lead_id",
    "external_id",
    "email",
    "name",
    "company",
    "owner",
    "owner_name",
    "owner_email",
    "status",
    "history",
    "handed_off_at",
    "last_touch_at",
    "snoozed_until",
    "campaign_slug",
    "campaign_name",
    "feedback_count",
    "latest_rating",
)


async def _stream(session: AsyncSession, statement: Any) -> AsyncIterator[Row[Any]]:
    result = await session.stream(statement.execution_options(yield_per=PARTITION))
    async for row in result:
        yield row


def _within(column: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    conditions = []
    if since is not None:
        conditions.append(column >= since)
    if until is not None:
        conditions.append(column < until)
    return conditions


def _person(team_id: str, user_id: Any) -> tuple[Any, Any, Any]:
    """A joinable copy of the Slack directory for one user column: (person, name, email)."""
    person = aliased(SlackPerson)
    name = func.coalesce(func.nullif(person.real_name, ""), person.display_name)
    joined = (person, (person.team_id == team_id) & (person.user_id == user_id))
    return joined, name, person.email


def stream_feedback(
    *, session: AsyncSession, team_id: str, since: datetime | None, until: datetime | None
) -> AsyncIterator[Row[Any]]:
    """The team's feedback created in [since, until), oldest first, with its lead and campaign,
    and the author's and owner's names and emails from the Slack directory."""
    author, author_name, author_email = _person(team_id, Feedback.author)
    owner, owner_name, owner_email = _person(team_id, Lead.owner)
    statement = (
        select(
            Feedback.id,
            Feedback.created_at,
            Feedback.author,
            author_name,
            author_email,
            Feedback.rating,
            Feedback.status,
            Feedback.reason,
            Feedback.note,
            Lead.id,
            Lead.external_id,
            Lead.email,
            Lead.name,
            Lead.company,
            Lead.owner,
            owner_name,
            owner_email,
            Lead.status,
            Campaign.slug,
            Campaign.name,
        )
        .join(Lead, col(Lead.id) == Feedback.lead_id)
        .outerjoin(Campaign, col(Campaign.id) == Lead.campaign_id)
        .outerjoin(*author)
        .outerjoin(*owner)
        .where(Feedback.team_id == team_id, *_within(Feedback.created_at, since, until))
        .order_by(col(Feedback.created_at), col(Feedback.id))
    )
    return _stream(session, statement)


def stream_leads(
    *, session: AsyncSession, team_id: str, since: datetime | None, until: datetime | None
) -> AsyncIterator[Row[Any]]:
    """The team's leads handed off in [since, until), oldest first, with how sales rated them
    and the owner's name and email from the Slack directory."""
    owner, owner_name, owner_email = _person(team_id, Lead.owner)
    feedback_count = (
        select(func.count()).where(Feedback.lead_id == Lead.id).correlate(Lead).scalar_subquery()
    )
    latest_rating = (
        select(Feedback.rating)
        .where(Feedback.lead_id == Lead.id)
        .order_by(col(Feedback.created_at).desc(), col(Feedback.id).desc())
        .limit(1)
        .correlate(Lead)
        .scalar_subquery()
    )
    statement = (
        select(
            Lead.id,
            Lead.external_id,
            Lead.email,
            Lead.name,
            Lead.company,
            Lead.owner,
            owner_name,
            owner_email,
            Lead.status,
            Lead.history,
            Lead.handed_off_at,
            Lead.last_touch_at,
            Lead.snoozed_until,
            Campaign.slug,
            Campaign.name,
            feedback_count,
            latest_rating,
        )
        .outerjoin(Campaign, col(Campaign.id) == Lead.campaign_id)
        .outerjoin(*owner)
        .where(Lead.team_id == team_id, *_within(Lead.handed_off_at, since, until))
        .order_by(col(Lead.handed_off_at), col(Lead.id))
    )
    return _stream(session, statement)
