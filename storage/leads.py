"""Lead queries."""

from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import insert_ignoring_conflicts
from storage.models import Feedback, Lead
from storage.near_misses import near_email
from storage.vocabulary import OPEN_STATUSES

# How many addresses with the same name or domain are weighed against a new one.
_NEAR_EMAILS_MAX = 500


async def get_lead(*, session: AsyncSession, team_id: str, lead_id: int | None) -> Lead | None:
    """The team's lead with this id, or None (also for another team's id, or no id)."""
    if lead_id is None:
        return None
    statement = select(Lead).where(Lead.team_id == team_id, Lead.id == lead_id)
    return (await session.exec(statement)).first()


async def find_lead_by_email(*, session: AsyncSession, team_id: str, email: str) -> Lead | None:
    """The team's lead with this email (case-insensitive), or None."""
    statement = select(Lead).where(Lead.team_id == team_id, Lead.email == email.lower())
    return (await session.exec(statement)).first()


async def find_lead_by_near_email(
    *, session: AsyncSession, team_id: str, email: str
) -> Lead | None:
    """The team's one lead whose email this one is a slip of (storage.near_misses), or None.

    Only addresses with the same name or the same domain are read, so the slip is weighed
    against a few rows, not the whole table.
    """
    local, _, domain = email.lower().partition("@")
    same_name_or_domain = or_(
        col(Lead.email).startswith(f"{local}@", autoescape=True),
        col(Lead.email).endswith(f"@{domain}", autoescape=True),
    )
    statement = (
        select(Lead)
        .where(Lead.team_id == team_id, same_name_or_domain)
        .order_by(col(Lead.id))
        .limit(_NEAR_EMAILS_MAX)
    )
    leads = {lead.email: lead for lead in (await session.exec(statement)).all() if lead.email}
    meant = near_email(email.lower(), leads)
    return leads[meant] if meant is not None else None


async def find_lead_by_external_id(
    *, session: AsyncSession, team_id: str, external_id: str
) -> Lead | None:
    """The team's lead with this CRM id, or None."""
    statement = select(Lead).where(Lead.team_id == team_id, Lead.external_id == external_id)
    return (await session.exec(statement)).first()


async def find_leads_by_name(
    *, session: AsyncSession, team_id: str, name: str, limit: int
) -> list[Lead]:
    """Leads whose name or company is this name; failing that, those that contain it."""
    lowered = name.strip().lower()
    exact = or_(func.lower(Lead.name) == lowered, func.lower(Lead.company) == lowered)
    partial = or_(
        col(Lead.name).icontains(lowered, autoescape=True),
        col(Lead.company).icontains(lowered, autoescape=True),
    )
    for condition in (exact, partial):
        statement = (
            select(Lead)
            .where(Lead.team_id == team_id, condition)
            .order_by(col(Lead.last_touch_at).desc(), col(Lead.id))
            .limit(limit)
        )
        leads = list((await session.exec(statement)).all())
        if leads:
            return leads
    return []


async def get_or_create_lead(
    *,
    session: AsyncSession,
    team_id: str,
    now: datetime,
    owner: str,
    email: str | None = None,
    external_id: str | None = None,
) -> tuple[Lead, bool]:
    """The team's lead with this email or CRM id, created (owned by owner) if there is none.

    Returns the lead and whether it was created. Two people creating the same lead at the
    same moment end with one row: the insert ignores the unique conflict and re-reads.
    """
    if (email is None) == (external_id is None):
        raise ValueError("give exactly one of email and external_id")
    values = {
        "team_id": team_id,
        "email": email.lower() if email else None,
        "external_id": external_id,
        "owner": owner,
        "handed_off_at": now,
        "last_touch_at": now,
        "created_at": now,
        "updated_at": now,
    }
    new_id = await insert_ignoring_conflicts(session, Lead, values, returning=Lead.id)
    if email:
        lead = await find_lead_by_email(session=session, team_id=team_id, email=email)
    else:
        lead = await find_lead_by_external_id(
            session=session, team_id=team_id, external_id=external_id or ""
        )
    if lead is None:
        raise LookupError("lead vanished right after it was created")
    return lead, new_id is not None


async def search_leads(
    *, session: AsyncSession, team_id: str, query: str, limit: int
) -> list[Lead]:
    """The team's leads whose name, company, email or CRM id contains query, latest touch first."""
    statement = select(Lead).where(Lead.team_id == team_id)
    query = query.strip().lower()
    if query:
        statement = statement.where(
            or_(
                *(
                    col(column).icontains(query, autoescape=True)
                    for column in (Lead.name, Lead.company, Lead.email, Lead.external_id)
                )
            )
        )
    statement = statement.order_by(col(Lead.last_touch_at).desc(), col(Lead.id)).limit(limit)
    return list((await session.exec(statement)).all())


async def open_leads_of(
    *, session: AsyncSession, team_id: str, owner: str, limit: int
) -> tuple[list[Lead], int]:
    """An owner's open leads, oldest touch first (at most limit), and how many there are.

    Imported history is left out: the CRM holds what happened to those.
    """
    condition = (
        (Lead.team_id == team_id)
        & (Lead.owner == owner)
        & col(Lead.status).in_(OPEN_STATUSES)
        & col(Lead.history).is_(False)
    )
    total = (await session.exec(select(func.count()).select_from(Lead).where(condition))).one()
    statement = (
        select(Lead).where(condition).order_by(col(Lead.last_touch_at), col(Lead.id)).limit(limit)
    )
    return list((await session.exec(statement)).all()), int(total)


async def refresh_first_feedback(*, session: AsyncSession, team_id: str) -> None:
    """Recompute every lead's first-feedback time from its feedback, in one statement.

    record_feedback keeps the column; this is for data loaded in bulk around it.
    """
    first = (
        select(func.min(Feedback.created_at)).where(Feedback.lead_id == Lead.id).scalar_subquery()
    )
    await session.exec(
        update(Lead).where(col(Lead.team_id) == team_id).values(first_feedback_at=first)
    )
