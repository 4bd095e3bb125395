"""`leadloop purge --team T`: remove every row of a workspace that uninstalled leadloop."""

from bot.deps import Deps
from storage.installations import purge_team
from storage.teams import get_team


class PurgeRefused(Exception):
    """The workspace cannot be purged; the message says why, in one line."""


async def purge_workspace(deps: Deps, team_id: str) -> str:
    """Delete the uninstalled workspace's data in one transaction; what was removed, in words.

    A workspace still installed is refused: its data is what leadloop serves it with.
    """
    async with deps.sessions.begin() as session:
        team = await get_team(session=session, team_id=team_id)
        if team is None:
            raise PurgeRefused(f"no workspace {team_id!r} in the database: nothing to purge.")
        if team.uninstalled_at is None:
            raise PurgeRefused(
                f"workspace {team_id} still has leadloop installed: remove the app from the "
                "workspace first (its data is kept until then)."
            )
        deleted = await purge_team(session=session, team_id=team_id)
    rows = ", ".join(f"{count:,} {table}" for table, count in deleted.items() if count)
    return f"Purged workspace {team_id}: {rows or 'no rows'}."
