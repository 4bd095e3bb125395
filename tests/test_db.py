"""The one INSERT … ON CONFLICT helper, on SQLite and PostgreSQL alike."""

from sqlmodel import select

from bot.deps import Deps
from storage.db import insert_ignoring_conflicts, insert_on_conflict
from storage.models import Team, TeamSettingsRow
from tests.factories import OTHER_TEAM, TEAM
from tests.helpers import all_rows


async def test_a_conflicting_row_is_skipped_and_returns_nothing(deps: Deps) -> None:
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        first = await insert_ignoring_conflicts(
            session, Team, {"team_id": TEAM, "created_at": now}, returning=Team.team_id
        )
        again = await insert_ignoring_conflicts(
            session, Team, {"team_id": TEAM, "created_at": now}, returning=Team.team_id
        )
    assert (first, again) == (TEAM, None)
    assert [team.team_id for team in await all_rows(deps, Team)] == [TEAM]


async def test_many_rows_at_once_return_only_the_new_ones(deps: Deps) -> None:
    now = deps.clock.now()
    rows = [{"team_id": team, "created_at": now} for team in (TEAM, OTHER_TEAM)]
    async with deps.sessions.begin() as session:
        await insert_ignoring_conflicts(session, Team, rows[0])
        statement = insert_on_conflict(session, Team).returning(Team.team_id)
        stored = (await session.exec(statement, params=rows)).scalars().all()  # type: ignore[call-overload]
    assert list(stored) == [OTHER_TEAM]


async def test_an_update_on_conflict_changes_only_the_named_columns(deps: Deps) -> None:
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        await insert_ignoring_conflicts(session, Team, {"team_id": TEAM, "created_at": now})
        for by, stale in (("U0FIRST", 3), ("U0SECOND", 9)):
            statement = insert_on_conflict(
                session, TeamSettingsRow, conflict=["team_id"], update=["updated_by"]
            ).values(team_id=TEAM, updated_by=by, updated_at=now, stale_after_days=stale)
            await session.exec(statement)
    async with deps.sessions() as session:
        [row] = (await session.exec(select(TeamSettingsRow))).all()
    assert (row.updated_by, row.stale_after_days) == ("U0SECOND", 3)
