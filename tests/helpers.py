"""Reading what the app stored and what it sent, for assertions."""

import asyncio
from typing import Any

from sqlalchemy import func, text
from sqlmodel import SQLModel, select

from bot.deps import Deps
from bot.slack_standin import ResponseUrlPost, SlackStandIn


async def count_rows(deps: Deps, model: type[SQLModel]) -> int:
    """How many rows a table holds."""
    async with deps.sessions() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def all_rows(deps: Deps, model: type[SQLModel]) -> list[Any]:
    """Every row of a table, in insertion order."""
    async with deps.sessions() as session:
        return list((await session.exec(select(model).order_by(text("1")))).all())


async def wait_for_responses(
    standin: SlackStandIn, count: int = 1, timeout: float = 5.0
) -> list[ResponseUrlPost]:
    """Wait until the app has posted count messages to response_urls (it does after the ack)."""
    for _ in range(int(timeout / 0.01)):
        if len(standin.responses) >= count:
            return standin.responses
        await asyncio.sleep(0.01)
    raise AssertionError(f"expected {count} response_url posts, saw {len(standin.responses)}")


def texts_of(blocks: list[dict[str, Any]]) -> str:
    """Every text in a message's blocks, joined, to check what a user would read."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(found)


async def seed_team(deps: Deps, team_id: str) -> None:
    """Give the database a workspace row, as its first Slack request would."""
    from storage.teams import ensure_team

    async with deps.sessions.begin() as session:
        await ensure_team(session=session, team_id=team_id, now=deps.clock.now())


async def seed_campaign(deps: Deps, team_id: str, slug: str, name: str = "") -> int:
    """Store a campaign with this slug (and its workspace) and return its id."""
    from storage.models import Campaign

    await seed_team(deps, team_id)
    campaign = Campaign(
        team_id=team_id,
        name=name or slug.replace("-", " ").title(),
        slug=slug,
        launch_date=deps.clock.now().date(),
        owner="U0MARKETER",
        created_at=deps.clock.now(),
    )
    async with deps.sessions.begin() as session:
        session.add(campaign)
        await session.flush()
        assert campaign.id is not None
        return campaign.id
