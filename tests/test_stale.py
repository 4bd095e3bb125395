"""The one stale rule: its SQL form and its in-memory form agree on every kind of lead."""

from datetime import timedelta
from itertools import product

from sqlmodel import col, select

from bot.deps import Deps
from storage.models import Lead
from storage.stale import is_stale, stale_condition
from storage.teams import ensure_team
from tests.factories import OTHER_TEAM, TEAM

STALE_AFTER_DAYS = 3
SECOND = timedelta(seconds=1)


async def test_sql_and_memory_agree_at_every_edge(deps: Deps) -> None:
    at = deps.clock.now()
    cutoff = at - timedelta(days=STALE_AFTER_DAYS)
    statuses = ("new", "contacted", "meeting", "won", "lost")
    touches = (cutoff - SECOND, cutoff, cutoff + SECOND)
    snoozes = (None, at - SECOND, at, at + SECOND)
    async with deps.sessions.begin() as session:
        for team in (TEAM, OTHER_TEAM):
            await ensure_team(session=session, team_id=team, now=at)
        for n, (status, touch, snooze) in enumerate(product(statuses, touches, snoozes)):
            for team in (TEAM, OTHER_TEAM):
                session.add(
                    Lead(team_id=team, email=f"l{n}@x.co", status=status, last_touch_at=touch,
                         snoozed_until=snooze, handed_off_at=touch, created_at=at, updated_at=at)
                )  # fmt: skip
    condition = stale_condition(team_id=TEAM, at=at, stale_after_days=STALE_AFTER_DAYS)
    async with deps.sessions() as session:
        in_sql = set((await session.exec(select(Lead.id).where(condition))).all())
        leads = (await session.exec(select(Lead).where(Lead.team_id == TEAM))).all()
    in_memory = {
        lead.id for lead in leads if is_stale(lead, at=at, stale_after_days=STALE_AFTER_DAYS)
    }
    assert in_sql == in_memory
    # Open (3 of 5), touched at or before the cutoff (2 of 3), not snoozed at `at` (3 of 4).
    assert len(in_sql) == 3 * 2 * 3
    async with deps.sessions() as session:
        stale_statuses = select(Lead.status).where(col(Lead.id).in_(in_sql)).distinct()
        assert set((await session.exec(stale_statuses)).all()) == {"new", "contacted", "meeting"}
