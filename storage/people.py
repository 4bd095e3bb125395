"""Slack's member directory, cached per workspace: who has which email and name."""

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import SlackPerson, Team

PEOPLE = SlackPerson.__table__  # type: ignore[attr-defined]
NAME_MAX = 255


@dataclass(frozen=True)
class Person:
    """A workspace member as Slack describes them."""

    user_id: str
    email: str | None
    real_name: str
    display_name: str
    active: bool


def _insert(session: AsyncSession) -> Any:
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(PEOPLE)


async def save_people(
    *, session: AsyncSession, team_id: str, people: Sequence[Person], now: datetime
) -> None:
    """Store what Slack said about these members, replacing what was cached."""
    if not people:
        return
    rows = [
        {
            **asdict(person),
            "email": person.email.lower() if person.email else None,
            "real_name": person.real_name[:NAME_MAX],
            "display_name": person.display_name[:NAME_MAX],
            "team_id": team_id,
            "fetched_at": now,
        }
        for person in {person.user_id: person for person in people}.values()
    ]
    statement = _insert(session)
    statement = statement.on_conflict_do_update(
        index_elements=[PEOPLE.c.team_id, PEOPLE.c.user_id],
        set_={
            name: statement.excluded[name] for name in rows[0] if name not in ("team_id", "user_id")
        },
    )
    await session.exec(statement, params=rows)  # type: ignore[call-overload]


async def directory(*, session: AsyncSession, team_id: str) -> list[SlackPerson]:
    """Every cached member of the workspace who may own leads (not deleted, not a bot)."""
    statement = select(SlackPerson).where(
        SlackPerson.team_id == team_id, col(SlackPerson.active).is_(True)
    )
    return list((await session.exec(statement)).all())


async def people_with_emails(
    *, session: AsyncSession, team_id: str, emails: Iterable[str], fetched_since: datetime
) -> dict[str, SlackPerson]:
    """The active members with these (lower-case) emails, cached after fetched_since, by email."""
    wanted = set(emails)
    if not wanted:
        return {}
    statement = select(SlackPerson).where(
        SlackPerson.team_id == team_id,
        col(SlackPerson.email).in_(wanted),
        col(SlackPerson.active).is_(True),
        SlackPerson.fetched_at > fetched_since,
    )
    return {person.email or "": person for person in (await session.exec(statement)).all()}


async def directory_synced_at(*, session: AsyncSession, team_id: str) -> datetime | None:
    """When the whole directory was last read from Slack (None: never)."""
    team = await session.get(Team, team_id)
    return team.people_synced_at if team is not None else None


async def mark_directory_synced(*, session: AsyncSession, team_id: str, now: datetime) -> None:
    """Record that the whole directory was read from Slack now."""
    team = await session.get(Team, team_id)
    if team is not None:
        team.people_synced_at = now
        session.add(team)
