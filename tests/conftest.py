"""Shared fixtures: a clean environment, a real database (SQLite, and PostgreSQL when
TEST_POSTGRES_URL is set), the Slack stand-in on loopback, and the real HTTP app."""

import asyncio
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from bot.app import build_bolt_app
from bot.clock import ManualClock, SystemClock
from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.installation import install_workspace
from bot.settings import Settings, normalise_database_url
from bot.slack_client import build_client
from bot.web import build_web_app
from storage.db import create_engine, create_sessions
from storage.migrate import upgrade
from tests.factories import BOT_TOKEN, SIGNING_SECRET, TEAM, SlackDriver

TEST_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A developer's shell or .env file never leaks into a test."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "LEADLOOP_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def no_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Time is injected: a test that reaches for the real clock fails, whatever the date."""

    def refuse(_self: SystemClock) -> datetime:
        raise AssertionError("a test read the wall clock: give it a ManualClock")

    monkeypatch.setattr(SystemClock, "now", refuse)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """A CLI test sets logging up for a whole process; the next test gets pytest's back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def standin() -> Iterator[SlackStandIn]:
    """The Slack Web API stand-in, on a loopback port, for the whole run."""
    with SlackStandIn(token=BOT_TOKEN, team_id=TEAM) as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_standin(standin: SlackStandIn) -> None:
    standin.reset()


def _migrate(url: str) -> None:
    async def run() -> None:
        engine = create_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database(worker_id: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this run (for this xdist worker: each has
    its own, named after it), dropped at the end."""
    if not TEST_POSTGRES_URL:
        pytest.skip("TEST_POSTGRES_URL is not set")
    admin_url = normalise_database_url(TEST_POSTGRES_URL)
    name = f"leadloop_test_{uuid.uuid4().hex[:10]}_{worker_id}"

    async def admin(statement: str) -> None:
        engine = create_engine(admin_url)
        try:
            async with engine.connect() as connection:
                connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    _migrate(url)
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# Empties the test database as TRUNCATE … RESTART IDENTITY would, in one round trip: DELETE,
# children before parents, then every sequence back to 1. TRUNCATE replaces each table's
# files, 150 to 450 ms for the 17 tables; deleting the few rows a test leaves takes 2 to 5 ms.
def _empty_postgres() -> str:
    deletes = (f'DELETE FROM "{t.name}"; ' for t in reversed(SQLModel.metadata.sorted_tables))
    return (
        f"DO $$BEGIN {''.join(deletes)}"
        "PERFORM setval(format('%I.%I', schemaname, sequencename), 1, false) "
        "FROM pg_sequences WHERE schemaname = current_schema(); END$$"
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test runs on SQLite, and on PostgreSQL too when TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        path = tmp_path / "leadloop.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    return request.getfixturevalue("postgres_database")


@pytest.fixture
def clock() -> ManualClock:
    """A clock that stands still at 2026-11-24 10:00 UTC until a test moves it."""
    return ManualClock(START)


def make_settings(**overrides: Any) -> Settings:
    """Settings from explicit values only (no environment, no .env)."""
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


@pytest.fixture
async def deps(database_url: str, clock: ManualClock, standin: SlackStandIn) -> AsyncIterator[Deps]:
    """The app's services on the test database, pointed at the stand-in."""
    settings = make_settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin.base_url,
        database_url=database_url,
        team_id=TEAM,  # as LEADLOOP_TEAM_ID: installing asks Slack nothing
    )
    engine = create_engine(settings.database_url)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            await connection.execute(text(_empty_postgres()))
    slack = build_client(token=BOT_TOKEN, base_url=standin.base_url, backoff_factor=0.01)
    deps = Deps(
        settings=settings,
        engine=engine,
        sessions=create_sessions(engine),
        clock=clock,
        slack=slack,
    )
    yield deps
    await deps.http.close()
    await engine.dispose()


@pytest.fixture
async def slack(deps: Deps, standin: SlackStandIn) -> AsyncIterator[SlackDriver]:
    """Signed requests through the real HTTP app of the installed workspace (TEAM, which
    the stand-in's auth.test names); waits for listeners still running after."""
    await install_workspace(deps)
    web_app = build_web_app(build_bolt_app(deps), deps)
    transport = httpx.ASGITransport(app=web_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://leadloop.test") as http:
        yield SlackDriver(http, standin)
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    if pending:
        await asyncio.wait(pending, timeout=10)
