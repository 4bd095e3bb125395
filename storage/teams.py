"""Workspaces."""

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import insert_ignoring_conflicts
from storage.models import Team


async def ensure_team(*, session: AsyncSession, team_id: str, now: datetime) -> bool:
    """Create the team's row unless it exists; safe when many requests race. True if created."""
    values = {"team_id": team_id, "created_at": now}
    created = await insert_ignoring_conflicts(session, Team, values, returning=Team.team_id)
    return created is not None


async def list_teams(*, session: AsyncSession, uninstalled: bool = False) -> list[Team]:
    """Every workspace leadloop serves, by id (with uninstalled: those whose data is kept too)."""
    query = select(Team).order_by(col(Team.team_id))
    if not uninstalled:
        query = query.where(col(Team.uninstalled_at).is_(None))
    return list((await session.exec(query)).all())


async def get_team(*, session: AsyncSession, team_id: str) -> Team | None:
    """The workspace with this id, or None."""
    return await session.get(Team, team_id)
