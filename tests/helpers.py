"""Reading what the app stored and what it sent, for assertions."""

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, text
from sqlmodel import SQLModel, select
from starlette.types import ASGIApp, Message

from bot.cli import main
from bot.demo.slack_standin import ResponseUrlPost, SlackStandIn
from bot.deps import Deps
from bot.slack_client import build_client
from storage.models import Campaign, Feedback, Lead, Team
from storage.teams import ensure_team
from tests.factories import BOT_TOKEN, REP, TEAM


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
    async with deps.sessions.begin() as session:
        await ensure_team(session=session, team_id=team_id, now=deps.clock.now())


async def seed_campaign(deps: Deps, team_id: str, slug: str, name: str = "") -> int:
    """Store a campaign with this slug (and its workspace) and return its id."""
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


def with_settings(deps: Deps, **overrides: Any) -> Deps:
    """The same services with some settings changed (values must already be valid)."""
    unknown = set(overrides) - set(type(deps.settings).model_fields)
    if unknown:
        raise TypeError(f"no such settings: {sorted(unknown)}")
    return dataclasses.replace(deps, settings=deps.settings.model_copy(update=overrides))


def job_client(deps: Deps) -> AsyncWebClient:
    """A client for jobs, pointed at the stand-in, with short back-offs."""
    return build_client(token=BOT_TOKEN, base_url=deps.settings.slack_api_url, backoff_factor=0.01)


async def run_cli(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """`leadloop ARGS` on the test database at the test clock: status, stdout, stderr."""
    monkeypatch.setenv("DATABASE_URL", deps.settings.database_url)
    status = await asyncio.to_thread(main, list(args), clock=deps.clock)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


async def no_sleep(_seconds: float) -> None:
    """A back-off that does not wait, so retry tests run at once."""


async def add_team(deps: Deps, team_id: str = TEAM, *, created_at: datetime | None = None) -> None:
    """Store a team row (or set the installed one's creation time)."""
    async with deps.sessions.begin() as session:
        await session.merge(
            Team(team_id=team_id, created_at=created_at or datetime(2026, 1, 1, tzinfo=UTC))
        )


async def add_campaign(
    deps: Deps, name: str, *, launch_date: date, team_id: str = TEAM, slug: str | None = None
) -> int:
    """Store a campaign; returns its id."""
    async with deps.sessions.begin() as session:
        campaign = Campaign(
            team_id=team_id,
            name=name,
            slug=slug or name.lower().replace(" ", "-"),
            launch_date=launch_date,
            owner="U0MKT",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        session.add(campaign)
        await session.flush()
        assert campaign.id is not None
        return campaign.id


async def add_lead(
    deps: Deps,
    name: str,
    *,
    handed_off_at: datetime,
    last_touch_at: datetime | None = None,
    owner: str | None = REP,
    campaign_id: int | None = None,
    status: str = "new",
    snoozed_until: datetime | None = None,
    team_id: str = TEAM,
) -> int:
    """Store a lead; returns its id."""
    async with deps.sessions.begin() as session:
        lead = Lead(
            team_id=team_id,
            name=name,
            email=f"{name.lower().replace(' ', '.')}@example.com",
            owner=owner,
            campaign_id=campaign_id,
            status=status,
            handed_off_at=handed_off_at,
            last_touch_at=last_touch_at or handed_off_at,
            snoozed_until=snoozed_until,
            created_at=handed_off_at,
            updated_at=handed_off_at,
        )
        session.add(lead)
        await session.flush()
        assert lead.id is not None
        return lead.id


async def add_feedback(
    deps: Deps,
    lead_id: int,
    rating: str,
    *,
    at: datetime,
    author: str = REP,
    reason: str | None = None,
    team_id: str = TEAM,
) -> None:
    """Store a feedback record as it was given at `at` (the lead's touch is set by the test);
    the lead's first-feedback time follows, as record_feedback keeps it."""
    async with deps.sessions.begin() as session:
        session.add(
            Feedback(
                team_id=team_id,
                lead_id=lead_id,
                author=author,
                rating=rating,
                reason=reason,
                created_at=at,
            )
        )
        lead = await session.get(Lead, lead_id)
        if lead is not None and (lead.first_feedback_at is None or at < lead.first_feedback_at):
            lead.first_feedback_at = at


@contextlib.asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[None]:
    """Run an ASGI app's start-up, and its shut-down on leaving, as a server would."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))  # type: ignore[arg-type]
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    assert started["type"] == "lifespan.startup.complete", started
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task


async def settle(timeout: float = 10.0) -> None:
    """Wait for the work the app does after it acks (listeners run as tasks)."""
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    if pending:
        await asyncio.wait(pending, timeout=timeout)


def errors_logged(caplog: Any) -> list[str]:
    """Records at ERROR or above, and any record with a traceback, as one line each."""
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.ERROR or record.exc_info
    ]
