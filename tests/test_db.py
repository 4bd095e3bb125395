"""The one INSERT … ON CONFLICT helper, on SQLite and PostgreSQL alike; SQLite's writers
taking turns across processes."""

import asyncio
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.deps import Deps
from storage.db import (
    create_engine,
    create_sessions,
    insert_ignoring_conflicts,
    insert_on_conflict,
    writer_lock_path,
)
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


@contextmanager
def _lock_file(deps: Deps) -> Iterator[int]:
    path = writer_lock_path(deps.settings.database_url)
    if path is None:
        pytest.skip("PostgreSQL takes its writers in turn itself")
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        yield fd
    finally:
        os.close(fd)


def _free(fd: int) -> bool:
    """Whether another process could take the writers' lock now."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    fcntl.flock(fd, fcntl.LOCK_UN)
    return True


async def test_a_sqlite_write_transaction_holds_the_lock_other_processes_wait_on(
    deps: Deps,
) -> None:
    with _lock_file(deps) as other_process:
        assert _free(other_process)
        async with deps.sessions.begin() as session:
            session.add(Team(team_id=TEAM, created_at=deps.clock.now()))
            await session.flush()
            assert not _free(other_process)
        assert _free(other_process)
        # The quick form's direct write on SQLite takes the same turn.
        assert await deps.sessions.write_directly(lambda _connection: _free(other_process)) is False
        assert _free(other_process)
        async with deps.sessions() as session:  # reading takes no turn
            await session.exec(select(Team))
            assert _free(other_process)


async def test_a_writer_waits_for_another_process_then_writes(deps: Deps) -> None:
    with _lock_file(deps) as other_process:
        if deps.engine.dialect.name != "sqlite":
            return
        fcntl.flock(other_process, fcntl.LOCK_EX)

        async def write() -> None:
            async with deps.sessions.begin() as session:
                session.add(Team(team_id=TEAM, created_at=deps.clock.now()))

        given_up, writing = asyncio.create_task(write()), asyncio.create_task(write())
        for _ in range(3):
            await asyncio.sleep(0)
        given_up.cancel()  # a request that gives up while waiting leaves no lock behind
        for _ in range(3):
            await asyncio.sleep(0)
        assert not writing.done() and not given_up.done()
        fcntl.flock(other_process, fcntl.LOCK_UN)
        async with asyncio.timeout(10):
            await writing
        with pytest.raises(asyncio.CancelledError):
            await given_up
        assert [t.team_id for t in await all_rows(deps, Team)] == [TEAM]
        assert _free(other_process)


async def test_in_memory_sqlite_and_postgresql_have_no_lock_file() -> None:
    assert writer_lock_path("sqlite+aiosqlite:///:memory:") is None
    assert writer_lock_path("postgresql+asyncpg://u@h/db") is None
    assert writer_lock_path("sqlite+aiosqlite:////tmp/x/leadloop.db") == (
        "/tmp/x/leadloop.db-writer.lock"
    )
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        async with create_sessions(engine).begin() as session:
            await session.exec(text("SELECT 1"))
    finally:
        await engine.dispose()


async def test_a_direct_write_waits_for_another_process_then_writes_and_lets_go(
    deps: Deps,
) -> None:
    with _lock_file(deps) as other_process:
        if deps.sessions.direct is None:
            return
        fcntl.flock(other_process, fcntl.LOCK_EX)

        def write(connection: sqlite3.Connection) -> int:
            connection.execute(
                "INSERT INTO teams (team_id, created_at) VALUES (?, ?)", (TEAM, "2026-11-24")
            )
            return 7

        writing = asyncio.create_task(deps.sessions.write_directly(write))
        for _ in range(3):
            await asyncio.sleep(0)
        assert not writing.done()
        fcntl.flock(other_process, fcntl.LOCK_UN)
        async with asyncio.timeout(10):
            assert await writing == 7
        assert _free(other_process)  # held for the transaction only
        assert [t.team_id for t in await all_rows(deps, Team)] == [TEAM]
