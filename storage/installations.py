"""Installations by "Add to Slack": each workspace's bot and its tokens, encrypted at rest.

Tokens go in and come out in the clear; the database sees only Fernet ciphertext (the
cipher is passed in, built from LEADLOOP_ENCRYPTION_KEY). Installing creates the team, or
brings an uninstalled one back; uninstalling forgets the tokens and keeps the data.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import insert_on_conflict
from storage.models import Team, WorkspaceInstallation
from storage.teams import ensure_team
from storage.token_cipher import TokenCipher


@dataclass(frozen=True)
class InstalledBot:
    """A workspace's bot as Slack's oauth.v2.access described it, tokens in the clear."""

    team_id: str
    bot_token: str
    bot_refresh_token: str | None = None
    bot_token_expires_at: datetime | None = None
    enterprise_id: str | None = None
    app_id: str | None = None
    bot_id: str | None = None
    bot_user_id: str | None = None
    bot_scopes: str = ""
    installer_user_id: str | None = None

    def __repr__(self) -> str:
        return f"InstalledBot(team_id={self.team_id!r}, bot_id={self.bot_id!r})"


async def save_installation(
    *, session: AsyncSession, bot: InstalledBot, cipher: TokenCipher, now: datetime
) -> bool:
    """Store the workspace's bot (replacing an earlier install) and mark the team installed.
    True if it was not installed until now (new, or back after an uninstall)."""
    was_installed = await session.get(WorkspaceInstallation, bot.team_id) is not None
    await ensure_team(session=session, team_id=bot.team_id, now=now)
    await session.exec(
        update(Team).where(col(Team.team_id) == bot.team_id).values(uninstalled_at=None)
    )
    values = {
        "team_id": bot.team_id,
        "enterprise_id": bot.enterprise_id,
        "app_id": bot.app_id,
        "bot_id": bot.bot_id,
        "bot_user_id": bot.bot_user_id,
        "bot_scopes": bot.bot_scopes,
        "bot_token": cipher.encrypt(bot.bot_token),
        "bot_refresh_token": _encrypted(cipher, bot.bot_refresh_token),
        "bot_token_expires_at": bot.bot_token_expires_at,
        "installer_user_id": bot.installer_user_id,
        "installed_at": now,
    }
    statement = insert_on_conflict(
        session,
        WorkspaceInstallation,
        conflict=[WorkspaceInstallation.team_id],
        update=[name for name in values if name != "team_id"],
    ).values(**values)
    await session.exec(statement)
    return not was_installed


async def find_installation(
    *, session: AsyncSession, team_id: str, cipher: TokenCipher, lock: bool = False
) -> InstalledBot | None:
    """The workspace's installed bot with its tokens decrypted, or None; with lock, its row
    stays locked (PostgreSQL) until the transaction ends, so one process rotates at a time."""
    row = await session.get(WorkspaceInstallation, team_id, with_for_update=lock)
    if row is None:
        return None
    return InstalledBot(
        team_id=row.team_id,
        bot_token=cipher.decrypt(row.bot_token),
        bot_refresh_token=cipher.decrypt(row.bot_refresh_token) if row.bot_refresh_token else None,
        bot_token_expires_at=row.bot_token_expires_at,
        enterprise_id=row.enterprise_id,
        app_id=row.app_id,
        bot_id=row.bot_id,
        bot_user_id=row.bot_user_id,
        bot_scopes=row.bot_scopes,
        installer_user_id=row.installer_user_id,
    )


async def save_rotated_tokens(
    *,
    session: AsyncSession,
    team_id: str,
    cipher: TokenCipher,
    bot_token: str,
    refresh_token: str,
    expires_at: datetime,
) -> None:
    """Replace the workspace's bot token and refresh token after a rotation."""
    await session.exec(
        update(WorkspaceInstallation)
        .where(col(WorkspaceInstallation.team_id) == team_id)
        .values(
            bot_token=cipher.encrypt(bot_token),
            bot_refresh_token=cipher.encrypt(refresh_token),
            bot_token_expires_at=expires_at,
        )
    )


async def mark_uninstalled(*, session: AsyncSession, team_id: str, now: datetime) -> bool:
    """Forget the workspace's tokens and mark it uninstalled, keeping its data. True if it was
    installed until now."""
    await session.exec(
        delete(WorkspaceInstallation).where(col(WorkspaceInstallation.team_id) == team_id)
    )
    result = await session.exec(
        update(Team)
        .where(col(Team.team_id) == team_id, col(Team.uninstalled_at).is_(None))
        .values(uninstalled_at=now)
    )
    return bool(result.rowcount)


async def purge_team(*, session: AsyncSession, team_id: str) -> dict[str, int]:
    """Delete every row of the workspace, in every table; the rows deleted per table."""
    deleted: dict[str, int] = {}
    for table in reversed(SQLModel.metadata.sorted_tables):
        if "team_id" in table.c:
            result = await session.exec(delete(table).where(table.c.team_id == team_id))
            deleted[table.name] = result.rowcount or 0
    return deleted


def _encrypted(cipher: TokenCipher, token: str | None) -> str | None:
    return cipher.encrypt(token) if token else None
