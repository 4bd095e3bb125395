"""Workspaces."""

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import insert_ignoring_conflicts
from storage.models import Team


async def ensure_team(*, session: AsyncSession, team_id: str, now: datetime) -> None:
    """Create the team's row unless it exists; safe when many requests race."""
    await insert_ignoring_conflicts(session, Team, {"team_id": team_id, "created_at": now})
