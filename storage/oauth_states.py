"""OAuth states: issued to a browser at /slack/install, each good for one redirect."""

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OAuthState


async def issue_state(
    *, session: AsyncSession, state: str, expires_at: datetime, now: datetime
) -> None:
    """Store a new state (and drop the expired ones, so the table stays small)."""
    await session.exec(delete(OAuthState).where(col(OAuthState.expires_at) <= now))
    session.add(OAuthState(state=state, expires_at=expires_at))


async def consume_state(*, session: AsyncSession, state: str, now: datetime) -> bool:
    """Use up the state: True once for a state issued and not expired, then never again."""
    result = await session.exec(
        delete(OAuthState).where(col(OAuthState.state) == state, col(OAuthState.expires_at) > now)
    )
    return result.rowcount == 1
