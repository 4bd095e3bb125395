"""Searching leads by what people type: `%` and `_` are letters, not wildcards."""

from bot.deps import Deps
from storage.leads import find_leads_by_name, search_leads
from storage.models import Lead
from storage.teams import ensure_team
from tests.factories import TEAM

NAMES = ("100% Growth", "1000 Growth", "Data_Works", "Data-Works", "Back\\slash", "a/b")


async def stored(deps: Deps) -> dict[str, int]:
    """The leads of NAMES, by name."""
    now = deps.clock.now()
    leads = [
        Lead(team_id=TEAM, name=name, email=f"l{n}@x.co", handed_off_at=now, last_touch_at=now,
             created_at=now, updated_at=now)
        for n, name in enumerate(NAMES)
    ]  # fmt: skip
    async with deps.sessions.begin() as session:
        await ensure_team(session=session, team_id=TEAM, now=now)
        session.add_all(leads)
    return {lead.name: lead.id for lead in leads if lead.id is not None}


async def test_wildcards_in_a_search_are_taken_literally(deps: Deps) -> None:
    ids = await stored(deps)
    async with deps.sessions() as session:
        for query, expected in (
            ("0%", {"100% Growth"}),
            ("a_w", {"Data_Works"}),
            ("%", {"100% Growth"}),
            ("_", {"Data_Works"}),
            ("k\\s", {"Back\\slash"}),
            ("a/B", {"a/b"}),
            ("GROWTH", {"100% Growth", "1000 Growth"}),
        ):
            found = await search_leads(session=session, team_id=TEAM, query=query, limit=10)
            assert {lead.id for lead in found} == {ids[name] for name in expected}, query


async def test_a_name_with_wildcards_finds_only_itself(deps: Deps) -> None:
    ids = await stored(deps)
    async with deps.sessions() as session:
        for name, expected in (("% growth", "100% Growth"), ("A_W", "Data_Works")):
            found = await find_leads_by_name(session=session, team_id=TEAM, name=name, limit=5)
            assert [lead.id for lead in found] == [ids[expected]], name
