"""Transactions PostgreSQL aborts to break a deadlock are run again; other errors are not."""

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from storage.models import Lead, Team
from storage.transactions import in_retried_transaction
from tests.factories import TEAM
from tests.helpers import add_lead, add_team, all_rows, no_sleep


async def test_the_victim_of_a_real_deadlock_is_run_again(deps: Deps) -> None:
    if deps.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes one writer at a time: nothing to deadlock on")
    await add_team(deps)
    now = deps.clock.now()
    a = await add_lead(deps, "A", handed_off_at=now - timedelta(days=1))
    b = await add_lead(deps, "B", handed_off_at=now - timedelta(days=1))
    both_hold_one = asyncio.Barrier(2)
    runs: Counter[str] = Counter()

    def rename(first: int, second: int, name: str) -> Callable[[AsyncSession], Awaitable[None]]:
        async def work(session: AsyncSession) -> None:
            runs[name] += 1
            await session.exec(update(Lead).where(Lead.id == first).values(name=name))
            if runs[name] == 1:
                await both_hold_one.wait()  # each holds one row and now wants the other's
            await session.exec(update(Lead).where(Lead.id == second).values(name=name))

        return work

    await asyncio.gather(
        in_retried_transaction(deps.sessions, rename(a, b, "one"), sleep=no_sleep),
        in_retried_transaction(deps.sessions, rename(b, a, "two"), sleep=no_sleep),
    )

    # PostgreSQL aborted one (under a loaded machine, now and then the retry too): a
    # victim ran again, both finished, and no lead was left half renamed.
    assert min(runs.values()) >= 1 and max(runs.values()) >= 2
    names = {lead.name for lead in await all_rows(deps, Lead)}
    assert len(names) == 1 and names <= {"one", "two"}


async def test_other_errors_are_raised_at_once(deps: Deps) -> None:
    await add_team(deps)
    runs = 0

    async def duplicate_team(session: AsyncSession) -> None:
        nonlocal runs
        runs += 1
        session.add(Team(team_id=TEAM, created_at=deps.clock.now()))
        await session.flush()

    with pytest.raises(IntegrityError):
        await in_retried_transaction(deps.sessions, duplicate_team, sleep=no_sleep)
    assert runs == 1
